# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Partner Central's rules for IAM roles.

Partner Central only offers a role for user mapping when its name starts with
``PartnerCentralRoleFor`` and its trust policy trusts the
``partnercentral-account-management.amazonaws.com`` service principal. These
rules are checked here, before any AWS call; iam_roles does the IAM work.
"""

from ansible_collections.diatonic.partnercentral.plugins.module_utils import iam_roles
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
