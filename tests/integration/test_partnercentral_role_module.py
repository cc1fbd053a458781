"""The single-role module diatonic.partnercentral.partnercentral_role, run from a small playbook."""

import json
from types import SimpleNamespace

import pytest
from integration_support import SERVICE_TRUST
from integration_support import account_env
from integration_support import aws_policy_arn
from integration_support import create_role_by_hand
from integration_support import iam_calls_in
from integration_support import role_state
from integration_support import run_role_module
from integration_support import write_calls

NAME = "PartnerCentralRoleForAllianceLead"
FULL_ACCESS = aws_policy_arn("AWSPartnerCentralFullAccess")
SELLER = aws_policy_arn("AWSMarketplaceSellerFullAccess")
ADMINISTRATOR = aws_policy_arn("AdministratorAccess")
DENY_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}


@pytest.fixture
def account(new_org, sandbox, tmp_path):
    """A new member account: its ID, an IAM client in it, and run(**options) of the module with its credentials."""
    org = new_org(members=0)
    env = account_env(sandbox, org.partnercentral)
    return SimpleNamespace(
        id=org.partnercentral,
        iam=org.iam(org.partnercentral),
        run=lambda **options: run_role_module(sandbox, tmp_path, env, **options),
    )


def converge_result(run) -> dict:
    (result,) = run.results("Converge the role")
    return result


def test_create_then_rerun_changes_nothing(sandbox, account):
    options = dict(
        name=NAME,
        managed_policies=["AWSPartnerCentralFullAccess", SELLER],
        description="Alliance Lead",
        path="/partnercentral/",
        max_session_duration=7200,
        tags={"ManagedBy": "diatonic.partnercentral"},
    )

    created = account.run(**options)

    assert created.ok, created.log
    assert created.changed == 1, created.log
    role = role_state(account.iam, NAME)
    assert role.trust == SERVICE_TRUST
    assert role.policies == {FULL_ACCESS, SELLER}
    assert (role.path, role.description, role.max_session_duration) == ("/partnercentral/", "Alliance Lead", 7200)
    assert role.tags == {"ManagedBy": "diatonic.partnercentral"}
    assert converge_result(created)["role"]["arn"] == f"arn:aws:iam::{account.id}:role/partnercentral/{NAME}"

    sandbox.reset_calls()
    rerun = account.run(**options)
    calls = sandbox.calls()

    assert rerun.ok, rerun.log
    assert rerun.changed == 0, rerun.log
    assert iam_calls_in(calls, account.id), "the rerun did not read the role"
    assert write_calls(calls) == []


def test_absent_detaches_and_deletes_what_is_attached_then_the_role(account):
    create_role_by_hand(account.iam, NAME, policies=[FULL_ACCESS, ADMINISTRATOR])
    account.iam.put_role_policy(RoleName=NAME, PolicyName="inline", PolicyDocument=json.dumps(DENY_ALL))
    account.iam.create_instance_profile(InstanceProfileName="alliance")
    account.iam.add_role_to_instance_profile(InstanceProfileName="alliance", RoleName=NAME)

    run = account.run(name=NAME, state="absent")

    assert run.ok, run.log
    assert run.changed == 1, run.log
    assert role_state(account.iam, NAME) is None
    # The collection removes the role from the profile; the profile itself is not the collection's.
    assert account.iam.get_instance_profile(InstanceProfileName="alliance")["InstanceProfile"]["Roles"] == []

    again = account.run(name=NAME, state="absent")
    assert again.ok, again.log
    assert again.changed == 0, again.log


def test_absent_refuses_a_name_without_the_prefix(sandbox, account):
    create_role_by_hand(account.iam, "ReadOnlyAuditors", policies=[aws_policy_arn("ReadOnlyAccess")])
    sandbox.reset_calls()

    run = account.run(name="ReadOnlyAuditors", state="absent")

    assert not run.ok, run.log
    assert sandbox.calls() == []
    assert any("ReadOnlyAuditors" in m and "PartnerCentralRoleFor" in m for m in run.failure_messages()), run.log
    assert role_state(account.iam, "ReadOnlyAuditors") is not None


def test_extra_policies_are_reported_and_kept_unless_purge_policies(account):
    create_role_by_hand(account.iam, NAME, policies=[FULL_ACCESS, ADMINISTRATOR])

    kept = account.run(name=NAME, managed_policies=["AWSPartnerCentralFullAccess", SELLER])

    assert kept.ok, kept.log
    assert role_state(account.iam, NAME).policies == {FULL_ACCESS, SELLER, ADMINISTRATOR}
    assert converge_result(kept)["role"]["extra_policies"] == [ADMINISTRATOR]
    assert any(NAME in w and "AdministratorAccess" in w for w in kept.warnings()), kept.log

    purged = account.run(name=NAME, managed_policies=["AWSPartnerCentralFullAccess", SELLER], purge_policies=True)

    assert purged.ok, purged.log
    assert purged.changed == 1, purged.log
    assert role_state(account.iam, NAME).policies == {FULL_ACCESS, SELLER}


def test_foreign_tags_stay_unless_purge_tags(account):
    create_role_by_hand(account.iam, NAME, tags={"ManagedBy": "someone", "CostCenter": "4711"})
    declared = {"ManagedBy": "diatonic.partnercentral", "Team": "partners"}

    kept = account.run(name=NAME, tags=declared)

    assert kept.ok, kept.log
    assert role_state(account.iam, NAME).tags == {**declared, "CostCenter": "4711"}

    purged = account.run(name=NAME, tags=declared, purge_tags=True)

    assert purged.ok, purged.log
    assert purged.changed == 1, purged.log
    assert role_state(account.iam, NAME).tags == declared


def test_expected_account_id_of_another_account_refuses_before_any_write(sandbox, account):
    # The role exists: its ARN from GetRole tells the account, no sts:GetCallerIdentity needed.
    create_role_by_hand(account.iam, NAME, policies=[FULL_ACCESS])
    sandbox.reset_calls()

    run = account.run(
        name=NAME, managed_policies=["AWSPartnerCentralFullAccess", SELLER], expected_account_id="111122223333"
    )

    assert not run.ok, run.log
    (message,) = run.failure_messages()
    assert account.id in message and "111122223333" in message and "nothing was changed" in message
    calls = sandbox.calls()
    assert write_calls(calls) == []
    assert [c["operation"] for c in calls if c["service"] == "sts"] == [], "the role's ARN was enough"
    assert role_state(account.iam, NAME).policies == {FULL_ACCESS}

    allowed = account.run(
        name=NAME, managed_policies=["AWSPartnerCentralFullAccess", SELLER], expected_account_id=account.id
    )
    assert allowed.ok and allowed.changed == 1, allowed.log


def test_an_inline_policy_on_the_role_is_drift_reported_and_kept_unless_purged(account):
    create_role_by_hand(account.iam, NAME, policies=[FULL_ACCESS])
    account.iam.put_role_policy(RoleName=NAME, PolicyName="added-by-hand", PolicyDocument=json.dumps(DENY_ALL))

    kept = account.run(name=NAME, managed_policies=["AWSPartnerCentralFullAccess"])

    assert kept.ok and kept.changed == 0, kept.log
    assert converge_result(kept)["role"]["extra_inline_policies"] == ["added-by-hand"]
    assert any(NAME in w and "added-by-hand" in w for w in kept.warnings()), kept.log
    assert role_state(account.iam, NAME).inline_policies == ["added-by-hand"]

    purged = account.run(name=NAME, managed_policies=["AWSPartnerCentralFullAccess"], purge_inline_policies=True)

    assert purged.ok and purged.changed == 1, purged.log
    assert role_state(account.iam, NAME).inline_policies == []
