"""The persona catalog merge (module_utils/personas.py) through its filters, as the personas and preflight roles use it.

The expectations are the checklist's own (phase 4): seven personas, each with its managed policies.
"""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.diatonic.partnercentral.plugins.filter.personas import FilterModule
from ansible_collections.diatonic.partnercentral.plugins.module_utils import personas

FILTERS = FilterModule().filters()
persona_roles = FILTERS["persona_roles"]
persona_policies = FILTERS["persona_policies"]

CHECKLIST = {
    "PartnerCentralRoleForAllianceLead": ["AWSPartnerCentralFullAccess", "AWSMarketplaceSellerFullAccess"],
    "PartnerCentralRoleForACEManager": ["AWSPartnerCentralOpportunityManagement"],
    "PartnerCentralRoleForMarketing": ["AWSPartnerCentralMarketingManagement"],
    "PartnerCentralRoleForChannelManager": ["AWSPartnerCentralChannelManagement"],
    "PartnerCentralRoleForChannelApprover": ["AWSPartnerCentralChannelHandshakeApprovalManagement"],
    "PartnerCentralRoleForTechnical": ["AWSMarketplaceSellerProductsFullAccess"],
    "PartnerCentralRoleForReadOnly": ["ReadOnlyAccess"],
}


def by_name(roles):
    return {role["name"]: role for role in roles}


def test_no_catalog_is_the_checklists_seven_personas_in_name_order():
    roles = persona_roles(None)

    assert {r["name"]: r["managed_policies"] for r in roles} == CHECKLIST
    assert [r["name"] for r in roles] == sorted(CHECKLIST, key=str.lower)
    for role in roles:
        assert role["state"] == "present" and role["path"] == "/" and role["max_session_duration"] == 3600
        assert role["tags"] == {"ManagedBy": "diatonic.partnercentral"} and role["description"]


def test_overrides_switch_off_change_add_and_delete_personas():
    overrides = {
        "Marketing": {"enabled": False},
        "ReadOnly": {"managed_policies": ["SecurityAudit", "AWSBillingReadOnlyAccess"], "tags": {"Team": "audit"}},
        "Finance": {"managed_policies": ["AWSPartnerCentralRevenueAttributionManagement"]},
        "Technical": {"state": "absent"},
    }

    roles = by_name(persona_roles(None, overrides, tags={"ManagedBy": "me"}, path="/pc/", max_session_duration=7200))

    assert "PartnerCentralRoleForMarketing" not in roles  # switched off: left alone, not deleted
    assert roles["PartnerCentralRoleForReadOnly"]["managed_policies"] == ["SecurityAudit", "AWSBillingReadOnlyAccess"]
    assert roles["PartnerCentralRoleForReadOnly"]["tags"] == {"ManagedBy": "me", "Team": "audit"}
    assert roles["PartnerCentralRoleForFinance"]["description"] == "Partner Central persona Finance"
    assert roles["PartnerCentralRoleForFinance"]["path"] == "/pc/"
    assert roles["PartnerCentralRoleForFinance"]["max_session_duration"] == 7200
    assert roles["PartnerCentralRoleForTechnical"]["state"] == "absent"
    # The catalog itself is never changed by a merge.
    assert personas.CHECKLIST_PERSONAS["ReadOnly"]["managed_policies"] == ["ReadOnlyAccess"]


def test_enabled_accepts_ansible_booleans():
    roles = by_name(persona_roles(None, {"Marketing": {"enabled": "no"}, "ReadOnly": {"enabled": "yes"}}))

    assert "PartnerCentralRoleForMarketing" not in roles and "PartnerCentralRoleForReadOnly" in roles


@pytest.mark.parametrize(
    "overrides, words",
    [
        (
            {"Marketing": {"enabeld": False}},
            "personas_overrides.Marketing: unknown key 'enabeld' (did you mean enabled?)",
        ),
        (
            {"ReadOnly": {"managed_policy": ["ReadOnlyAccess"]}},
            "personas_overrides.ReadOnly: unknown key 'managed_policy' (did you mean managed_policies?)",
        ),
        ({"ReadOnly": {"managed_policies": "ReadOnlyAccess"}}, "personas_overrides.ReadOnly.managed_policies"),
        ({"ReadOnly": {"enabled": "maybe"}}, "personas_overrides.ReadOnly.enabled must be true or false"),
        ({"ReadOnly": {"state": "gone"}}, "personas_overrides.ReadOnly.state must be present or absent"),
        ({"ReadOnly": {"max_session_duration": "1h"}}, "personas_overrides.ReadOnly.max_session_duration"),
        ({"ReadOnly": None}, "personas_overrides.ReadOnly is empty"),
        ({"ReadOnly": ["ReadOnlyAccess"]}, "personas_overrides.ReadOnly must be a mapping"),
        (["Marketing"], "personas_overrides must be a mapping"),
    ],
)
def test_mistakes_in_the_overrides_are_refused_naming_the_persona_and_the_key(overrides, words):
    for merge in (persona_roles, persona_policies):
        with pytest.raises(AnsibleFilterError) as refused:
            merge(None, overrides)
        assert words in str(refused.value)


def test_every_mistake_is_named_at_once_and_the_catalog_is_checked_too():
    with pytest.raises(AnsibleFilterError) as refused:
        persona_roles({"Own": {"polices": []}}, {"Own": {"enabeld": False}})

    assert "personas_catalog.Own: unknown key 'polices'" in str(refused.value)
    assert "personas_overrides.Own: unknown key 'enabeld'" in str(refused.value)


@pytest.mark.parametrize(
    "description", ['Say "hi"', "Emoji \U0001f389 and a colon: here", "{{ not a template }}", "- a list?"]
)
def test_descriptions_are_data_whatever_they_hold(description):
    (role,) = [r for r in persona_roles(None, {"Marketing": {"description": description}}) if "Marketing" in r["name"]]

    assert role["description"] == description


def test_the_policies_are_those_of_enabled_present_personas_each_once():
    overrides = {
        "Marketing": {"enabled": False},
        "Technical": {"state": "absent"},
        "Finance": {"managed_policies": ["ReadOnlyAccess", "AWSPartnerCentralRevenueAttributionManagement"]},
    }

    policies = persona_policies(None, overrides)

    assert policies == [
        "AWSPartnerCentralOpportunityManagement",
        "AWSPartnerCentralFullAccess",
        "AWSMarketplaceSellerFullAccess",
        "AWSPartnerCentralChannelHandshakeApprovalManagement",
        "AWSPartnerCentralChannelManagement",
        "ReadOnlyAccess",
        "AWSPartnerCentralRevenueAttributionManagement",
    ]
    assert set(persona_policies(None)) == {p for ps in CHECKLIST.values() for p in ps}
