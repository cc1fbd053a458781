# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Who the credentials are, where their account sits in AWS Organizations, and its account plan.

Reads (``read_*``) make the AWS calls; ``evaluate_*`` judge what was read and
return check records (see baseline.make_check), so that the rules are tested
without AWS. Everything here only reads.
"""

import re

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import FAIL
from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import PASS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import WARN
from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import describe_error
from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import make_check

MEMBERSHIPS = ("member", "management", "standalone", "any")
ACCOUNT_ID = re.compile(r"\d{12}")
# The Free Tier API has one endpoint, in us-east-1.
FREETIER_REGION = "us-east-1"


def validate_options(params):
    """Every problem with the options, before any AWS call."""
    problems = []
    expected = params.get("expected_account_id")
    if expected is not None and not ACCOUNT_ID.fullmatch(expected):
        problems.append(f"expected_account_id {expected!r} must be a 12-digit AWS account ID, in quotes in YAML")
    management = params.get("expected_management_account_id")
    if management is not None and not ACCOUNT_ID.fullmatch(management):
        problems.append(f"expected_management_account_id {management!r} must be a 12-digit AWS account ID")
    for account_id in params.get("required_members") or []:
        if not ACCOUNT_ID.fullmatch(account_id):
            problems.append(f"required_members: {account_id!r} must be a 12-digit AWS account ID")
    return problems


# --- reads -------------------------------------------------------------------


def _read_errors():
    return (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


def read_caller(sts):
    try:
        identity = sts.get_caller_identity(aws_retry=True)
    except _read_errors() as e:
        raise AnsibleAWSError(
            message="Failed to find out whose credentials these are (sts:GetCallerIdentity)", exception=e
        ) from e
    return {"account_id": identity["Account"], "arn": identity["Arn"], "user_id": identity["UserId"]}


def read_organization(organizations):
    """The organization the account is in, or None when it is in none."""
    try:
        org = organizations.describe_organization(aws_retry=True)["Organization"]
    except is_boto3_error_code("AWSOrganizationsNotInUseException"):
        return None
    return {
        "id": org["Id"],
        "arn": org["Arn"],
        "feature_set": org.get("FeatureSet"),
        "management_account_id": org["MasterAccountId"],
        "management_account_arn": org.get("MasterAccountArn"),
        "management_account_email": org.get("MasterAccountEmail"),
    }


def read_plan(freetier):
    """The account plan: type PAID or FREE, or ``unknown`` with the reason when the API does not tell."""
    try:
        state = freetier.get_account_plan_state(aws_retry=True)
    except _read_errors() as e:
        return {
            "type": "unknown",
            "status": None,
            "remaining_credits": None,
            "expiration_date": None,
            "error": describe_error(e),
        }
    return {
        "type": state["accountPlanType"],
        "status": state.get("accountPlanStatus"),
        "remaining_credits": state.get("accountPlanRemainingCredits"),
        "expiration_date": _iso(state.get("accountPlanExpirationDate")),
        "error": None,
    }


def _iso(timestamp):
    return timestamp.isoformat() if hasattr(timestamp, "isoformat") else timestamp


def _account_view(account):
    return {
        "id": account["Id"],
        "name": account.get("Name"),
        "email": account.get("Email"),
        # State replaces the older Status; both carry ACTIVE for a usable account.
        "state": account.get("State") or account.get("Status"),
        "joined_method": account.get("JoinedMethod"),
        "joined": account["JoinedTimestamp"].isoformat()
        if hasattr(account.get("JoinedTimestamp"), "isoformat")
        else None,
    }


def read_accounts(organizations):
    pages = organizations.get_paginator("list_accounts").paginate().build_full_result()
    return [_account_view(account) for account in pages["Accounts"]]


def read_account(organizations, account_id):
    """One account of the organization, or None when the organization has no such account."""
    try:
        return _account_view(organizations.describe_account(aws_retry=True, AccountId=account_id)["Account"])
    except is_boto3_error_code("AccountNotFoundException"):
        return None


def membership_of(account_id, organization):
    if organization is None:
        return "standalone"
    return "management" if organization["management_account_id"] == account_id else "member"


# --- judging (pure) ----------------------------------------------------------


def evaluate_account_id(expected, caller):
    actual = caller["account_id"]
    if expected == actual:
        return make_check("account_id", PASS, f"the credentials belong to {expected} ({caller['arn']})")
    return make_check(
        "account_id",
        FAIL,
        f"the credentials belong to account {actual} ({caller['arn']}), not to {expected}; "
        "no other check was made, as it would describe the wrong account",
        f"use credentials for {expected}: check the profile or role to assume (aws_profile, aws_assume_role_arn) "
        "or the AWS_* variables in the environment",
    )


_MEMBERSHIP_REMEDY = {
    ("member", "management"): (
        "link Partner Central to a dedicated member account (create one with AWS Organizations), not to the "
        "management account, or set membership to any to accept this account knowingly"
    ),
    ("member", "standalone"): (
        "invite this account into the organization from its management account, or choose a member account"
    ),
    ("management", "member"): "use credentials for the organization's management account {management}",
    ("management", "standalone"): "use credentials for the management account of an AWS organization",
    ("standalone", "member"): "use credentials for an account outside any organization, or set membership to any",
    ("standalone", "management"): "use credentials for an account outside any organization, or set membership to any",
}


def evaluate_membership(required, membership, account_id, organization, error=None):
    if membership == "unknown":
        return make_check(
            "membership",
            FAIL if required != "any" else WARN,
            f"could not tell whether {account_id} is in an organization: {error}",
            "allow organizations:DescribeOrganization for these credentials",
        )
    if organization is None:
        where = f"{account_id} is a standalone account (in no AWS organization)"
    elif membership == "management":
        where = f"{account_id} is the management account of organization {organization['id']}"
    else:
        where = (
            f"{account_id} is a member of organization {organization['id']} "
            f"(management account {organization['management_account_id']})"
        )
    if required in ("any", membership):
        return make_check("membership", PASS, where)
    remedy = _MEMBERSHIP_REMEDY[(required, membership)].format(
        management=(organization or {}).get("management_account_id")
    )
    wanted = "the management account" if required == "management" else f"a {required} account"
    return make_check("membership", FAIL, f"{where}, but it must be {wanted}", remedy)


def evaluate_management_account(expected, organization):
    if organization is None:
        return make_check(
            "management_account",
            FAIL,
            f"the account is in no organization, so not in the one managed by {expected}",
            "invite this account into the organization, or fix expected_management_account_id",
        )
    actual = organization["management_account_id"]
    if actual == expected:
        return make_check("management_account", PASS, f"organization {organization['id']} is managed by {expected}")
    return make_check(
        "management_account",
        FAIL,
        f"the account's organization {organization['id']} is managed by {actual}, not by {expected}",
        "check that this is the right account, and that the inventory's management account is its organization's",
    )


def evaluate_plan(require_paid, plan, account_id):
    kind = plan["type"]
    if kind == "unknown":
        return make_check(
            "plan",
            WARN,
            f"the account plan of {account_id} could not be read ({plan['error']})",
            "check it in the Billing console (Account plan), or allow freetier:GetAccountPlanState",
        )
    if kind == "FREE" and require_paid:
        return make_check(
            "plan",
            FAIL,
            f"{account_id} is on the Free plan; Partner Central can only be linked to an account on the Paid plan",
            "upgrade the account to the Paid plan (Billing console > Account plan, or "
            "aws freetier upgrade-account-plan --account-plan-type PAID)",
        )
    return make_check("plan", PASS, f"{account_id} is on the {kind.capitalize()} plan")


def evaluate_accounts(accounts, organization):
    states = {}
    for account in accounts:
        states[account["state"]] = states.get(account["state"], 0) + 1
    counts = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
    return make_check("accounts", PASS, f"organization {organization['id']} has {len(accounts)} accounts ({counts})")


def evaluate_required_members(required, accounts, organization):
    """``accounts``: account ID -> account view (None when not in the organization)."""
    if organization is None:
        return make_check(
            "required_members",
            FAIL,
            f"there is no organization to hold {', '.join(required)}",
            "run this from the organization's management account",
        )
    problems = []
    for account_id in required:
        account = accounts.get(account_id)
        if account_id == organization["management_account_id"]:
            problems.append(f"{account_id} is the organization's management account, not a member")
        elif account is None:
            problems.append(f"{account_id} is not in organization {organization['id']}")
        elif account["state"] != "ACTIVE":
            problems.append(f"{account_id} ({account['name']}) is {account['state']} in the organization, not ACTIVE")
    if not problems:
        names = ", ".join(f"{a} ({accounts[a]['name']})" for a in required)
        return make_check("required_members", PASS, f"ACTIVE members of {organization['id']}: {names}")
    return make_check(
        "required_members",
        FAIL,
        "; ".join(problems),
        "choose an ACTIVE member account of this organization (aws organizations list-accounts), "
        "or invite the account into it",
    )


# --- running the check -------------------------------------------------------


def check_account(module, params):
    """Everything org_member_check reports, as a dict; ``checks`` holds the check records."""
    retry = AWSRetry.jittered_backoff()
    caller = read_caller(module.client("sts", retry_decorator=retry))
    account_id = caller["account_id"]
    result = {
        "account_id": account_id,
        "caller_arn": caller["arn"],
        "user_id": caller["user_id"],
        "membership": "unknown",
        "organization": None,
        "plan": None,
        "accounts": None,
        "checks": [],
    }
    checks = result["checks"]

    expected = params.get("expected_account_id")
    if expected is not None:
        checks.append(evaluate_account_id(expected, caller))
        if expected != account_id:
            return result

    organizations = module.client("organizations", retry_decorator=retry)
    error = None
    try:
        result["organization"] = read_organization(organizations)
        result["membership"] = membership_of(account_id, result["organization"])
    except _read_errors() as e:
        error = describe_error(e)
    checks.append(
        evaluate_membership(params["membership"], result["membership"], account_id, result["organization"], error)
    )
    if params.get("expected_management_account_id") and error is None:
        checks.append(evaluate_management_account(params["expected_management_account_id"], result["organization"]))

    freetier = module.client("freetier", retry_decorator=retry, region=FREETIER_REGION)
    result["plan"] = read_plan(freetier)
    checks.append(evaluate_plan(params["require_paid_plan"], result["plan"], account_id))

    required = params.get("required_members") or []
    if params.get("list_accounts") or required:
        checks.extend(_check_accounts(organizations, params, result, error))
    return result


def _check_accounts(organizations, params, result, error):
    """Phase 1.2: the organization's accounts, and the members that must be ACTIVE in it."""
    required = params.get("required_members") or []
    organization = result["organization"]
    if error is not None:
        return (
            [
                make_check(
                    "required_members",
                    FAIL,
                    f"could not check the organization's members: {error}",
                    "allow organizations:DescribeOrganization for these credentials",
                )
            ]
            if required
            else []
        )
    if organization is None:
        result["accounts"] = []
        return [evaluate_required_members(required, {}, None)] if required else []
    try:
        if params.get("list_accounts"):
            result["accounts"] = read_accounts(organizations)
            found = {account["id"]: account for account in result["accounts"]}
        else:
            found = {account_id: read_account(organizations, account_id) for account_id in required}
    except _read_errors() as e:
        return [
            make_check(
                "required_members" if required else "accounts",
                FAIL if required else WARN,
                f"could not read the organization's accounts: {describe_error(e)}",
                "run this from the management account (or a delegated administrator) with "
                "organizations:ListAccounts and organizations:DescribeAccount",
            )
        ]
    checks = []
    if result["accounts"] is not None:
        checks.append(evaluate_accounts(result["accounts"], organization))
    if required:
        checks.append(evaluate_required_members(required, found, organization))
    return checks
