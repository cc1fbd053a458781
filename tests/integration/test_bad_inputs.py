"""Bad input fails with a message that names it, before any write (and, where no AWS answer is needed, any call).

The personas role prefixes every role name, so bad names are tried on the module directly.
"""

import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import PERSONAS_PLAYBOOK
from integration_support import aws_client
from integration_support import iam_calls_in
from integration_support import partner_central_roles
from integration_support import role_state
from integration_support import run_playbook
from integration_support import run_role_module
from integration_support import write_calls
from integration_support import write_inventory

UNKNOWN_POLICY = "AWSPartnerCentralDoesNotExist"


def test_role_name_without_the_prefix_fails_with_no_aws_call(sandbox, tmp_path):
    sandbox.reset_calls()

    run = run_role_module(sandbox, tmp_path, sandbox.env(), name="AWSPartnerCentralAccess")

    assert not run.ok, run.log
    assert sandbox.calls() == []
    (message,) = run.failure_messages()
    assert "AWSPartnerCentralAccess" in message and "PartnerCentralRoleFor" in message, run.log


@pytest.mark.parametrize(
    "option, value",
    [
        ("max_session_duration", 900),
        ("max_session_duration", 43201),
        ("path", "partnercentral"),
        ("path", "/partner central/"),
    ],
)
def test_out_of_range_or_malformed_option_fails_with_no_aws_call(sandbox, tmp_path, option, value):
    sandbox.reset_calls()

    run = run_role_module(sandbox, tmp_path, sandbox.env(), name="PartnerCentralRoleForReadOnly", **{option: value})

    assert not run.ok, run.log
    assert sandbox.calls() == []
    (message,) = run.failure_messages()
    assert option in message and str(value) in message, run.log
    assert role_state(aws_client(sandbox, "iam"), "PartnerCentralRoleForReadOnly") is None


def test_unknown_managed_policy_fails_naming_it_and_makes_no_role(sandbox, tmp_path):
    sandbox.reset_calls()

    run = run_role_module(
        sandbox,
        tmp_path,
        sandbox.env(),
        name="PartnerCentralRoleForReadOnly",
        managed_policies=["ReadOnlyAccess", UNKNOWN_POLICY],
    )

    calls = sandbox.calls()
    assert not run.ok, run.log
    assert iam_calls_in(calls, DEFAULT_ACCOUNT_ID), "the module failed without looking the policies up"
    assert write_calls(calls) == []
    (message,) = run.failure_messages()
    assert UNKNOWN_POLICY in message, run.log
    assert role_state(aws_client(sandbox, "iam"), "PartnerCentralRoleForReadOnly") is None


def test_persona_with_an_unknown_policy_fails_and_makes_none_of_the_roles(sandbox, new_org):
    org = new_org(members=1)
    overrides = {"Finance": {"managed_policies": [UNKNOWN_POLICY]}}
    sandbox.reset_calls()

    run = org.playbook(extra_vars={"personas_overrides": overrides})

    calls = sandbox.calls()
    assert not run.ok, run.log
    assert iam_calls_in(calls, org.partnercentral), "the play failed before it reached the Partner Central account"
    assert write_calls(calls) == []
    assert any(UNKNOWN_POLICY in m and "PartnerCentralRoleForFinance" in m for m in run.failure_messages()), run.log
    assert partner_central_roles(org.iam(org.partnercentral)) == {}


def test_malformed_account_id_in_the_inventory_fails_with_no_aws_call(sandbox, tmp_path):
    # An 11-digit ID (a digit lost in copying); the sandbox cannot even seed such an account.
    inventory = write_inventory(
        tmp_path,
        management={"aws_account_id": DEFAULT_ACCOUNT_ID},
        partnercentral={
            "aws_account_id": "21098765432",
            "aws_assume_role_arn": "arn:aws:iam::21098765432:role/OrganizationAccountAccessRole",
        },
    )
    sandbox.reset_calls()

    run = run_playbook(sandbox, PERSONAS_PLAYBOOK, inventory=inventory)

    assert not run.ok, run.log
    assert sandbox.calls() == []
    assert any("aws_account_id" in m and "21098765432" in m for m in run.failure_messages()), run.log
