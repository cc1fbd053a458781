# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Who has a managed policy: the users, groups and roles it is attached to, and the users it reaches through groups.

Only reads (iam:ListEntitiesForPolicy, iam:GetGroup). amazon.aws has no module
that answers this: iam_user returns a user's attached policies, but not in
check mode, and never through groups.
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

_POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(aws|\d{12}):policy/([\w+=,.@-]+/)*[\w+=,.@-]+")
_POLICY_NAME = re.compile(r"([\w+=,.@-]+/)*[\w+=,.@-]+")


class PolicyEntitiesError(AnsibleAWSError):
    """Reading a policy's attachments failed."""


class PolicyEntitiesErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = PolicyEntitiesError


def validate_policy(policy):
    """A problem with the policy option, or None. No AWS call."""
    if policy.startswith("arn:"):
        if not _POLICY_ARN.fullmatch(policy):
            return f"policy {policy!r} is not a managed policy ARN such as arn:aws:iam::aws:policy/AdministratorAccess"
    elif not _POLICY_NAME.fullmatch(policy):
        return f"policy {policy!r} is not a managed policy name such as AdministratorAccess, or an ARN"
    return None


def policy_arn(policy, partition="aws"):
    """An ARN for a managed policy given by ARN, or by name for an AWS managed policy."""
    return policy if policy.startswith("arn:") else f"arn:{partition}:iam::aws:policy/{policy}"


@PolicyEntitiesErrorHandler.common_error_handler("list the entities the policy is attached to")
def _attachments(client, arn):
    try:
        pages = client.get_paginator("list_entities_for_policy").paginate(PolicyArn=arn).build_full_result()
    except is_boto3_error_code("NoSuchEntity") as e:
        raise PolicyEntitiesError(
            message=f"Managed policy {arn} does not exist: check its name, or give a customer managed policy's ARN",
            exception=e,
        ) from e
    return pages


@PolicyEntitiesErrorHandler.common_error_handler("list the members of a group")
def _group_members(client, group):
    pages = client.get_paginator("get_group").paginate(GroupName=group).build_full_result()
    return sorted(user["UserName"] for user in pages.get("Users", []))


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
