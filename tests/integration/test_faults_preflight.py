"""playbooks/preflight.yml under injected faults: throttling, 5xx, lost replies, killed runs (faults_support.py)."""

from faults_support import BUSY_AWS
from faults_support import injected
from preflight.support import make_org as preflight_org


def statuses(report: dict) -> dict:
    return {(r["account"], r["id"]): r["status"] for r in report["records"]}


def test_preflight_gives_the_same_verdicts_under_throttling_and_server_errors(sandbox, tmp_path, faults):
    org = preflight_org(sandbox, tmp_path)
    calm = org.preflight()
    assert calm.run.returncode == 0, calm.log
    faults(seed=23, **BUSY_AWS)

    busy = org.preflight()

    assert busy.run.returncode == 0, busy.log
    assert injected(sandbox).get("throttle"), "no fault was injected: the test proves nothing"
    assert statuses(busy.report) == statuses(calm.report)
    assert "unknown" not in statuses(busy.report).values()
