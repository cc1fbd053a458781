"""playbooks/preflight.yml under injected faults: throttling and 5xx (faults_support.py). A correct setup must get
the verdicts it gets without faults (test_preflight.py's ready case): every record verified, none unknown."""

from faults_support import BUSY_AWS
from faults_support import injected
from preflight.support import make_org as preflight_org


def statuses(report: dict) -> dict:
    return {(r["account"], r["id"]): r["status"] for r in report["records"]}


def test_preflight_gives_the_same_verdicts_under_throttling_and_server_errors(sandbox, tmp_path, faults):
    org = preflight_org(sandbox, tmp_path)
    faults(seed=23, **BUSY_AWS)

    busy = org.preflight()

    assert busy.run.returncode == 0, busy.log
    assert injected(sandbox).get("throttle"), "no fault was injected: the test proves nothing"
    assert {a["host"]: a["verdict"] for a in busy.report["accounts"]} == {
        "org-management": "ready",
        "org-partnercentral": "ready",
    }
    # What a fault-free run of a correct setup gives (test_preflight.py): every check made, every one verified.
    assert set(statuses(busy.report).values()) == {"verified"}, busy.log
    assert {record for account, record in statuses(busy.report) if account == org.partnercentral} == {
        "preflight.organization_member",
        "preflight.account_id",
        "preflight.membership",
        "preflight.management_account",
        "preflight.plan",
        "preflight.managed_policies",
        "baseline.root_mfa",
        "baseline.console_users_mfa",
        "baseline.cloudtrail",
        "baseline.config_recorder",
        "baseline.password_policy",
    }
