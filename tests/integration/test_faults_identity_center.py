"""playbooks/identity_center.yml under injected faults (faults_support.py): a busy AWS, and a run killed part-way.

Each test uses permission sets of its own prefix in the management account's Identity Center instance.
"""

import os

import pytest
from faults_support import BUSY_AWS
from faults_support import KILL_POINTS
from faults_support import injected
from faults_support import kill_after_writes
from integration_support import BIN
from integration_support import ROOT
from test_identity_center import PERSONA_POLICIES
from test_identity_center import IdentityCenter

PLAYBOOK = os.path.join(ROOT, "playbooks", "identity_center.yml")


def assert_permission_sets_in_place(sandbox, prefix, target):
    center = IdentityCenter(sandbox)
    sets = center.permission_sets(prefix)
    assert sorted(sets) == sorted(prefix + persona for persona in PERSONA_POLICIES)
    for persona, policies in PERSONA_POLICIES.items():
        assert center.policies(sets[prefix + persona]) == policies, persona
        assert target in center.provisioned_to(sets[prefix + persona]), persona


def test_permission_sets_converge_under_throttling_and_server_errors(sandbox, new_org, faults, tmp_path):
    org = new_org(members=0)
    extra_vars = {
        "identity_center_prefix": "PCF-",
        "identity_center_provisioning_delay": 0.1,
        "identity_center_report_path": str(tmp_path / "report.json"),
    }
    faults(seed=11, **BUSY_AWS)

    run = org.playbook(playbook=PLAYBOOK, extra_vars=extra_vars)

    assert run.ok, run.log
    assert injected(sandbox).get("throttle"), "no fault was injected: the test proves nothing"
    faults()
    assert_permission_sets_in_place(sandbox, "PCF-", org.partnercentral)
    rerun = org.playbook(playbook=PLAYBOOK, extra_vars=extra_vars)
    assert rerun.ok and rerun.changed == 0, rerun.log


@pytest.mark.parametrize("writes", KILL_POINTS[:1])
def test_a_run_killed_part_way_converges_on_the_next_run(sandbox, new_org, tmp_path, writes):
    org = new_org(members=0)
    extra_vars_file = tmp_path / "vars.yml"
    extra_vars_file.write_text(
        f"identity_center_prefix: PCK-\nidentity_center_provisioning_delay: 0.1\n"
        f"identity_center_report_path: {tmp_path / 'report.json'}\n"
    )
    command = [os.path.join(BIN, "ansible-playbook"), PLAYBOOK, "-i", org.inventory, "-e", f"@{extra_vars_file}"]
    kill_after_writes(sandbox, command, writes)

    run = org.playbook(
        playbook=PLAYBOOK,
        extra_vars={
            "identity_center_prefix": "PCK-",
            "identity_center_provisioning_delay": 0.1,
            "identity_center_report_path": str(tmp_path / "r.json"),
        },
    )

    assert run.ok, run.log
    assert_permission_sets_in_place(sandbox, "PCK-", org.partnercentral)
