"""The single-role module diatonic.partnercentral.partnercentral_role, run in the test's process (module_in_process:
its real main(), every AWS call over HTTP to the sandbox), and the personas role's module partnercentral_roles
where a behaviour is the module's own: a policy that does not exist, a reply lost, a call that keeps failing."""

import json
from types import SimpleNamespace

import pytest
from faults_support import few_attempts_env
from faults_support import injected
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import SERVICE_TRUST
from integration_support import account_env
from integration_support import assert_persona_roles
from integration_support import aws_client
from integration_support import aws_policy_arn
from integration_support import create_role_by_hand
from integration_support import iam_calls_in
from integration_support import partner_central_roles
from integration_support import role_state
from integration_support import write_calls
from module_in_process import run_module
from module_in_process import warnings_of
from personas_support import converge_personas

NAME = "PartnerCentralRoleForAllianceLead"
FULL_ACCESS = aws_policy_arn("AWSPartnerCentralFullAccess")
SELLER = aws_policy_arn("AWSMarketplaceSellerFullAccess")
ADMINISTRATOR = aws_policy_arn("AdministratorAccess")
UNKNOWN_POLICY = "AWSPartnerCentralDoesNotExist"
DENY_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}


class Result(dict):
    """A module's result, read the way the tests read a task's: ok, changed, warnings, failure_messages."""

    @property
    def ok(self) -> bool:
        return not self.get("failed")

    @property
    def changed(self) -> int:
        return int(bool(self.get("changed")))

    @property
    def log(self) -> str:
        return json.dumps(self, indent=2, default=str)

    def warnings(self) -> list[str]:
        return warnings_of(self)

    def failure_messages(self) -> list[str]:
        return [self["msg"]] if self.get("failed") else []


def run_role_module(env, check_mode=False, diff=False, **options) -> Result:
    """diatonic.partnercentral.partnercentral_role with ``options``, under ``env``'s credentials."""
    return Result(run_module("partnercentral_role", options, env, check_mode=check_mode, diff=diff))


@pytest.fixture
def account(new_org, sandbox):
    """A new member account: its ID, an IAM client in it, and run(**options) of the module with its credentials."""
    org = new_org(members=0)
    env = account_env(sandbox, org.partnercentral)
    return SimpleNamespace(
        id=org.partnercentral,
        iam=org.iam(org.partnercentral),
        env=env,
        run=lambda **options: run_role_module(env, **options),
    )


def test_check_mode_previews_the_role_then_create_then_rerun_changes_nothing(sandbox, account):
    options = dict(
        name=NAME,
        managed_policies=["AWSPartnerCentralFullAccess", SELLER],
        description="Alliance Lead",
        path="/partnercentral/",
        max_session_duration=7200,
        tags={"ManagedBy": "diatonic.partnercentral"},
    )
    sandbox.reset_calls()

    preview = account.run(check_mode=True, diff=True, **options)

    assert preview.ok and preview.changed == 1, preview.log
    assert write_calls(sandbox.calls()) == []
    assert role_state(account.iam, NAME) is None
    assert preview["diff"]["before"] == {NAME: {}}, preview.log
    assert preview["diff"]["after"][NAME]["managed_policies"] == sorted([FULL_ACCESS, SELLER]), preview.log

    created = account.run(**options)

    assert created.ok, created.log
    assert created.changed == 1, created.log
    role = role_state(account.iam, NAME)
    assert role.trust == SERVICE_TRUST
    assert role.policies == {FULL_ACCESS, SELLER}
    assert (role.path, role.description, role.max_session_duration) == ("/partnercentral/", "Alliance Lead", 7200)
    assert role.tags == {"ManagedBy": "diatonic.partnercentral"}
    assert created["role"]["arn"] == f"arn:aws:iam::{account.id}:role/partnercentral/{NAME}"

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
    assert kept["role"]["extra_policies"] == [ADMINISTRATOR]
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
    assert kept["role"]["extra_inline_policies"] == ["added-by-hand"]
    assert any(NAME in w and "added-by-hand" in w for w in kept.warnings()), kept.log
    assert role_state(account.iam, NAME).inline_policies == ["added-by-hand"]

    purged = account.run(name=NAME, managed_policies=["AWSPartnerCentralFullAccess"], purge_inline_policies=True)

    assert purged.ok and purged.changed == 1, purged.log
    assert role_state(account.iam, NAME).inline_policies == []


# --- bad input: refused before any AWS call (the rules: tests/unit/test_partnercentral_rules.py) -------------


def test_role_name_without_the_prefix_fails_with_no_aws_call(sandbox):
    sandbox.reset_calls()

    run = run_role_module(sandbox.env(), name="AWSPartnerCentralAccess")

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
def test_out_of_range_or_malformed_option_fails_with_no_aws_call(sandbox, option, value):
    sandbox.reset_calls()

    run = run_role_module(sandbox.env(), name="PartnerCentralRoleForReadOnly", **{option: value})

    assert not run.ok, run.log
    assert sandbox.calls() == []
    (message,) = run.failure_messages()
    assert option in message and str(value) in message, run.log


def test_unknown_managed_policy_fails_naming_it_and_makes_no_role(sandbox):
    sandbox.reset_calls()

    run = run_role_module(
        sandbox.env(), name="PartnerCentralRoleForReadOnly", managed_policies=["ReadOnlyAccess", UNKNOWN_POLICY]
    )

    calls = sandbox.calls()
    assert not run.ok, run.log
    assert iam_calls_in(calls, DEFAULT_ACCOUNT_ID), "the module failed without looking the policies up"
    assert write_calls(calls) == []
    (message,) = run.failure_messages()
    assert UNKNOWN_POLICY in message, run.log
    assert role_state(aws_client(sandbox, "iam"), "PartnerCentralRoleForReadOnly") is None


# --- partnercentral_roles, the personas role's module (roles/personas: personas_support.converge_personas) -----


def test_persona_with_an_unknown_policy_fails_and_makes_none_of_the_roles(sandbox, member):
    env = account_env(sandbox, member)
    sandbox.reset_calls()

    result = Result(converge_personas(sandbox, member, {"Finance": {"managed_policies": [UNKNOWN_POLICY]}}, env=env))

    calls = sandbox.calls()
    assert not result.ok, result.log
    assert iam_calls_in(calls, member), "the module failed before it looked at the account"
    assert write_calls(calls) == []
    assert UNKNOWN_POLICY in result["msg"] and "PartnerCentralRoleForFinance" in result["msg"], result.log
    assert partner_central_roles(aws_client(sandbox, "iam", member)) == {}


def test_personas_converge_when_aws_acts_but_its_replies_are_lost(sandbox, member, faults):
    env = account_env(sandbox, member)
    faults(seed=5, lose_reply=0.5, services=["iam"])

    result = Result(converge_personas(sandbox, member, env=env))

    assert result.ok, result.log
    assert injected(sandbox).get("lose_reply"), "no reply was lost: the test proves nothing"
    faults()
    assert_persona_roles(aws_client(sandbox, "iam", member))
    rerun = Result(converge_personas(sandbox, member, env=env))
    assert rerun.ok and rerun.changed == 0, rerun.log


def test_a_call_that_keeps_failing_ends_the_run_naming_the_call_and_the_role(sandbox, member, faults):
    env = {**account_env(sandbox, member), "AWS_MAX_ATTEMPTS": few_attempts_env(sandbox)["AWS_MAX_ATTEMPTS"]}
    faults(server_error=1.0, operations=["AttachRolePolicy"])

    result = Result(converge_personas(sandbox, member, env=env))

    assert not result.ok, result.log
    message = result["msg"]
    assert "attach" in message.lower() and "PartnerCentralRoleFor" in message, result.log
    assert "InternalFailure" in message, result.log
    assert "Traceback" not in message and "exception" not in result, result.log
