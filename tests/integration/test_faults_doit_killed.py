"""playbooks/doit_onboarding.yml killed part-way: the next run converges (faults_support; split from
test_faults_doit.py)."""

import json
import os

import pytest
from faults_support import KILL_POINTS
from faults_support import kill_after_writes
from integration_support import BIN
from test_doit_onboarding import PLAYBOOK as DOIT_PLAYBOOK
from test_doit_onboarding import doit_vars
from test_doit_onboarding import onboard
from test_doit_onboarding import own_roles
from test_doit_onboarding import records_of


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
