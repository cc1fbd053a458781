# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Write a report on the controller, in the controller's own process.

A report is for the person running ansible-playbook, so it belongs on the
controller, under the directory ansible-playbook was started from. Writing it
here costs no module execution: ``file`` plus ``copy`` took three (a Python
process each), for every playbook run of every role that reports.
"""

import json
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase

_ARGUMENT_SPEC = {
    "path": {"type": "path", "required": True},
    "content": {"type": "raw", "required": True},
    "format": {"type": "str", "default": "json", "choices": ["json", "text"]},
    "mode": {"type": "raw", "default": "0644"},
}


def rendered(content, output_format):
    """The file's text: indented JSON with sorted keys (stable from run to run) and a final newline, or the text."""
    if output_format == "json":
        return json.dumps(content, indent=4, sort_keys=True, default=str) + "\n"
    if not isinstance(content, str):
        kind = "a mapping" if isinstance(content, dict) else "a list" if isinstance(content, list) else "not text"
        raise AnsibleActionFail(f"content is {kind}: with format text it must be text (or use format json)")
    return content


def write_atomically(path, data, mode):
    """``data`` at ``path`` (its directory made as needed), replaced in one rename so no reader sees half a file."""
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o755, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".report-")
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=_ARGUMENT_SPEC)
        # A relative path is taken from the directory ansible-playbook was started from (the controller's working
        # directory), never from the playbook's or an installed collection's.
        path = os.path.realpath(os.path.expanduser(args["path"]))
        try:
            mode = int(str(args["mode"]), 8)
        except ValueError as exc:
            raise AnsibleActionFail(f"mode {args['mode']!r} is not an octal file mode such as '0644'") from exc
        data = to_bytes(rendered(args["content"], args["format"]))
        try:
            write_atomically(path, data, mode)
        except OSError as exc:
            raise AnsibleActionFail(f"could not write the report {path}: {exc.strerror or exc}") from exc
        # Not a change to what the playbook manages: a report is written in check mode too and never "changed".
        result.update(changed=False, path=path, size=len(data))
        return result
