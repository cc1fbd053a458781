"""accounts: the credentials' account found once, as cheaply as possible, and the guard that refuses another one."""

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import Account
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import AccountError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import AccountMismatchError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_of_arn
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import partition_for_region

ACCOUNT = "210987654321"
OTHER = "111122223333"


@pytest.fixture
def sts():
    client = boto3.client("sts", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        client.stubber = stubber
        yield client
        stubber.assert_no_pending_responses()


def identity(stubber, account=ACCOUNT, partition="aws"):
    arn = f"arn:{partition}:sts::{account}:assumed-role/ops/session"
    stubber.add_response("get_caller_identity", {"Account": account, "Arn": arn, "UserId": "AROAEXAMPLE:session"})


def test_an_arn_already_read_answers_without_any_call(sts):
    account = Account(sts, region="us-east-1")
    account.note_arn(f"arn:aws:iam::{ACCOUNT}:role/PartnerCentralRoleForReadOnly")

    account.require(ACCOUNT)

    assert account.account_id == ACCOUNT


def test_without_an_arn_one_get_caller_identity_serves_the_whole_run(sts):
    identity(sts.stubber)
    account = Account(sts)

    account.require(ACCOUNT)
    account.require(ACCOUNT)

    assert (account.account_id, account.partition) == (ACCOUNT, "aws")


def test_the_sts_client_is_only_made_when_a_call_is_needed():
    made = []
    account = Account(lambda: made.append("sts"), region="us-east-1")
    account.note_arn(f"arn:aws:iam::{ACCOUNT}:role/x")

    account.require(ACCOUNT)
    account.require(None)

    assert made == []
    assert account.partition == "aws"


def test_another_account_is_refused_naming_both_and_the_fix(sts):
    identity(sts.stubber, account=OTHER)
    account = Account(sts)

    with pytest.raises(AccountMismatchError) as raised:
        account.require(ACCOUNT)

    message = raised.value.message
    assert OTHER in message and ACCOUNT in message
    assert "nothing was changed" in message
    assert "aws_assume_role_arn" in message and "expected_account_id" in message


def test_no_expected_account_costs_no_call(sts):
    Account(sts).require(None)


def test_a_refused_identity_call_is_an_account_error(sts):
    sts.stubber.add_client_error("get_caller_identity", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(AccountError) as raised:
        Account(sts).require(ACCOUNT)
    assert "GetCallerIdentity" in raised.value.message


@pytest.mark.parametrize("value", ["12345678901", "1234567890123", "12345678901a", 12345678901])
def test_account_id_problem_names_the_option(value):
    problem = account_id_problem(value)
    assert problem and "expected_account_id" in problem and "12-digit" in problem


def test_account_id_problem_accepts_twelve_digits_and_none():
    assert account_id_problem("012345678901") is None
    assert account_id_problem(None) is None


@pytest.mark.parametrize(
    ("arn", "account"),
    [
        (f"arn:aws:iam::{ACCOUNT}:role/path/name", ACCOUNT),
        (f"arn:aws-cn:sts::{ACCOUNT}:assumed-role/r/s", ACCOUNT),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", None),
        ("not an arn", None),
        (None, None),
    ],
)
def test_account_of_arn(arn, account):
    assert account_of_arn(arn) == account


@pytest.mark.parametrize(
    ("region", "partition"), [("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")]
)
def test_partition_for_region(region, partition):
    assert partition_for_region(region) == partition


def test_read_only_checks_name_the_account_or_none_when_it_cannot_be_found(sts):
    identity(sts.stubber)
    assert Account(sts).for_records(None) == ACCOUNT

    sts.stubber.add_client_error("get_caller_identity", "AccessDenied", http_status_code=403)
    assert Account(sts).for_records(None) is None

    sts.stubber.add_client_error("get_caller_identity", "AccessDenied", http_status_code=403)
    with pytest.raises(AccountError):
        Account(sts).for_records(ACCOUNT)

    identity(sts.stubber, account=OTHER)
    with pytest.raises(AccountMismatchError, match=OTHER):
        Account(sts).for_records(ACCOUNT)
