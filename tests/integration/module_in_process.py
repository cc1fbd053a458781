"""A module of the collection run in the test's own process, the way ansible-playbook runs it, minus the process.

The module's own ``main()`` runs with its arguments (``patch_module_args``, ansible-core's helper for module tests),
so its argument spec, AnsibleAWSModule, its boto3 clients, retries and error handling are all the real ones, and
every AWS call goes over HTTP to the sandbox. What it saves is ansible-playbook's start, a task's worker process and
the module's AnsiballZ process: about 3 s of CPU for each call. Tests of a module's behaviour use this; tests of how
a role or playbook wires the modules together run ansible-playbook (integration_support.run_playbook).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os

from ansible.module_utils.common import warnings as _warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.diatonic.partnercentral.plugins.plugin_utils.controller_module import botocore_data_read_once

COLLECTION = "ansible_collections.diatonic.partnercentral.plugins.modules"


def run_module(module: str, options: dict, env: dict, check_mode: bool = False, diff: bool = False) -> dict:
    """diatonic.partnercentral.``module`` with ``options``, in the environment ``env`` (its AWS_* credentials and
    endpoint: the sandbox's, or integration_support.account_env's); the result it exits with, failed or not.

    ``None`` options are left out, as Jinja's ``omit`` leaves them out of a task.
    """
    main = importlib.import_module(f"{COLLECTION}.{module}").main
    arguments = {name: value for name, value in options.items() if value is not None}
    arguments.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
    output = io.StringIO()
    # The warnings and deprecations a module adds are kept process-wide until it exits: forget earlier calls'.
    _warnings._global_warnings.clear()
    _warnings._global_deprecations.clear()
    # exit_json and fail_json print the result, then exit.
    with (
        _environment(env),
        botocore_data_read_once(),
        patch_module_args(arguments),
        contextlib.redirect_stdout(output),
        contextlib.suppress(SystemExit),
    ):
        main()
    return json.loads(output.getvalue())


@contextlib.contextmanager
def _environment(env: dict):
    """os.environ replaced by ``env`` for the module's call (boto3 reads credentials and endpoints from it)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def warnings_of(result: dict) -> list[str]:
    """The texts of the warnings in a module's result (ansible-playbook prints them as [WARNING]: ...)."""
    return [w["event"]["msg"] if isinstance(w, dict) else str(w) for w in result.get("warnings", [])]
