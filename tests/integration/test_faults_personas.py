"""playbooks/personas.yml under injected faults: throttling and 5xx answers, a run killed part-way (faults_support.py).

One run of each; "nothing left to change" afterwards is asked of the personas role's module in check mode, in the
test's process (personas_support.converge_personas). The module's own fault handling (a reply lost after AWS
acted, a call that keeps failing) is tested in-process in test_partnercentral_role_module.py.
"""

import os

import pytest
from faults_support import BUSY_AWS
from faults_support import KILL_POINTS
from faults_support import injected
from faults_support import kill_after_writes
from integration_support import BIN
from integration_support import PERSONAS_PLAYBOOK
from integration_support import assert_persona_roles
from personas_support import converge_personas


def assert_nothing_left_to_change(sandbox, account_id):
    rerun = converge_personas(sandbox, account_id, check_mode=True)
    assert not rerun.get("failed") and not rerun["changed"], rerun


@pytest.mark.parametrize("seed", [3])
def test_personas_converge_under_throttling_and_server_errors(sandbox, new_org, faults, seed):
    org = new_org(members=0)
    faults(seed=seed, **BUSY_AWS)

    run = org.playbook()

    assert run.ok, run.log
    assert injected(sandbox).get("throttle"), "no fault was injected: the test proves nothing"
    faults()
    assert_persona_roles(org.iam(org.partnercentral))
    assert_nothing_left_to_change(sandbox, org.partnercentral)


@pytest.mark.parametrize("writes", KILL_POINTS[:1])
def test_a_personas_run_killed_part_way_converges_on_the_next_run(sandbox, new_org, writes):
    org = new_org(members=0)
    kill_after_writes(sandbox, [os.path.join(BIN, "ansible-playbook"), PERSONAS_PLAYBOOK, "-i", org.inventory], writes)

    run = org.playbook()

    assert run.ok, run.log
    assert_persona_roles(org.iam(org.partnercentral))
    assert_nothing_left_to_change(sandbox, org.partnercentral)
