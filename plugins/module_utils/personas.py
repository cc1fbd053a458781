# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The persona catalog (checklist phase 4) and its merge with the user's overrides, in one place.

The ``personas`` role converges the roles this computes, the ``preflight`` role
confirms the managed policies they need, and the tests use it; each through the
filters of plugins/filter/personas.py. Pure Python, no AWS call.

A persona is a key (``AllianceLead``) whose role is ``PartnerCentralRoleFor<key>``,
and a mapping of the keys in ``PERSONA_KEYS``. ``personas_overrides`` is merged
over the catalog persona by persona: mappings (``tags``) are merged, anything
else (``managed_policies`` too) is replaced; a new key adds a persona. A key
that is not a persona key is refused, naming the persona and the key, so a
typo such as ``enabeld: false`` can never create the role it meant to leave
alone. What IAM itself refuses (names, descriptions, session durations, paths)
is checked by the module that makes the roles, not here.
"""

import copy
import difflib

from ansible.module_utils.parsing.convert_bool import BOOLEANS
from ansible.module_utils.parsing.convert_bool import boolean

ROLE_PREFIX = "PartnerCentralRoleFor"
PERSONA_KEYS = ("managed_policies", "description", "tags", "max_session_duration", "path", "enabled", "state")
STATES = ("present", "absent")

# The seven personas of the migration checklist (phase 4) and the AWS managed policies each gets.
CHECKLIST_PERSONAS = {
    "AllianceLead": {
        "description": "Alliance Lead - full Partner Central and AWS Marketplace seller access",
        "managed_policies": ["AWSPartnerCentralFullAccess", "AWSMarketplaceSellerFullAccess"],
    },
    "ACEManager": {
        "description": "ACE Manager - opportunity and deal management",
        "managed_policies": ["AWSPartnerCentralOpportunityManagement"],
    },
    "Marketing": {
        "description": "Marketing - Partner Central marketing campaigns",
        "managed_policies": ["AWSPartnerCentralMarketingManagement"],
    },
    "ChannelManager": {
        "description": "Channel Manager - channel partner management",
        "managed_policies": ["AWSPartnerCentralChannelManagement"],
    },
    "ChannelApprover": {
        "description": "Channel Approver - channel handshake approval workflows only",
        "managed_policies": ["AWSPartnerCentralChannelHandshakeApprovalManagement"],
    },
    "Technical": {
        "description": "Technical staff - AWS Marketplace product management",
        "managed_policies": ["AWSMarketplaceSellerProductsFullAccess"],
    },
    "ReadOnly": {
        "description": "Auditors and observers - read-only access for reporting",
        "managed_policies": ["ReadOnlyAccess"],
    },
}

# What a role of the personas role gets unless the persona or the role's variables say otherwise.
DEFAULT_TAGS = {"ManagedBy": "diatonic.partnercentral"}
DEFAULT_PATH = "/"
DEFAULT_MAX_SESSION_DURATION = 3600


class PersonaError(ValueError):
    """The catalog or the overrides cannot be merged; the message names the variable, the persona and the key."""


def _persona_problems(name, spec, where):
    if not isinstance(name, str) or not name:
        return [f"{where}: a persona's name must be a non-empty string, not {name!r}"]
    if spec is None:
        return [f"{where}.{name} is empty: give a mapping of {', '.join(PERSONA_KEYS)}, or remove it"]
    if not isinstance(spec, dict):
        return [f"{where}.{name} must be a mapping of {', '.join(PERSONA_KEYS)}, not {type(spec).__name__}"]
    problems = []
    for key in spec:
        if key not in PERSONA_KEYS:
            close = difflib.get_close_matches(str(key), PERSONA_KEYS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(f"{where}.{name}: unknown key {key!r}{hint}; a persona takes {', '.join(PERSONA_KEYS)}")
    policies = spec.get("managed_policies")
    if policies is not None and (not isinstance(policies, list) or not all(isinstance(p, str) for p in policies)):
        problems.append(f"{where}.{name}.managed_policies must be a list of policy names or ARNs")
    tags = spec.get("tags")
    if tags is not None and not isinstance(tags, dict):
        problems.append(f"{where}.{name}.tags must be a mapping of tag keys to values")
    if "enabled" in spec and not _is_boolean(spec["enabled"]):
        problems.append(f"{where}.{name}.enabled must be true or false, not {spec['enabled']!r}")
    if "state" in spec and spec["state"] not in STATES:
        problems.append(f"{where}.{name}.state must be present or absent, not {spec['state']!r}")
    duration = spec.get("max_session_duration")
    if duration is not None and not (
        (isinstance(duration, int) and not isinstance(duration, bool)) or str(duration).isdigit()
    ):
        problems.append(f"{where}.{name}.max_session_duration must be a number of seconds, not {duration!r}")
    for key in ("description", "path"):
        if spec.get(key) is not None and not isinstance(spec[key], str):
            problems.append(f"{where}.{name}.{key} must be a string")
    return problems


def _is_boolean(value):
    return isinstance(value, bool) or (isinstance(value, (str, int)) and str(value).lower() in map(str, BOOLEANS))


def catalog_problems(catalog, overrides):
    """Every problem with the catalog and the overrides, each naming the variable, the persona and the key."""
    problems = []
    for where, value in (("personas_catalog", catalog), ("personas_overrides", overrides)):
        if value is None:
            continue
        if not isinstance(value, dict):
            problems.append(f"{where} must be a mapping of persona names to settings, not {type(value).__name__}")
            continue
        for name, spec in value.items():
            problems.extend(_persona_problems(name, spec, where))
    return problems


def _merge(base, override):
    # Recursive for mappings, replacing for anything else: Ansible's combine(recursive=true).
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def merged_personas(catalog=None, overrides=None):
    """The catalog (the checklist's seven when None) with the overrides merged over it, in name order.

    Raises PersonaError naming every problem, before anything is merged.
    """
    problems = catalog_problems(catalog, overrides)
    if problems:
        raise PersonaError("; ".join(problems))
    personas = _merge(CHECKLIST_PERSONAS if catalog is None else catalog, overrides or {})
    # Jinja's dictsort order (case-insensitive), which the roles have always used.
    return dict(sorted(personas.items(), key=lambda item: item[0].lower()))


def is_enabled(spec):
    return boolean(spec.get("enabled", True), strict=True)


def persona_roles(
    catalog=None,
    overrides=None,
    tags=None,
    path=DEFAULT_PATH,
    max_session_duration=DEFAULT_MAX_SESSION_DURATION,
):
    """One ``partnercentral_roles`` item per enabled persona; a persona switched off is left out (left alone)."""
    roles = []
    for persona, spec in merged_personas(catalog, overrides).items():
        if not is_enabled(spec):
            continue
        role_tags = dict(DEFAULT_TAGS if tags is None else tags)
        role_tags.update(spec.get("tags") or {})
        roles.append(
            {
                "name": ROLE_PREFIX + persona,
                "state": spec.get("state") or "present",
                "managed_policies": list(spec.get("managed_policies") or []),
                "description": _given(spec, "description", f"Partner Central persona {persona}"),
                "path": _given(spec, "path", path),
                "max_session_duration": int(spec.get("max_session_duration") or max_session_duration),
                "tags": role_tags,
            }
        )
    return roles


def _given(spec, key, default):
    return default if spec.get(key) is None else spec[key]


def persona_policies(catalog=None, overrides=None):
    """Every managed policy the enabled, present personas get, each once, in persona order."""
    policies = []
    for spec in merged_personas(catalog, overrides).values():
        if is_enabled(spec) and (spec.get("state") or "present") == "present":
            for policy in spec.get("managed_policies") or []:
                if policy not in policies:
                    policies.append(policy)
    return policies
