"""playbooks/preflight.yml against a seeded sandbox organization: the verdict per account, its causes, check mode.

Every scenario starts from a correct setup (a member account on the Paid plan, with the security baseline in
place) and breaks one thing. The preflight must then fail with a message naming that cause, write the same cause
in its JSON report (records, valid against the shipped schema), give the same verdicts in check mode, and never
make a write call. Scenarios breaking one thing in the Partner Central account (plan, trail, root MFA, a
non-blocking finding): test_preflight_refusals.py, a file of its own so that make integration spreads them.
"""

import json
import os

import jsonschema
import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import ROOT
from integration_support import assume_role_arn
from integration_support import run_playbook
from integration_support import set_state
from integration_support import write_calls
from preflight.support import BASELINE
from preflight.support import make_org
from preflight.support import put_baseline_in_place

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


def assert_blocked_by(run, host: str, cause: str, words: str, verdict: str = "not_ready") -> dict:
    """The run failed, the host's account is not ready for ``cause`` alone, and the output names it with ``words``."""
    assert run.run.returncode != 0, run.log
    result = run.account(host)
    assert result["ready"] is False and result["verdict"] == verdict
    assert list(blocking_problems(result)) == [cause], result["records"]
    assert result["first_reason"].startswith(f"[{cause}]")
    assert words in blocking_problems(result)[cause]["evidence"]
    assert blocking_problems(result)[cause]["remedy"]
    assert words in run.run.output, run.log
    assert "NOT READY" in run.run.stdout
    return result


@pytest.fixture(scope="module")
def correct(sandbox, tmp_path_factory):
    """A correct setup and the preflight of it, for real and in check mode (preflight_both_modes)."""
    org = make_org(sandbox, tmp_path_factory.mktemp("correct"))
    return org, preflight_both_modes(org)


def test_a_correct_setup_is_ready_in_both_modes_and_changes_nothing(correct):
    org, run = correct

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


def test_the_managed_policies_checked_include_every_persona_policy(correct):
    _org, run = correct

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


def test_the_management_account_as_partnercentral_account_is_refused(sandbox, tmp_path):
    put_baseline_in_place(sandbox, DEFAULT_ACCOUNT_ID)
    try:
        org = make_org(sandbox, tmp_path, partnercentral_vars=lambda pc, member: {"aws_account_id": DEFAULT_ACCOUNT_ID})

        run = preflight_both_modes(org)

        # Both hosts are the one account: its records say it twice, from each side.
        assert run.run.returncode != 0, run.log
        (account,) = [a for a in run.report["accounts"] if a["account"] == DEFAULT_ACCOUNT_ID]
        assert account["verdict"] == "not_ready"
        problems = {
            r["id"]: r["evidence"]
            for r in run.report["records"]
            if r["account"] == DEFAULT_ACCOUNT_ID and r["status"] == "failed" and r["blocking"]
        }
        assert set(problems) == {"preflight.membership", "preflight.organization_member"}, problems
        assert "is the management account of organization" in problems["preflight.membership"]
        assert (
            f"{DEFAULT_ACCOUNT_ID} is the organization's management account, not a member"
            in problems["preflight.organization_member"]
        )
        assert "NOT READY" in run.run.stdout
    finally:
        set_state(sandbox, DEFAULT_ACCOUNT_ID, root_mfa=False)


def test_credentials_of_another_account_are_refused(sandbox, tmp_path):
    org = make_org(
        sandbox,
        tmp_path,
        partnercentral_vars=lambda pc, member: {"aws_account_id": pc, "aws_assume_role_arn": assume_role_arn(member)},
    )

    run = preflight_both_modes(org)

    result = assert_blocked_by(
        run, PC_HOST, "preflight.stopped", f"not to aws_account_id {org.partnercentral}", verdict="unknown"
    )
    message = blocking_problems(result)["preflight.stopped"]["evidence"]
    assert message.startswith("Check the credentials belong to the host's account: ")
    assert f"arn:aws:sts::{org.member}:assumed-role/OrganizationAccountAccessRole/" in message


def test_a_managed_policy_that_does_not_exist_is_refused(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)
    personas = {"personas_overrides": {"Finance": {"managed_policies": ["AWSPartnerCentralNoSuchPolicy"]}}}

    org.sandbox.reset_calls()
    run = org.preflight(extra_vars=personas)
    check = org.preflight("--check", extra_vars=personas)

    assert not write_calls(org.sandbox.calls())
    assert check.verdicts() == run.verdicts()
    assert_blocked_by(
        run, PC_HOST, "preflight.managed_policies", "1 managed policy not found in IAM: AWSPartnerCentralNoSuchPolicy"
    )


def test_the_baseline_playbook_checks_every_account_and_reports_where_it_is_run(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)  # baseline in place in the Partner Central account only
    accounts = f"{PC_HOST},org-member"
    here = tmp_path / "where-the-user-is"
    here.mkdir()

    sandbox.reset_calls()
    run = run_playbook(sandbox, BASELINE, "--limit", accounts, inventory=org.inventory, cwd=str(here), verbose=False)
    with open(here / "reports" / "baseline.json") as handle:
        report = json.load(handle)
    check = run_playbook(
        sandbox, BASELINE, "--check", "--limit", accounts, inventory=org.inventory, cwd=str(here), verbose=False
    )

    assert not write_calls(sandbox.calls())
    assert run.returncode != 0, run.log
    for result in (run, check):
        recap = result.recap()
        assert recap[PC_HOST]["failed"] == 0 and recap["org-member"]["failed"] == 1, result.log
        assert result.changed == 0
    assert f"org-member ({org.member}) does not meet the security baseline:" in run.output
    assert "[baseline.root_mfa] the root user has no MFA device" in run.output
    assert "[baseline.cloudtrail] no CloudTrail trail" in run.output
    assert f"{PC_HOST} ({org.partnercentral}, us-east-1): baseline met" in run.stdout
    SCHEMA.validate(report)
    assert report["playbook"] == "baseline" and report["ready"] is False
    assert {a["host"]: a["verdict"] for a in report["accounts"]} == {PC_HOST: "ready", "org-member": "not_ready"}
    assert {r["id"] for r in report["records"] if r["account"] == org.member} == {
        "baseline.root_mfa",
        "baseline.console_users_mfa",
        "baseline.cloudtrail",
        "baseline.config_recorder",
        "baseline.password_policy",
    }
