"""playbooks/preflight.yml against a seeded sandbox organization: the verdict per account, its causes, check mode.

A correct setup (a member account on the Paid plan, with the security baseline in place) is ready, in both modes,
with a JSON report valid against the shipped schema and no write call. What is refused, and why, is shown by ONE
run of an organization with many problems at once (test_preflight_refusals.py, a file of its own so that make
integration spreads them); each module's verdicts, one cause at a time, are test_preflight_modules.py's (in the
test's process). The baseline playbook: one check-mode run over an account that meets the baseline and one that
does not.
"""

import json
import os

import jsonschema
import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import ROOT
from integration_support import run_playbook
from integration_support import write_calls
from preflight.support import BASELINE
from preflight.support import make_org

PC_HOST = "org-partnercentral"
MANAGEMENT_HOST = "org-management"
with open(os.path.join(ROOT, "schemas", "report-1.json")) as handle:
    SCHEMA = jsonschema.Draft202012Validator(json.load(handle))


def blocking_problems(result: dict) -> dict:
    """The account's blocking records that failed or could not be checked, by id."""
    return {r["id"]: r for r in result["records"] if r["blocking"] and r["status"] in ("failed", "unknown")}


def preflight_both_modes(org):
    """The preflight for real, then in check mode: both must agree and neither may write."""
    org.sandbox.reset_calls()
    run = org.preflight()
    assert not write_calls(org.sandbox.calls()), run.log
    check = org.preflight("--check")
    assert not write_calls(org.sandbox.calls()), check.log
    assert check.report["check_mode"] is True and run.report["check_mode"] is False
    SCHEMA.validate(run.report)
    SCHEMA.validate(check.report)
    assert check.verdicts() == run.verdicts(), f"check mode gave another verdict{run.log}{check.log}"
    assert check.run.returncode == run.run.returncode
    return run


@pytest.fixture(scope="module")
def correct(sandbox, tmp_path_factory):
    """A correct setup and the preflight of it, for real and in check mode (preflight_both_modes)."""
    org = make_org(sandbox, tmp_path_factory.mktemp("correct"))
    run = preflight_both_modes(org)
    return org, run, sandbox.calls()


def test_a_correct_setup_is_ready_in_both_modes_and_changes_nothing(correct):
    org, run, _calls = correct

    assert run.run.returncode == 0, run.log
    assert run.run.changed == 0, run.log
    report = run.report
    assert report["ready"] is True and report["playbook"] == "preflight"
    assert {a["host"]: a["verdict"] for a in report["accounts"]} == {MANAGEMENT_HOST: "ready", PC_HOST: "ready"}
    account = run.account(PC_HOST)
    assert account["account"] == org.partnercentral
    evidence = {r["id"]: r["evidence"] for r in account["records"]}
    assert {r["id"]: r["status"] for r in account["records"]} == {
        "preflight.organization_member": "verified",  # seen from the management account
        "preflight.account_id": "verified",
        "preflight.membership": "verified",
        "preflight.management_account": "verified",
        "preflight.plan": "verified",
        "preflight.managed_policies": "verified",
        "baseline.root_mfa": "verified",
        "baseline.console_users_mfa": "verified",
        "baseline.cloudtrail": "verified",
        "baseline.config_recorder": "verified",
        "baseline.password_policy": "verified",
    }
    assert "is a member of organization o-" in evidence["preflight.membership"]
    assert f"(management account {DEFAULT_ACCOUNT_ID})" in evidence["preflight.membership"]
    assert evidence["preflight.plan"] == f"{org.partnercentral} is on the Paid plan"
    assert f"{org.partnercentral} (" in evidence["preflight.organization_member"]
    assert "is an ACTIVE member of o-" in evidence["preflight.organization_member"]
    # The management account lists the organization.
    management = run.account(MANAGEMENT_HOST)
    (listed,) = [r for r in management["records"] if r["id"] == "preflight.accounts"]
    assert listed["status"] == "verified" and listed["blocking"] is False and "ACTIVE" in listed["evidence"]
    assert "Partner Central preflight: READY" in run.run.stdout


def test_whose_credentials_these_are_is_asked_once_per_run_and_no_module_asks_again(correct):
    org, _run, calls = correct

    # Two runs (for real, then in check mode). In each, the management account's own credentials are proven with one
    # GetCallerIdentity and the Partner Central account's role is assumed (its answer names the account); the
    # modules take that proof (caller_arn) instead of asking again.
    sts = [(c["operation"], c["account_id"]) for c in calls if c["service"] == "sts"]
    assert sorted(sts) == [("AssumeRole", org.management)] * 2 + [("GetCallerIdentity", org.management)] * 2, sts
    # The organization is described once from each account: the management account's view lists its accounts, the
    # Partner Central account's own says which organization its credentials are in.
    described = [c["account_id"] for c in calls if c["operation"] == "DescribeOrganization"]
    assert sorted(described) == sorted([org.management, org.partnercentral] * 2), described


def test_the_managed_policies_checked_include_every_persona_policy(correct):
    _org, run, _calls = correct

    message = {r["id"]: r for r in run.account(PC_HOST)["records"]}["preflight.managed_policies"]["evidence"]
    # Phase 3.1's own list and the personas role's catalog (AWSMarketplaceSeller*, ReadOnlyAccess).
    for policy in (
        "PartnerCentralAccountManagementUserRoleAssociation",
        "AWSPartnerCentralChannelHandshakeApprovalManagement",
        "AWSMarketplaceSellerFullAccess",
        "AWSMarketplaceSellerProductsFullAccess",
        "ReadOnlyAccess",
    ):
        assert policy in message


def test_the_baseline_playbook_checks_every_account_and_reports_where_it_is_run(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)  # baseline in place in the Partner Central account only
    accounts = f"{PC_HOST},org-member"
    here = tmp_path / "where-the-user-is"
    here.mkdir()

    # In check mode: the baseline only reads, so check mode gives the verdicts (and the report) of a real run.
    sandbox.reset_calls()
    run = run_playbook(
        sandbox, BASELINE, "--check", "--limit", accounts, inventory=org.inventory, cwd=str(here), verbose=False
    )
    with open(here / "reports" / "baseline.json") as handle:
        report = json.load(handle)

    assert not write_calls(sandbox.calls())
    assert run.returncode != 0, run.log
    recap = run.recap()
    assert recap[PC_HOST]["failed"] == 0 and recap["org-member"]["failed"] == 1, run.log
    assert run.changed == 0
    # Each account's checks, then the organization summary, then the gate naming the first reason.
    assert f"{PC_HOST} ({org.partnercentral}, us-east-1): baseline met" in run.stdout
    assert f"org-member ({org.member}, us-east-1): BLOCKED" in run.stdout
    assert "FAILED baseline.root_mfa: the root user has no MFA device" in run.stdout
    assert "FAILED baseline.cloudtrail: no CloudTrail trail" in run.stdout
    summary = "Baseline over the organization (check mode): 1 ready, 1 not ready, 0 unreachable, of 2 accounts"
    assert summary in run.stdout
    assert f"org-member ({org.member}) is not ready: [baseline.root_mfa] the root user has no MFA device" in run.output
    assert (here / "reports" / "baseline-organization.json").exists()
    SCHEMA.validate(report)
    assert report["playbook"] == "baseline" and report["ready"] is False and report["check_mode"] is True
    assert {a["host"]: a["verdict"] for a in report["accounts"]} == {PC_HOST: "ready", "org-member": "not_ready"}
    assert {r["id"] for r in report["records"] if r["account"] == org.member} == {
        "baseline.root_mfa",
        "baseline.console_users_mfa",
        "baseline.cloudtrail",
        "baseline.config_recorder",
        "baseline.password_policy",
    }
