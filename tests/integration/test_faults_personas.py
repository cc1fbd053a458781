"""playbooks/personas.yml under injected faults: throttling, 5xx, lost replies, killed runs (faults_support.py)."""

import os

import pytest
from faults_support import BUSY_AWS
from faults_support import KILL_POINTS
from faults_support import few_attempts_env
from faults_support import injected
from faults_support import kill_after_writes
from integration_support import BIN
from integration_support import PERSONAS_PLAYBOOK
from integration_support import assert_persona_roles


@pytest.mark.parametrize("seed", [3, 17])
def test_personas_converge_under_throttling_and_server_errors(sandbox, new_org, faults, seed):
    org = new_org(members=0)
    faults(seed=seed, **BUSY_AWS)

    run = org.playbook()

    assert run.ok, run.log
    assert injected(sandbox).get("throttle"), "no fault was injected: the test proves nothing"
    faults()
    assert_persona_roles(org.iam(org.partnercentral))
    assert org.playbook().changed == 0


def test_personas_converge_when_aws_acts_but_its_replies_are_lost(sandbox, new_org, faults):
    org = new_org(members=0)
    faults(seed=5, lose_reply=0.5, services=["iam"])

    run = org.playbook()

    assert run.ok, run.log
    assert injected(sandbox).get("lose_reply"), "no reply was lost: the test proves nothing"
    faults()
    assert_persona_roles(org.iam(org.partnercentral))
    assert org.playbook().changed == 0


@pytest.mark.parametrize("writes", KILL_POINTS)
def test_a_personas_run_killed_part_way_converges_on_the_next_run(sandbox, new_org, writes):
    org = new_org(members=0)
    kill_after_writes(sandbox, [os.path.join(BIN, "ansible-playbook"), PERSONAS_PLAYBOOK, "-i", org.inventory], writes)

    run = org.playbook()

    assert run.ok, run.log
    assert_persona_roles(org.iam(org.partnercentral))
    assert org.playbook().changed == 0


def test_a_call_that_keeps_failing_ends_the_run_naming_the_call_and_the_role(sandbox, new_org, faults):
    org = new_org(members=0)
    faults(server_error=1.0, operations=["AttachRolePolicy"])

    run = org.playbook(env=few_attempts_env(sandbox))

    assert not run.ok, run.log
    message = " ".join(run.failure_messages())
    assert "attach" in message.lower() and "PartnerCentralRoleFor" in message, run.log
    assert "InternalFailure" in message, run.log
    assert "Traceback" not in run.output, run.log
