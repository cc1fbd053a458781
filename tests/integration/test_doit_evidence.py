"""DoiT's manual steps verified from the management account: playbooks/doit_onboarding.yml against the sandbox's
payments, Tax Settings and billing transfer stand-ins (tests/sandbox/standins, see standin_support).

What a user checks: told what DoiT sets up (the kind of payment instrument, the tax country, the account billing
is transferred to), the checklist verifies DoiT's billing steps from what AWS shows, and says who must do what
when they are not done yet (the customer accepts the billing transfer); the report is the one DoiT reads. One
read-only module run does every read before the first write. The judging rules are unit tests
(tests/unit/test_doit_readiness.py); here two runs: one apply with everything in place, one check-mode run after
the billing settings changed behind the role's back.
"""

import json
import os
from dataclasses import dataclass

import jsonschema
import pytest
from integration_support import ROOT
from integration_support import Org
from integration_support import PlaybookRun
from integration_support import make_org
from integration_support import new_account_id
from integration_support import report_definition
from integration_support import run_playbook
from integration_support import write_calls
from standin_support import billing_transfer
from standin_support import set_payment_instruments
from standin_support import set_responsibility_transfers
from standin_support import set_tax_registrations
from standin_support import tax_registration

PLAYBOOK = os.path.join(ROOT, "playbooks", "doit_onboarding.yml")
DOIT_ACCOUNT = "999988887777"
DOIT_BILLING_EMAIL = "billing@doit.example"
with open(os.path.join(ROOT, "schemas", "report-1.json")) as _schema:
    SCHEMA = json.load(_schema)
BILLING_READS = (
    "payments:ListPaymentInstruments",
    "tax:ListTaxRegistrations",
    "organizations:ListOutboundResponsibilityTransfers",
)


@dataclass
class Evidence:
    org: Org
    extra_vars: dict
    done: PlaybookRun
    done_calls: list[dict]
    pending: PlaybookRun
    pending_calls: list[dict]


def onboard(org, extra_vars, name, *args) -> PlaybookRun:
    report_path = os.path.join(org.directory, f"{name}.json")
    run = run_playbook(
        org.sandbox,
        PLAYBOOK,
        *args,
        inventory=org.inventory,
        extra_vars={**extra_vars, "doit_onboarding_report_path": report_path},
        tmp=org.directory,
    )
    run.report_path = report_path
    return run


def records_of(run) -> dict[str, dict]:
    assert os.path.exists(run.report_path), "no report was written" + run.log
    with open(run.report_path) as handle:
        report = json.load(handle)
    jsonschema.validate(report, SCHEMA)
    return {record["id"]: record for record in report["records"]}


@pytest.fixture(scope="module")
def evidence(sandbox, tmp_path_factory):
    """The management account once DoiT's billing steps are done, then with them undone again (in this file's own
    sandbox: the stand-ins' state is the management account's)."""
    org = make_org(sandbox, tmp_path_factory.mktemp("doit_evidence"), members=0)
    customer = f"cust{new_account_id()}"
    extra_vars = {
        "doit_onboarding_customer_id": customer,
        "doit_onboarding_trusted_account_id": DOIT_ACCOUNT,
        "doit_onboarding_external_id": f"doit-external-{customer}",
        "doit_onboarding_payment_method": "PAY_BY_INVOICE",
        "doit_onboarding_tax_country": "IL",
        "doit_onboarding_billing_transfer_account_id": DOIT_ACCOUNT,
    }
    set_payment_instruments(sandbox, org.management, {"paymentMethod": "PAY_BY_INVOICE", "status": "ACTIVE"})
    set_tax_registrations(sandbox, org.management, tax_registration("IL", "IL516000000"))
    set_responsibility_transfers(sandbox, org.management, billing_transfer(DOIT_ACCOUNT, DOIT_BILLING_EMAIL))
    sandbox.reset_calls()
    done = onboard(org, extra_vars, "done")
    done_calls = sandbox.calls()

    set_payment_instruments(sandbox, org.management, {"paymentMethod": "CARD", "status": "ACTIVE"})
    set_tax_registrations(sandbox, org.management, tax_registration("US", "US123456789"))
    set_responsibility_transfers(
        sandbox,
        org.management,
        billing_transfer(DOIT_ACCOUNT, DOIT_BILLING_EMAIL, status="REQUESTED", ActiveHandshakeId="h-doit0000billing"),
    )
    sandbox.reset_calls()
    pending = onboard(org, extra_vars, "pending", "--check")
    return Evidence(org, extra_vars, done, done_calls, pending, sandbox.calls())


def test_doits_billing_steps_are_verified_from_what_aws_shows(evidence):
    assert evidence.done.ok, evidence.done.log
    found = records_of(evidence.done)

    payment, tax, spp = found["doit.payment_method"], found["doit.tax_profile"], found["doit.spp"]
    assert payment["status"] == "verified", payment
    assert f"an ACTIVE PAY_BY_INVOICE payment instrument on {evidence.org.management}" in payment["evidence"]
    assert tax["status"] == "verified", tax
    assert f"the tax registration of {evidence.org.management} is in IL (VAT, Verified)" in tax["evidence"]
    assert spp["status"] == "verified", spp
    assert f"is transferred to {DOIT_ACCOUNT} ({DOIT_BILLING_EMAIL})" in spp["evidence"]
    assert found["doit.email_verification"]["status"] == "manual", "no API shows the e-mail verification"


def test_billing_steps_undone_fail_naming_who_does_what_and_check_mode_writes_nothing(evidence):
    assert evidence.pending.ok, evidence.pending.log
    assert write_calls(evidence.pending_calls) == []
    found = records_of(evidence.pending)

    payment, tax, spp = found["doit.payment_method"], found["doit.tax_profile"], found["doit.spp"]
    assert (payment["status"], payment["who"]) == ("failed", "DoiT"), payment
    assert "no ACTIVE PAY_BY_INVOICE payment instrument" in payment["evidence"]
    assert "CARD ACTIVE" in payment["evidence"]
    assert (tax["status"], tax["who"]) == ("failed", "DoiT"), tax
    assert "is in US (VAT, Verified), expected IL" in tax["evidence"]
    assert (spp["status"], spp["who"]) == ("failed", "customer"), spp
    assert "waits for this organization to accept it" in spp["evidence"]
    assert "aws organizations accept-handshake --handshake-id h-doit0000billing" in spp["remedy"]


def test_the_report_is_the_one_doit_reads_and_its_delivery_is_not_yet_judged(evidence):
    assert evidence.done.ok, evidence.done.log
    definition = report_definition(
        evidence.org.sandbox, f"doitintl-awsops-{evidence.extra_vars['doit_onboarding_customer_id']}"
    )

    assert (definition["TimeUnit"], definition["Format"], definition["Compression"]) == ("HOURLY", "textORcsv", "GZIP")
    assert sorted(definition["AdditionalSchemaElements"]) == ["RESOURCES", "SPLIT_COST_ALLOCATION_DATA"]
    delivery = records_of(evidence.done)["doit.report_delivery"]
    assert (delivery["status"], delivery["blocking"]) == ("unknown", False), delivery
    assert "was created by this run" in delivery["evidence"]


def test_every_read_before_the_first_write_is_one_module_run(evidence):
    assert evidence.done.ok, evidence.done.log
    for calls in (evidence.done_calls, evidence.pending_calls):
        made = [action for call in calls for action in call["actions"]]
        assert [made.count(action) for action in BILLING_READS] == [1, 1, 1], made
        assert not [call for call in calls if call["service"] == "freetier"], "the DoiT role needs no account plan"
    tasks = [line for line in evidence.done.stdout.splitlines() if line.startswith("TASK [")]
    assert sum("Read the management account" in task for task in tasks) == 1, tasks
    for replaced in ("Confirm this is the organization's management account", "Read the root user's MFA state"):
        assert not any(replaced in task for task in tasks), tasks
