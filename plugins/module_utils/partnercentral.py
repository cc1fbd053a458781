# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Partner Central's rules for IAM roles.

Partner Central only offers a role for user mapping when its name starts with
``PartnerCentralRoleFor`` and its trust policy trusts the
``partnercentral-account-management.amazonaws.com`` service principal. These
rules are checked here, before any AWS call; iam_roles does the IAM work.
"""

import json

from ansible_collections.diatonic.partnercentral.plugins.module_utils import iam_roles
from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import paginate

ROLE_PREFIX = "PartnerCentralRoleFor"
# AWS makes this role itself when the account is linked to Partner Central (cloud admins map only to it).
LINKING_ROLE_PREFIX = ROLE_PREFIX + "CloudAdmin"
SERVICE_PRINCIPAL = "partnercentral-account-management.amazonaws.com"


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
    """Every problem with one Partner Central role's options, each with what to do about it."""
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
    return problems + iam_roles.role_problems(role)


def validate_roles(roles):
    problems = []
    seen = set()
    for role in roles:
        problems.extend(validate_role(role))
        if role.get("name") in seen:
            problems.append(f"role {role['name']} is declared more than once")
        seen.add(role.get("name"))
    return problems


def desired_role(role, partition):
    return iam_roles.desired_role(role, trust_policy(), partition)


def converge_roles(client, roles, partition, check_mode=False, account=None, expected_account_id=None, **purge):
    """Bring Partner Central roles (validated option dicts) to their desired state in one account.

    ``client`` is a boto3 IAM client; ``purge`` takes purge_policies,
    purge_tags and purge_inline_policies. No inline policy is declared on a
    Partner Central role: any found is reported, and deleted only when purged.
    See iam_roles.converge_roles for the account guard and the result.
    """
    return iam_roles.converge_roles(
        client,
        [desired_role(role, partition) for role in roles],
        check_mode=check_mode,
        account=account,
        expected_account_id=expected_account_id,
        **purge,
    )


@iam_roles.RoleErrorHandler.common_error_handler("list the account's roles")
def _role_names(client):
    return [role["RoleName"] for role in paginate(client, "list_roles", "Roles")]


def undeclared_roles(client, declared):
    """Partner Central roles of the account that ``declared`` (role names) does not hold, and the warnings.

    Returns ``(names, warnings)``. Nothing is removed: a role someone made by hand, or one that another
    configuration manages, is drift to report. The cloud admin role AWS makes when the account is linked is
    listed too, but is expected and not warned about.
    """
    names = sorted(name for name in _role_names(client) if name.startswith(ROLE_PREFIX) and name not in set(declared))
    unexpected = [name for name in names if not name.startswith(LINKING_ROLE_PREFIX)]
    warnings = []
    if unexpected:
        warnings.append(
            f"Partner Central roles this configuration does not declare, left in place: {', '.join(unexpected)}. "
            "Declare them (personas_overrides) or delete them by hand if nobody uses them."
        )
    return names, warnings


# --- read-only verification (checklist phases 4 and 8): records, never a write ---------------------------

VERIFY_PHASE = "4"
RECORD_IDS = ("validation.persona_roles", "validation.persona_policies", "validation.persona_extras")
VERIFY_TITLES = {
    "persona_roles": "The persona roles exist, named PartnerCentralRoleFor*, with exactly the service trust",
    "persona_policies": "The persona roles have their managed policies attached",
    "persona_extras": "No undeclared policy or Partner Central role",
}
FIX_WITH_PERSONAS = "run playbooks/personas.yml (check it first with --check --diff), which restores the declared state"


def _verified_record(item, account, problems, evidence, remedy, blocking=True):
    ok = not problems
    return records.judged(
        f"validation.{item}",
        VERIFY_PHASE,
        VERIFY_TITLES[item],
        account,
        ok,
        evidence if ok else "; ".join(problems),
        remedy,
        blocking,
    )


def read_roles(client, roles, partition):
    """Every declared role as it is (iam_roles.read_role; None when absent), with its desired state. Reads only."""
    client = iam_roles.retrying(client)
    desired = [desired_role(role, partition) for role in roles]
    return [(want, iam_roles.read_role(client, want["name"])) for want in desired]


def evaluate_roles(read, undeclared=(), account=None):
    """Three records from what ``read_roles`` read and the undeclared Partner Central roles; pure.

    ``validation.persona_roles``: each role exists (or, declared absent, does not) and trusts exactly the
    Partner Central service principal; its evidence lists the roles' ARNs. ``validation.persona_policies``:
    each has its declared managed policies. ``validation.persona_extras`` (does not block): policies, inline
    policies and ``PartnerCentralRoleFor*`` roles that the configuration does not declare (the cloud admin role
    AWS makes when linking is expected, not an extra).
    """
    role_problems, policy_problems, extras, arns = [], [], [], []
    for desired, current in read:
        name = desired["name"]
        found = iam_roles.role_findings(current, desired)
        if found["should_exist"] and not found["exists"]:
            role_problems.append(f"{name} does not exist")
            continue
        if not found["should_exist"]:
            if found["exists"]:
                role_problems.append(f"{name} exists but is declared absent")
            continue
        arns.append(current["arn"])
        if not found["trust_ok"]:
            role_problems.append(
                f"{name} trusts something other than exactly {SERVICE_PRINCIPAL}: "
                f"{json.dumps(current['trust_policy'], sort_keys=True)}"
            )
        if found["missing_policies"]:
            policy_problems.append(f"{name} lacks {', '.join(found['missing_policies'])}")
        if found["extra_policies"]:
            extras.append(f"{name} has undeclared managed policies {', '.join(found['extra_policies'])}")
        if found["extra_inline_policies"]:
            extras.append(f"{name} has inline policies {', '.join(found['extra_inline_policies'])}")
    unexpected = [n for n in undeclared if not n.startswith(LINKING_ROLE_PREFIX)]
    if unexpected:
        extras.append(f"undeclared Partner Central roles {', '.join(unexpected)}")
    names = [desired["name"] for desired, _current in read if desired["state"] == "present"]
    return [
        _verified_record(
            "persona_roles",
            account,
            role_problems,
            f"{len(arns)} roles with exactly the {SERVICE_PRINCIPAL} trust: {', '.join(arns)}",
            FIX_WITH_PERSONAS,
        ),
        _verified_record(
            "persona_policies",
            account,
            policy_problems,
            f"{', '.join(names)} have their declared managed policies",
            FIX_WITH_PERSONAS,
        ),
        _verified_record(
            "persona_extras",
            account,
            extras,
            "no undeclared managed or inline policy on the persona roles, and no undeclared Partner Central role",
            "detach what nobody needs (personas_purge_policies / personas_purge_inline_policies: true in "
            "playbooks/personas.yml), or declare it in personas_overrides; delete undeclared roles by hand",
            blocking=False,
        ),
    ]


def verify_roles(client, roles, partition, account=None, report_undeclared=True):
    """The persona roles checked read-only (GetRole, ListAttachedRolePolicies, ListRolePolicies, GetRolePolicy,
    ListRoles): ``(records, read)``. Raises iam_roles.RoleError when a read fails (the caller makes it unknown)."""
    read = read_roles(client, roles, partition)
    undeclared = undeclared_roles(client, [role["name"] for role in roles])[0] if report_undeclared else []
    return evaluate_roles(read, undeclared, account), read
