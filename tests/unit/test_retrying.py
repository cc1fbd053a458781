"""The collection's own retries: bounded by AWS_MAX_ATTEMPTS when a user sets it, as botocore's are."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.diatonic.partnercentral.plugins.module_utils import retrying


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, retrying.DEFAULT_ATTEMPTS),
        ({"AWS_MAX_ATTEMPTS": "3"}, 3),
        ({"AWS_MAX_ATTEMPTS": "1"}, 1),
        ({"AWS_MAX_ATTEMPTS": "0"}, retrying.DEFAULT_ATTEMPTS),
        ({"AWS_MAX_ATTEMPTS": "many"}, retrying.DEFAULT_ATTEMPTS),
    ],
)
def test_aws_max_attempts_bounds_the_retries(environ, expected):
    assert retrying.attempts_allowed(environ) == expected


def test_a_call_that_keeps_being_throttled_is_made_aws_max_attempts_times(monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    calls = []

    @retrying.backoff()
    def throttled():
        calls.append(1)
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "LookupEvents")

    with pytest.raises(ClientError):
        throttled()
    assert len(calls) == 2
