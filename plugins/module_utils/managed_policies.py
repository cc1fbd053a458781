# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Do the IAM managed policies a configuration needs exist? (Phase 3.1; record ``preflight.managed_policies``.)

The checklist lists AWS managed policies with ``iam list-policies --scope AWS``,
which pages through more than a thousand policies. Here each wanted policy is
looked up directly (one GetPolicy per policy), so ten policies cost ten calls.
"""

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import read_errors
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import unchecked
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import policy_arn
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import policy_reference_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import get_managed_policy

RECORD_ID = "preflight.managed_policies"
PHASE = "3"
TITLE = "The managed policies the configuration needs exist"

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
    # iam_policies.py owns IAM's naming rules for managed policies.
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


def evaluate_policies(available, missing, account=None):
    """``available``: policy views (see look_up); ``missing``: names of the policies IAM does not have."""
    names = [p["name"] for p in available]
    unattachable = [p["name"] for p in available if not p["attachable"]]
    problems = []
    if missing:
        problems.append(f"{_count(len(missing))} not found in IAM: {', '.join(missing)}")
    if unattachable:
        problems.append(f"cannot be attached to a role: {', '.join(unattachable)}")
    return records.judged(
        RECORD_ID,
        PHASE,
        TITLE,
        account,
        not problems,
        "; ".join(problems) if problems else f"{_count(len(names))} found: {', '.join(names)}",
        "check the names (aws iam get-policy --policy-arn ARN) and use policies that exist in this partition, "
        "or create the customer managed policies first",
    )


def check_policies(iam, policies, partition, account=None):
    """Look up every policy once with the boto3 IAM client ``iam``. Returns ``(available, missing, record)``.

    A look-up that fails (throttled past the retries, access denied) makes the
    record ``unknown``, never a verdict on the policies.
    """
    available = []
    missing = []
    try:
        for arn in wanted_arns(policies, partition):
            found = look_up(iam, arn)
            if found is None:
                missing.append({"name": _name(arn), "arn": arn})
            else:
                available.append(found)
    except read_errors() as e:
        record = unchecked(
            RECORD_ID, PHASE, TITLE, account, e, "iam:GetPolicy", "check the policies by hand (aws iam get-policy)"
        )
        return available, missing, record
    return available, missing, evaluate_policies(available, [p["name"] for p in missing], account)
