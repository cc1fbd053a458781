"""playbooks/identity_center.yml under injected faults (faults_support.py): a run killed part-way, then the next run
while AWS is busy (throttling and server errors) must converge, with nothing made twice; a rerun finds nothing to do.

The permission sets have a prefix of their own in the management account's Identity Center instance.
"""

import os

import pytest
from faults_support import BUSY_AWS
from faults_support import KILL_POINTS
from faults_support import injected
from faults_support import kill_after_writes
from integration_support import BIN
from integration_support import ROOT
from integration_support import write_calls
from module_in_process import run_module
from test_identity_center import PERSONA_POLICIES
from test_identity_center import IdentityCenter
from test_identity_center import module_options

PLAYBOOK = os.path.join(ROOT, "playbooks", "identity_center.yml")


def assert_permission_sets_in_place(sandbox, prefix, target):
    center = IdentityCenter(sandbox)
    sets = center.permission_sets(prefix)
    assert sorted(sets) == sorted(prefix + persona for persona in PERSONA_POLICIES)
    for persona, policies in PERSONA_POLICIES.items():
        assert center.policies(sets[prefix + persona]) == policies, persona
        assert target in center.provisioned_to(sets[prefix + persona]), persona


@pytest.mark.parametrize("writes", KILL_POINTS[:1])
def test_a_run_killed_part_way_converges_on_the_next_run_under_throttling_and_server_errors(
    sandbox, new_org, tmp_path, faults, writes
):
    org = new_org(members=0)
    extra_vars = {
        "identity_center_prefix": "PCK-",
        "identity_center_provisioning_delay": 0.1,
        "identity_center_report_path": str(tmp_path / "report.json"),
    }
    extra_vars_file = tmp_path / "vars.yml"
    extra_vars_file.write_text("".join(f"{name}: {value}\n" for name, value in extra_vars.items()))
    command = [os.path.join(BIN, "ansible-playbook"), PLAYBOOK, "-i", org.inventory, "-e", f"@{extra_vars_file}"]
    kill_after_writes(sandbox, command, writes)
    faults(seed=11, **BUSY_AWS)

    run = org.playbook(playbook=PLAYBOOK, extra_vars=extra_vars)

    assert run.ok, run.log
    assert injected(sandbox).get("throttle"), "no fault was injected: the test proves nothing"
    faults()
    assert_permission_sets_in_place(sandbox, "PCK-", org.partnercentral)
    # A rerun (the module with the role's options, in-process, in check mode) has nothing left to do.
    sandbox.reset_calls()
    options = module_options("PCK-", org.partnercentral)
    rerun = run_module("identity_center_permission_sets", options, sandbox.env(), check_mode=True)
    assert not rerun.get("failed") and rerun["changed"] is False, rerun
    assert write_calls(sandbox.calls()) == []
