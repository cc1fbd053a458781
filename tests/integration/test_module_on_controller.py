"""A read-only module's task run in the controller's process gives what the module gives as a module.

The collection's playbooks run their AWS modules with the controller's Python over a local connection, so their
read-only modules run in the controller's process (plugin_utils/controller_module.py). The same task with another
interpreter runs the module as a module: an interpreter that leaves a mark when it starts shows which way each run
went, and the two results must be the same, over HTTP to the sandbox.
"""

import stat
import sys

import pytest
import yaml
from integration_support import account_env
from integration_support import run_playbook

PLAYBOOK = """
- name: A read-only module, one task
  hosts: account
  connection: local
  gather_facts: false
  tasks:
    - name: Check the security baseline
      diatonic.partnercentral.security_baseline_info:
        expected_account_id: "{{ expected_account_id }}"
        checks: [root_mfa, password_policy, cloudtrail]
        password_policy: {minimum_password_length: 16}
        region: us-east-1
"""


@pytest.fixture
def one_task(tmp_path):
    """The playbook, an inventory of one host, and an interpreter that marks the file ``marks`` when it starts."""
    marks = tmp_path / "marks"
    interpreter = tmp_path / "marking-python"
    interpreter.write_text(f'#!/bin/sh\necho started >> "{marks}"\nexec "{sys.executable}" "$@"\n')
    interpreter.chmod(interpreter.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "playbook.yml").write_text(PLAYBOOK)
    return tmp_path, marks, str(interpreter)


def run(sandbox, directory, account, interpreter, *args, expected=None, env=None):
    inventory = directory / "hosts.yml"
    host = {"ansible_python_interpreter": interpreter, "expected_account_id": expected or account}
    inventory.write_text(yaml.safe_dump({"account": {"hosts": {"the-account": host}}}))
    return run_playbook(
        sandbox,
        str(directory / "playbook.yml"),
        *args,
        inventory=str(inventory),
        env=env or account_env(sandbox, account),
    )


def module_result(playbook_run):
    (result,) = playbook_run.results("Check the security baseline")
    # What only a module process adds: its options, for -vvv.
    result.pop("invocation", None)
    return result


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check-mode"])
def test_in_the_controllers_process_the_result_is_the_modules(sandbox, member, one_task, check_mode):
    directory, marks, marking_python = one_task
    args = ["--check"] if check_mode else []

    here = run(sandbox, directory, member, "{{ ansible_playbook_python }}", *args)
    assert here.ok, here
    assert not marks.exists(), "the controller's own Python started a module process"

    as_module = run(sandbox, directory, member, marking_python, *args)
    assert as_module.ok, as_module
    assert marks.read_text().count("started") >= 1, "another interpreter must run the module as a module"

    in_process, module = module_result(here), module_result(as_module)
    assert in_process == module
    assert in_process["account_id"] == member
    assert {record["id"] for record in in_process["records"]} == {
        "baseline.root_mfa",
        "baseline.password_policy",
        "baseline.cloudtrail",
    }


def test_bad_input_fails_the_same_way_in_both(sandbox, member, one_task):
    directory, _marks, marking_python = one_task
    here = run(sandbox, directory, member, "{{ ansible_playbook_python }}", expected="12345")
    as_module = run(sandbox, directory, member, marking_python, expected="12345")
    assert not here.ok and not as_module.ok
    assert here.failure_messages() == as_module.failure_messages()
    assert "12345" in here.failure_messages()[0]


def test_a_wrong_account_is_refused_with_the_modules_message_and_no_secret(sandbox, member, one_task):
    directory, _marks, marking_python = one_task
    env = account_env(sandbox, member)
    here = run(sandbox, directory, member, "{{ ansible_playbook_python }}", expected="111122223333", env=env)
    as_module = run(sandbox, directory, member, marking_python, expected="111122223333", env=env)
    assert not here.ok
    assert here.failure_messages() == as_module.failure_messages()
    assert "111122223333" in here.failure_messages()[0]
    assert env["AWS_SECRET_ACCESS_KEY"] not in here.stdout + here.stderr
