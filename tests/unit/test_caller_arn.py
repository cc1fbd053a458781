"""caller_arn: the read-only modules the preflight and the validation run take the caller the credentials role
already proved (credentials_proven_arn), and then make no sts:GetCallerIdentity - no STS client at all - while the
records still name the account and expected_account_id still refuses another one, before any AWS call.

Each module runs in-process (its main()) with botocore Stubbers: a call that was not queued fails the test, and the
STS client is never handed out.
"""

import json

import boto3
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.module_utils import accounts
from ansible_collections.diatonic.partnercentral.plugins.module_utils import organizations
from ansible_collections.diatonic.partnercentral.plugins.modules import assume_role_denials_info
from ansible_collections.diatonic.partnercentral.plugins.modules import identity_center_permission_sets_info
from ansible_collections.diatonic.partnercentral.plugins.modules import org_member_check
from ansible_collections.diatonic.partnercentral.plugins.modules import partnercentral_linking_info
from ansible_collections.diatonic.partnercentral.plugins.modules import partnercentral_roles_info
from ansible_collections.diatonic.partnercentral.plugins.modules import pc_policy_check

ACCOUNT = "210987654321"
OTHER = "111122223333"
MANAGEMENT = "123456789012"
ASSUMED = f"arn:aws:sts::{ACCOUNT}:assumed-role/OrganizationAccountAccessRole/diatonic-partnercentral"
OTHERS = f"arn:aws:sts::{OTHER}:assumed-role/OrganizationAccountAccessRole/diatonic-partnercentral"


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch):
    monkeypatch.setattr(cloud.time, "sleep", lambda seconds: None)


def stubbed(service):
    client = boto3.client(
        service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    return client, Stubber(client)


def no_reads(_stubbers):
    """Nothing queued: any call fails the test."""


def roles_reads(stubbers):
    stubbers["iam"].add_client_error("get_role", "NoSuchEntity", "The role cannot be found.", 404)


def linking_reads(stubbers):
    stubbers["iam"].add_response("list_roles", {"Roles": []})
    stubbers["partnercentral-account"].add_response("list_partners", {"PartnerSummaryList": []})


def denials_reads(stubbers):
    stubbers["cloudtrail"].add_response("lookup_events", {"Events": []})


def identity_center_reads(stubbers):
    stubbers["sso-admin"].add_response("list_instances", {"Instances": []})


def policy_reads(stubbers):
    stubbers["iam"].add_client_error("get_policy", "NoSuchEntity", "Policy does not exist.", 404)


def organization_reads(stubbers):
    organization = {
        "Id": "o-a1b2c3d4e5",
        "Arn": f"arn:aws:organizations::{MANAGEMENT}:organization/o-a1b2c3d4e5",
        "FeatureSet": "ALL",
        "MasterAccountId": MANAGEMENT,
        "MasterAccountArn": f"arn:aws:organizations::{MANAGEMENT}:account/o-a1b2c3d4e5/{MANAGEMENT}",
        "MasterAccountEmail": "aws@example.com",
    }
    stubbers["organizations"].add_response("describe_organization", {"Organization": organization})
    stubbers["freetier"].add_response(
        "get_account_plan_state", {"accountId": ACCOUNT, "accountPlanType": "PAID", "accountPlanStatus": "ACTIVE"}
    )


# module, its options besides expected_account_id and caller_arn, the services it reads, its reads when allowed.
MODULES = {
    "partnercentral_roles_info": (
        partnercentral_roles_info,
        {"roles": [{"name": "PartnerCentralRoleForReadOnly", "state": "absent"}], "report_undeclared": False},
        ["iam"],
        roles_reads,
    ),
    "partnercentral_linking_info": (
        partnercentral_linking_info,
        {},
        ["iam", "partnercentral-account"],
        linking_reads,
    ),
    "assume_role_denials_info": (assume_role_denials_info, {"window_hours": 1}, ["cloudtrail"], denials_reads),
    "identity_center_permission_sets_info": (
        identity_center_permission_sets_info,
        {"permission_sets": [{"name": "PartnerCentral-AllianceLead"}], "target_account_id": ACCOUNT},
        ["sso-admin", "identitystore"],
        identity_center_reads,
    ),
    "pc_policy_check": (pc_policy_check, {"policies": ["ReadOnlyAccess"], "report_only": True}, ["iam"], policy_reads),
    "org_member_check": (
        org_member_check,
        {"membership": "member", "require_paid_plan": True, "report_only": True},
        ["organizations", "freetier"],
        organization_reads,
    ),
}


def run(monkeypatch, capsys, name, caller_arn, reads):
    """The module's main() with ``caller_arn``; returns its result and the services it asked a client for."""
    module, options, services, _reads = MODULES[name]
    clients, stubbers = {}, {}
    for service in services:
        clients[service], stubbers[service] = stubbed(service)
    reads(stubbers)
    asked = []

    def client(self, service, retry_decorator=None, **kwargs):
        asked.append(service)
        assert service in clients, f"{name} asked for an {service} client"
        return RetryingBotoClientWrapper(clients[service], AWSRetry.jittered_backoff(retries=1))

    monkeypatch.setattr(AnsibleAWSModule, "client", client)
    args = {**options, "region": "us-east-1", "expected_account_id": ACCOUNT, "caller_arn": caller_arn}
    for stubber in stubbers.values():
        stubber.activate()
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()
    return json.loads(capsys.readouterr().out), asked


@pytest.mark.parametrize("name", sorted(MODULES))
def test_the_proven_caller_costs_no_get_caller_identity_and_names_the_records(monkeypatch, capsys, name):
    result, asked = run(monkeypatch, capsys, name, ASSUMED, MODULES[name][3])

    assert not result.get("failed"), result
    assert "sts" not in asked
    assert result["records"] and {r["account"] for r in result["records"]} == {ACCOUNT}, result["records"]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_proven_caller_of_another_account_is_refused_before_any_call(monkeypatch, capsys, name):
    result, asked = run(monkeypatch, capsys, name, OTHERS, no_reads)

    assert "sts" not in asked
    if name == "org_member_check":
        # It reports (report_only) rather than fails: the wrong account is its first item, and nothing else is read.
        assert [(r["id"], r["status"]) for r in result["records"]] == [("preflight.account_id", "failed")]
        assert OTHERS in result["records"][0]["evidence"] and result["user_id"] is None
    else:
        assert result["failed"], result
        assert f"The credentials act in AWS account {OTHER}" in result["msg"], result["msg"]


def test_an_arn_naming_no_account_is_ignored_and_the_account_asked():
    asked = []
    account = accounts.Account(lambda: asked.append("sts"), region="us-east-1")
    account.note_arn("not-an-arn")

    assert account.known_account_id is None
    assert organizations.proven_caller("not-an-arn") is None
    assert organizations.proven_caller(ASSUMED) == {"account_id": ACCOUNT, "arn": ASSUMED, "user_id": None}


def test_org_member_check_without_caller_arn_still_asks_sts_once():
    sts, stubber = stubbed("sts")
    stubber.add_response("get_caller_identity", {"Account": OTHER, "Arn": OTHERS, "UserId": "AROA:x"})
    made = []

    def make():
        made.append("sts")
        return sts

    with stubber:
        result = organizations.check_account(make, None, None, {"expected_account_id": ACCOUNT, "membership": "any"})

    assert made == ["sts"]
    assert (result["account_id"], result["user_id"]) == (OTHER, "AROA:x")
    assert [r["status"] for r in result["records"]] == ["failed"]
