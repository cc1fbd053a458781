# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Everything the doit_onboarding role reads before its first write, in one module run (doit_readiness_info).

One module execution instead of five: each costs about a second of CPU per run. ``check_readiness`` takes boto3
clients and reads, each read retried (retrying.py) through its service's error handler:

- the credentials' account (sts:GetCallerIdentity) and its organization (organizations:DescribeOrganization):
  the account must be the expected one and the organization's management account, else the run stops
  (``gate``), as org_member_check did;
- the managed policies the roles attach (iam:GetPolicy): one missing, or not readable, stops the run;
- the root user's MFA (iam:GetAccountSummary) and the IAM users with AdministratorAccess
  (iam:ListEntitiesForPolicy, iam:GetGroup);
- the evidence of DoiT's billing steps: payment instruments (payments:ListPaymentInstruments), tax registrations
  (tax:ListTaxRegistrations) and outbound billing transfers (organizations:ListOutboundResponsibilityTransfers).
  These never stop the run: a read that is refused, throttled past the retries or not available (an endpoint
  that does not answer, a botocore without the API) leaves the facts None and says why in ``<name>_error``;
  the doit_result filter makes that item ``unknown`` (doit.py judges, this module only reads).
"""

import datetime

try:
    import botocore
    import botocore.session
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.diatonic.partnercentral.plugins.module_utils import organizations
from ansible_collections.diatonic.partnercentral.plugins.module_utils import payments
from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils import taxsettings
from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import read_root_mfa
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import read_errors
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import unchecked_reason
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import policy_arn
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policy_entities import read_policy_entities
from ansible_collections.diatonic.partnercentral.plugins.module_utils.managed_policies import check_policies

ADMINISTRATOR_POLICY = "AdministratorAccess"
TRANSFERS_OPERATION = "ListOutboundResponsibilityTransfers"
TRANSFERS_ACTION = "organizations:ListOutboundResponsibilityTransfers"
# A release known to have the call (the floor, 1.34, has not).
TRANSFERS_BOTOCORE = "1.44.5"

# The billing reads: (fact, service, operation, IAM action, botocore release that has the API).
BILLING_READS = (
    ("payment_instruments", payments.SERVICE, payments.OPERATION, payments.ACTION, payments.PAYMENTS_BOTOCORE),
    (
        "tax_registrations",
        taxsettings.SERVICE,
        taxsettings.OPERATION,
        taxsettings.ACTION,
        taxsettings.TAXSETTINGS_BOTOCORE,
    ),
    ("billing_transfers", "organizations", TRANSFERS_OPERATION, TRANSFERS_ACTION, TRANSFERS_BOTOCORE),
)
# The services the billing reads are made in, and the region of their one endpoint (aws partition).
BILLING_REGIONS = {payments.SERVICE: payments.REGION, taxsettings.SERVICE: taxsettings.REGION}


def api_problem(service, operation, minimum, partition="aws"):
    """Why the installed botocore cannot make ``service``'s ``operation`` here, or None. No AWS call."""
    version = botocore.__version__
    session = botocore.session.get_session()
    if service not in session.get_available_services():
        return f"this botocore ({version}) has no {service} API: upgrade botocore to {minimum} or newer"
    if operation not in session.get_service_model(service).operation_names:
        return f"this botocore ({version}) has no {service} {operation} API: upgrade botocore to {minimum} or newer"
    if service in BILLING_REGIONS and partition != "aws":
        return f"the {service} API has no endpoint in the {partition} partition"
    return None


def billing_api_problems(partition="aws"):
    """``{fact: reason}`` for each billing read the installed botocore cannot make (None when it can)."""
    return {
        fact: api_problem(service, operation, minimum, partition)
        for fact, service, operation, _action, minimum in BILLING_READS
    }


class GateError(Exception):
    """The account is not one the role may onboard: ``message`` says why and what to do; nothing was changed."""

    def __init__(self, message, result):
        super().__init__(message)
        self.message = message
        self.result = result


def _gate_text(found):
    failed = [r for r in found if r["blocking"] and r["status"] == records.FAILED]
    unknown = [r for r in found if r["blocking"] and r["status"] == records.UNKNOWN]
    return " ".join(
        [f"[{r['id']}] {r['evidence']}. Fix: {r['remedy']}." for r in failed]
        + [f"[{r['id']}] {r['evidence']}. Next: {r['remedy']}." for r in unknown]
    )


def _placement(clients, expected_account_id, result):
    """The account and its organization; raises GateError unless it is the expected management account."""
    caller = organizations.read_caller(clients["sts"])
    account_id = caller["account_id"]
    result.update(account_id=account_id, caller_arn=caller["arn"])
    found = []
    if expected_account_id is not None:
        found.append(organizations.evaluate_account_id(expected_account_id, caller))
    if not found or found[0]["status"] == records.VERIFIED:
        error = None
        try:
            result["organization"] = organizations.read_organization(clients["organizations"])
            result["membership"] = organizations.membership_of(account_id, result["organization"])
        except read_errors() as e:
            error = e
        found.append(
            organizations.evaluate_membership(
                "management", result["membership"], account_id, result["organization"], error
            )
        )
    result["records"] = found
    if records.verdict(found) != records.READY:
        what = "is not an account to onboard" if records.verdict(found) == records.NOT_READY else "could not be checked"
        raise GateError(f"Account {account_id} {what}, nothing was changed: {_gate_text(found)}", result)


def _billing(clients, result, problems, now):
    reads = {
        "payment_instruments": payments.read_payment_instruments,
        "tax_registrations": taxsettings.read_tax_registrations,
        "billing_transfers": lambda client: organizations.read_outbound_billing_transfers(client, now),
    }
    for fact, service, _operation, action, _minimum in BILLING_READS:
        result[fact] = None
        result[f"{fact}_error"] = None
        if problems.get(fact):
            result[f"{fact}_error"] = f"not available: {problems[fact]}"
            continue
        try:
            result[fact] = reads[fact](clients[service])
        except read_errors() as e:
            result[f"{fact}_error"] = unchecked_reason(e, action)


def check_readiness(clients, expected_account_id=None, managed_policies=(), partition="aws", problems=None, now=None):
    """What doit_onboarding reads before its first write, as one dict (doit_readiness_info's return value).

    ``clients`` maps ``sts``, ``organizations``, ``iam``, ``payments`` and ``taxsettings`` to boto3 clients (the
    last two in their one region; absent for an API in ``problems``); ``problems`` maps a billing fact to why
    botocore cannot read it (``billing_api_problems``); ``now`` is an aware datetime (default: the clock).
    Raises GateError when the account is not the expected management account or a managed policy is missing,
    and amazon.aws's AnsibleAWSError when the administrators cannot be read.
    """
    problems = problems or {}
    now = now or datetime.datetime.now(datetime.UTC)
    result = {
        "account_id": None,
        "caller_arn": None,
        "membership": "unknown",
        "organization": None,
        "records": [],
        "managed_policies": None,
        "root": None,
        "root_error": None,
        "administrators": None,
    }
    _placement(clients, expected_account_id, result)
    account_id = result["account_id"]

    if managed_policies:
        available, missing, record = check_policies(clients["iam"], list(managed_policies), partition, account_id)
        result["managed_policies"] = {"available": available, "missing": missing}
        result["records"].append(record)
        if record["status"] != records.VERIFIED:
            raise GateError(f"{record['evidence']}. Fix: {record['remedy']}.", result)

    try:
        result["root"] = read_root_mfa(clients["iam"])
    except read_errors() as e:
        result["root_error"] = unchecked_reason(e, "iam:GetAccountSummary")
    result["administrators"] = read_policy_entities(clients["iam"], policy_arn(ADMINISTRATOR_POLICY, partition))
    _billing(clients, result, problems, now)
    return result
