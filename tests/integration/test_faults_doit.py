"""playbooks/doit_onboarding.yml under injected faults: throttling, 5xx, lost replies (faults_support).

A call that keeps failing: test_faults_doit_failing_call.py; killed runs: test_faults_doit_killed.py (files of
their own so that make integration spreads them over its workers)."""

import pytest
from faults_support import BUSY_AWS
from faults_support import injected
from integration_support import aws_client
from test_doit_onboarding import doit_vars
from test_doit_onboarding import onboard
from test_doit_onboarding import own_roles
from test_doit_onboarding import records_of


@pytest.mark.parametrize(
    "fault_settings",
    [dict(seed=29, **BUSY_AWS), dict(seed=31, lose_reply=0.5)],
    ids=["throttling-and-5xx", "lost-replies"],
)
def test_doit_onboarding_converges_under_faults_with_nothing_made_twice(sandbox, new_org, faults, fault_settings):
    org = new_org(members=0)
    extra_vars = doit_vars()
    extra_vars.update(own_roles(extra_vars))
    faults(**fault_settings)

    run = onboard(org, extra_vars)

    assert run.ok, run.log
    assert injected(sandbox), "no fault was injected: the test proves nothing"
    faults()
    rerun = onboard(org, extra_vars)
    assert rerun.ok and rerun.changed == 0, rerun.log
    records = records_of(rerun)
    for item in ("doit.cmp_role", "doit.cmp_policy", "doit.awsadmin_role", "doit.bucket", "doit.bucket_policy"):
        assert records[item]["status"] == "verified", records[item]
    assert records["doit.report"]["status"] == "verified", records["doit.report"]
    reports = aws_client(sandbox, "cur").describe_report_definitions()["ReportDefinitions"]
    names = [r["ReportName"] for r in reports]
    assert names.count(f"doitintl-awsops-{extra_vars['doit_onboarding_customer_id']}") == 1, names
