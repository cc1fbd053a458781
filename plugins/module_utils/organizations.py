# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Who the credentials are, where their account sits in AWS Organizations, and its account plan (phases 0 and 1).

Reads (``read_*``) make the AWS calls, take boto3 clients and are retried with
back-off; ``evaluate_*`` judge what was read and return records (records.py),
so that the rules are tested without AWS. Everything here only reads.

Record ids:

- ``preflight.account_id`` (phase 1): the credentials belong to the expected account.
- ``preflight.membership`` (phase 0): the account's place in AWS Organizations (a member, not the management account).
- ``preflight.management_account`` (phase 1): its organization is managed by the expected management account.
- ``preflight.plan`` (phase 0): the account is on the Paid plan.
- ``preflight.accounts`` (phase 1): the organization's accounts, listed from the management account.
- ``preflight.organization_member`` (phase 1): one per required member account, in that account: it is an ACTIVE
  member of the organization, not its management account.
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_of_arn
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import read_caller_identity
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import read_errors
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import unchecked
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import unchecked_reason
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import paginate
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import retrying

MEMBERSHIPS = ("member", "management", "standalone", "any")
ACCOUNT_ID = re.compile(r"\d{12}")
# The Free Tier API has one endpoint, in us-east-1.
FREETIER_REGION = "us-east-1"

TITLES = {
    "account_id": "The credentials belong to the account",
    "membership": "The account's place in AWS Organizations",
    "management_account": "The account's organization is the inventory's",
    "plan": "The account is on the Paid plan",
    "accounts": "The organization's accounts",
    "organization_member": "An ACTIVE member of the organization, not its management account",
}
PHASES = {
    "account_id": "1",
    "membership": "0",
    "management_account": "1",
    "plan": "0",
    "accounts": "1",
    "organization_member": "1",
}


def record_id(item):
    return f"preflight.{item}"


def _judged(item, account, ok, evidence, remedy, blocking=True):
    return records.judged(record_id(item), PHASES[item], TITLES[item], account, ok, evidence, remedy, blocking)


def _unknown(item, account, reason, remedy, blocking=True):
    return records.unknown(record_id(item), PHASES[item], TITLES[item], account, reason, remedy, blocking)


class OrganizationsError(AnsibleAWSError):
    pass


class OrganizationsErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = OrganizationsError


class FreeTierError(AnsibleAWSError):
    pass


class FreeTierErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = FreeTierError


def validate_options(params):
    """Every problem with the options, before any AWS call."""
    problems = []
    for option in ("expected_account_id", "expected_management_account_id"):
        problem = account_id_problem(params.get(option), option)
        if problem:
            problems.append(problem)
    for account_id in params.get("required_members") or []:
        problem = account_id_problem(account_id, "required_members:")
        if problem:
            problems.append(problem)
    return problems


# --- reads -------------------------------------------------------------------


def read_caller(sts):
    """Whose credentials these are. Raises AccountError (accounts.py) when STS does not tell."""
    identity = read_caller_identity(sts)
    return {"account_id": identity["account_id"], "arn": identity["arn"], "user_id": identity["user_id"]}


def proven_caller(arn):
    """The caller as read_caller gives it, from an ARN whoever made the credentials already proved (the
    credentials role's assume-role answer or GetCallerIdentity); no call. None when the ARN names no account."""
    account_id = account_of_arn(arn)
    if account_id is None:
        return None
    return {"account_id": account_id, "arn": arn, "user_id": None}


@OrganizationsErrorHandler.common_error_handler("describe the organization (organizations:DescribeOrganization)")
def read_organization(organizations):
    """The organization the account is in, or None when it is in none."""
    try:
        org = retrying(organizations).describe_organization(aws_retry=True)["Organization"]
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
        state = _plan_state(freetier)
    except read_errors() as e:
        return {
            "type": "unknown",
            "status": None,
            "remaining_credits": None,
            "expiration_date": None,
            "error": unchecked_reason(e, "freetier:GetAccountPlanState"),
        }
    return {
        "type": state["accountPlanType"],
        "status": state.get("accountPlanStatus"),
        "remaining_credits": state.get("accountPlanRemainingCredits"),
        "expiration_date": _iso(state.get("accountPlanExpirationDate")),
        "error": None,
    }


@FreeTierErrorHandler.common_error_handler("read the account plan (freetier:GetAccountPlanState)")
def _plan_state(freetier):
    return retrying(freetier).get_account_plan_state(aws_retry=True)


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


@OrganizationsErrorHandler.common_error_handler("list the organization's accounts (organizations:ListAccounts)")
def read_accounts(organizations):
    return [_account_view(account) for account in paginate(organizations, "list_accounts", "Accounts")]


@OrganizationsErrorHandler.common_error_handler("describe an account (organizations:DescribeAccount)")
def read_account(organizations, account_id):
    """One account of the organization, or None when the organization has no such account."""
    try:
        account = retrying(organizations).describe_account(aws_retry=True, AccountId=account_id)["Account"]
    except is_boto3_error_code("AccountNotFoundException"):
        return None
    return _account_view(account)


def _transfer_view(transfer, now):
    source = transfer.get("Source") or {}
    target = transfer.get("Target") or {}
    end = transfer.get("EndTimestamp")
    return {
        "id": transfer.get("Id"),
        "arn": transfer.get("Arn"),
        "name": transfer.get("Name"),
        "type": transfer.get("Type"),
        "status": transfer.get("Status"),
        "source_account_id": source.get("ManagementAccountId"),
        "target_account_id": target.get("ManagementAccountId"),
        "target_email": target.get("ManagementAccountEmail"),
        "started": _iso(transfer.get("StartTimestamp")),
        "ended": _iso(end),
        "handshake_id": transfer.get("ActiveHandshakeId"),
        # An accepted transfer stays listed after it ends.
        "active": transfer.get("Status") == "ACCEPTED" and (end is None or now is None or end > now),
    }


@OrganizationsErrorHandler.common_error_handler(
    "list the organization's outbound billing transfers (organizations:ListOutboundResponsibilityTransfers)"
)
def read_outbound_billing_transfers(organizations, now=None):
    """Transfers (and invitations) of the organization's billing to an account outside it: every page, each retried.

    ``now`` (an aware datetime) tells an accepted transfer that has ended from one that is active.
    botocore has no paginator for this call, and AWS may answer an empty page with a NextToken: read on until
    there is none.
    """
    client = retrying(organizations)
    found = []
    params = {"Type": "BILLING"}
    while True:
        page = client.list_outbound_responsibility_transfers(aws_retry=True, **params)
        found.extend(_transfer_view(transfer, now) for transfer in page.get("ResponsibilityTransfers") or [])
        if not page.get("NextToken"):
            return found
        params["NextToken"] = page["NextToken"]


def membership_of(account_id, organization):
    if organization is None:
        return "standalone"
    return "management" if organization["management_account_id"] == account_id else "member"


# --- judging (pure) ----------------------------------------------------------


def evaluate_account_id(expected, caller):
    actual = caller["account_id"]
    if expected == actual:
        return _judged("account_id", expected, True, f"the credentials belong to {expected} ({caller['arn']})", None)
    return _judged(
        "account_id",
        expected,
        False,
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
    """``error``: the exception that kept the organization from being read (membership ``unknown``)."""
    if membership == "unknown":
        return unchecked(
            record_id("membership"),
            PHASES["membership"],
            TITLES["membership"],
            account_id,
            error,
            "organizations:DescribeOrganization",
            "check the account's organization in the AWS Organizations console",
            blocking=required != "any",
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
        return _judged("membership", account_id, True, where, None, blocking=required != "any")
    remedy = _MEMBERSHIP_REMEDY[(required, membership)].format(
        management=(organization or {}).get("management_account_id")
    )
    wanted = "the management account" if required == "management" else f"a {required} account"
    return _judged("membership", account_id, False, f"{where}, but it must be {wanted}", remedy)


def evaluate_management_account(expected, organization, account_id):
    if organization is None:
        return _judged(
            "management_account",
            account_id,
            False,
            f"the account is in no organization, so not in the one managed by {expected}",
            "invite this account into the organization, or fix expected_management_account_id",
        )
    actual = organization["management_account_id"]
    return _judged(
        "management_account",
        account_id,
        actual == expected,
        f"organization {organization['id']} is managed by {expected}"
        if actual == expected
        else f"the account's organization {organization['id']} is managed by {actual}, not by {expected}",
        "check that this is the right account, and that the inventory's management account is its organization's",
    )


def evaluate_plan(require_paid, plan, account_id):
    """An unknown plan is ``unknown`` (blocking when the Paid plan is required), never taken for Paid."""
    kind = plan["type"]
    if kind == "unknown":
        return _unknown(
            "plan",
            account_id,
            f"the account plan of {account_id}: {plan['error']}",
            "check it in the Billing console (Account plan); allow freetier:GetAccountPlanState to have it checked",
            blocking=require_paid,
        )
    if kind == "FREE" and require_paid:
        return _judged(
            "plan",
            account_id,
            False,
            f"{account_id} is on the Free plan; Partner Central can only be linked to an account on the Paid plan",
            "upgrade the account to the Paid plan (Billing console > Account plan, or "
            "aws freetier upgrade-account-plan --account-plan-type PAID)",
        )
    return _judged(
        "plan", account_id, True, f"{account_id} is on the {kind.capitalize()} plan", None, blocking=require_paid
    )


def evaluate_accounts(accounts, organization, account_id):
    states = {}
    for account in accounts:
        states[account["state"]] = states.get(account["state"], 0) + 1
    counts = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
    return _judged(
        "accounts",
        account_id,
        True,
        f"organization {organization['id']} has {len(accounts)} accounts ({counts})",
        None,
        blocking=False,
    )


_MEMBER_REMEDY = (
    "choose an ACTIVE member account of this organization (aws organizations list-accounts), "
    "or invite the account into it"
)


def evaluate_member(account_id, account, organization):
    """One required member: ``account`` is its view, None when the organization has no such account."""
    if organization is None:
        return _judged(
            "organization_member",
            account_id,
            False,
            f"there is no organization to hold {account_id}",
            "run this from the organization's management account",
        )
    if account_id == organization["management_account_id"]:
        evidence = f"{account_id} is the organization's management account, not a member"
        ok = False
    elif account is None:
        evidence = f"{account_id} is not in organization {organization['id']}"
        ok = False
    elif account["state"] != "ACTIVE":
        evidence = f"{account_id} ({account['name']}) is {account['state']} in the organization, not ACTIVE"
        ok = False
    else:
        evidence = f"{account_id} ({account['name']}) is an ACTIVE member of {organization['id']}"
        ok = True
    return _judged("organization_member", account_id, ok, evidence, _MEMBER_REMEDY)


def evaluate_required_members(required, accounts, organization):
    """One record per required member; ``accounts``: account ID -> account view (None when not in it)."""
    return [evaluate_member(account_id, accounts.get(account_id), organization) for account_id in required]


# --- running the check -------------------------------------------------------


def check_account(sts_client, organizations, freetier, params):
    """Everything org_member_check reports, as a dict; ``records`` holds the records.

    ``organizations`` and ``freetier`` are boto3 clients (the Free Tier one in
    us-east-1); ``sts_client`` makes the STS client, called only when
    ``params["caller_arn"]`` names no account (then sts:GetCallerIdentity is
    asked), as accounts.Account does. Raises AccountError when STS cannot tell
    whose credentials these are: nothing else means anything without it.
    """
    caller = proven_caller(params.get("caller_arn")) or read_caller(sts_client())
    account_id = caller["account_id"]
    result = {
        "account_id": account_id,
        "caller_arn": caller["arn"],
        "user_id": caller["user_id"],
        "membership": "unknown",
        "organization": None,
        "plan": None,
        "accounts": None,
        "records": [],
    }
    found = result["records"]

    expected = params.get("expected_account_id")
    if expected is not None:
        found.append(evaluate_account_id(expected, caller))
        if expected != account_id:
            return result

    error = None
    try:
        result["organization"] = read_organization(organizations)
        result["membership"] = membership_of(account_id, result["organization"])
    except read_errors() as e:
        error = e
    found.append(
        evaluate_membership(params["membership"], result["membership"], account_id, result["organization"], error)
    )
    if params.get("expected_management_account_id") and error is None:
        found.append(
            evaluate_management_account(params["expected_management_account_id"], result["organization"], account_id)
        )

    result["plan"] = read_plan(freetier)
    found.append(evaluate_plan(params["require_paid_plan"], result["plan"], account_id))

    required = params.get("required_members") or []
    if params.get("list_accounts") or required:
        found.extend(_check_accounts(organizations, params, result, error))
    return result


def _check_accounts(organizations, params, result, error):
    """Phase 1.2: the organization's accounts, and the members that must be ACTIVE in it."""
    required = params.get("required_members") or []
    organization = result["organization"]
    account_id = result["account_id"]
    member_calls = "organizations:ListAccounts and organizations:DescribeAccount"
    member_by_hand = "run this from the management account (or a delegated administrator), or check it by hand"
    if error is not None:
        return [
            unchecked(
                record_id("organization_member"),
                PHASES["organization_member"],
                TITLES["organization_member"],
                member,
                error,
                "organizations:DescribeOrganization",
                member_by_hand,
            )
            for member in required
        ]
    if organization is None:
        result["accounts"] = []
        return evaluate_required_members(required, {}, None)
    try:
        if params.get("list_accounts"):
            result["accounts"] = read_accounts(organizations)
            found = {account["id"]: account for account in result["accounts"]}
        else:
            found = {member: read_account(organizations, member) for member in required}
    except read_errors() as e:
        unread = [
            unchecked(
                record_id("organization_member"),
                PHASES["organization_member"],
                TITLES["organization_member"],
                member,
                e,
                member_calls,
                member_by_hand,
            )
            for member in required
        ]
        if params.get("list_accounts"):
            unread.insert(
                0,
                unchecked(
                    record_id("accounts"),
                    PHASES["accounts"],
                    TITLES["accounts"],
                    account_id,
                    e,
                    "organizations:ListAccounts",
                    member_by_hand,
                    blocking=False,
                ),
            )
        return unread
    checked = []
    if result["accounts"] is not None:
        checked.append(evaluate_accounts(result["accounts"], organization, account_id))
    checked.extend(evaluate_required_members(required, found, organization))
    return checked


# --- the organization's tree (the aws_organization inventory plugin) ---------
#
# The accounts are read OU by OU (ListAccountsForParent), not with ListAccounts: that gives each account's place
# in the tree with no per-account ListParents call. The calls grow with the pages and the organizational units,
# never with one call per account: DescribeOrganization, ListRoots, then per organizational unit visited one
# ListOrganizationalUnitsForParent and, when its accounts are wanted, one ListAccountsForParent (a call per page
# each). Only tags (ListTagsForResource) cost a call per account, and only when asked for.


@OrganizationsErrorHandler.common_error_handler("list the organization's roots (organizations:ListRoots)")
def read_roots(organizations):
    return [
        {"id": root["Id"], "name": root.get("Name") or "Root"}
        for root in paginate(organizations, "list_roots", "Roots")
    ]


@OrganizationsErrorHandler.common_error_handler(
    "list an organizational unit's children (organizations:ListOrganizationalUnitsForParent)"
)
def read_child_units(organizations, parent_id):
    units = paginate(organizations, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent_id)
    return [{"id": unit["Id"], "name": unit.get("Name") or unit["Id"]} for unit in units]


@OrganizationsErrorHandler.common_error_handler(
    "list an organizational unit's accounts (organizations:ListAccountsForParent)"
)
def read_accounts_for_parent(organizations, parent_id):
    return [
        _account_view(account)
        for account in paginate(organizations, "list_accounts_for_parent", "Accounts", ParentId=parent_id)
    ]


@OrganizationsErrorHandler.common_error_handler("list an account's tags (organizations:ListTagsForResource)")
def read_account_tags(organizations, account_id):
    tags = paginate(organizations, "list_tags_for_resource", "Tags", ResourceId=account_id)
    return {tag["Key"]: tag["Value"] for tag in tags}


def unit_path(names):
    """An organizational unit's path from the root by names, as the inventory shows it: ``Root/Workloads/Prod``."""
    return "/".join(names)


def read_tree(organizations, wanted_unit=None, with_tags=False, wanted_account=None):
    """The organization, its organizational units and the accounts in them, as plain data (JSON-serializable).

    ``wanted_unit(unit)`` decides, for each organizational unit (root included) before any call about it, one of
    ``"accounts"`` (list its accounts and look below it), ``"below"`` (only look below it: a wanted unit may be
    there) or ``"skip"`` (neither); by default every unit's accounts are read. A unit here is
    ``{"id", "name", "path", "ids"}``: ``path`` by names from the root, ``ids`` the IDs from the root to it.
    ``with_tags`` adds each account's tags (one ListTagsForResource per account), only for the accounts
    ``wanted_account(account)`` accepts when it is given (the others keep ``tags`` None).

    Returns ``{"organization": read_organization(...), "units": [unit, ...], "accounts": [account, ...]}``, each
    account being ``_account_view`` plus ``unit_id``, ``unit_path`` and ``tags`` (None unless ``with_tags``).
    Raises OrganizationsError when a read fails (after the retries) or the credentials' account is in no
    organization.
    """
    organizations = retrying(organizations)
    organization = read_organization(organizations)
    if organization is None:
        raise OrganizationsError(
            message="The credentials' account is in no AWS organization: use credentials of an organization's "
            "management account (or of a delegated administrator for AWS Organizations)"
        )
    wanted_unit = wanted_unit or (lambda unit: "accounts")
    units, accounts = [], []
    pending = [
        {"id": root["id"], "name": root["name"], "path": unit_path([root["name"]]), "ids": [root["id"]]}
        for root in read_roots(organizations)
    ]
    while pending:
        unit = pending.pop(0)
        decision = wanted_unit(unit)
        if decision == "skip":
            continue
        units.append(unit)
        if decision == "accounts":
            for account in read_accounts_for_parent(organizations, unit["id"]):
                accounts.append({**account, "unit_id": unit["id"], "unit_path": unit["path"], "tags": None})
        for child in read_child_units(organizations, unit["id"]):
            pending.append(
                {
                    "id": child["id"],
                    "name": child["name"],
                    "path": unit_path([unit["path"], child["name"]]),
                    "ids": [*unit["ids"], child["id"]],
                }
            )
    if with_tags:
        for account in accounts:
            if wanted_account is None or wanted_account(account):
                account["tags"] = read_account_tags(organizations, account["id"])
    return {"organization": organization, "units": units, "accounts": accounts}
