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
import yaml
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import ANY
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import RoleError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import iam_client
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import missing_policies
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import read_role
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import converge_roles
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
    """The personas role's seven catalog personas as partnercentral_roles items, as its template renders them."""
    with open(os.path.join(ROOT, "roles", "personas", "defaults", "main.yml")) as defaults:
        catalog = yaml.safe_load(defaults)["personas_catalog"]
    return [
        {
            "name": f"PartnerCentralRoleFor{persona}",
            "state": "present",
            "managed_policies": spec["managed_policies"],
            "description": spec["description"],
            "path": "/",
            "max_session_duration": 3600,
            "tags": {"ManagedBy": "diatonic.partnercentral"},
        }
        for persona, spec in sorted(catalog.items())
    ]


def arn(policy):
    return f"arn:aws:iam::aws:policy/{policy}"


class StubModule:
    """What converge_roles uses of an AnsibleAWSModule, handing out the stubbed client as module.client does."""

    def __init__(self, client, check_mode=False, region="us-east-1"):
        self._client = client
        self.check_mode = check_mode
        self.region = region

    def client(self, service, retry_decorator=None):
        assert service == "iam"
        return RetryingBotoClientWrapper(self._client, retry_decorator) if retry_decorator else self._client


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


def stub_existing(client, role, policies, **overrides):
    client.stubber.add_response("get_role", get_role_response(role, **overrides), {"RoleName": role["name"]})
    client.stubber.add_response(
        "list_attached_role_policies",
        {
            "AttachedPolicies": [{"PolicyName": p.rsplit("/", 1)[1], "PolicyArn": p} for p in policies],
            "IsTruncated": False,
        },
        {"RoleName": role["name"]},
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


def test_converged_account_costs_two_reads_per_role_and_no_policy_lookup(iam):
    roles = persona_roles()
    assert len(roles) == 7
    for role in roles:
        stub_existing(iam, role, [arn(p) for p in role["managed_policies"]])

    changed, results, diff, warnings = converge_roles(StubModule(iam), roles)

    assert not changed
    assert operations(iam) == ["GetRole", "ListAttachedRolePolicies"] * 7
    assert len(iam.requests) == 14
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

    changed, results, diff, warnings = converge_roles(StubModule(iam, check_mode=True), roles)

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

    with pytest.raises(RoleError) as raised:
        converge_roles(StubModule(iam), roles)

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

    changed, results, diff, warnings = converge_roles(StubModule(iam), [role])

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

    changed, results, diff, warnings = converge_roles(StubModule(iam), [role])

    assert changed
    assert operations(iam) == ["GetRole", "ListAttachedRolePolicies", "UpdateAssumeRolePolicy"]
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

    changed, results, diff, warnings = converge_roles(StubModule(iam), [role])

    assert changed
    assert warnings == []
    assert operations(iam)[-1] == "DeleteRole"
    assert diff["after"] == {role["name"]: {}}
    assert results[0]["state"] == "absent"
    assert results[0]["arn"] is None


# --- read_role ---------------------------------------------------------------


def test_read_role_of_a_missing_role_is_none(iam):
    stub_missing_role(iam, "PartnerCentralRoleForNobody")
    assert read_role(iam_client(StubModule(iam)), "PartnerCentralRoleForNobody") is None


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

    role = read_role(iam_client(StubModule(iam)), name)

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
        read_role(iam_client(StubModule(iam)), "PartnerCentralRoleForAllianceLead")
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

    assert missing_policies(iam_client(StubModule(iam)), desired, attached) == [arn("Gone")]
    assert iam.requests == [("GetPolicy", {"PolicyArn": arn("Shared")}), ("GetPolicy", {"PolicyArn": arn("Gone")})]
