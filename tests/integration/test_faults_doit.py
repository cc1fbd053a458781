"""playbooks/doit_onboarding.yml under injected faults: throttling, 5xx, lost replies, killed runs (faults_support)."""

import json
import os

import pytest
from faults_support import BUSY_AWS
from faults_support import KILL_POINTS
from faults_support import injected
from faults_support import kill_after_writes
from integration_support import BIN
from integration_support import aws_client
from test_doit_onboarding import PLAYBOOK as DOIT_PLAYBOOK
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


@pytest.mark.parametrize(
    "operation, words",
    [("PutRolePolicy", ["put", "doitintl_cmp_"]), ("PutReportDefinition", ["report", "doitintl-awsops-"])],
)
def test_a_doit_call_that_keeps_failing_ends_the_run_naming_the_call_and_the_resource(
    sandbox, new_org, faults, operation, words
):
    org = new_org(members=0)
    extra_vars = doit_vars()
    extra_vars.update(own_roles(extra_vars))
    faults(server_error=1.0, operations=[operation])

    run = onboard(org, extra_vars)

    assert not run.ok, run.log
    message = " ".join(run.failure_messages())
    assert all(word.lower() in message.lower() for word in words), run.log
    assert "InternalFailure" in message, run.log
    assert "Traceback" not in run.output, run.log
    assert extra_vars["doit_onboarding_external_id"] not in run.output


@pytest.mark.parametrize("writes", KILL_POINTS)
def test_a_doit_onboarding_run_killed_part_way_converges_on_the_next_run(sandbox, new_org, tmp_path, writes):
    org = new_org(members=0)
    extra_vars = doit_vars()
    extra_vars.update(own_roles(extra_vars))
    extra_vars_file = tmp_path / "doit.json"
    extra_vars_file.write_text(json.dumps({**extra_vars, "doit_onboarding_report_path": str(tmp_path / "r.json")}))
    command = [os.path.join(BIN, "ansible-playbook"), DOIT_PLAYBOOK, "-i", org.inventory, "-e", f"@{extra_vars_file}"]
    kill_after_writes(sandbox, command, writes)

    run = onboard(org, extra_vars)

    assert run.ok, run.log
    rerun = onboard(org, extra_vars)
    assert rerun.ok and rerun.changed == 0, rerun.log
    assert {record["status"] for record in records_of(rerun).values() if record["id"].endswith("_role")} == {"verified"}
