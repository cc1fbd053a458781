"""DoiT's manual steps verified from the management account: the reads of doit_readiness_info (against botocore's
Stubber) and the records the doit_result filter makes of them.

What a user expects: the payment method, the tax profile's country and the SPP billing transfer are verified or
failed from what AWS shows when the role is told what to expect, shown as evidence on a manual step when it is
not, and never passed or failed when AWS refuses the read, throttles it, or the installed botocore has no such
API: then they are ``unknown`` and say why and what to do. The report's last delivery is verified from
ReportStatus.
"""

import datetime

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.module_utils import doit
from ansible_collections.diatonic.partnercentral.plugins.module_utils import doit_readiness
from ansible_collections.diatonic.partnercentral.plugins.module_utils import records

MANAGEMENT = "313476888312"
MEMBER = "210987654321"
RESELLER = "999988887777"
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=datetime.UTC)
ORGANIZATION = {
    "Organization": {
        "Id": "o-a1b2c3d4e5",
        "Arn": f"arn:aws:organizations::{MANAGEMENT}:organization/o-a1b2c3d4e5",
        "FeatureSet": "ALL",
        "MasterAccountId": MANAGEMENT,
        "MasterAccountArn": f"arn:aws:organizations::{MANAGEMENT}:account/o-a1b2c3d4e5/{MANAGEMENT}",
        "MasterAccountEmail": "root@example.com",
    }
}
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
# The floor of the matrix (botocore 1.44.5) has no payments model: its payment cases are skipped there, and every
# other case reads as the module would there, without a payments client.
NO_PAYMENTS = doit_readiness.api_problem("payments", "ListPaymentInstruments", "1.44.8")
needs_payments = pytest.mark.skipif(NO_PAYMENTS is not None, reason=str(NO_PAYMENTS))


def stubbed(service):
    client = boto3.client(
        service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    return RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff(retries=1)), Stubber(client)


def instrument(method="CARD", status="ACTIVE", number=1):
    return {
        "id": f"pi-{number:08d}",
        "arn": f"arn:aws:payments::{MANAGEMENT}:payment-instrument/pi-{number:08d}",
        "paymentMethod": method,
        "status": status,
        "createdAt": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        "updatedAt": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    }


def registration(account_id, country, status="Verified"):
    return {
        "accountId": account_id,
        "taxRegistration": {
            "registrationId": "IL123456789",
            "registrationType": "VAT",
            "legalName": "Example Ltd",
            "status": status,
            "jurisdiction": {"countryCode": country},
        },
    }


def transfer(status="ACCEPTED", target=RESELLER, end=None):
    found = {
        "Arn": f"arn:aws:organizations::{MANAGEMENT}:transfer/o-a1b2c3d4e5/billing/outbound/rt-abcdefgh12",
        "Name": "DoiT billing",
        "Id": "rt-abcdefgh12",
        "Type": "BILLING",
        "Status": status,
        "Source": {"ManagementAccountId": MANAGEMENT, "ManagementAccountEmail": "root@example.com"},
        "Target": {"ManagementAccountId": target, "ManagementAccountEmail": "billing@doit.example"},
        "StartTimestamp": datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC),
        "ActiveHandshakeId": "h-abcdefgh12" if status == "REQUESTED" else None,
    }
    if end is not None:
        found["EndTimestamp"] = end
    return {key: value for key, value in found.items() if value is not None}


def read(
    caller=MANAGEMENT,
    expected=None,
    payments=None,
    tax=(),
    transfers=(),
    errors=None,
    problems=None,
    policies=(),
    missing_policies=(),
):
    """check_readiness against stubbed clients; ``errors`` maps an operation to the error code AWS answers."""
    errors = errors or {}
    problems = problems or {}
    payments = (instrument(),) if payments is None else payments  # AWS's default: one card
    if NO_PAYMENTS:
        problems.setdefault("payment_instruments", NO_PAYMENTS)
    clients, stubs = {}, []
    for service in ("sts", "organizations", "iam", "taxsettings", "payments"):
        if service == "payments" and "payment_instruments" in problems:
            continue  # as the module: no client for a service botocore lacks
        clients[service], stub = stubbed(service)
        stubs.append(stub)
    sts, organizations, iam, tax_stub = stubs[:4]
    payments_stub = stubs[4] if len(stubs) > 4 else None

    def answer(stub, operation, response):
        if operation in errors:
            code = errors[operation]
            status = 403 if "Denied" in code else 400
            stub.add_client_error(operation, service_error_code=code, http_status_code=status)
        else:
            stub.add_response(operation, response)

    sts.add_response(
        "get_caller_identity",
        {"Account": caller, "Arn": f"arn:aws:iam::{caller}:user/ops", "UserId": "AIDAEXAMPLE"},
    )
    if expected in (None, caller):
        answer(organizations, "describe_organization", ORGANIZATION)
    if caller == MANAGEMENT and "describe_organization" not in errors:
        for policy in policies:
            arn = f"arn:aws:iam::aws:policy/{policy}"
            if policy in missing_policies:
                iam.add_client_error("get_policy", service_error_code="NoSuchEntity", http_status_code=404)
            else:
                iam.add_response(
                    "get_policy",
                    {"Policy": {"PolicyName": policy, "Arn": arn, "DefaultVersionId": "v1", "AttachmentCount": 0}},
                )
        if not missing_policies:
            answer(iam, "get_account_summary", {"SummaryMap": {"AccountMFAEnabled": 1}})
            iam.add_response(
                "list_entities_for_policy",
                {
                    "PolicyUsers": [{"UserName": "alice", "UserId": "AIDAALICE0000000"}],
                    "PolicyGroups": [],
                    "PolicyRoles": [],
                },
                {"PolicyArn": ADMIN_ARN},
            )
            if "payment_instruments" not in problems:
                answer(payments_stub, "list_payment_instruments", {"paymentInstrumentSummaries": list(payments)})
            answer(tax_stub, "list_tax_registrations", {"accountDetails": list(tax)})
            answer(
                organizations,
                "list_outbound_responsibility_transfers",
                {"ResponsibilityTransfers": list(transfers)},
            )
    for stub in stubs:
        stub.activate()
    try:
        return doit_readiness.check_readiness(
            clients, expected or caller, managed_policies=policies, problems=problems, now=NOW
        )
    finally:
        for stub in stubs:
            stub.assert_no_pending_responses()


def checklist(readiness, report=None, **settings):
    """The doit_result records of one account, by id, from what doit_readiness_info read."""
    observed = {
        "account_id": MANAGEMENT,
        "check_mode": False,
        "settings": {"report_name": "doitintl-awsops-abc", "bucket_name": "doitintl-awsops-abc", **settings},
        "readiness": readiness,
    }
    if report is not None:
        observed["report"] = report
    return {record["id"]: record for record in doit.onboarding_result(observed)["records"]}


# --- the reads ---------------------------------------------------------------------


@needs_payments
def test_one_read_gives_the_organization_root_mfa_administrators_and_billing_evidence():
    found = read(
        payments=(instrument("PAY_BY_INVOICE"),),
        tax=(registration(MANAGEMENT, "IL"), registration(MEMBER, "DE")),
        transfers=(transfer(),),
    )

    assert found["organization"]["management_account_email"] == "root@example.com"
    assert found["root"]["mfa_enabled"] is True
    assert found["administrators"]["all_users"] == ["alice"]
    assert [(i["payment_method"], i["status"]) for i in found["payment_instruments"]] == [("PAY_BY_INVOICE", "ACTIVE")]
    assert [(r["account_id"], r["country"]) for r in found["tax_registrations"]] == [(MANAGEMENT, "IL"), (MEMBER, "DE")]
    assert [(t["target_account_id"], t["active"]) for t in found["billing_transfers"]] == [(RESELLER, True)]
    assert found["payment_instruments_error"] is found["tax_registrations_error"] is None


def test_a_member_account_is_refused_before_any_other_read():
    with pytest.raises(doit_readiness.GateError) as refused:
        read(caller=MEMBER)
    assert "it must be the management account" in refused.value.message
    assert refused.value.result["membership"] == "member"


def test_credentials_of_another_account_are_refused_before_the_organization_is_read():
    with pytest.raises(doit_readiness.GateError) as refused:
        read(caller=MEMBER, expected=MANAGEMENT)
    assert f"the credentials belong to account {MEMBER}" in refused.value.message


def test_a_missing_managed_policy_stops_the_run_before_the_billing_reads():
    with pytest.raises(doit_readiness.GateError) as refused:
        read(policies=("AWSBillingReadOnlyAccess", "NoSuchPolicy"), missing_policies=("NoSuchPolicy",))
    assert "NoSuchPolicy" in refused.value.message and "Fix:" in refused.value.message


def test_an_ended_billing_transfer_is_not_active():
    ended = transfer(end=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC))
    assert read(transfers=(ended,))["billing_transfers"][0]["active"] is False


# --- payment method ------------------------------------------------------------------


@pytest.mark.parametrize(
    "instruments, status",
    [
        ((instrument("PAY_BY_INVOICE"),), "verified"),
        ((instrument("CARD"), instrument("PAY_BY_INVOICE", "PENDING_SETUP", 2)), "failed"),
        ((), "failed"),
    ],
    ids=["doits-instrument-active", "doits-instrument-pending", "no-instrument"],
)
@needs_payments
def test_the_payment_method_is_judged_against_the_kind_doit_sets_up(instruments, status):
    record = checklist(read(payments=instruments), payment_method="PAY_BY_INVOICE")["doit.payment_method"]
    assert record["status"] == status, record
    assert "payments:ListPaymentInstruments" in record["evidence"]
    assert record["blocking"] is True


@needs_payments
def test_without_a_kind_to_verify_the_payment_method_is_a_manual_step_showing_the_instruments():
    record = checklist(read(payments=(instrument("CARD"),)))["doit.payment_method"]
    assert (record["status"], record["who"], record["blocking"]) == ("manual", "DoiT", False)
    assert "CARD ACTIVE (pi-00000001)" in record["evidence"]
    assert "doit_onboarding_payment_method" in record["evidence"]


@needs_payments
def test_payment_instruments_refused_are_unknown_never_a_verdict():
    found = read(errors={"list_payment_instruments": "AccessDeniedException"})
    record = checklist(found, payment_method="PAY_BY_INVOICE")["doit.payment_method"]
    assert found["payment_instruments"] is None
    assert record["status"] == "unknown"
    assert record["evidence"].startswith("could not check: access denied")
    assert "allow payments:ListPaymentInstruments" in record["remedy"]


def test_a_botocore_without_the_payments_api_makes_the_item_unknown_naming_the_version():
    reason = "this botocore (1.44.5) has no payments API: upgrade botocore to 1.44.8 or newer"
    found = read(problems={"payment_instruments": reason})
    record = checklist(found)["doit.payment_method"]
    assert found["payment_instruments_error"] == f"not available: {reason}"
    assert record["status"] == "unknown"
    assert "upgrade botocore on the controller (to 1.44.8 or newer)" in record["remedy"]
    assert record["blocking"] is False, "nothing to verify was given: it cannot block more than a manual step"


def test_the_capability_check_names_the_missing_service_or_operation(monkeypatch):
    assert doit_readiness.api_problem("organizations", "ListOutboundResponsibilityTransfers", "1.44.5") is None

    class OldSession:
        def get_available_services(self):
            return ["organizations"]

        def get_service_model(self, service):
            return type("Model", (), {"operation_names": ["DescribeOrganization"]})()

    monkeypatch.setattr(doit_readiness.botocore.session, "get_session", OldSession)
    monkeypatch.setattr(doit_readiness.botocore, "__version__", "1.34.0")
    assert doit_readiness.billing_api_problems() == {
        "payment_instruments": "this botocore (1.34.0) has no payments API: upgrade botocore to 1.44.8 or newer",
        "tax_registrations": "this botocore (1.34.0) has no taxsettings API: upgrade botocore to 1.34.119 or newer",
        "billing_transfers": "this botocore (1.34.0) has no organizations ListOutboundResponsibilityTransfers API: "
        "upgrade botocore to 1.44.5 or newer",
    }


# --- tax profile ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "registrations, status, words",
    [
        ((registration(MANAGEMENT, "IL"), registration(MEMBER, "US")), "verified", "is in IL (VAT, Verified)"),
        (
            (registration(MANAGEMENT, "US"), registration(MEMBER, "IL")),
            "failed",
            "is in US (VAT, Verified), expected IL",
        ),
        ((registration(MANAGEMENT, "IL", "Rejected"),), "failed", "is in IL (VAT, Rejected), expected IL"),
        ((), "failed", "has no tax registration and no tax address, expected IL"),
    ],
    ids=["doits-country", "another-country", "rejected", "none"],
)
def test_the_tax_profile_country_is_the_management_accounts_own(registrations, status, words):
    record = checklist(read(tax=registrations), tax_country="IL")["doit.tax_profile"]
    assert record["status"] == status, record
    assert words in record["evidence"], record["evidence"]


def test_without_a_country_to_verify_the_tax_profile_is_manual_with_the_country_seen():
    record = checklist(read(tax=(registration(MANAGEMENT, "DE"),)))["doit.tax_profile"]
    assert record["status"] == "manual"
    assert f"the tax registration of {MANAGEMENT} is in DE" in record["evidence"]


def test_refused_tax_registrations_are_unknown_and_block_when_a_country_is_given():
    found = read(errors={"list_tax_registrations": "AccessDeniedException"})
    record = checklist(found, tax_country="IL")["doit.tax_profile"]
    assert (record["status"], record["blocking"]) == ("unknown", True)
    assert "tax:ListTaxRegistrations" in record["evidence"]


# --- SPP onboarding: the billing transfer ------------------------------------------------


@pytest.mark.parametrize(
    "transfers, expected, status, who",
    [
        ((transfer(),), RESELLER, "verified", None),
        ((transfer(),), "", "verified", None),
        ((transfer("REQUESTED"),), RESELLER, "failed", "customer"),
        ((transfer("REQUESTED"),), "", "failed", "customer"),
        ((transfer(target="111122223333"),), RESELLER, "failed", "DoiT"),
        ((), RESELLER, "failed", "DoiT"),
        ((), "", "manual", "DoiT"),
        ((transfer(end=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)),), RESELLER, "failed", "DoiT"),
    ],
    ids=["accepted", "accepted-any", "invited", "invited-any", "elsewhere", "none", "none-any", "ended"],
)
def test_spp_onboarding_is_seen_in_the_billing_transfer(transfers, expected, status, who):
    record = checklist(read(transfers=transfers), billing_transfer_account_id=expected)["doit.spp"]
    assert (record["status"], record["who"]) == (status, who), record
    assert "organizations:ListOutboundResponsibilityTransfers" in record["evidence"]


def test_an_invitation_to_accept_names_the_handshake():
    record = checklist(read(transfers=(transfer("REQUESTED"),)))["doit.spp"]
    assert "aws organizations accept-handshake --handshake-id h-abcdefgh12" in record["remedy"]


def test_transfers_access_denied_is_unknown():
    found = read(errors={"list_outbound_responsibility_transfers": "AccessDeniedException"})
    record = checklist(found, billing_transfer_account_id=RESELLER)["doit.spp"]
    assert record["status"] == "unknown"
    assert "allow organizations:ListOutboundResponsibilityTransfers" in record["remedy"]


def test_without_the_readiness_module_the_billing_steps_stay_manual():
    records_by_id = checklist(None)
    for item in ("doit.payment_method", "doit.tax_profile", "doit.spp"):
        assert records_by_id[item]["status"] == "manual", item


# --- the report's delivery ----------------------------------------------------------------


def cur_result(delivery, changed=False, policy_changed=False):
    return {"changed": changed, "delivery": delivery, "bucket_policy": {"changed": policy_changed}, "diff": {}}


@pytest.mark.parametrize(
    "delivery, policy_changed, status, blocking",
    [
        ({"last_delivery": "20261125T013045Z", "last_status": "SUCCESS"}, False, "verified", True),
        ({"last_delivery": "20261125T013045Z", "last_status": "ERROR_PERMISSIONS"}, False, "failed", True),
        ({"last_delivery": "20261125T013045Z", "last_status": "ERROR_PERMISSIONS"}, True, "unknown", False),
        ({"last_delivery": "20261125T013045Z", "last_status": "ERROR_NO_BUCKET"}, False, "failed", True),
        ({"last_delivery": None, "last_status": None}, False, "unknown", False),
        (None, False, "unknown", False),
    ],
    ids=["delivered", "no-permission", "permission-fixed-now", "no-bucket", "not-yet", "new-report"],
)
def test_the_reports_last_delivery_is_read_from_its_status(delivery, policy_changed, status, blocking):
    found = read()
    record = checklist(found, report=cur_result(delivery, policy_changed=policy_changed))["doit.report_delivery"]
    assert (record["status"], record["blocking"]) == (status, blocking), record
    if status == "verified":
        assert "20261125T013045Z" in record["evidence"] and "SUCCESS" in record["evidence"]


def test_every_evidence_record_keeps_to_the_shipped_schema():
    found = read(errors={"list_payment_instruments": "AccessDeniedException"}, tax=(registration(MANAGEMENT, "IL"),))
    result = doit.onboarding_result(
        {
            "account_id": MANAGEMENT,
            "check_mode": False,
            "settings": {"payment_method": "CARD", "tax_country": "IL", "report_name": "r", "bucket_name": "b"},
            "readiness": found,
            "report": cur_result({"last_delivery": None, "last_status": None}),
        }
    )
    assert [p for r in result["records"] for p in records.record_problems(r)] == []
    assert {r["id"] for r in result["records"]} >= {
        "doit.payment_method",
        "doit.tax_profile",
        "doit.spp",
        "doit.report_delivery",
    }


def test_record_ids_lists_every_id_the_checklist_makes_in_its_order():
    # RECORD_IDS is what the readiness report's catalog maps DoiT's steps onto: it must not go stale.
    observed = {
        "account_id": MANAGEMENT,
        "check_mode": False,
        "settings": {
            "admin_user_create": True,
            "admin_user_name": "org-admin",
            "awsadmin_policy": {"a": 1},
            "cmp_policy": {"a": 1},
            "report_name": "r",
            "bucket_name": "b",
        },
        "readiness": read(),
        "admin_user": {"changed": False},
        "report": cur_result(None),
    }
    made = [record["id"] for record in doit.onboarding_result(observed)["records"]]
    assert made == list(doit.RECORD_IDS)
