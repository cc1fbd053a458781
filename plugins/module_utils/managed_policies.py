# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Do the IAM managed policies a configuration needs exist? (Checklist phase 3.1.)

The checklist lists AWS managed policies with ``iam list-policies --scope AWS``,
which pages through more than a thousand policies. Here each wanted policy is
looked up directly (one GetPolicy per policy), so ten policies cost ten calls.
"""

from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import FAIL
from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import PASS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import make_check
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import get_managed_policy
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import iam_client
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import partition_for_region
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import policy_arn
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import policy_reference_problem

# The AWS managed policies of the migration checklist's phase 3.1.
CHECKLIST_POLICIES = (
    "AWSPartnerCentralFullAccess",
    "AWSPartnerCentralOpportunityManagement",
    "AWSPartnerCentralMarketingManagement",
    "AWSPartnerCentralChannelManagement",
    "AWSPartnerCentralChannelHandshakeApprovalManagement",
    "PartnerCentralAccountManagementUserRoleAssociation",
)


def validate_policy_references(policies):
    """Every policy given that is neither a managed policy name nor an IAM policy ARN."""
    # partnercentral.py owns the naming rules for managed policies.
    return [problem for problem in map(policy_reference_problem, policies) if problem]


def wanted_arns(policies, partition):
    """The policies as ARNs, each once, in the order first given."""
    arns = []
    for policy in policies:
        arn = policy_arn(policy, partition)
        if arn not in arns:
            arns.append(arn)
    return arns


def _name(arn):
    return arn.rsplit("/", 1)[-1]


def look_up(iam, arn):
    """The policy, or None when IAM has no policy with this ARN."""
    policy = get_managed_policy(iam, arn)
    if policy is None:
        return None
    return {
        "name": policy["PolicyName"],
        "arn": policy["Arn"],
        "path": policy.get("Path", "/"),
        "default_version_id": policy.get("DefaultVersionId"),
        "attachable": policy.get("IsAttachable", True),
        "attachment_count": policy.get("AttachmentCount"),
    }


def _count(count):
    return f"{count} managed {'policy' if count == 1 else 'policies'}"


def evaluate_policies(available, missing):
    """``available``: policy views (see look_up); ``missing``: names of the policies IAM does not have."""
    names = [p["name"] for p in available]
    unattachable = [p["name"] for p in available if not p["attachable"]]
    problems = []
    if missing:
        problems.append(f"{_count(len(missing))} not found in IAM: {', '.join(missing)}")
    if unattachable:
        problems.append(f"cannot be attached to a role: {', '.join(unattachable)}")
    if not problems:
        return make_check("managed_policies", PASS, f"{_count(len(names))} found: {', '.join(names)}")
    return make_check(
        "managed_policies",
        FAIL,
        "; ".join(problems),
        "check the names (aws iam get-policy --policy-arn ARN) and use policies that exist in this partition, "
        "or create the customer managed policies first",
    )


def check_policies(module, policies):
    """Look up every policy once. Returns ``(available, missing, checks)``."""
    iam = iam_client(module)
    available = []
    missing = []
    for arn in wanted_arns(policies, partition_for_region(module.region)):
        found = look_up(iam, arn)
        if found is None:
            missing.append({"name": _name(arn), "arn": arn})
        else:
            available.append(found)
    check = evaluate_policies(available, [p["name"] for p in missing])
    return available, missing, [check]
