# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Who has a managed policy: the users, groups and roles it is attached to, and the users it reaches through groups.

Only reads (iam:ListEntitiesForPolicy, iam:GetGroup). amazon.aws has no module
that answers this: iam_user returns a user's attached policies, but not in
check mode, and never through groups.
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.iam import AnsibleIAMError
from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler

from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import policy_reference_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import paginate

# Kept for callers of 0.1: IAM's one error class now (amazon.aws's).
PolicyEntitiesError = AnsibleIAMError


def validate_policy(policy):
    """A problem with the policy option, or None. No AWS call; IAM's naming rules (iam_policies.py)."""
    problem = policy_reference_problem(policy)
    return f"policy {problem}" if problem else None


@IAMErrorHandler.common_error_handler("list the entities the policy is attached to")
def _attachments(client, arn):
    try:
        return paginate(client, "list_entities_for_policy", PolicyArn=arn)
    except is_boto3_error_code("NoSuchEntity") as e:
        raise AnsibleIAMError(
            message=f"Managed policy {arn} does not exist: check its name, or give a customer managed policy's ARN",
            exception=e,
        ) from e


@IAMErrorHandler.common_error_handler("list the members of a group")
def _group_members(client, group):
    return sorted(user["UserName"] for user in paginate(client, "get_group", "Users", GroupName=group))


def read_policy_entities(client, arn):
    """The entities ``arn`` is attached to, and every user it reaches directly or through a group."""
    pages = _attachments(client, arn)
    users = sorted(user["UserName"] for user in pages.get("PolicyUsers", []))
    groups = sorted(group["GroupName"] for group in pages.get("PolicyGroups", []))
    roles = sorted(role["RoleName"] for role in pages.get("PolicyRoles", []))
    group_members = {group: _group_members(client, group) for group in groups}
    reached = set(users)
    for members in group_members.values():
        reached.update(members)
    return {
        "policy_arn": arn,
        "users": users,
        "groups": groups,
        "roles": roles,
        "group_members": group_members,
        "all_users": sorted(reached),
    }
