"""playbooks/baseline.yml under injected faults: the same records as a fault-free run, unknown never a verdict."""

import json
import os

from faults_support import BUSY_AWS
from faults_support import injected
from integration_support import ROOT
from integration_support import run_playbook
from preflight.support import make_org

PLAYBOOK = os.path.join(ROOT, "playbooks", "baseline.yml")


def baseline(org, report_name):
    """One run of the baseline over every account of the organization; the run and its JSON report."""
    report_path = os.path.join(org.directory, report_name)
    run = run_playbook(
        org.sandbox,
        PLAYBOOK,
        inventory=org.inventory,
        extra_vars={"baseline_report_path": report_path},
        tmp=org.directory,
        verbose=False,
    )
    with open(report_path) as handle:
        return run, json.load(handle)


def statuses(report: dict) -> dict:
    return {(r["account"], r["id"]): r["status"] for r in report["records"]}


def test_the_baseline_gives_the_same_records_under_throttling_and_server_errors(sandbox, tmp_path, faults):
    org = make_org(sandbox, tmp_path)
    calm_run, calm = baseline(org, "calm.json")
    faults(seed=37, **BUSY_AWS)

    busy_run, busy = baseline(org, "busy.json")

    assert injected(sandbox).get("throttle"), "no fault was injected: the test proves nothing"
    assert busy_run.returncode == calm_run.returncode, busy_run.log
    assert statuses(busy) == statuses(calm)
    assert "unknown" not in statuses(busy).values(), busy_run.log
    assert {a["account"]: a["verdict"] for a in busy["accounts"]} == {
        a["account"]: a["verdict"] for a in calm["accounts"]
    }
