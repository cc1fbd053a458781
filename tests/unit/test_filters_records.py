"""The reports of preflight and baseline: records from the checks, put together by the records filters, valid
against the shipped schema (schemas/report-1.json, checked with jsonschema, not with the collection's own rules).
"""

import json
import os

import botocore.exceptions
import jsonschema
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.diatonic.partnercentral.plugins.filter.records import FilterModule
from ansible_collections.diatonic.partnercentral.plugins.module_utils import baseline
from ansible_collections.diatonic.partnercentral.plugins.module_utils import managed_policies
from ansible_collections.diatonic.partnercentral.plugins.module_utils import organizations

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(ROOT, "schemas", "report-1.json")) as handle:
    SCHEMA = json.load(handle)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

FILTERS = FilterModule().filters()
record = FILTERS["record"]
records_report = FILTERS["records_report"]

PC = "210987654321"
MANAGEMENT = "313476888312"
ORG = {"id": "o-a1b2c3d4e5", "management_account_id": MANAGEMENT}
WHEN = "2026-11-26T07:00:00Z"


def throttled():
    return botocore.exceptions.ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DescribeOrganization"
    )


def preflight_records():
    """What the preflight's two hosts gather: the management account's view, then the Partner Central account's."""
    management = [
        organizations.evaluate_accounts([{"id": PC, "state": "ACTIVE"}], ORG, MANAGEMENT),
        *organizations.evaluate_required_members([PC], {PC: {"id": PC, "name": "pc", "state": "ACTIVE"}}, ORG),
    ]
    partnercentral = [
        organizations.evaluate_account_id(PC, {"account_id": PC, "arn": f"arn:aws:iam::{PC}:role/x"}),
        organizations.evaluate_membership("member", "unknown", PC, None, throttled()),
        organizations.evaluate_plan(True, {"type": "FREE"}, PC),
        managed_policies.evaluate_policies([{"name": "ReadOnlyAccess", "attachable": True}], [], PC),
        baseline.evaluate_root_mfa(
            {"mfa_enabled": True, "password_present": True, "access_keys_present": False}, True, PC
        ),
        baseline.evaluate_config_recorders([], False, "us-east-1", PC),
    ]
    return [management, partnercentral]


def test_the_preflight_report_validates_against_the_shipped_schema_and_judges_each_account():
    report = records_report(
        preflight_records(), "preflight", WHEN, False, hosts={MANAGEMENT: "org-management", PC: "org-partnercentral"}
    )

    VALIDATOR.validate(report)
    assert report["playbook"] == "preflight" and report["check_mode"] is False and report["ready"] is False
    verdicts = {a["account"]: (a["host"], a["verdict"]) for a in report["accounts"]}
    assert verdicts == {MANAGEMENT: ("org-management", "ready"), PC: ("org-partnercentral", "not_ready")}
    (pc,) = [a for a in report["accounts"] if a["account"] == PC]
    assert pc["first_reason"].startswith("[preflight.plan]")
    # The organization's view of the Partner Central account (its membership) counts for that account.
    assert pc["counts"] == {"verified": 4, "failed": 2, "unknown": 1}


def test_an_account_whose_blocking_item_could_not_be_checked_is_unknown_not_ready_nor_failed():
    unchecked = organizations.evaluate_membership("member", "unknown", PC, None, throttled())

    report = records_report([unchecked], "preflight", WHEN, True)

    VALIDATOR.validate(report)
    (account,) = report["accounts"]
    assert account["verdict"] == "unknown" and report["ready"] is False
    assert "throttled" in account["first_reason"]


def test_a_non_blocking_failure_leaves_the_account_ready():
    report = records_report([[baseline.evaluate_config_recorders([], False, "us-east-1", PC)]], "baseline", WHEN, False)

    VALIDATOR.validate(report)
    assert report["ready"] is True and report["accounts"][0]["counts"] == {"failed": 1}


def test_a_record_made_by_a_role_validates_and_mistakes_are_refused_naming_the_field():
    stopped = record(
        "preflight.stopped", 1, "The checks ran", int(PC), "unknown", evidence="AssumeRole: denied", remedy="fix it"
    )

    assert stopped["account"] == PC and stopped["phase"] == "1"
    VALIDATOR.validate(records_report([stopped], "preflight", WHEN, False))
    with pytest.raises(AnsibleFilterError, match="needs a remedy"):
        record("preflight.stopped", "1", "The checks ran", PC, "failed", evidence="x")
    with pytest.raises(AnsibleFilterError, match="status 'fail' is not one of"):
        record("preflight.stopped", "1", "The checks ran", PC, "fail", remedy="x")
    with pytest.raises(AnsibleFilterError, match="account must be a 12-digit string"):
        record("preflight.stopped", "1", "The checks ran", "2109876543", "unknown", remedy="x")


def test_a_report_refuses_what_is_not_a_record():
    with pytest.raises(AnsibleFilterError, match="missing status"):
        records_report([{"id": "x.y"}], "preflight", WHEN, False)


def test_an_accounts_verdict_is_read_from_the_report_and_an_unchecked_account_is_never_ready():
    report_account = FILTERS["report_account"]
    report = records_report(preflight_records(), "preflight", WHEN, False)

    pc = report_account(report, int(PC))
    nowhere = report_account(report, "999999999999")

    assert pc["verdict"] == "not_ready" and pc["ready"] is False and len(pc["records"]) == 7
    assert report_account(report, MANAGEMENT)["ready"] is True
    assert nowhere["verdict"] == "unknown" and nowhere["ready"] is False and nowhere["records"] == []
