# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The persona catalog as Identity Center permission sets, as a filter; the logic is in module_utils/identity_center.py.

Documented in persona_permission_sets.yml next to this file (ansible-doc -t filter).
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.diatonic.partnercentral.plugins.module_utils import identity_center
from ansible_collections.diatonic.partnercentral.plugins.module_utils import personas


def persona_permission_sets(
    catalog,
    overrides=None,
    groups=None,
    tags=None,
    session_duration=identity_center.DEFAULT_SESSION_DURATION,
    prefix=identity_center.PREFIX,
):
    """One identity_center_permission_sets item per enabled persona of the catalog with the overrides merged."""
    try:
        return identity_center.persona_permission_sets(catalog, overrides, groups, tags, session_duration, prefix)
    except personas.PersonaError as e:
        raise AnsibleFilterError(f"Invalid personas, nothing was changed: {e}") from e


class FilterModule:
    def filters(self):
        return {"persona_permission_sets": persona_permission_sets}
