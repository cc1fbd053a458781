"""A read-only module run in the controller's process (plugin_utils/controller_module.py): its options checked by
its own argument spec, secrets masked in what it returns, check mode and warnings handled as for a module, and the
choice between this process and a module process."""

import os
import sys
from types import SimpleNamespace

import pytest
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.modules import pc_policy_check
from ansible_collections.diatonic.partnercentral.plugins.plugin_utils import controller_module
from ansible_collections.diatonic.partnercentral.plugins.plugin_utils.controller_module import ControllerModule
from ansible_collections.diatonic.partnercentral.plugins.plugin_utils.controller_module import ModuleExit
from ansible_collections.diatonic.partnercentral.plugins.plugin_utils.controller_module import ModuleOnControllerAction
from ansible_collections.diatonic.partnercentral.plugins.plugin_utils.controller_module import modules_built_on
from ansible_collections.diatonic.partnercentral.plugins.plugin_utils.controller_module import outcome_of

NAME = "diatonic.partnercentral.example"
SPEC = {
    "name": {"type": "str", "required": True, "aliases": ["role_name"]},
    "count": {"type": "int", "default": 3},
    "token": {"type": "str", "no_log": True},
    "region": {"type": "str", "fallback": (lambda: os.environ.get("EXAMPLE_REGION"),)},
}


def module(args, check_mode=False, supports_check_mode=True, spec=None):
    return ControllerModule(
        args, NAME, check_mode, False, argument_spec=spec or SPEC, supports_check_mode=supports_check_mode
    )


def ended(callable_, *args, **kwargs):
    with pytest.raises(ModuleExit) as exit_info:
        callable_(*args, **kwargs)
    return exit_info.value.result


def test_options_get_their_types_defaults_and_aliases():
    params = module({"role_name": "Ops", "count": "7"}).params
    assert params["name"] == "Ops" and params["count"] == 7 and params["token"] is None


def test_an_unknown_option_fails_as_a_module_fails_naming_the_module_and_the_options():
    result = ended(module, {"name": "Ops", "colour": "red"})
    assert result["failed"] is True
    assert result["msg"].startswith(f"Unsupported parameters for ({NAME}) module: colour.")
    assert "Supported parameters include: " in result["msg"]


def test_a_missing_and_a_mistyped_option_fail_before_anything_runs():
    result = ended(module, {"count": "many"})
    assert result["failed"] is True and "name" in result["msg"]


def test_a_secret_option_never_reaches_the_result():
    checked = module({"name": "Ops", "token": "s3cr3t-value"})
    result = ended(checked.fail_json, msg="AccessDenied for token s3cr3t-value", detail={"echo": "s3cr3t-value"})
    assert "s3cr3t-value" not in repr(result)
    assert result["msg"].startswith("AccessDenied for token ") and result["failed"] is True


def test_exit_json_hands_back_the_result_unchanged_by_default():
    result = ended(module({"name": "Ops"}).exit_json, records=[{"id": "a.b", "status": "pass"}])
    assert result == {"changed": False, "records": [{"id": "a.b", "status": "pass"}]}


def test_check_mode_skips_a_module_that_does_not_support_it():
    result = ended(module, {"name": "Ops"}, check_mode=True, supports_check_mode=False)
    assert result["skipped"] is True and "does not support check mode" in result["msg"]
    assert module({"name": "Ops"}, check_mode=True).check_mode is True


def test_warnings_are_shown_once_and_left_out_of_the_result(monkeypatch):
    shown = []
    monkeypatch.setattr(controller_module.display, "warning", shown.append)
    checked = module({"name": "Ops"})
    checked.warn("no trail logs every region")
    result = ended(checked.exit_json, warnings=["no trail logs every region", "botocore is old"])
    assert shown == ["no trail logs every region", "botocore is old"]
    assert "warnings" not in result


def test_a_module_traceback_is_not_returned_as_a_result_key(monkeypatch):
    monkeypatch.setattr(controller_module.display, "vvv", lambda message: None)
    result = ended(module({"name": "Ops"}).fail_json, msg="boom", exception="Traceback (most recent call last): ...")
    assert "exception" not in result and result["msg"] == "boom"


def test_a_real_module_runs_on_it_with_amazon_aws_options_and_refuses_bad_input_before_any_call():
    """pc_policy_check's main() built on ControllerModule: AnsibleAWSModule adds its connection options (region,
    access_key...), and a bad expected_account_id ends the run before a client is made."""
    built = []

    def controller(**kwargs):
        built.append(kwargs["argument_spec"])
        return ControllerModule({"expected_account_id": "12345", "region": "us-east-1"}, NAME, False, False, **kwargs)

    saved = AnsibleAWSModule.default_settings["module_class"]
    with modules_built_on(controller):
        result = ended(pc_policy_check.main)
    assert AnsibleAWSModule.default_settings["module_class"] is saved
    assert {"region", "access_key", "secret_key", "session_token", "expected_account_id"} <= set(built[0])
    assert result["failed"] is True and "12345" in result["msg"], result


def action(transport="local", interpreter=sys.executable, delegate_to=None, become=False, async_val=0):
    plugin = ModuleOnControllerAction.__new__(ModuleOnControllerAction)
    plugin._connection = SimpleNamespace(transport=transport)
    plugin._task = SimpleNamespace(delegate_to=delegate_to, async_val=async_val)
    plugin._play_context = SimpleNamespace(become=become)
    plugin._templar = SimpleNamespace(template=lambda value: value)
    return plugin, ({"ansible_python_interpreter": interpreter} if interpreter is not None else {})


def test_it_runs_here_only_where_a_module_would_run_the_same_code():
    plugin, task_vars = action()
    assert plugin.runs_here(task_vars) is True


@pytest.mark.parametrize(
    "why_not",
    [
        {"transport": "ssh"},
        {"interpreter": None},  # interpreter discovery may pick another Python, with another boto3
        {"interpreter": "/usr/bin/python3"},
        {"delegate_to": "bastion"},
        {"become": True},
        {"async_val": 300},  # async_wrapper runs a module process in the background
    ],
)
def test_anywhere_else_the_module_runs_as_a_module(why_not):
    plugin, task_vars = action(**why_not)
    assert plugin.runs_here(task_vars) is False


def test_a_module_that_ends_without_exit_json_fails_its_task_and_leaves_the_worker_alive():
    def exits():
        sys.exit(3)

    assert outcome_of(exits, NAME) == {"failed": True, "msg": f"{NAME} exited (3) without a result"}
    assert outcome_of(lambda: None, NAME) == {"failed": True, "msg": f"{NAME} ended without a result"}
    assert outcome_of(lambda: module({"name": "Ops"}).exit_json(answer=42), NAME) == {"changed": False, "answer": 42}
