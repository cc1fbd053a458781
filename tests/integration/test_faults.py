"""The playbooks on an AWS that throttles, answers 5xx, loses replies and gets interrupted (issue 8).

The sandbox's fault injection (tests/sandbox/faults.py) stands in front of every AWS API. Each playbook must reach
the same end state as a fault-free run, with nothing made twice; a run killed part-way must converge on the next
run; and a call that keeps failing must end the run with a message naming the call and the resource, never a
traceback.
"""

import json
import os
import random
import signal
import subprocess
import time

import pytest
from integration_support import BIN
from integration_support import PERSONAS_PLAYBOOK
from integration_support import ansible_env
from integration_support import assert_persona_roles
from integration_support import aws_client
from integration_support import write_calls
from preflight.support import make_org as preflight_org
from test_doit_onboarding import PLAYBOOK as DOIT_PLAYBOOK
from test_doit_onboarding import doit_vars
from test_doit_onboarding import onboard
from test_doit_onboarding import own_roles
from test_doit_onboarding import records_of

# What production AWS does to a busy run: a fifth of the calls throttled, one in twenty a 5xx.
BUSY_AWS = {"throttle": 0.2, "server_error": 0.05}


@pytest.fixture
def faults(sandbox):
    yield sandbox.inject_faults
    sandbox.inject_faults()


def injected(sandbox) -> dict:
    return sandbox.faults()["injected"]


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


def kill_after_writes(sandbox, command: list[str], writes: int) -> None:
    """Run ``command`` and kill it (with its module processes) once the sandbox has served ``writes`` writes."""
    sandbox.reset_calls()
    process = subprocess.Popen(  # noqa: S603 - our own ansible-playbook
        command,
        env=ansible_env(sandbox.env()),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(write_calls(sandbox.calls())) < writes and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert len(write_calls(sandbox.calls())) >= writes, "the run ended before it could be killed part-way"


# Where runs are killed: after this many writes, drawn once from a fixed seed so that a failure can be replayed.
KILL_POINTS = random.Random(8).sample(range(1, 14), 2)


@pytest.mark.parametrize("writes", KILL_POINTS)
def test_a_personas_run_killed_part_way_converges_on_the_next_run(sandbox, new_org, writes):
    org = new_org(members=0)
    kill_after_writes(sandbox, [os.path.join(BIN, "ansible-playbook"), PERSONAS_PLAYBOOK, "-i", org.inventory], writes)

    run = org.playbook()

    assert run.ok, run.log
    assert_persona_roles(org.iam(org.partnercentral))
    assert org.playbook().changed == 0


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


def test_a_call_that_keeps_failing_ends_the_run_naming_the_call_and_the_role(sandbox, new_org, faults):
    org = new_org(members=0)
    faults(server_error=1.0, operations=["AttachRolePolicy"])

    run = org.playbook()

    assert not run.ok, run.log
    message = " ".join(run.failure_messages())
    assert "attach" in message.lower() and "PartnerCentralRoleFor" in message, run.log
    assert "InternalFailure" in message, run.log
    assert "Traceback" not in run.output, run.log


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


def test_preflight_says_unknown_not_failed_when_aws_keeps_throttling_a_check(sandbox, tmp_path, faults):
    org = preflight_org(sandbox, tmp_path)
    faults(throttle=1.0, operations=["GetAccountSummary"])

    run = org.preflight()

    root_mfa = statuses(run.report)[(org.partnercentral, "baseline.root_mfa")]
    assert root_mfa == "unknown", run.log
    (record,) = [
        r for r in run.report["records"] if r["id"] == "baseline.root_mfa" and r["account"] == org.partnercentral
    ]
    assert "throttl" in record["evidence"].lower(), record
    assert run.account("org-partnercentral")["verdict"] == "unknown"
    assert "Traceback" not in run.run.output, run.log


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
