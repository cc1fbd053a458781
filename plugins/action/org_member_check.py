# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""org_member_check: in the controller's process when its task would run the module on the controller with the
controller's Python, as a module anywhere else (plugin_utils/controller_module.py)."""

from ansible_collections.diatonic.partnercentral.plugins.plugin_utils.controller_module import ModuleOnControllerAction


class ActionModule(ModuleOnControllerAction):
    pass
