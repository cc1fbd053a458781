# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Partner Central's rules for IAM roles.

Partner Central only offers a role for user mapping when its name starts with
``PartnerCentralRoleFor`` and its trust policy trusts the
``partnercentral-account-management.amazonaws.com`` service principal. These
rules are checked here, before any AWS call; iam_roles does the IAM work.
"""

from ansible_collections.diatonic.partnercentral.plugins.module_utils import iam_roles

ROLE_PREFIX = "PartnerCentralRoleFor"
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
