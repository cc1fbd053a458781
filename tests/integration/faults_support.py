"""Fault injection shared by the test_faults_* modules (issue 8): what production AWS does to a run.

The sandbox's fault injection (tests/sandbox/faults.py) stands in front of every AWS API. Each playbook must reach
the same end state as a fault-free run, with nothing made twice; a run killed part-way must converge on the next
run; and a call that keeps failing must end the run with a message naming the call and the resource, never a
traceback.
"""

import os
import random
import signal
import subprocess
import time

from integration_support import ansible_env
from integration_support import write_calls

# What production AWS does to a busy run: a fifth of the calls throttled, one in twenty a 5xx.
BUSY_AWS = {"throttle": 0.2, "server_error": 0.05}

# Where runs are killed: after this many writes, drawn once from a fixed seed so that a failure can be replayed.
KILL_POINTS = random.Random(8).sample(range(1, 14), 2)


def injected(sandbox) -> dict:
    return sandbox.faults()["injected"]


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


def few_attempts_env(sandbox) -> dict:
    """The sandbox's environment with AWS_MAX_ATTEMPTS=2: for a call that keeps failing, the collection's retries
    (and botocore's, through the credentials role) give up after two attempts instead of waiting a minute."""
    return {**sandbox.env(), "AWS_MAX_ATTEMPTS": "2"}
