"""playbooks/preflight.yml when AWS keeps throttling one check: unknown, never failed (faults_support.py; split
from test_faults_preflight.py: the run waits out the retries, so it overlaps other files' work on its own worker).
"""

from faults_support import few_attempts_env
from preflight.support import make_org as preflight_org
from test_faults_preflight import statuses


def test_preflight_says_unknown_not_failed_when_aws_keeps_throttling_a_check(sandbox, tmp_path, faults):
    org = preflight_org(sandbox, tmp_path)
    faults(throttle=1.0, operations=["GetAccountSummary"])

    run = org.preflight(env=few_attempts_env(sandbox))

    root_mfa = statuses(run.report)[(org.partnercentral, "baseline.root_mfa")]
    assert root_mfa == "unknown", run.log
    (record,) = [
        r for r in run.report["records"] if r["id"] == "baseline.root_mfa" and r["account"] == org.partnercentral
    ]
    assert "throttl" in record["evidence"].lower(), record
    assert run.account("org-partnercentral")["verdict"] == "unknown"
    assert "Traceback" not in run.run.output, run.log
