# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run one of the collection's read-only AWS modules in the controller's own process.

An AWS module's task normally starts a Python process on the controller
(``connection: local``), which unpacks AnsiballZ, compiles ansible-core's and
amazon.aws's module_utils from the zip and imports boto3: about a second of
CPU before the first AWS call, on every host. Over an organization that is
most of a run. When the task would run on the controller anyway, with the
controller's own Python, the same module code can run in the worker process
Ansible has already forked for the task, where boto3 is loaded.

``ModuleOnControllerAction`` is the action plugin of such a module. It runs the
module's own ``main()`` with ``AnsibleAWSModule`` built on ``ControllerModule``
(the part of ``AnsibleModule`` an AWS module uses: validated options, check
mode, warnings, and ``exit_json``/``fail_json`` that hand the result back
instead of printing it). So the options are checked by the same argument spec,
the same clients, retries and error messages are used, and the result is the
module's, but for ``invocation`` (the options a module process adds to its
result when ANSIBLE_INJECT_INVOCATION is on). Anywhere else (another
connection, another interpreter, a delegated, ``become`` or ``async`` task)
the module runs as a module.
"""

import contextlib
import functools
import importlib
import os
import sys

from ansible.module_utils.common.arg_spec import ModuleArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()


@contextlib.contextmanager
def environment(variables):
    """``variables`` in the process's environment while the block runs, as they were after it. A module gets the
    task's ``environment`` keyword (AWS_PROFILE, AWS_ENDPOINT_URL...) as its own; boto3 reads it from here."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def task_environment(action):
    """The ``environment`` keyword of the play, its blocks and the task (the task's winning), templated as
    ansible-core does it for a module."""
    merged = {}
    action._compute_environment_string(raw_environment_out=merged)
    return {str(name): str(value) for name, value in merged.items()}


_BOTOCORE_FILES = {}
_BOTOCORE_SERVICES = {}


@contextlib.contextmanager
def botocore_data_read_once():
    """botocore's data files (endpoints, service models) read once for the process, not once per boto3 session.

    amazon.aws makes a new session for each client, and each session parses its data again: endpoints.json alone is
    over 1 MB, read for every client. A session already shares the parsed data between its clients, as this shares
    it between sessions; the files do not change while Ansible runs.
    """
    import botocore.loaders

    load_file = botocore.loaders.JSONFileLoader.load_file
    list_services = botocore.loaders.Loader.list_available_services

    def load_file_once(self, file_path):
        if file_path not in _BOTOCORE_FILES:
            _BOTOCORE_FILES[file_path] = load_file(self, file_path)
        return _BOTOCORE_FILES[file_path]

    def list_services_once(self, type_name):
        key = (tuple(self.search_paths), type_name)
        if key not in _BOTOCORE_SERVICES:
            _BOTOCORE_SERVICES[key] = list_services(self, type_name)
        return _BOTOCORE_SERVICES[key]

    botocore.loaders.JSONFileLoader.load_file = load_file_once
    botocore.loaders.Loader.list_available_services = list_services_once
    try:
        yield
    finally:
        botocore.loaders.JSONFileLoader.load_file = load_file
        botocore.loaders.Loader.list_available_services = list_services


class ModuleExit(Exception):
    """The module ended (``exit_json`` or ``fail_json``): ``result`` is what it would have printed."""

    def __init__(self, result):
        super().__init__(result.get("msg", ""))
        self.result = result


class ControllerModule:
    """What an AWS module uses of ``AnsibleModule``, in the controller's process: ``params`` validated by the
    module's argument spec (aliases, defaults, environment fallbacks, choices, no_log), ``check_mode``, warnings,
    and ``exit_json``/``fail_json`` raising ``ModuleExit`` with the result, secrets masked as a module masks
    them."""

    def __init__(
        self,
        task_args,
        name,
        check_mode,
        diff,
        argument_spec=None,
        supports_check_mode=False,
        mutually_exclusive=None,
        required_together=None,
        required_one_of=None,
        required_if=None,
        required_by=None,
        **_unused,  # bypass_checks, no_log, add_file_common_args: not used by AWS modules
    ):
        self._name = name
        self._diff = diff
        self.check_mode = check_mode
        self._warnings = []
        self.no_log_values = set()
        validation = ModuleArgumentSpecValidator(
            argument_spec or {}, mutually_exclusive, required_together, required_one_of, required_if, required_by
        ).validate(dict(task_args))
        self.params = validation.validated_parameters
        self.no_log_values.update(validation._no_log_values)
        for warning in validation._warnings:
            self.warn(f"Both option {warning['option']} and its alias {warning['alias']} are set.")
        if validation.error_messages:
            message = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                message = f"Unsupported parameters for ({name}) module: {message}"
            self.fail_json(msg=message)
        if check_mode and not supports_check_mode:
            self.exit_json(skipped=True, msg=f"module ({name}) does not support check mode")

    def warn(self, warning):
        if warning not in self._warnings:
            self._warnings.append(warning)

    def deprecate(self, msg, version=None, date=None, collection_name=None):
        # A module's own deprecation, shown as the module process's would be: a warning naming what it concerns.
        display.warning(
            f"[DEPRECATION] {msg} ({collection_name or self._name}, {version or date or 'a future release'})"
        )

    def debug(self, msg):
        display.debug(msg)

    def boolean(self, arg):
        return boolean(arg, strict=False) if arg is not None else None

    def _result(self, kwargs):
        # amazon.aws puts its warnings in the result (ansible-core >= 2.19); they are shown once, from here.
        for warning in kwargs.pop("warnings", None) or []:
            self.warn(warning)
        for warning in self._warnings:
            display.warning(warning)
        # The traceback a module returns for -vvv; as an action plugin's result key it would be taken for an error.
        traceback = kwargs.pop("exception", None)
        if traceback:
            display.vvv(str(traceback))
        return remove_values(kwargs, self.no_log_values)

    def exit_json(self, **kwargs):
        kwargs.setdefault("changed", False)
        raise ModuleExit(self._result(kwargs))

    def fail_json(self, msg, **kwargs):
        kwargs.update(failed=True, msg=msg)
        raise ModuleExit(self._result(kwargs))


@contextlib.contextmanager
def modules_built_on(module_class):
    """``AnsibleAWSModule`` builds its ``AnsibleModule`` from ``default_settings['module_class']``: this one while the
    block runs. The action runs in the worker process Ansible forked for this task alone."""
    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

    saved = AnsibleAWSModule.default_settings["module_class"]
    AnsibleAWSModule.default_settings["module_class"] = module_class
    try:
        yield
    finally:
        AnsibleAWSModule.default_settings["module_class"] = saved


class ModuleOnControllerAction(ActionBase):
    """The action plugin of a read-only AWS module of this collection: the module in the controller's process when
    the task would run it on the controller with the controller's Python, the module as a module otherwise."""

    TRANSFERS_FILES = False
    _supports_check_mode = True

    def runs_here(self, task_vars):
        """Whether running in this process changes nothing but the time: a local connection, no delegation, no
        become, no async, the controller's own Python as the interpreter (as the collection's playbooks set it),
        boto3 importable here."""
        if self._connection.transport not in ("local", "ansible.builtin.local"):
            return False
        if self._task.delegate_to or self._play_context.become or self._task.async_val:
            return False
        interpreter = self._templar.template(task_vars.get("ansible_python_interpreter", ""))
        if not interpreter or os.path.abspath(str(interpreter)) != os.path.abspath(sys.executable):
            return False
        try:
            import boto3  # noqa: F401 pylint: disable=unused-import
        except ImportError:
            return False
        return True

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        if not self.runs_here(task_vars):
            return self._execute_module(module_args=self._task.args, task_vars=task_vars)
        result = super().run(tmp, task_vars)
        name = self._task.resolved_action or self._task.action
        module = importlib.import_module(f"{__package__.rsplit('.', 1)[0]}.modules.{name.rsplit('.', 1)[-1]}")
        controller_module = functools.partial(
            ControllerModule,
            self._task.args,
            name,
            self._play_context.check_mode,
            self._play_context.diff,
        )
        with environment(task_environment(self)), modules_built_on(controller_module), botocore_data_read_once():
            result.update(outcome_of(module.main, name))
        return result


def outcome_of(main, name):
    """What a module's ``main()`` ended with: its result, or a failure when it ended without one (a bare
    ``sys.exit()`` would otherwise end the worker process and leave the task with no result at all)."""
    try:
        main()
    except ModuleExit as ended:
        return ended.result
    except SystemExit as exc:
        return {"failed": True, "msg": f"{name} exited ({exc.code}) without a result"}
    return {"failed": True, "msg": f"{name} ended without a result"}
