# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The persona catalog merge, as filters; the catalog and the logic are in module_utils/personas.py.

Each filter is documented in the YAML file of its name next to this one (ansible-doc -t filter).
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.diatonic.partnercentral.plugins.module_utils import personas


def persona_roles(
    catalog,
    overrides=None,
    tags=None,
    path=personas.DEFAULT_PATH,
    max_session_duration=personas.DEFAULT_MAX_SESSION_DURATION,
):
    """One partnercentral_roles item per enabled persona of the catalog with the overrides merged over it."""
    try:
        return personas.persona_roles(catalog, overrides, tags, path, max_session_duration)
    except personas.PersonaError as e:
        raise AnsibleFilterError(f"Invalid personas, nothing was changed: {e}") from e


def persona_policies(catalog, overrides=None):
    """Every managed policy of the enabled, present personas, each once."""
    try:
        return personas.persona_policies(catalog, overrides)
    except personas.PersonaError as e:
        raise AnsibleFilterError(f"Invalid personas: {e}") from e


class FilterModule:
    def filters(self):
        return {"persona_roles": persona_roles, "persona_policies": persona_policies}
