"""The sandbox's Free Tier stand-in and its control endpoint, through real boto3 over HTTP.

What moto cannot do: an account's plan (freetier:GetAccountPlanState) and its root MFA (iam:GetAccountSummary),
both set through POST /_sandbox/state, per account.
"""

import botocore.config
import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import aws_client
from integration_support import raw_json_request
from integration_support import set_state


def raw_call(sandbox, target: str, body: bytes = b"{}"):
    """A Free Tier request as it travels (JSON 1.0, X-Amz-Target), for what boto3 would refuse to send."""
    return raw_json_request(sandbox, "freetier", "1.0", target, body)


def test_a_new_account_is_on_the_paid_plan(sandbox, member):
    state = aws_client(sandbox, "freetier", member).get_account_plan_state()

    assert state["accountId"] == member
    assert state["accountPlanType"] == "PAID" and state["accountPlanStatus"] == "ACTIVE"
    assert "accountPlanRemainingCredits" not in state


def test_the_plan_is_set_per_account_through_the_control_endpoint(sandbox, member):
    set_state(sandbox, member, plan="FREE")

    state = aws_client(sandbox, "freetier", member).get_account_plan_state()

    assert state["accountPlanType"] == "FREE"
    assert state["accountPlanRemainingCredits"] == {"amount": 200.0, "unit": "USD"}
    assert state["accountPlanExpirationDate"].year >= 2025
    assert aws_client(sandbox, "freetier", DEFAULT_ACCOUNT_ID).get_account_plan_state()["accountPlanType"] == "PAID"


def test_upgrading_is_stateful_and_only_to_paid(sandbox, member):
    set_state(sandbox, member, plan="FREE")
    freetier = aws_client(sandbox, "freetier", member)

    with pytest.raises(freetier.exceptions.ValidationException):
        freetier.upgrade_account_plan(accountPlanType="FREE")
    upgraded = freetier.upgrade_account_plan(accountPlanType="PAID")

    assert upgraded["accountPlanType"] == "PAID"
    assert freetier.get_account_plan_state()["accountPlanType"] == "PAID"
    assert sandbox.control("/_sandbox/state", method="GET")[member]["plan"] == "PAID"


def test_requests_are_validated_against_the_service_model(sandbox, member):
    # Without boto3's own validation, as another SDK or a hand-made request would send it.
    config = botocore.config.Config(parameter_validation=False)
    freetier = aws_client(sandbox, "freetier", member, config=config)

    with pytest.raises(freetier.exceptions.ValidationException) as missing:
        freetier.upgrade_account_plan()
    with pytest.raises(freetier.exceptions.ValidationException) as bad_enum:
        freetier.upgrade_account_plan(accountPlanType="GOLD")

    assert "accountPlanType" in str(missing.value)
    assert "Member must satisfy enum value set: [FREE, PAID]" in str(bad_enum.value)


def test_answers_use_the_json_1_0_wire_format(sandbox):
    status, headers, body = raw_call(sandbox, "AWSFreeTierService.GetAccountPlanState")

    assert status == 200
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    assert body == {"accountId": DEFAULT_ACCOUNT_ID, "accountPlanType": "PAID", "accountPlanStatus": "ACTIVE"}


def test_unknown_operations_and_bad_bodies_get_the_services_errors(sandbox):
    status, headers, body = raw_call(sandbox, "AWSFreeTierService.GetAccountPlanStateX")
    assert status == 400 and body["__type"] == "UnknownOperationException"
    assert headers["Content-Type"] == "application/x-amz-json-1.0"

    status, headers, body = raw_call(sandbox, "AWSFreeTierService.GetAccountPlanState", b"not json")
    assert status == 400 and body["__type"] == "SerializationException"
    assert headers["Content-Type"] == "application/x-amz-json-1.0"


def test_root_mfa_is_reflected_in_the_iam_account_summary(sandbox, member):
    iam = aws_client(sandbox, "iam", member)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0

    set_state(sandbox, member, root_mfa=True)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1
    assert aws_client(sandbox, "iam", DEFAULT_ACCOUNT_ID).get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0

    set_state(sandbox, member, root_mfa=False)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0


def test_free_tier_calls_are_logged_with_their_account_and_kind(sandbox, member):
    sandbox.reset_calls()
    freetier = aws_client(sandbox, "freetier", member)
    freetier.get_account_plan_state()
    freetier.upgrade_account_plan(accountPlanType="PAID")

    keys = ("service", "operation", "account_id", "write")
    calls = [{key: c[key] for key in keys} for c in sandbox.calls() if c["service"] == "freetier"]
    assert calls == [
        {"service": "freetier", "operation": "GetAccountPlanState", "account_id": member, "write": False},
        {"service": "freetier", "operation": "UpgradeAccountPlan", "account_id": member, "write": True},
    ]
