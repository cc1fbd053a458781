"""playbooks/personas.yml against a seeded sandbox organization: preview, apply, rerun, drift, overrides."""

import json
import re

import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import PERSONA_POLICIES
from integration_support import SERVICE_TRUST
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


def test_policy_drift_is_previewed_then_repaired_and_a_foreign_policy_stays(sandbox, new_org):
    org = new_org(members=1)
    first = org.playbook()
    assert first.ok, first.log
    iam = org.iam(org.partnercentral)
    marketing = "PartnerCentralRoleForMarketing"
    marketing_policy = aws_policy_arn("AWSPartnerCentralMarketingManagement")
    iam.detach_role_policy(RoleName=marketing, PolicyArn=marketing_policy)
    iam.attach_role_policy(RoleName=marketing, PolicyArn=ADMINISTRATOR)
    sandbox.reset_calls()

    check = org.playbook("--check", "--diff")

    assert check.ok, check.log
    assert write_calls(sandbox.calls()) == []
    assert check.changed >= 1, check.log
    assert re.search(rf"^\+\s+\"{re.escape(marketing_policy)}\"", check.stdout, re.MULTILINE), check.log
    assert role_state(iam, marketing).policies == {ADMINISTRATOR}

    apply = org.playbook()

    assert apply.ok, apply.log
    assert role_state(iam, marketing).policies == {marketing_policy, ADMINISTRATOR}
    assert any("AdministratorAccess" in w and marketing in w for w in apply.warnings()), apply.log

    rerun = org.playbook()
    assert rerun.ok, rerun.log
    assert rerun.changed == 0, rerun.log


def test_trust_drift_is_previewed_then_put_back_exactly(sandbox, new_org):
    org = new_org(members=1)
    first = org.playbook()
    assert first.ok, first.log
    iam = org.iam(org.partnercentral)
    technical = "PartnerCentralRoleForTechnical"
    foreign_principal = f"arn:aws:iam::{org.members[0]}:root"
    foreign_trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": foreign_principal}, "Action": "sts:AssumeRole"}],
    }
    iam.update_assume_role_policy(RoleName=technical, PolicyDocument=json.dumps(foreign_trust))
    sandbox.reset_calls()

    check = org.playbook("--check", "--diff")

    assert check.ok, check.log
    assert write_calls(sandbox.calls()) == []
    assert check.changed >= 1, check.log
    assert re.search(rf"^-.*{re.escape(foreign_principal)}", check.stdout, re.MULTILINE), check.log
    assert role_state(iam, technical).trust != SERVICE_TRUST

    apply = org.playbook()

    assert apply.ok, apply.log
    assert role_state(iam, technical).trust == SERVICE_TRUST


def test_an_inline_policy_added_to_a_persona_role_is_reported_as_drift_and_kept(sandbox, new_org):
    org = new_org(members=1)
    assert org.playbook().ok
    iam = org.iam(org.partnercentral)
    read_only = "PartnerCentralRoleForReadOnly"
    iam.put_role_policy(RoleName=read_only, PolicyName="added-by-hand", PolicyDocument=json.dumps(ALLOW_NOTHING))
    sandbox.reset_calls()

    run = org.playbook()

    assert run.ok, run.log
    assert run.changed == 0, run.log
    assert write_calls(sandbox.calls()) == []
    assert any(read_only in w and "added-by-hand" in w and "purge_inline_policies" in w for w in run.warnings()), (
        run.log
    )
    assert role_state(iam, read_only).inline_policies == ["added-by-hand"]


def test_partner_central_roles_the_configuration_does_not_declare_are_reported_and_kept(sandbox, new_org):
    org = new_org(members=0)
    iam = org.iam(org.partnercentral)
    create_role_by_hand(iam, "PartnerCentralRoleForOldTeam", policies=[aws_policy_arn("ReadOnlyAccess")])
    create_role_by_hand(iam, "PartnerCentralRoleForCloudAdmin-1a2b3c")  # made by AWS when the account is linked

    run = org.playbook()

    assert run.ok, run.log
    drift = [w for w in run.warnings() if "does not declare" in w]
    assert len(drift) == 1 and "PartnerCentralRoleForOldTeam" in drift[0], run.log
    assert "CloudAdmin" not in drift[0], "the role AWS makes at linking is expected, not drift"
    assert role_state(iam, "PartnerCentralRoleForOldTeam").policies == {aws_policy_arn("ReadOnlyAccess")}
    assert role_state(iam, "PartnerCentralRoleForCloudAdmin-1a2b3c") is not None


# --- personas_overrides -------------------------------------------------------


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
