# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

import importlib
import json
import os

from ansible.plugins.callback import CallbackBase

from ansible_collections.diatonic.partnercentral.plugins.plugin_utils.controller_module import ModuleOnControllerAction

DOCUMENTATION = r"""
name: module_count
type: aggregate
short_description: Count module executions per host (bench/org_scale.py)
description:
  - Counts, per host, the tasks that ran a module (not those the controller answers itself, such as set_fact,
    debug, assert or include_role), and writes them as JSON to the file named by C(MODULE_COUNT_PATH) at the end.
requirements:
  - enabled with C(ANSIBLE_CALLBACKS_ENABLED=module_count)
"""

# Actions the controller carries out itself: no module is sent to the host.
CONTROLLER_ACTIONS = {
    "set_fact",
    "debug",
    "assert",
    "fail",
    "meta",
    "include_role",
    "include_tasks",
    "import_role",
    "import_tasks",
    "include_vars",
    "set_stats",
    "add_host",
    "group_by",
    "validate_argument_spec",
    # The collection's action plugins that work in the controller's own process: report_file writes a report,
    # account_credentials assumes the account's role.
    "report_file",
    "account_credentials",
}


def runs_on_controller_when_local(action):
    """Whether ``action`` is one of the collection's modules whose action plugin runs it in the controller's process
    over a local connection with the controller's Python (plugin_utils/controller_module.py), as the collection's
    playbooks run them: asked of the collection itself, so that no list here goes stale."""
    namespace, _, name = action.rpartition(".")
    if namespace not in ("", "diatonic.partnercentral"):
        return False
    try:
        plugin = importlib.import_module(f"ansible_collections.diatonic.partnercentral.plugins.action.{name}")
    except ImportError:
        return False
    return issubclass(getattr(plugin, "ActionModule", object), ModuleOnControllerAction)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "module_count"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.counts = {}

    def _count(self, result):
        action = result._task.action.rsplit(".", 1)[-1]
        if action in CONTROLLER_ACTIONS:
            return
        # Only a module process adds ``invocation`` (its options) to the result, with ANSIBLE_INJECT_INVOCATION=1 as
        # org_scale.py sets it (always before ansible-core 2.21): that tells the two ways apart.
        if "invocation" not in result._result and runs_on_controller_when_local(result._task.action):
            return
        host = result._host.get_name()
        self.counts.setdefault(host, {})
        self.counts[host][result._task.action] = self.counts[host].get(result._task.action, 0) + 1

    def v2_runner_on_ok(self, result):
        self._count(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count(result)

    def v2_runner_on_unreachable(self, result):
        self._count(result)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("MODULE_COUNT_PATH")
        if path:
            with open(path, "w") as handle:
                json.dump(self.counts, handle, indent=2, sort_keys=True)
