"""playbooks/personas.yml against a seeded sandbox organization: preview, apply, rerun, drift, overrides.

Tests that read one run share it (module-scoped fixtures): each playbook run costs 10 to 30 s of CPU. Drift and
roles made by hand: test_personas_drift.py (a file of its own so that make integration spreads the work).
"""

import json

import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import PERSONA_POLICIES
from integration_support import assert_persona_roles
from integration_support import aws_policy_arn
from integration_support import create_role_by_hand
from integration_support import diff_added_roles
from integration_support import iam_calls_in
from integration_support import make_org
from integration_support import partner_central_roles
from integration_support import persona_policy_arns
from integration_support import role_state
from integration_support import write_calls

ADMINISTRATOR = aws_policy_arn("AdministratorAccess")
ALLOW_NOTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
}


@pytest.fixture(scope="module")
def applied(sandbox, tmp_path_factory):
    """An organization of four accounts after one apply of the playbook, with the calls that apply made."""
    org = make_org(sandbox, tmp_path_factory.mktemp("applied"), members=3)
    sandbox.reset_calls()
    run = org.playbook()
    return org, run, sandbox.calls()


def test_check_mode_writes_nothing_and_its_diff_names_the_seven_roles(sandbox, new_org):
    org = new_org()
    sandbox.reset_calls()

    run = org.playbook("--check", "--diff")
    calls = sandbox.calls()

    assert run.ok, run.log
    assert iam_calls_in(calls, org.partnercentral), "the preview did not read the Partner Central account's IAM"
    assert write_calls(calls) == []
    assert diff_added_roles(run.stdout) == set(PERSONA_POLICIES), run.log
    assert run.changed >= 1, "check mode must report the roles it would create"
    assert partner_central_roles(org.iam(org.partnercentral)) == {}


def test_apply_creates_exactly_the_seven_roles_in_the_partner_central_account_only(applied):
    org, run, calls = applied
    assert run.ok, run.log

    assert_persona_roles(org.iam(org.partnercentral))

    for account_id in org.accounts:
        if account_id != org.partnercentral:
            assert partner_central_roles(org.iam(account_id)) == {}, f"persona roles in {account_id}"
    assert {call["account_id"] for call in write_calls(calls)} == {org.partnercentral}


def test_assumed_role_puts_the_roles_in_the_target_account_not_the_callers(applied):
    org, run, calls = applied
    assert run.ok, run.log

    # The play's own credentials are the management account's (123456789012); the inventory has the Partner
    # Central host assume its OrganizationAccountAccessRole.
    assert org.management == DEFAULT_ACCOUNT_ID
    assert any(c["operation"] == "AssumeRole" and c["account_id"] == DEFAULT_ACCOUNT_ID for c in calls)
    assert partner_central_roles(org.iam(org.partnercentral))
    assert partner_central_roles(org.iam(DEFAULT_ACCOUNT_ID)) == {}
    assert iam_calls_in(calls, DEFAULT_ACCOUNT_ID) == []


def test_rerun_reports_no_change_and_writes_nothing(sandbox, applied):
    org, first, _check_run = applied
    assert first.ok, first.log
    sandbox.reset_calls()

    run = org.playbook()
    calls = sandbox.calls()

    assert run.ok, run.log
    assert run.changed == 0, run.log
    assert iam_calls_in(calls, org.partnercentral), "the rerun did not read the Partner Central account's IAM"
    assert write_calls(calls) == []


@pytest.fixture(scope="module")
def overridden(sandbox, tmp_path_factory):
    """The seven roles, Marketing's policies then changed by hand, then a run that switches Marketing off and
    gives ReadOnly other policies, with purge_policies on."""
    org = make_org(sandbox, tmp_path_factory.mktemp("overridden"), members=1)
    first = org.playbook()
    assert first.ok, first.log
    iam = org.iam(org.partnercentral)
    marketing = "PartnerCentralRoleForMarketing"
    iam.detach_role_policy(RoleName=marketing, PolicyArn=aws_policy_arn("AWSPartnerCentralMarketingManagement"))
    iam.attach_role_policy(RoleName=marketing, PolicyArn=ADMINISTRATOR)
    overrides = {
        "Marketing": {"enabled": False},
        "ReadOnly": {"managed_policies": ["SecurityAudit", "AWSBillingReadOnlyAccess"]},
    }
    run = org.playbook(extra_vars={"personas_overrides": overrides, "personas_purge_policies": True})
    return org, run


def test_a_persona_switched_off_is_left_untouched(overridden):
    org, run = overridden
    assert run.ok, run.log

    marketing = role_state(org.iam(org.partnercentral), "PartnerCentralRoleForMarketing")

    # Even with purge_policies on, the hand-made change to the switched-off persona stays.
    assert marketing.policies == {ADMINISTRATOR}


def test_changed_persona_policies_take_effect(overridden):
    org, run = overridden
    assert run.ok, run.log

    read_only = role_state(org.iam(org.partnercentral), "PartnerCentralRoleForReadOnly")

    assert read_only.policies == {aws_policy_arn("SecurityAudit"), aws_policy_arn("AWSBillingReadOnlyAccess")}


def test_a_persona_set_absent_is_deleted_with_its_attachments_and_the_others_converge(new_org):
    org = new_org(members=1)
    iam = org.iam(org.partnercentral)
    technical = "PartnerCentralRoleForTechnical"
    # The role as an earlier run left it, plus what others attached since: IAM deletes no role that has any.
    create_role_by_hand(iam, technical, policies=[*persona_policy_arns(technical), ADMINISTRATOR])
    iam.put_role_policy(RoleName=technical, PolicyName="extra", PolicyDocument=json.dumps(ALLOW_NOTHING))

    run = org.playbook(extra_vars={"personas_overrides": {"Technical": {"state": "absent"}}})

    assert run.ok, run.log
    roles = partner_central_roles(iam)
    assert sorted(roles) == sorted(set(PERSONA_POLICIES) - {technical})
    for name, role in roles.items():
        assert role.policies == persona_policy_arns(name), name


def test_a_key_a_persona_does_not_take_is_refused_before_any_iam_call(sandbox, new_org):
    # One case here; every other mistake in the overrides is a unit test of the persona_roles filter.
    org = new_org(members=1)
    sandbox.reset_calls()

    run = org.playbook(extra_vars={"personas_overrides": {"Marketing": {"enabeld": False}}})

    calls = sandbox.calls()
    assert not run.ok, run.log
    assert iam_calls_in(calls, org.partnercentral) == [] and write_calls(calls) == []
    assert any(
        "personas_overrides.Marketing: unknown key 'enabeld' (did you mean enabled?)" in m
        for m in run.failure_messages()
    ), run.log
    assert partner_central_roles(org.iam(org.partnercentral)) == {}
