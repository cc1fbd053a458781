"""The organization summary a run over many accounts ends with (filter organization_summary): every targeted
account ready, not ready or unreachable with its first reason, valid against the shipped schema."""

import json
import os

import jsonschema
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.diatonic.partnercentral.plugins.filter.organization import FilterModule
from ansible_collections.diatonic.partnercentral.plugins.module_utils import records

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(ROOT, "schemas", "report-1.json")) as handle:
    VALIDATOR = jsonschema.Draft202012Validator(json.load(handle))

organization_summary = FilterModule().filters()["organization_summary"]
WHEN = "2026-11-26T14:00:00Z"
MANAGEMENT, PC, GOOD, BROKEN, GONE = "111111111111", "222222222222", "333333333333", "444444444444", "555555555555"


def baseline(account, root_mfa=True, trail=True):
    return {
        "account_id": account,
        "records": [
            records.judged(
                "baseline.root_mfa",
                "2",
                "Root user MFA",
                account,
                root_mfa,
                f"AccountMFAEnabled={int(root_mfa)}",
                "enable MFA on the root user",
            ),
            records.judged(
                "baseline.cloudtrail",
                "2",
                "CloudTrail",
                account,
                trail,
                "no multi-region trail" if not trail else "trail org logging",
                "create a trail",
            ),
            records.judged(
                "baseline.config_recorder",
                "2",
                "Config",
                account,
                False,
                "no recorder",
                "record with AWS Config",
                blocking=False,
            ),
        ],
    }


def stopped(account, message):
    return records.make_record(
        "baseline.stopped",
        "2",
        "The baseline checks could run",
        account,
        "unknown",
        f"Assume the account's role: {message}",
        "the account's checks did not run",
    )


HOSTVARS = {
    "management": {"aws_account_id": MANAGEMENT, "baseline_result": baseline(MANAGEMENT)},
    "partnercentral": {"aws_account_id": PC, "baseline_result": baseline(PC, root_mfa=False, trail=False)},
    "good": {"aws_account_id": int(GOOD), "baseline_result": baseline(GOOD)},
    "gone": {"aws_account_id": GONE, "baseline_stopped": stopped(GONE, "AccessDenied on sts:AssumeRole")},
    "silent": {"aws_account_id": BROKEN},
}


def summary(hosts=tuple(HOSTVARS), hostvars=None, **options):
    return organization_summary(
        list(hosts), hostvars or HOSTVARS, "baseline", "2", WHEN, False, records="baseline_result", **options
    )


def test_every_account_is_ready_not_ready_or_unreachable_with_its_first_reason():
    organization = summary()["organization"]

    assert [(p["host"], p["account"]) for p in organization["ready"]] == [("management", MANAGEMENT), ("good", GOOD)]
    assert organization["not_ready"] == [
        {
            "host": "partnercentral",
            "account": PC,
            "verdict": "not_ready",
            "reason": "[baseline.root_mfa] AccountMFAEnabled=0",
        }
    ]
    assert organization["unreachable"] == [
        {
            "host": "gone",
            "account": GONE,
            "verdict": "unknown",
            "reason": "Assume the account's role: AccessDenied on sts:AssumeRole",
        },
        {
            "host": "silent",
            "account": BROKEN,
            "verdict": "unknown",
            "reason": "no record of this account: its checks did not run (an earlier play may have stopped the host)",
        },
    ]
    assert organization["accounts"] == 5
    assert organization["verdict"] == "not_ready"
    assert organization["first_reason"] == "partnercentral: [baseline.root_mfa] AccountMFAEnabled=0"


def test_one_record_per_account_that_the_schema_and_the_readiness_report_read():
    report = summary()

    VALIDATOR.validate(report)
    assert records.report_problems(report) == []
    assert report["playbook"] == "baseline-organization"
    assert [(r["account"], r["id"], r["status"]) for r in report["records"]] == [
        (MANAGEMENT, "baseline.account", "verified"),
        (PC, "baseline.account", "failed"),
        (GOOD, "baseline.account", "verified"),
        (GONE, "baseline.stopped", "unknown"),
        (BROKEN, "baseline.stopped", "unknown"),
    ]
    not_ready = report["records"][1]
    assert not_ready["evidence"] == "[baseline.root_mfa] AccountMFAEnabled=0"
    assert not_ready["remedy"] == "[baseline.root_mfa] enable MFA on the root user"
    # The rescue's own remedy is kept; a host without any gets how to make the account reachable.
    assert report["records"][3]["remedy"] == "the account's checks did not run"
    assert "aws_assume_role_arn" in report["records"][4]["remedy"]
    assert report["ready"] is False
    assert {a["account"]: a["host"] for a in report["accounts"]}[GONE] == "gone"


def test_an_organization_where_every_account_is_ready():
    report = summary(hosts=["management", "good"])

    assert report["ready"] is True
    assert report["organization"]["verdict"] == "ready"
    assert report["organization"]["first_reason"] is None
    assert report["organization"]["not_ready"] == report["organization"]["unreachable"] == []
    assert report["records"][0]["evidence"] == "every blocking item verified (2 verified, 1 failed)"


def test_a_blocking_check_that_could_not_be_made_is_not_ready_and_unknown():
    account = baseline(GOOD)
    account["records"][1] = records.unknown("baseline.cloudtrail", "2", "CloudTrail", GOOD, "AccessDenied", "allow it")
    report = summary(hosts=["good"], hostvars={"good": {"aws_account_id": GOOD, "baseline_result": account}})

    assert report["organization"]["not_ready"][0]["verdict"] == "unknown"
    assert report["records"][0]["status"] == "unknown"
    assert report["organization"]["verdict"] == "unknown"


def test_records_one_host_made_in_another_accounts_name_count_for_that_account():
    # preflight: the management host checks that the Partner Central account is a member, in that account's name.
    member = records.judged("preflight.organization_member", "1", "Member", PC, False, "not a member", "invite it")
    hostvars = {
        "management": {"aws_account_id": MANAGEMENT, "preflight_records": baseline(MANAGEMENT)["records"] + [member]},
        "partnercentral": {"aws_account_id": PC, "preflight_records": baseline(PC)["records"]},
    }
    report = organization_summary(["management", "partnercentral"], hostvars, "preflight", "1", WHEN, True)

    assert [p["host"] for p in report["organization"]["ready"]] == ["management"]
    assert report["organization"]["not_ready"][0]["reason"] == "[preflight.organization_member] not a member"
    assert report["check_mode"] is True


def test_a_stop_given_as_a_message_is_the_reason():
    hostvars = {"gone": {"aws_account_id": GONE, "baseline_stopped": "the role cannot be assumed"}}
    report = summary(hosts=["gone"], hostvars=hostvars)

    assert report["organization"]["unreachable"][0]["reason"] == "the role cannot be assumed"
    assert report["organization"]["first_reason"] == "gone: the role cannot be assumed"


@pytest.mark.parametrize(
    ("hosts", "hostvars", "message"),
    [
        ("management", HOSTVARS, "must be the list of hosts"),
        (["management"], ["management"], "must be the hostvars mapping"),
        (["nowhere"], HOSTVARS, "nowhere is not a host of the inventory"),
        (["bad"], {"bad": {"aws_account_id": GOOD, "baseline_result": {"records": "x"}}}, "must be a list of records"),
        (["bad"], {"bad": {"aws_account_id": GOOD, "baseline_result": [{"id": "x"}]}}, "record x: missing phase"),
    ],
)
def test_input_that_is_not_hosts_and_records_is_refused(hosts, hostvars, message):
    with pytest.raises(AnsibleFilterError, match=message):
        organization_summary(hosts, hostvars, "baseline", "2", WHEN, False, records="baseline_result")


def test_a_host_that_checks_only_another_accounts_items_is_judged_by_them():
    # validate: the management host verifies the permission sets, in the Partner Central account's name.
    sets = records.judged("identity_center.permission_sets", "5", "Sets", PC, False, "2 missing", "create them")
    hostvars = {
        "management": {"aws_account_id": MANAGEMENT, "validation_result": {"records": [sets]}},
        "partnercentral": {"aws_account_id": PC, "validation_result": {"records": []}},
    }
    report = organization_summary(
        ["management", "partnercentral"], hostvars, "validation", "8", WHEN, False, records="validation_result"
    )

    assert report["organization"]["not_ready"] == [
        {
            "host": "management",
            "account": MANAGEMENT,
            "verdict": "not_ready",
            "reason": "[identity_center.permission_sets] 2 missing",
        },
        {
            "host": "partnercentral",
            "account": PC,
            "verdict": "not_ready",
            "reason": "[identity_center.permission_sets] 2 missing",
        },
    ]
    assert report["organization"]["unreachable"] == []
