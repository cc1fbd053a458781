"""playbooks/preflight.yml against a seeded sandbox organization: the verdict per account, its causes, check mode.

Every scenario starts from a correct setup (a member account on the Paid plan, with the security baseline in
place) and breaks one thing. The preflight must then fail with a message naming that cause, write the same cause
in its JSON result, give the same verdicts in check mode, and never make a write call.
"""

from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import assume_role_arn
from integration_support import aws_client
from integration_support import run_playbook
from integration_support import set_state
from integration_support import write_calls
from preflight.support import BASELINE
from preflight.support import TRAIL
from preflight.support import make_org
from preflight.support import put_baseline_in_place

PC_HOST = "org-partnercentral"
MANAGEMENT_HOST = "org-management"


def failed_checks(result: dict) -> dict:
    return {check["name"]: check for check in result["checks"] if check["status"] == "fail"}


def preflight_both_modes(org):
    """The preflight for real, then in check mode: both must agree and neither may write."""
    org.sandbox.reset_calls()
    run = org.preflight()
    assert not write_calls(org.sandbox.calls()), run.log
    check = org.preflight("--check")
    assert not write_calls(org.sandbox.calls()), check.log
    assert check.report["check_mode"] is True and run.report["check_mode"] is False
    assert check.verdicts() == run.verdicts(), f"check mode gave another verdict{run.log}{check.log}"
    assert check.run.returncode == run.run.returncode
    return run


def assert_blocked_by(run, host: str, cause: str, words: str) -> dict:
    """The run failed, the host is not ready for ``cause`` alone, and the output names it with ``words``."""
    assert run.run.returncode != 0, run.log
    result = run.account(host)
    assert result["ready"] is False
    assert list(failed_checks(result)) == [cause], result["checks"]
    assert result["failed"] == [cause]
    assert words in failed_checks(result)[cause]["message"]
    assert failed_checks(result)[cause]["remedy"]
    assert words in run.run.output, run.log
    assert "NOT READY" in run.run.stdout
    return result


def test_a_correct_setup_is_ready_in_both_modes_and_changes_nothing(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)

    run = preflight_both_modes(org)

    assert run.run.returncode == 0, run.log
    assert run.run.changed == 0, run.log
    report = run.report
    assert report["ready"] is True
    assert set(report["accounts"]) == {MANAGEMENT_HOST, PC_HOST}
    account = report["accounts"][PC_HOST]
    assert account["ready"] is True and account["failed"] == [] and account["warnings"] == []
    assert {c["name"] for c in account["checks"]} == {
        "account_id",
        "membership",
        "management_account",
        "plan",
        "managed_policies",
        "root_mfa",
        "console_users_mfa",
        "cloudtrail",
        "config_recorder",
        "password_policy",
    }
    assert account["account_id"] == org.partnercentral
    assert account["membership"] == "member"
    assert account["plan"]["type"] == "PAID"
    assert account["organization"]["management_account_id"] == DEFAULT_ACCOUNT_ID
    # The management account lists the organization, with the Partner Central account ACTIVE in it.
    management = report["accounts"][MANAGEMENT_HOST]
    assert management["ready"] is True
    listed = {a["id"]: a["state"] for a in management["organization_accounts"]}
    assert listed[org.partnercentral] == "ACTIVE" and listed[org.member] == "ACTIVE"
    assert "Partner Central preflight: READY" in run.run.stdout


def test_the_managed_policies_checked_include_every_persona_policy(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)

    run = org.preflight()

    message = {c["name"]: c for c in run.account(PC_HOST)["checks"]}["managed_policies"]["message"]
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

        result = assert_blocked_by(run, PC_HOST, "membership", "is the management account of organization")
        assert result["membership"] == "management"
        # The management account's own view names the same cause.
        organization = run.account(MANAGEMENT_HOST)
        assert organization["failed"] == ["required_members"]
        assert (
            f"{DEFAULT_ACCOUNT_ID} is the organization's management account, not a member"
            in (failed_checks(organization)["required_members"]["message"])
        )
    finally:
        set_state(sandbox, DEFAULT_ACCOUNT_ID, root_mfa=False)


def test_credentials_of_another_account_are_refused(sandbox, tmp_path):
    org = make_org(
        sandbox,
        tmp_path,
        partnercentral_vars=lambda pc, member: {"aws_account_id": pc, "aws_assume_role_arn": assume_role_arn(member)},
    )

    run = preflight_both_modes(org)

    result = assert_blocked_by(run, PC_HOST, "stopped", f"not to aws_account_id {org.partnercentral}")
    message = failed_checks(result)["stopped"]["message"]
    assert message.startswith("Check the credentials belong to the host's account: ")
    assert f"arn:aws:sts::{org.member}:assumed-role/OrganizationAccountAccessRole/" in message


def test_an_account_on_the_free_plan_is_refused(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)
    set_state(sandbox, org.partnercentral, plan="FREE")

    run = preflight_both_modes(org)

    result = assert_blocked_by(run, PC_HOST, "plan", "is on the Free plan")
    assert result["plan"]["type"] == "FREE"


def test_a_managed_policy_that_does_not_exist_is_refused(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)
    personas = {"personas_overrides": {"Finance": {"managed_policies": ["AWSPartnerCentralNoSuchPolicy"]}}}

    org.sandbox.reset_calls()
    run = org.preflight(extra_vars=personas)
    check = org.preflight("--check", extra_vars=personas)

    assert not write_calls(org.sandbox.calls())
    assert check.verdicts() == run.verdicts()
    result = assert_blocked_by(run, PC_HOST, "managed_policies", "not found in IAM: AWSPartnerCentralNoSuchPolicy")
    assert result["missing_policies"] == ["AWSPartnerCentralNoSuchPolicy"]


def test_no_logging_trail_is_refused(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)
    aws_client(sandbox, "cloudtrail", org.partnercentral).stop_logging(Name=TRAIL)

    run = preflight_both_modes(org)

    assert_blocked_by(run, PC_HOST, "cloudtrail", f"multi-region trail {TRAIL} is not logging")


def test_root_mfa_off_is_refused(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)
    set_state(sandbox, org.partnercentral, root_mfa=False)

    run = preflight_both_modes(org)

    assert_blocked_by(run, PC_HOST, "root_mfa", "the root user has no MFA device")


def test_non_blocking_findings_warn_without_failing(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)
    aws_client(sandbox, "config", org.partnercentral).stop_configuration_recorder(ConfigurationRecorderName="default")

    run = org.preflight()

    assert run.run.returncode == 0, run.log
    account = run.account(PC_HOST)
    assert account["ready"] is True and account["warnings"] == ["config_recorder"]
    assert (
        "WARN config_recorder: AWS Config recorder default exists in us-east-1 but is not recording" in run.run.stdout
    )


def test_the_baseline_playbook_checks_every_account(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)  # baseline in place in the Partner Central account only
    accounts = f"{PC_HOST},org-member"

    sandbox.reset_calls()
    run = run_playbook(sandbox, BASELINE, "--limit", accounts, inventory=org.inventory, verbose=False)
    check = run_playbook(sandbox, BASELINE, "--check", "--limit", accounts, inventory=org.inventory, verbose=False)

    assert not write_calls(sandbox.calls())
    assert run.returncode != 0, run.log
    for result in (run, check):
        recap = result.recap()
        assert recap[PC_HOST]["failed"] == 0 and recap["org-member"]["failed"] == 1, result.log
        assert result.changed == 0
    assert f"org-member ({org.member}) does not meet the security baseline: [root_mfa]" in run.output
    assert "[cloudtrail] no CloudTrail trail" in run.output
    assert f"{PC_HOST} ({org.partnercentral}, us-east-1): baseline met" in run.stdout
