"""converge_roles, read_role and missing_policies against a real boto3 IAM client with botocore's Stubber.

The Stubber answers instead of AWS and checks every request against IAM's service model; an API call that
was not queued fails the test, so each test also proves which calls were (not) made.
"""

import datetime
import json
import os
import urllib.parse

import boto3
import pytest
from botocore.stub import ANY
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.module_utils import iam_roles
from ansible_collections.diatonic.partnercentral.plugins.module_utils import personas
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import Account
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import AccountMismatchError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.engine import PlanError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import RoleError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import missing_policies
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import read_role
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import converge_roles as converge
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import desired_role
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import trust_policy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACCOUNT = "210987654321"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
OTHER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
    ],
}


def persona_roles():
    """The personas role's seven catalog personas as partnercentral_roles items, as its filter gives them."""
    return personas.persona_roles()


def arn(policy):
    return f"arn:aws:iam::aws:policy/{policy}"


def converge_roles(client, roles, **options):
    """partnercentral.converge_roles in the aws partition."""
    return converge(client, roles, "aws", **options)


@pytest.fixture
def iam():
    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    client.requests = []

    def record(params, model, **kwargs):
        client.requests.append((model.name, dict(params)))

    client.meta.events.register("before-parameter-build.iam", record)
    with Stubber(client) as stubber:
        client.stubber = stubber
        yield client
        stubber.assert_no_pending_responses()


def operations(client):
    return [operation for operation, params in client.requests]


def get_role_response(role, trust=None, description=None, tags=None):
    body = {
        "Path": role.get("path") or "/",
        "RoleName": role["name"],
        "RoleId": "AROA" + role["name"][-16:].upper().rjust(16, "X"),
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/{role['name']}",
        "CreateDate": datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
        # IAM sends the document URL-encoded; botocore decodes it into a dict.
        "AssumeRolePolicyDocument": urllib.parse.quote(json.dumps(trust or trust_policy())),
        "MaxSessionDuration": role.get("max_session_duration") or 3600,
    }
    if description or role.get("description"):
        body["Description"] = description or role["description"]
    tags = role.get("tags") if tags is None else tags
    if tags:
        body["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return {"Role": body}


def stub_existing(client, role, policies, inline=None, **overrides):
    """A role's reads: GetRole, ListAttachedRolePolicies, ListRolePolicies, and GetRolePolicy for each ``inline``."""
    name = {"RoleName": role["name"]}
    client.stubber.add_response("get_role", get_role_response(role, **overrides), name)
    client.stubber.add_response(
        "list_attached_role_policies",
        {
            "AttachedPolicies": [{"PolicyName": p.rsplit("/", 1)[1], "PolicyArn": p} for p in policies],
            "IsTruncated": False,
        },
        name,
    )
    inline = inline or {}
    client.stubber.add_response("list_role_policies", {"PolicyNames": sorted(inline), "IsTruncated": False}, name)
    for policy_name, document in sorted(inline.items()):
        client.stubber.add_response(
            "get_role_policy",
            {
                "RoleName": role["name"],
                "PolicyName": policy_name,
                "PolicyDocument": urllib.parse.quote(json.dumps(document)),
            },
            {**name, "PolicyName": policy_name},
        )


def stub_missing_role(client, name):
    client.stubber.add_client_error(
        "get_role", service_error_code="NoSuchEntity", http_status_code=404, expected_params={"RoleName": name}
    )


def stub_policy(client, policy_arn, exists=True):
    if exists:
        response = {"Policy": {"PolicyName": policy_arn.rsplit("/", 1)[1], "Arn": policy_arn}}
        client.stubber.add_response("get_policy", response, {"PolicyArn": policy_arn})
    else:
        client.stubber.add_client_error(
            "get_policy",
            service_error_code="NoSuchEntity",
            http_status_code=404,
            expected_params={"PolicyArn": policy_arn},
        )


# --- converge_roles ----------------------------------------------------------


def test_converged_account_costs_three_reads_per_role_and_no_policy_lookup(iam):
    roles = persona_roles()
    assert len(roles) == 7
    for role in roles:
        stub_existing(iam, role, [arn(p) for p in role["managed_policies"]])

    changed, results, diff, warnings = converge_roles(iam, roles)

    assert not changed
    # ListRolePolicies is what finds an inline policy added behind our back (drift).
    assert operations(iam) == ["GetRole", "ListAttachedRolePolicies", "ListRolePolicies"] * 7
    assert len(iam.requests) == 21
    assert "GetPolicy" not in operations(iam)
    assert diff == {"before": {}, "after": {}}
    assert warnings == []
    assert [r["name"] for r in results] == [r["name"] for r in roles]
    assert all(not r["changed"] and r["arn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/") for r in results)


def test_check_mode_on_an_empty_account_reads_looks_up_each_policy_once_and_writes_nothing(iam):
    roles = persona_roles()
    for role in roles:
        stub_missing_role(iam, role["name"])
    wanted = []
    for role in roles:
        for policy in sorted(arn(p) for p in role["managed_policies"]):
            if policy not in wanted:
                wanted.append(policy)
                stub_policy(iam, policy)

    changed, results, diff, warnings = converge_roles(iam, roles, check_mode=True)

    assert changed
    assert warnings == []
    assert set(operations(iam)) == {"GetRole", "GetPolicy"}
    assert operations(iam).count("GetPolicy") == len(wanted) == 8
    assert sorted(diff["after"]) == sorted(r["name"] for r in roles)
    assert all(diff["before"][name] == {} for name in diff["before"])
    alliance = results[0]
    assert alliance["name"] == "PartnerCentralRoleForACEManager"
    assert alliance["arn"] is None
    assert alliance["trust_policy"] == trust_policy()
    assert alliance["managed_policies"] == [arn("AWSPartnerCentralOpportunityManagement")]


def test_missing_policy_fails_before_any_write_and_names_who_wants_it(iam):
    roles = [
        {"name": "PartnerCentralRoleForAllianceLead", "managed_policies": ["AWSPartnerCentralFullAccess"]},
        {"name": "PartnerCentralRoleForFinance", "managed_policies": ["AWSPartnerCentralNoSuchPolicy"]},
    ]
    stub_missing_role(iam, roles[0]["name"])
    stub_missing_role(iam, roles[1]["name"])
    stub_policy(iam, arn("AWSPartnerCentralFullAccess"))
    stub_policy(iam, arn("AWSPartnerCentralNoSuchPolicy"), exists=False)

    with pytest.raises(PlanError) as raised:
        converge_roles(iam, roles)

    message = raised.value.message
    assert "nothing was changed" in message
    assert f"{arn('AWSPartnerCentralNoSuchPolicy')} (wanted by PartnerCentralRoleForFinance)" in message
    assert "AWSPartnerCentralFullAccess" not in message
    assert operations(iam) == ["GetRole", "GetRole", "GetPolicy", "GetPolicy"]


def test_apply_creates_a_missing_role_then_attaches_its_policies(iam):
    role = persona_roles()[0]
    policies = sorted(arn(p) for p in role["managed_policies"])
    stub_missing_role(iam, role["name"])
    for policy in policies:
        stub_policy(iam, policy)
    created = get_role_response(role)
    iam.stubber.add_response(
        "create_role",
        created,
        {
            "RoleName": role["name"],
            "Path": "/",
            "AssumeRolePolicyDocument": ANY,
            "MaxSessionDuration": 3600,
            "Description": role["description"],
            "Tags": [{"Key": "ManagedBy", "Value": "diatonic.partnercentral"}],
        },
    )
    # The role_exists waiter: IAM is eventually consistent, attaching waits until GetRole sees the role.
    # The waiter accepts on HTTP 200, which the Stubber only reports when told.
    seen = {**get_role_response(role), "ResponseMetadata": {"HTTPStatusCode": 200}}
    iam.stubber.add_response("get_role", seen, {"RoleName": role["name"]})
    for policy in policies:
        iam.stubber.add_response("attach_role_policy", {}, {"RoleName": role["name"], "PolicyArn": policy})

    changed, results, diff, warnings = converge_roles(iam, [role])

    assert changed
    assert warnings == []
    writes = operations(iam)[len(policies) + 1 :]
    assert writes == ["CreateRole", "GetRole"] + ["AttachRolePolicy"] * len(policies)
    create = dict(iam.requests)["CreateRole"]
    assert json.loads(create["AssumeRolePolicyDocument"]) == trust_policy()
    assert results[0]["arn"] == f"arn:aws:iam::{ACCOUNT}:role/{role['name']}"
    assert results[0]["role_id"] == created["Role"]["RoleId"]
    assert diff["after"][role["name"]]["managed_policies"] == policies


def test_apply_puts_back_a_drifted_trust_policy_and_keeps_an_undeclared_policy(iam):
    role = {"name": "PartnerCentralRoleForReadOnly", "managed_policies": ["ReadOnlyAccess"]}
    stub_existing(iam, role, [arn("ReadOnlyAccess"), ADMIN], trust=OTHER_TRUST)
    iam.stubber.add_response("update_assume_role_policy", {}, {"RoleName": role["name"], "PolicyDocument": ANY})

    changed, results, diff, warnings = converge_roles(iam, [role])

    assert changed
    assert operations(iam) == ["GetRole", "ListAttachedRolePolicies", "ListRolePolicies", "UpdateAssumeRolePolicy"]
    assert json.loads(iam.requests[-1][1]["PolicyDocument"]) == trust_policy()
    assert results[0]["extra_policies"] == [ADMIN]
    assert ADMIN in results[0]["managed_policies"]
    assert diff["before"][role["name"]]["trust_policy"] == OTHER_TRUST
    assert len(warnings) == 1 and ADMIN in warnings[0]


def test_apply_deletes_an_absent_role_after_emptying_it(iam):
    role = {"name": "PartnerCentralRoleForMarketing", "state": "absent"}
    stub_existing(iam, role, [arn("AWSPartnerCentralMarketingManagement")])
    name = {"RoleName": role["name"]}
    iam.stubber.add_response(
        "detach_role_policy", {}, {**name, "PolicyArn": arn("AWSPartnerCentralMarketingManagement")}
    )
    iam.stubber.add_response("list_role_policies", {"PolicyNames": ["inline"], "IsTruncated": False}, name)
    iam.stubber.add_response("delete_role_policy", {}, {**name, "PolicyName": "inline"})
    iam.stubber.add_response("list_instance_profiles_for_role", {"InstanceProfiles": [], "IsTruncated": False}, name)
    iam.stubber.add_response("delete_role", {}, name)

    changed, results, diff, warnings = converge_roles(iam, [role])

    assert changed
    assert warnings == []
    assert operations(iam)[-1] == "DeleteRole"
    assert diff["after"] == {role["name"]: {}}
    assert results[0]["state"] == "absent"
    assert results[0]["arn"] is None


# --- read_role ---------------------------------------------------------------


def test_read_role_of_a_missing_role_is_none(iam):
    stub_missing_role(iam, "PartnerCentralRoleForNobody")
    assert read_role(iam, "PartnerCentralRoleForNobody") is None


def test_read_role_decodes_trust_reads_tags_and_every_page_of_policies(iam):
    name = "PartnerCentralRoleForAllianceLead"
    response = get_role_response({"name": name}, tags={"Team": "alliances"})
    iam.stubber.add_response("get_role", response, {"RoleName": name})
    first, second = arn("AWSPartnerCentralFullAccess"), arn("AWSMarketplaceSellerFullAccess")
    iam.stubber.add_response(
        "list_attached_role_policies",
        {"AttachedPolicies": [{"PolicyName": "a", "PolicyArn": first}], "IsTruncated": True, "Marker": "page2"},
        {"RoleName": name},
    )
    iam.stubber.add_response(
        "list_attached_role_policies",
        {"AttachedPolicies": [{"PolicyName": "b", "PolicyArn": second}], "IsTruncated": False},
        {"RoleName": name, "Marker": "page2"},
    )
    iam.stubber.add_response("list_role_policies", {"PolicyNames": [], "IsTruncated": False}, {"RoleName": name})

    role = read_role(iam, name)

    assert role["trust_policy"] == trust_policy()
    assert role["tags"] == {"Team": "alliances"}
    assert role["description"] == ""
    assert role["managed_policies"] == sorted([first, second])
    assert role["arn"] == f"arn:aws:iam::{ACCOUNT}:role/{name}"


def test_read_role_refused_by_iam_raises_a_role_error(iam):
    iam.stubber.add_client_error(
        "get_role", service_error_code="AccessDenied", http_status_code=403, service_message="not authorized"
    )
    with pytest.raises(RoleError) as raised:
        read_role(iam, "PartnerCentralRoleForAllianceLead")
    assert "get role" in raised.value.message


# --- missing_policies --------------------------------------------------------


def test_missing_policies_looks_up_only_unattached_policies_of_present_roles_once_each(iam):
    attached = {"PartnerCentralRoleForA": {"managed_policies": [arn("ReadOnlyAccess")]}, "PartnerCentralRoleForB": None}
    desired = [
        desired_role({"name": "PartnerCentralRoleForA", "managed_policies": ["ReadOnlyAccess", "Shared"]}, "aws"),
        desired_role(
            {"name": "PartnerCentralRoleForB", "managed_policies": ["Shared", "ReadOnlyAccess", "Gone"]}, "aws"
        ),
        desired_role({"name": "PartnerCentralRoleForC", "state": "absent", "managed_policies": ["Ignored"]}, "aws"),
        desired_role({"name": "PartnerCentralRoleForD"}, "aws"),
    ]
    stub_policy(iam, arn("Shared"))
    stub_policy(iam, arn("Gone"), exists=False)

    assert missing_policies(iam, desired, attached) == [arn("Gone")]
    assert iam.requests == [("GetPolicy", {"PolicyArn": arn("Shared")}), ("GetPolicy", {"PolicyArn": arn("Gone")})]


# --- the account guard ---------------------------------------------------------


def sts_client():
    client = boto3.client("sts", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    client.stubber = Stubber(client)
    client.stubber.activate()
    return client


def test_the_account_of_an_existing_role_is_checked_without_any_extra_call(iam):
    roles = persona_roles()
    for role in roles:
        stub_existing(iam, role, [arn(p) for p in role["managed_policies"]])
    sts = sts_client()  # nothing queued: any STS call fails the test

    changed, _results, _diff, _warnings = converge_roles(
        iam, roles, account=Account(sts, region="us-east-1"), expected_account_id=ACCOUNT
    )

    assert not changed
    assert len(iam.requests) == 21


@pytest.mark.parametrize("check_mode", [True, False], ids=["check mode", "apply"])
def test_another_account_is_refused_before_any_write(iam, check_mode):
    roles = persona_roles()[:2]
    for role in roles:
        stub_missing_role(iam, role["name"])
    account = Account(sts_with_identity("999988887777"), region="us-east-1")

    with pytest.raises(AccountMismatchError) as raised:
        converge_roles(iam, roles, check_mode=check_mode, account=account, expected_account_id=ACCOUNT)

    assert "999988887777" in raised.value.message and ACCOUNT in raised.value.message
    assert operations(iam) == ["GetRole", "GetRole"], "only reads before the refusal, not even policy look-ups"


def sts_with_identity(account):
    sts = sts_client()
    sts.stubber.add_response(
        "get_caller_identity", {"Account": account, "Arn": f"arn:aws:iam::{account}:user/x", "UserId": "A"}
    )
    return sts


# --- inline policies -----------------------------------------------------------

DENY_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}


def test_an_inline_policy_on_a_persona_role_is_reported_as_drift_and_kept(iam):
    role = {"name": "PartnerCentralRoleForReadOnly", "managed_policies": ["ReadOnlyAccess"]}
    stub_existing(iam, role, [arn("ReadOnlyAccess")], inline={"added-by-hand": DENY_ALL})

    changed, results, _diff, warnings = converge_roles(iam, [role])

    assert not changed
    assert results[0]["extra_inline_policies"] == ["added-by-hand"]
    assert results[0]["inline_policies"] == {"added-by-hand": DENY_ALL}
    assert len(warnings) == 1 and "added-by-hand" in warnings[0]
    assert "DeleteRolePolicy" not in operations(iam)


def test_purge_inline_policies_deletes_the_drift(iam):
    role = {"name": "PartnerCentralRoleForReadOnly", "managed_policies": ["ReadOnlyAccess"]}
    stub_existing(iam, role, [arn("ReadOnlyAccess")], inline={"added-by-hand": DENY_ALL})
    iam.stubber.add_response("delete_role_policy", {}, {"RoleName": role["name"], "PolicyName": "added-by-hand"})

    changed, results, diff, _warnings = converge_roles(iam, [role], purge_inline_policies=True)

    assert changed
    assert operations(iam)[-1] == "DeleteRolePolicy"
    assert diff["before"][role["name"]]["inline_policies"] == {"added-by-hand": DENY_ALL}
    assert diff["after"][role["name"]]["inline_policies"] == {}


def test_a_bad_inline_policy_is_refused_before_any_call(iam):
    trust = trust_policy()
    bad = {"Version": "2012-10-17", "Statement": [{"Sid": "Cmp", "Effect": "Alow", "Action": "ce:*", "Resource": "*"}]}
    role = iam_roles.desired_role({"name": "doitintl_cmp", "inline_policies": {"doitintl_cmp": bad}}, trust, "aws")

    with pytest.raises(PlanError) as raised:
        iam_roles.converge_roles(iam, [role])

    assert "doitintl_cmp: inline policy doitintl_cmp statement 1 (Cmp) has Effect 'Alow'" in raised.value.message
    assert iam.requests == []


# --- retries -------------------------------------------------------------------


def test_throttled_reads_are_made_again_paginated_ones_included(iam, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    role = {"name": "PartnerCentralRoleForReadOnly", "managed_policies": ["ReadOnlyAccess"]}
    name = {"RoleName": role["name"]}
    iam.stubber.add_client_error("get_role", service_error_code="Throttling", http_status_code=400)
    iam.stubber.add_response("get_role", get_role_response(role), name)
    attached = {"AttachedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": arn("ReadOnlyAccess")}]}
    iam.stubber.add_client_error("list_attached_role_policies", service_error_code="Throttling", http_status_code=400)
    iam.stubber.add_response("list_attached_role_policies", {**attached, "IsTruncated": False}, name)
    iam.stubber.add_client_error("list_role_policies", service_error_code="Throttling", http_status_code=400)
    iam.stubber.add_response("list_role_policies", {"PolicyNames": [], "IsTruncated": False}, name)

    changed, _results, _diff, _warnings = converge_roles(iam, [role])

    assert not changed
    assert operations(iam) == [op for op in ["GetRole", "ListAttachedRolePolicies", "ListRolePolicies"] for _ in (1, 2)]
