# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The read-only modules with an action plugin that runs them in the controller's process
    # (plugin_utils/controller_module.py).
    DOCUMENTATION = r"""
options: {}
notes:
  - Over a local connection with the controller's own Python as the interpreter (C(connection=local) and
    C(ansible_python_interpreter) set to C(ansible_playbook_python), as the collection's playbooks run it), this
    module runs in the process Ansible has already started for the task instead of in a Python process of its own.
    The options, AWS calls and result are the same; what is saved is about a second of CPU on every host.
  - With another connection or interpreter, C(delegate_to) or C(become), it runs as a module.
"""
