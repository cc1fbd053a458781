"""The sandbox's Free Tier stand-in and its control endpoint, through real boto3 over HTTP.

What moto cannot do: an account's plan (freetier:GetAccountPlanState) and its root MFA (iam:GetAccountSummary),
both set through POST /_sandbox/state, per account.
"""

import json
import os
import sys
import urllib.error
import urllib.request

import botocore.config
import pytest
from preflight.support import MANAGEMENT
from preflight.support import ROOT
from preflight.support import client
from preflight.support import new_account_id
from preflight.support import set_state
from preflight.support import write_inventory

sys.path.insert(0, os.path.join(ROOT, "tests", "sandbox"))

from runner import Sandbox  # noqa: E402


@pytest.fixture(scope="module")
def freetier_sandbox(tmp_path_factory):
    with Sandbox(log_path=str(tmp_path_factory.mktemp("sandbox") / "sandbox.log")) as sandbox:
        yield sandbox


@pytest.fixture
def member(freetier_sandbox, tmp_path):
    """A new member account of the sandbox's organization."""
    account_id = new_account_id()
    freetier_sandbox.seed(write_inventory(tmp_path, {"aws_account_id": account_id}, new_account_id()))
    return account_id


def raw_call(sandbox, target: str, body: bytes = b"{}"):
    """A Free Tier request as it travels (JSON 1.0, X-Amz-Target), for what boto3 would refuse to send."""
    request = urllib.request.Request(
        sandbox.endpoint + "/",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": target,
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/freetier/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_a_new_account_is_on_the_paid_plan(freetier_sandbox, member):
    state = client(freetier_sandbox, "freetier", member).get_account_plan_state()

    assert state["accountId"] == member
    assert state["accountPlanType"] == "PAID" and state["accountPlanStatus"] == "ACTIVE"
    assert "accountPlanRemainingCredits" not in state


def test_the_plan_is_set_per_account_through_the_control_endpoint(freetier_sandbox, member):
    set_state(freetier_sandbox, member, plan="FREE")

    state = client(freetier_sandbox, "freetier", member).get_account_plan_state()

    assert state["accountPlanType"] == "FREE"
    assert state["accountPlanRemainingCredits"] == {"amount": 200.0, "unit": "USD"}
    assert state["accountPlanExpirationDate"].year >= 2025
    assert client(freetier_sandbox, "freetier", MANAGEMENT).get_account_plan_state()["accountPlanType"] == "PAID"


def test_upgrading_is_stateful_and_only_to_paid(freetier_sandbox, member):
    set_state(freetier_sandbox, member, plan="FREE")
    freetier = client(freetier_sandbox, "freetier", member)

    with pytest.raises(freetier.exceptions.ValidationException):
        freetier.upgrade_account_plan(accountPlanType="FREE")
    upgraded = freetier.upgrade_account_plan(accountPlanType="PAID")

    assert upgraded["accountPlanType"] == "PAID"
    assert freetier.get_account_plan_state()["accountPlanType"] == "PAID"
    assert freetier_sandbox.control("/_sandbox/state", method="GET")[member]["plan"] == "PAID"


def test_requests_are_validated_against_the_service_model(freetier_sandbox, member):
    # Without boto3's own validation, as another SDK or a hand-made request would send it.
    config = botocore.config.Config(parameter_validation=False)
    freetier = client(freetier_sandbox, "freetier", member, config=config)

    with pytest.raises(freetier.exceptions.ValidationException) as missing:
        freetier.upgrade_account_plan()
    with pytest.raises(freetier.exceptions.ValidationException) as bad_enum:
        freetier.upgrade_account_plan(accountPlanType="GOLD")

    assert "accountPlanType" in str(missing.value)
    assert "Member must satisfy enum value set: [FREE, PAID]" in str(bad_enum.value)


def test_answers_use_the_json_1_0_wire_format(freetier_sandbox):
    status, headers, body = raw_call(freetier_sandbox, "AWSFreeTierService.GetAccountPlanState")

    assert status == 200
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    assert body == {"accountId": MANAGEMENT, "accountPlanType": "PAID", "accountPlanStatus": "ACTIVE"}


def test_unknown_operations_and_bad_bodies_get_the_services_errors(freetier_sandbox):
    status, headers, body = raw_call(freetier_sandbox, "AWSFreeTierService.GetAccountPlanStateX")
    assert status == 400 and body["__type"] == "UnknownOperationException"
    assert headers["Content-Type"] == "application/x-amz-json-1.0"

    status, headers, body = raw_call(freetier_sandbox, "AWSFreeTierService.GetAccountPlanState", b"not json")
    assert status == 400 and body["__type"] == "SerializationException"
    assert headers["Content-Type"] == "application/x-amz-json-1.0"


def test_root_mfa_is_reflected_in_the_iam_account_summary(freetier_sandbox, member):
    iam = client(freetier_sandbox, "iam", member)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0

    set_state(freetier_sandbox, member, root_mfa=True)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1
    assert client(freetier_sandbox, "iam", MANAGEMENT).get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0

    set_state(freetier_sandbox, member, root_mfa=False)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0


def test_free_tier_calls_are_logged_with_their_account_and_kind(freetier_sandbox, member):
    freetier_sandbox.reset_calls()
    freetier = client(freetier_sandbox, "freetier", member)
    freetier.get_account_plan_state()
    freetier.upgrade_account_plan(accountPlanType="PAID")

    calls = [c for c in freetier_sandbox.calls() if c["service"] == "freetier"]
    assert calls == [
        {"service": "freetier", "operation": "GetAccountPlanState", "account_id": member, "write": False},
        {"service": "freetier", "operation": "UpgradeAccountPlan", "account_id": member, "write": True},
    ]
