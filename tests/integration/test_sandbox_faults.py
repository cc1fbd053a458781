"""The sandbox's fault injection answers as AWS does when it throttles, fails or loses a reply.

botocore parses each injected error into the code that AWS itself sends, so that the collection's retries meet
in tests exactly what they meet in production. Retries are switched off here to see each answer.
"""

import json

import botocore.config
import botocore.exceptions
import pytest
from integration_support import aws_client
from seed import ControlError

NO_RETRIES = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})


def error_code(call) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


@pytest.mark.parametrize(
    "service, call, throttled, failed",
    [
        ("iam", lambda c: c.list_roles(), "Throttling", "InternalFailure"),
        ("sts", lambda c: c.get_caller_identity(), "Throttling", "InternalFailure"),
        ("s3", lambda c: c.list_buckets(), "SlowDown", "ServiceUnavailable"),
        ("organizations", lambda c: c.describe_organization(), "ThrottlingException", "InternalFailure"),
        ("cur", lambda c: c.describe_report_definitions(), "ThrottlingException", "InternalFailure"),
    ],
)
def test_injected_errors_reach_boto3_as_the_services_own_codes(sandbox, faults, service, call, throttled, failed):
    client = aws_client(sandbox, service, config=NO_RETRIES)

    faults(throttle=1.0, services=[service])
    assert error_code(lambda: call(client)) == throttled
    faults(server_error=1.0, services=[service])
    assert error_code(lambda: call(client)) == failed

    assert sandbox.faults()["injected"] == {"server_error": 1}


def test_a_lost_reply_leaves_the_write_done(sandbox, faults):
    iam = aws_client(sandbox, "iam", config=NO_RETRIES)
    trust = {"Version": "2012-10-17", "Statement": []}
    faults(lose_reply=1.0, operations=["CreateRole"])

    assert error_code(lambda: iam.create_role(RoleName="LostReply", AssumeRolePolicyDocument=json.dumps(trust))) == (
        "InternalFailure"
    )

    faults()
    assert iam.get_role(RoleName="LostReply")["Role"]["RoleName"] == "LostReply"
    assert error_code(lambda: iam.create_role(RoleName="LostReply", AssumeRolePolicyDocument=json.dumps(trust))) == (
        "EntityAlreadyExists"
    )


def test_fractions_follow_the_seed_and_other_calls_pass(sandbox, faults):
    iam = aws_client(sandbox, "iam", config=NO_RETRIES)
    faults(throttle=0.5, seed=11, operations=["ListRoles"])

    outcomes = []
    for _ in range(40):
        try:
            iam.list_roles()
            outcomes.append("ok")
        except botocore.exceptions.ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
        iam.list_users()  # not named in operations: never fails

    assert 10 <= outcomes.count("Throttling") <= 30, outcomes
    assert set(outcomes) == {"ok", "Throttling"}
    assert sandbox.faults()["injected"] == {"throttle": outcomes.count("Throttling")}


def test_bad_fault_settings_are_refused(sandbox):
    with pytest.raises(ControlError, match="throttle must be a fraction"):
        sandbox.inject_faults(throttle=2)
    with pytest.raises(ControlError, match="unknown fault settings"):
        sandbox.inject_faults(throtle=0.2)
