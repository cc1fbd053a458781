# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Partner Central's rules for IAM roles, and the converge step the role modules share.

Partner Central only offers a role for user mapping when its name starts with
``PartnerCentralRoleFor`` and its trust policy trusts the
``partnercentral-account-management.amazonaws.com`` service principal. These
rules are checked here, before any AWS call.
"""

import re

try:
    import botocore.session
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import RoleError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import apply_plan
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import missing_policies
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import plan_role
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import read_role

ROLE_PREFIX = "PartnerCentralRoleFor"
SERVICE_PRINCIPAL = "partnercentral-account-management.amazonaws.com"

# IAM's own patterns; re.ASCII because IAM's \w is ASCII only.
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
_ROLE_PATH = re.compile(r"/([\w+=,.@-]+/)*", re.ASCII)
_POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(aws|\d{12}):policy/([\w+=,.@-]+/)*[\w+=,.@-]+", re.ASCII)
_POLICY_NAME = re.compile(r"([\w+=,.@-]+/)*[\w+=,.@-]+", re.ASCII)
_DESCRIPTION = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]*")

# The options of one role, shared by partnercentral_role (top level) and
# partnercentral_roles (each item of ``roles``).
ROLE_OPTIONS = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    managed_policies=dict(type="list", elements="str", aliases=["policies"]),
    description=dict(type="str"),
    path=dict(type="str"),
    max_session_duration=dict(type="int"),
    tags=dict(type="dict", aliases=["resource_tags"]),
)


# What a role's result holds once it is deleted (or was never there).
ABSENT_ROLE_VIEW = dict(
    path=None, description=None, max_session_duration=None, trust_policy=None, managed_policies=[], tags={}
)


def trust_policy():
    """The only trust policy Partner Central accepts on its roles."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": SERVICE_PRINCIPAL},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def validate_role(role):
    """Every problem with one role's options, each with what to do about it."""
    name = role.get("name") or ""
    problems = []
    if not name.startswith(ROLE_PREFIX):
        problems.append(
            f"role name {name!r} does not start with {ROLE_PREFIX}: Partner Central only offers roles "
            f"named {ROLE_PREFIX}<Persona>, for example {ROLE_PREFIX}AllianceLead"
        )
    elif name == ROLE_PREFIX:
        problems.append(
            f"role name {name!r} needs a persona after {ROLE_PREFIX}, for example {ROLE_PREFIX}AllianceLead"
        )
    if name and not _ROLE_NAME.fullmatch(name):
        problems.append(f"role name {name!r} must be at most 64 letters, digits or +=,.@_- characters")
    path = role.get("path")
    if path is not None and (len(path) > 512 or not _ROLE_PATH.fullmatch(path)):
        problems.append(f"{name}: path {path!r} must begin and end with / and hold only letters, digits or +=,.@_-")
    duration = role.get("max_session_duration")
    if duration is not None and not 3600 <= duration <= 43200:
        problems.append(f"{name}: max_session_duration {duration} must be between 3600 and 43200 seconds")
    description = role.get("description")
    if description is not None and len(description) > 1000:
        problems.append(f"{name}: description is {len(description)} characters; IAM allows 1000")
    if description is not None and not _DESCRIPTION.fullmatch(description):
        problems.append(
            f"{name}: description has characters IAM refuses (only Latin-1 letters, tabs and newlines): "
            "replace dashes such as \u2014 and emoji with plain characters"
        )
    tags = role.get("tags") or {}
    if len(tags) > 50:
        problems.append(f"{name}: {len(tags)} tags given; IAM allows 50 on a role")
    for key, value in tags.items():
        if not 1 <= len(str(key)) <= 128 or len(str(value)) > 256:
            problems.append(f"{name}: tag {key!r} must have a key of 1 to 128 and a value of at most 256 characters")
    for policy in role.get("managed_policies") or []:
        problem = policy_reference_problem(policy)
        if problem:
            problems.append(f"{name}: {problem}")
    return problems


def policy_reference_problem(policy):
    """Why ``policy`` is neither a managed policy name nor an IAM policy ARN; None when it is one."""
    if policy.startswith("arn:"):
        if not _POLICY_ARN.fullmatch(policy):
            return f"{policy!r} is not an IAM managed policy ARN (arn:aws:iam::aws:policy/NAME)"
    elif not _POLICY_NAME.fullmatch(policy):
        return f"{policy!r} is not a managed policy name; give a name such as ReadOnlyAccess or a full ARN"
    return None


def validate_roles(roles):
    problems = []
    seen = set()
    for role in roles:
        problems.extend(validate_role(role))
        if role.get("name") in seen:
            problems.append(f"role {role['name']} is declared more than once")
        seen.add(role.get("name"))
    return problems


def partition_for_region(region):
    return botocore.session.get_session().get_partition_for_region(region or "us-east-1")


def policy_arn(policy, partition="aws"):
    """A full ARN for a managed policy given by name (AWS managed) or ARN."""
    if policy.startswith("arn:"):
        return policy
    return f"arn:{partition}:iam::aws:policy/{policy}"


def desired_role(role, partition):
    policies = role.get("managed_policies")
    return {
        "name": role["name"],
        "state": role.get("state") or "present",
        "trust_policy": trust_policy(),
        "managed_policies": None if policies is None else sorted({policy_arn(p, partition) for p in policies}),
        "description": role.get("description"),
        "path": role.get("path"),
        "max_session_duration": role.get("max_session_duration"),
        "tags": role.get("tags"),
    }


def iam_client(module):
    return module.client("iam", retry_decorator=AWSRetry.jittered_backoff())


def converge_roles(module, roles, purge_policies=False, purge_tags=False):
    """Bring ``roles`` (validated option dicts) to their desired state in one account.

    Reads every role and checks every managed policy before the first write.
    Returns ``(changed, results, diff, warnings)``; ``results`` holds one dict
    per role, in the order given.
    """
    partition = partition_for_region(module.region)
    desired = [desired_role(role, partition) for role in roles]
    client = iam_client(module)

    current = {role["name"]: read_role(client, role["name"]) for role in desired}
    missing = missing_policies(client, desired, current)
    if missing:
        users = {
            arn: [
                role["name"]
                for role in desired
                if arn in (role["managed_policies"] or []) and role["state"] == "present"
            ]
            for arn in missing
        }
        raise RoleError(
            message="Managed policies not found, nothing was changed: "
            + "; ".join(f"{arn} (wanted by {', '.join(users[arn])})" for arn in missing)
            + ". Check the policy names, or create the customer managed policies first."
        )

    plans = [
        plan_role(current[role["name"]], role, purge_policies=purge_policies, purge_tags=purge_tags) for role in desired
    ]

    results = []
    warnings = []
    for role, plan in zip(desired, plans):
        before = current[role["name"]]
        created = apply_plan(client, plan) if plan["calls"] and not module.check_mode else None
        warnings.extend(plan["warnings"])
        if role["state"] == "absent":
            arn = role_id = None
        elif before:
            arn, role_id = before["arn"], before["role_id"]
        else:  # created now, or only planned in check mode (no ARN yet)
            arn, role_id = (created or {}).get("Arn"), (created or {}).get("RoleId")
        result = dict(ABSENT_ROLE_VIEW, **plan["after"])  # every documented key, even once deleted
        result.update(
            name=role["name"],
            state=role["state"],
            changed=bool(plan["calls"]),
            arn=arn,
            role_id=role_id,
            extra_policies=plan["extra_policies"],
        )
        results.append(result)

    diff = {
        "before": {r["name"]: p["before"] for r, p in zip(desired, plans) if p["calls"]},
        "after": {r["name"]: p["after"] for r, p in zip(desired, plans) if p["calls"]},
    }
    return any(p["calls"] for p in plans), results, diff, warnings


def account_id_from(results):
    """The account the roles live in, read from their ARNs (no extra call)."""
    for result in results:
        if result.get("arn"):
            return result["arn"].split(":")[4]
    return None
