"""playbooks/preflight.yml on a correct setup with one thing broken in the Partner Central account: the Free plan,
a trail that is not logging, root MFA off, a non-blocking finding (split from test_preflight.py, whose helpers
these are).
"""

from integration_support import aws_client
from integration_support import set_state
from preflight.support import TRAIL
from preflight.support import make_org
from test_preflight import PC_HOST
from test_preflight import assert_blocked_by
from test_preflight import preflight_both_modes


def test_an_account_on_the_free_plan_is_refused(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)
    set_state(sandbox, org.partnercentral, plan="FREE")

    run = preflight_both_modes(org)

    assert_blocked_by(run, PC_HOST, "preflight.plan", "is on the Free plan")


def test_no_logging_trail_is_refused(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)
    aws_client(sandbox, "cloudtrail", org.partnercentral).stop_logging(Name=TRAIL)

    run = preflight_both_modes(org)

    assert_blocked_by(run, PC_HOST, "baseline.cloudtrail", f"multi-region trail {TRAIL} is not logging")


def test_root_mfa_off_is_refused(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)
    set_state(sandbox, org.partnercentral, root_mfa=False)

    run = preflight_both_modes(org)

    assert_blocked_by(run, PC_HOST, "baseline.root_mfa", "the root user has no MFA device")


def test_non_blocking_findings_are_reported_without_failing(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)
    aws_client(sandbox, "config", org.partnercentral).stop_configuration_recorder(ConfigurationRecorderName="default")

    run = org.preflight()

    assert run.run.returncode == 0, run.log
    account = run.account(PC_HOST)
    assert account["ready"] is True and account["counts"]["failed"] == 1
    (recorder,) = [r for r in account["records"] if r["status"] != "verified"]
    assert recorder["id"] == "baseline.config_recorder" and recorder["blocking"] is False
    assert (
        "FAILED baseline.config_recorder (does not block): "
        "AWS Config recorder default exists in us-east-1 but is not recording"
    ) in run.run.stdout
