"""plan_role: current state and desired state in, IAM write calls and diff views out (no AWS)."""

import json

import pytest

from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import RoleError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import plan_role
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import trust_policy

NAME = "PartnerCentralRoleForAllianceLead"
FULL_ACCESS = "arn:aws:iam::aws:policy/AWSPartnerCentralFullAccess"
SELLER = "arn:aws:iam::aws:policy/AWSMarketplaceSellerFullAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
OTHER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
    ],
}


def desired(**overrides):
    role = {
        "name": NAME,
        "state": "present",
        "trust_policy": trust_policy(),
        "managed_policies": [FULL_ACCESS, SELLER],
        "description": "Alliance Lead",
        "path": "/",
        "max_session_duration": 3600,
        "tags": {"ManagedBy": "diatonic.partnercentral"},
    }
    role.update(overrides)
    return role


def current(**overrides):
    role = {
        "name": NAME,
        "arn": f"arn:aws:iam::210987654321:role/{NAME}",
        "role_id": "AROAEXAMPLEEXAMPLE1234",
        "path": "/",
        "description": "Alliance Lead",
        "max_session_duration": 3600,
        "tags": {"ManagedBy": "diatonic.partnercentral"},
        "trust_policy": trust_policy(),
        "managed_policies": [FULL_ACCESS, SELLER],
    }
    role.update(overrides)
    return role


def operations(plan):
    return [operation for operation, kwargs in plan["calls"]]


def calls_named(plan, operation):
    return [kwargs for op, kwargs in plan["calls"] if op == operation]


# --- create ------------------------------------------------------------------


def test_missing_role_is_created_with_trust_then_each_policy_attached():
    plan = plan_role(None, desired(managed_policies=[FULL_ACCESS, SELLER]))

    assert operations(plan) == ["create_role", "attach_role_policy", "attach_role_policy"]
    create = plan["calls"][0][1]
    assert create["RoleName"] == NAME
    assert json.loads(create["AssumeRolePolicyDocument"]) == trust_policy()
    assert create["Path"] == "/"
    assert create["MaxSessionDuration"] == 3600
    assert create["Description"] == "Alliance Lead"
    assert create["Tags"] == [{"Key": "ManagedBy", "Value": "diatonic.partnercentral"}]
    assert [kwargs["PolicyArn"] for kwargs in calls_named(plan, "attach_role_policy")] == sorted([FULL_ACCESS, SELLER])
    assert plan["before"] == {}
    assert plan["after"]["managed_policies"] == sorted([FULL_ACCESS, SELLER])
    assert plan["after"]["trust_policy"] == trust_policy()
    assert plan["warnings"] == []


def test_created_role_gets_iam_defaults_for_options_not_given():
    plan = plan_role(
        None, desired(managed_policies=None, description=None, path=None, max_session_duration=None, tags=None)
    )

    assert operations(plan) == ["create_role"]
    create = plan["calls"][0][1]
    # CreateRole rejects an empty Description; no Tags key keeps the request minimal.
    assert "Description" not in create
    assert "Tags" not in create
    assert create["Path"] == "/"
    assert create["MaxSessionDuration"] == 3600
    assert plan["after"] == {
        "path": "/",
        "description": "",
        "max_session_duration": 3600,
        "trust_policy": trust_policy(),
        "managed_policies": [],
        "inline_policies": {},
        "tags": {},
    }


# --- no-op and updates -------------------------------------------------------


def test_converged_role_plans_no_call():
    plan = plan_role(current(), desired())

    assert plan["calls"] == []
    assert plan["before"] == plan["after"]
    assert plan["extra_policies"] == []
    assert plan["warnings"] == []


def test_trust_policy_in_another_but_equivalent_form_is_not_drift():
    # IAM may hand the document back without Version, with lists where one value was given.
    as_read = {
        "Statement": [
            {
                "Action": ["sts:AssumeRole"],
                "Effect": "Allow",
                "Principal": {"Service": ["partnercentral-account-management.amazonaws.com"]},
            }
        ]
    }
    assert plan_role(current(trust_policy=as_read), desired())["calls"] == []


def test_drifted_trust_policy_is_put_back():
    plan = plan_role(current(trust_policy=OTHER_TRUST), desired())

    assert operations(plan) == ["update_assume_role_policy"]
    (update,) = calls_named(plan, "update_assume_role_policy")
    assert update["RoleName"] == NAME
    assert json.loads(update["PolicyDocument"]) == trust_policy()
    assert plan["before"]["trust_policy"] == OTHER_TRUST
    assert plan["after"]["trust_policy"] == trust_policy()


def test_description_and_session_duration_change_in_one_update_role_call():
    plan = plan_role(current(description="old", max_session_duration=3600), desired(max_session_duration=7200))

    assert plan["calls"] == [
        ("update_role", {"RoleName": NAME, "Description": "Alliance Lead", "MaxSessionDuration": 7200})
    ]
    assert plan["before"]["description"] == "old"
    assert plan["after"]["description"] == "Alliance Lead"
    assert plan["after"]["max_session_duration"] == 7200


def test_options_not_given_leave_the_role_as_it_is():
    role = current(description="set by hand", max_session_duration=43200, tags={"Team": "alliances"})
    plan = plan_role(role, desired(description=None, max_session_duration=None, tags=None, managed_policies=None))

    assert plan["calls"] == []
    assert plan["after"]["description"] == "set by hand"
    assert plan["after"]["tags"] == {"Team": "alliances"}


def test_missing_policy_is_attached():
    plan = plan_role(current(managed_policies=[FULL_ACCESS]), desired())

    assert plan["calls"] == [("attach_role_policy", {"RoleName": NAME, "PolicyArn": SELLER})]
    assert plan["before"]["managed_policies"] == [FULL_ACCESS]
    assert plan["after"]["managed_policies"] == sorted([FULL_ACCESS, SELLER])


# --- policies not declared ---------------------------------------------------


def test_undeclared_policy_is_kept_reported_and_warned_about():
    plan = plan_role(current(managed_policies=[FULL_ACCESS, SELLER, ADMIN]), desired())

    assert plan["calls"] == []
    assert plan["extra_policies"] == [ADMIN]
    assert plan["after"]["managed_policies"] == sorted([FULL_ACCESS, SELLER, ADMIN])
    (warning,) = plan["warnings"]
    assert NAME in warning
    assert ADMIN in warning
    assert "purge_policies" in warning


def test_undeclared_policy_is_detached_with_purge_policies():
    plan = plan_role(current(managed_policies=[FULL_ACCESS, SELLER, ADMIN]), desired(), purge_policies=True)

    assert plan["calls"] == [("detach_role_policy", {"RoleName": NAME, "PolicyArn": ADMIN})]
    assert plan["extra_policies"] == []
    assert plan["warnings"] == []
    assert plan["after"]["managed_policies"] == sorted([FULL_ACCESS, SELLER])


def test_purge_policies_does_nothing_when_policies_are_not_declared():
    plan = plan_role(current(managed_policies=[ADMIN]), desired(managed_policies=None), purge_policies=True)

    assert plan["calls"] == []
    assert plan["after"]["managed_policies"] == [ADMIN]


# --- tags --------------------------------------------------------------------


def test_changed_and_new_tags_are_set_and_other_tags_kept_without_purge():
    role = current(tags={"ManagedBy": "someone-else", "CostCenter": "42"})
    plan = plan_role(role, desired(tags={"ManagedBy": "diatonic.partnercentral", "Persona": "AllianceLead"}))

    assert operations(plan) == ["tag_role"]
    (tag,) = calls_named(plan, "tag_role")
    assert sorted(tag["Tags"], key=lambda t: t["Key"]) == [
        {"Key": "ManagedBy", "Value": "diatonic.partnercentral"},
        {"Key": "Persona", "Value": "AllianceLead"},
    ]
    assert plan["after"]["tags"] == {
        "ManagedBy": "diatonic.partnercentral",
        "Persona": "AllianceLead",
        "CostCenter": "42",
    }


def test_undeclared_tags_are_removed_with_purge_tags_but_aws_tags_are_not():
    role = current(tags={"ManagedBy": "diatonic.partnercentral", "CostCenter": "42", "aws:cloudformation:stack": "x"})
    plan = plan_role(role, desired(), purge_tags=True)

    assert plan["calls"] == [("untag_role", {"RoleName": NAME, "TagKeys": ["CostCenter"]})]
    assert plan["after"]["tags"] == {"ManagedBy": "diatonic.partnercentral", "aws:cloudformation:stack": "x"}


def test_empty_tags_with_purge_tags_remove_every_tag_but_aws_ones():
    role = current(tags={"ManagedBy": "diatonic.partnercentral", "aws:cloudformation:stack": "x"})
    plan = plan_role(role, desired(tags={}), purge_tags=True)

    assert plan["calls"] == [("untag_role", {"RoleName": NAME, "TagKeys": ["ManagedBy"]})]
    assert plan["after"]["tags"] == {"aws:cloudformation:stack": "x"}


# --- path and absent ---------------------------------------------------------


def test_other_path_fails_with_how_to_fix_and_plans_nothing():
    with pytest.raises(RoleError) as raised:
        plan_role(current(path="/legacy/"), desired(path="/partnercentral/"))

    message = raised.value.message
    assert "/legacy/" in message
    assert "/partnercentral/" in message
    assert "state: absent" in message


def test_path_not_given_accepts_the_existing_path():
    assert plan_role(current(path="/legacy/"), desired(path=None))["calls"] == []


def test_absent_role_is_deleted_after_its_policies_are_detached():
    plan = plan_role(current(), desired(state="absent"))

    assert plan["calls"] == [("delete_role", {"RoleName": NAME, "PolicyArns": [FULL_ACCESS, SELLER]})]
    assert plan["before"]["managed_policies"] == sorted([FULL_ACCESS, SELLER])
    assert plan["after"] == {}


def test_absent_role_that_does_not_exist_plans_nothing():
    plan = plan_role(None, desired(state="absent"))

    assert plan["calls"] == []
    assert plan["before"] == plan["after"] == {}


# --- inline policies -----------------------------------------------------------

BILLING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["ce:Get*", "cur:Describe*"], "Resource": "*"}],
}
FOREIGN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def test_a_new_role_gets_its_inline_policies_after_it_is_created():
    plan = plan_role(None, desired(managed_policies=[FULL_ACCESS], inline_policies={"billing": BILLING}))

    assert operations(plan) == ["create_role", "attach_role_policy", "put_role_policy"]
    (put,) = calls_named(plan, "put_role_policy")
    assert (put["RoleName"], put["PolicyName"]) == (NAME, "billing")
    assert json.loads(put["PolicyDocument"]) == BILLING
    assert plan["after"]["inline_policies"] == {"billing": BILLING}


def test_an_inline_policy_equal_as_iam_compares_it_is_left_alone():
    # Same statement, action list in another order and a single value instead of a list.
    reordered = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": ["cur:Describe*", "ce:Get*"], "Resource": ["*"]},
    }
    plan = plan_role(current(inline_policies={"billing": reordered}), desired(inline_policies={"billing": BILLING}))

    assert plan["calls"] == []


def test_a_missing_or_changed_inline_policy_is_put_and_shown_before_and_after():
    changed = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ce:*", "Resource": "*"}]}
    wanted = {"billing": BILLING, "second": FOREIGN}

    plan = plan_role(current(inline_policies={"billing": changed}), desired(inline_policies=wanted))

    assert [kwargs["PolicyName"] for kwargs in calls_named(plan, "put_role_policy")] == ["billing", "second"]
    assert plan["before"]["inline_policies"] == {"billing": changed}
    assert plan["after"]["inline_policies"] == wanted


def test_an_undeclared_inline_policy_is_drift_reported_and_kept():
    plan = plan_role(current(inline_policies={"added-by-hand": FOREIGN}), desired())

    assert plan["calls"] == []
    assert plan["extra_inline_policies"] == ["added-by-hand"]
    assert plan["after"]["inline_policies"] == {"added-by-hand": FOREIGN}
    (warning,) = plan["warnings"]
    assert NAME in warning and "added-by-hand" in warning and "purge_inline_policies" in warning


def test_purge_inline_policies_deletes_only_the_undeclared_ones():
    existing = {"added-by-hand": FOREIGN, "billing": BILLING}

    plan = plan_role(
        current(inline_policies=existing), desired(inline_policies={"billing": BILLING}), purge_inline_policies=True
    )

    assert plan["calls"] == [("delete_role_policy", {"RoleName": NAME, "PolicyName": "added-by-hand"})]
    assert plan["extra_inline_policies"] == []
    assert plan["before"]["inline_policies"] == existing
    assert plan["after"]["inline_policies"] == {"billing": BILLING}
    assert plan["warnings"] == []
