"""The account_credentials action plugin: its checks of the inventory's values (no AWS call when they are wrong),
the connection options it hands to every module, and its run against STS through botocore's Stubber."""

import datetime
import os
from types import SimpleNamespace

import boto3
import pytest
from ansible.errors import AnsibleActionFail
from ansible.plugins.shell.sh import ShellModule
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.action.account_credentials import ActionModule
from ansible_collections.diatonic.partnercentral.plugins.action.account_credentials import connection_options
from ansible_collections.diatonic.partnercentral.plugins.action.account_credentials import input_problems
from ansible_collections.diatonic.partnercentral.plugins.plugin_utils.controller_module import environment

ACCOUNT = "210987654321"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/OrganizationAccountAccessRole/diatonic-partnercentral"
DEFAULTS = {"role_session_name": "diatonic-partnercentral", "duration_seconds": 3600, "profile": ""}
DEFAULTS["region"] = "us-east-1"


def values(**given):
    return {"account_id": ACCOUNT, "role_arn": ROLE, **DEFAULTS, **given}


def test_good_values_have_no_problem():
    assert input_problems(values()) == []
    assert input_problems(values(role_arn="")) == []
    assert input_problems(values(role_arn=f"arn:aws-us-gov:iam::{ACCOUNT}:role/path/Runner")) == []


@pytest.mark.parametrize(
    "given, expected",
    [
        ({"account_id": "21098765432"}, "aws_account_id must be the account's 12-digit ID in quotes (got '2109876"),
        ({"account_id": "2.10987654321e11"}, "12-digit ID"),
        ({"role_arn": "OrganizationAccountAccessRole"}, f"a role ARN such as arn:aws:iam::{ACCOUNT}:role/"),
        ({"role_arn": f"arn:aws:iam::{ACCOUNT}:user/ops"}, "must be a role ARN"),
        (
            {"role_arn": "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"},
            f"is a role of account 111122223333, not of aws_account_id {ACCOUNT}",
        ),
        ({"role_session_name": "a"}, "credentials_session_name"),
        ({"role_session_name": "has space"}, "credentials_session_name"),
        ({"duration_seconds": 60}, "credentials_session_duration"),
        ({"duration_seconds": 43201}, "credentials_session_duration"),
    ],
)
def test_each_bad_value_is_named_with_its_fix(given, expected):
    problems = input_problems(values(**given))
    assert len(problems) == 1 and expected in problems[0], problems


def test_every_problem_is_reported_at_once():
    problems = input_problems(values(account_id="123", role_arn="nope", duration_seconds=1))
    assert len(problems) == 3, problems


def test_the_connection_options_hold_exactly_one_credential_source():
    keys = {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "secret", "SessionToken": "token"}
    assumed = connection_options("eu-west-1", "ops", keys)
    # The assumed keys win over the profile they were assumed from; '' keeps amazon.aws off AWS_PROFILE.
    assert assumed == {
        "region": "eu-west-1",
        "access_key": "ASIAEXAMPLE",
        "secret_key": "secret",
        "session_token": "token",
        "profile": "",
    }
    assert connection_options("us-east-1", "ops") == {
        "region": "us-east-1",
        "profile": "ops",
        "access_key": "",
        "secret_key": "",
        "session_token": "",
    }
    assert connection_options("us-east-1", "") == {"region": "us-east-1"}


class StubbedAction(ActionModule):
    """The action with its STS client stubbed: every request is checked against botocore's STS model."""

    sts = None

    def client(self, service, retry_decorator=None, **extra_params):
        assert service == "sts"
        return self.sts


def run_action(args, stub, check_mode=False):
    task = SimpleNamespace(args=args, async_val=0, check_mode=check_mode, action="account_credentials", environment=[])
    connection = SimpleNamespace(_shell=ShellModule())
    action = StubbedAction(task, connection, None, None, None, None)
    action._early_needs_tmp_path = lambda: False
    client = boto3.client("sts", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    with Stubber(client) as stubber:
        stub(stubber)
        action.sts = client
        try:
            return action.run(task_vars={"inventory_hostname": "org-member-1"})
        finally:
            stubber.assert_no_pending_responses()


def assumed(stubber, account=ACCOUNT):
    stubber.add_response(
        "assume_role",
        {
            "Credentials": {
                "AccessKeyId": "ASIAEXAMPLEEXAMPLE",
                "SecretAccessKey": "secret",
                "SessionToken": "token",
                "Expiration": datetime.datetime(2026, 11, 26, 18, 0, tzinfo=datetime.UTC),
            },
            "AssumedRoleUser": {
                "AssumedRoleId": "AROAEXAMPLE:diatonic-partnercentral",
                "Arn": SESSION_ARN.replace(ACCOUNT, account),
            },
        },
        {"RoleArn": ROLE, "RoleSessionName": "diatonic-partnercentral", "DurationSeconds": 3600},
    )


def test_an_assumed_role_is_proven_by_its_own_answer_with_one_call_even_in_check_mode():
    result = run_action({"account_id": ACCOUNT, "role_arn": ROLE}, assumed, check_mode=True)

    assert result["changed"] is False
    assert (result["account_id"], result["arn"]) == (ACCOUNT, SESSION_ARN)
    assert result["connection"]["access_key"] == "ASIAEXAMPLEEXAMPLE" and result["connection"]["profile"] == ""
    # The keys are in the result: no callback may show it, whatever the task's no_log says.
    assert result["_ansible_no_log"] is True


def test_credentials_of_another_account_fail_naming_both():
    def caller(stubber):
        stubber.add_response(
            "get_caller_identity",
            {"UserId": "AIDAEXAMPLE", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/ops"},
            {},
        )

    with pytest.raises(AnsibleActionFail) as failure:
        run_action({"account_id": ACCOUNT}, caller)
    message = str(failure.value)
    assert "arn:aws:iam::123456789012:user/ops" in message and f"not to aws_account_id {ACCOUNT}" in message
    assert "Nothing was changed" in message


def test_a_role_that_cannot_be_assumed_fails_with_the_error_code_and_what_to_check():
    def denied(stubber):
        stubber.add_client_error("assume_role", "AccessDenied", "User is not authorized to perform sts:AssumeRole")

    with pytest.raises(AnsibleActionFail) as failure:
        run_action({"account_id": ACCOUNT, "role_arn": ROLE}, denied)
    message = str(failure.value)
    assert message.startswith("org-member-1: assuming " + ROLE)
    assert "AccessDenied: User is not authorized" in message and "trusts the caller" in message


def test_bad_values_fail_before_any_call():
    # No response is stubbed: any call would fail the Stubber, and the message would not be this one.
    with pytest.raises(AnsibleActionFail, match="is a role of account 111122223333"):
        run_action({"account_id": ACCOUNT, "role_arn": "arn:aws:iam::111122223333:role/Admin"}, lambda stubber: None)


def test_the_task_environment_is_in_effect_only_while_aws_is_called(monkeypatch):
    # The play's environment keyword (AWS_PROFILE, AWS_ENDPOINT_URL...) reaches boto3 as it reaches modules.
    monkeypatch.setenv("AWS_PROFILE", "before")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)

    with environment({"AWS_PROFILE": "ops", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}):
        assert (os.environ["AWS_PROFILE"], os.environ["AWS_ENDPOINT_URL"]) == ("ops", "http://127.0.0.1:5000")

    assert os.environ["AWS_PROFILE"] == "before" and "AWS_ENDPOINT_URL" not in os.environ
