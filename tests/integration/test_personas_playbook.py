"""playbooks/personas.yml against a seeded sandbox organization: preview, apply, rerun, drift, overrides.

One organization goes through the whole story, each step one playbook run kept in a module-scoped fixture (a run
costs 5 to 10 s of CPU), the tests reading what the runs left: ``applied`` (check, apply, rerun: the floor's smoke
tests), ``drifted`` (changes made by hand, previewed by the module in check mode, repaired by one run),
``overridden`` (personas switched off, changed, set absent). Tests that read a fixture read what it kept, never
AWS as later fixtures left it. The module's own behaviours (a reply lost, a call that keeps failing, a policy that
does not exist): test_partnercentral_role_module.py.
"""

import json
import re
from dataclasses import dataclass

import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import PERSONA_POLICIES
from integration_support import SERVICE_TRUST
from integration_support import Org
from integration_support import PlaybookRun
from integration_support import RoleState
from integration_support import aws_policy_arn
from integration_support import create_role_by_hand
from integration_support import diff_added_roles
from integration_support import iam_calls_in
from integration_support import make_org
from integration_support import partner_central_roles
from integration_support import persona_policy_arns
from integration_support import role_state
from integration_support import write_calls
from personas_support import converge_personas

ADMINISTRATOR = aws_policy_arn("AdministratorAccess")
ALLOW_NOTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
}
MARKETING = "PartnerCentralRoleForMarketing"
MARKETING_POLICY = aws_policy_arn("AWSPartnerCentralMarketingManagement")
TECHNICAL = "PartnerCentralRoleForTechnical"
READ_ONLY = "PartnerCentralRoleForReadOnly"
OLD_TEAM = "PartnerCentralRoleForOldTeam"
CLOUD_ADMIN = "PartnerCentralRoleForCloudAdmin-1a2b3c"  # made by AWS when the account is linked


@dataclass
class Applied:
    """A new organization of four accounts: a check-mode run, an apply, an inline policy put on a role by hand,
    a rerun; the calls each made and the roles each left."""

    org: Org
    check: PlaybookRun
    check_calls: list[dict]
    roles_after_check: dict[str, RoleState]
    apply: PlaybookRun
    apply_calls: list[dict]
    roles_after_apply: dict[str, dict[str, RoleState]]  # by account
    rerun: PlaybookRun
    rerun_calls: list[dict]
    read_only_after_rerun: RoleState


@pytest.fixture(scope="module")
def applied(sandbox, tmp_path_factory):
    org = make_org(sandbox, tmp_path_factory.mktemp("applied"), members=3)
    iam = org.iam(org.partnercentral)
    sandbox.reset_calls()
    check = org.playbook("--check", "--diff")
    check_calls = sandbox.calls()
    roles_after_check = partner_central_roles(iam)
    sandbox.reset_calls()
    apply = org.playbook()
    apply_calls = sandbox.calls()
    roles_after_apply = {account_id: partner_central_roles(org.iam(account_id)) for account_id in org.accounts}
    iam.put_role_policy(RoleName=READ_ONLY, PolicyName="added-by-hand", PolicyDocument=json.dumps(ALLOW_NOTHING))
    sandbox.reset_calls()
    rerun = org.playbook()
    rerun_calls = sandbox.calls()
    return Applied(
        org,
        check,
        check_calls,
        roles_after_check,
        apply,
        apply_calls,
        roles_after_apply,
        rerun,
        rerun_calls,
        role_state(iam, READ_ONLY),
    )


def test_check_mode_writes_nothing_and_its_diff_names_the_seven_roles(applied):
    org, run, calls = applied.org, applied.check, applied.check_calls

    assert run.ok, run.log
    assert iam_calls_in(calls, org.partnercentral), "the preview did not read the Partner Central account's IAM"
    assert write_calls(calls) == []
    assert diff_added_roles(run.stdout) == set(PERSONA_POLICIES), run.log
    assert run.changed >= 1, "check mode must report the roles it would create"
    assert applied.roles_after_check == {}


def test_apply_creates_exactly_the_seven_roles_in_the_partner_central_account_only(applied):
    org, run, calls = applied.org, applied.apply, applied.apply_calls
    assert run.ok, run.log

    roles = applied.roles_after_apply[org.partnercentral]
    assert sorted(roles) == sorted(PERSONA_POLICIES)
    for name, role in roles.items():
        assert role.trust == SERVICE_TRUST, name
        assert role.policies == persona_policy_arns(name), name

    for account_id in org.accounts:
        if account_id != org.partnercentral:
            assert applied.roles_after_apply[account_id] == {}, f"persona roles in {account_id}"
    assert {call["account_id"] for call in write_calls(calls)} == {org.partnercentral}


def test_assumed_role_puts_the_roles_in_the_target_account_not_the_callers(applied):
    org, run, calls = applied.org, applied.apply, applied.apply_calls
    assert run.ok, run.log

    # The play's own credentials are the management account's (123456789012); the inventory has the Partner
    # Central host assume its OrganizationAccountAccessRole.
    assert org.management == DEFAULT_ACCOUNT_ID
    assert any(c["operation"] == "AssumeRole" and c["account_id"] == DEFAULT_ACCOUNT_ID for c in calls)
    assert applied.roles_after_apply[org.partnercentral]
    assert applied.roles_after_apply[DEFAULT_ACCOUNT_ID] == {}
    assert iam_calls_in(calls, DEFAULT_ACCOUNT_ID) == []


def test_rerun_reports_no_change_and_writes_nothing(applied):
    org, run, calls = applied.org, applied.rerun, applied.rerun_calls
    assert applied.apply.ok, applied.apply.log

    assert run.ok, run.log
    assert run.changed == 0, run.log
    assert iam_calls_in(calls, org.partnercentral), "the rerun did not read the Partner Central account's IAM"
    assert write_calls(calls) == []


def test_an_inline_policy_added_to_a_persona_role_is_reported_as_drift_and_kept(applied):
    run = applied.rerun

    assert run.ok, run.log
    assert run.changed == 0, run.log
    assert write_calls(applied.rerun_calls) == []
    assert any(READ_ONLY in w and "added-by-hand" in w and "purge_inline_policies" in w for w in run.warnings()), (
        run.log
    )
    assert applied.read_only_after_rerun.inline_policies == ["added-by-hand"]


# --- drift: changes made by hand -----------------------------------------------


@dataclass
class Drifted:
    """The applied organization changed by hand (Marketing's policy swapped for AdministratorAccess, Technical
    trusting another account, two Partner Central roles the configuration does not declare), previewed by the
    personas role's module in check mode, then repaired by one run of the playbook with --diff, then checked
    again by the module in check mode."""

    foreign_principal: str
    preview: dict
    preview_writes: list[dict]
    marketing_after_preview: RoleState
    technical_after_preview: RoleState
    apply: PlaybookRun
    marketing_after_apply: RoleState
    technical_after_apply: RoleState
    hand_made_after_apply: dict[str, RoleState | None]
    check_after_apply: dict


@pytest.fixture(scope="module")
def drifted(sandbox, applied):
    org = applied.org
    iam = org.iam(org.partnercentral)
    iam.detach_role_policy(RoleName=MARKETING, PolicyArn=MARKETING_POLICY)
    iam.attach_role_policy(RoleName=MARKETING, PolicyArn=ADMINISTRATOR)
    foreign_principal = f"arn:aws:iam::{org.members[0]}:root"
    foreign_trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": foreign_principal}, "Action": "sts:AssumeRole"}],
    }
    iam.update_assume_role_policy(RoleName=TECHNICAL, PolicyDocument=json.dumps(foreign_trust))
    create_role_by_hand(iam, OLD_TEAM, policies=[aws_policy_arn("ReadOnlyAccess")])
    create_role_by_hand(iam, CLOUD_ADMIN)

    sandbox.reset_calls()
    preview = converge_personas(sandbox, org.partnercentral, check_mode=True, diff=True)
    preview_writes = write_calls(sandbox.calls())
    marketing_after_preview, technical_after_preview = role_state(iam, MARKETING), role_state(iam, TECHNICAL)
    apply = org.playbook("--diff")
    marketing_after_apply, technical_after_apply = role_state(iam, MARKETING), role_state(iam, TECHNICAL)
    hand_made = {name: role_state(iam, name) for name in (OLD_TEAM, CLOUD_ADMIN)}
    check_after_apply = converge_personas(sandbox, org.partnercentral, check_mode=True)
    return Drifted(
        foreign_principal,
        preview,
        preview_writes,
        marketing_after_preview,
        technical_after_preview,
        apply,
        marketing_after_apply,
        technical_after_apply,
        hand_made,
        check_after_apply,
    )


def test_policy_drift_is_previewed_then_repaired_and_a_foreign_policy_stays(drifted):
    preview, apply = drifted.preview, drifted.apply

    assert not preview.get("failed"), preview
    assert drifted.preview_writes == []
    assert preview["changed"], preview
    assert MARKETING_POLICY not in preview["diff"]["before"][MARKETING]["managed_policies"], preview["diff"]
    assert MARKETING_POLICY in preview["diff"]["after"][MARKETING]["managed_policies"], preview["diff"]
    assert drifted.marketing_after_preview.policies == {ADMINISTRATOR}
    assert apply.ok, apply.log
    # The run's --diff shows the user what it put back.
    assert re.search(rf"^\+\s+\"{re.escape(MARKETING_POLICY)}\"", apply.stdout, re.MULTILINE), apply.log
    assert drifted.marketing_after_apply.policies == {MARKETING_POLICY, ADMINISTRATOR}
    assert any("AdministratorAccess" in w and MARKETING in w for w in apply.warnings()), apply.log
    assert not drifted.check_after_apply.get("failed"), drifted.check_after_apply
    assert not drifted.check_after_apply["changed"], "a rerun after the repair would change something"


def test_trust_drift_is_previewed_then_put_back_exactly(drifted):
    preview, apply = drifted.preview, drifted.apply

    assert drifted.preview_writes == []
    assert drifted.foreign_principal in json.dumps(preview["diff"]["before"][TECHNICAL]["trust_policy"])
    assert drifted.foreign_principal not in json.dumps(preview["diff"]["after"][TECHNICAL]["trust_policy"])
    assert drifted.technical_after_preview.trust != SERVICE_TRUST
    assert apply.ok, apply.log
    assert re.search(rf"^-.*{re.escape(drifted.foreign_principal)}", apply.stdout, re.MULTILINE), apply.log
    assert drifted.technical_after_apply.trust == SERVICE_TRUST


def test_partner_central_roles_the_configuration_does_not_declare_are_reported_and_kept(drifted):
    run = drifted.apply

    assert run.ok, run.log
    drift = [w for w in run.warnings() if "roles this configuration does not declare" in w]
    assert len(drift) == 1 and OLD_TEAM in drift[0], run.log
    assert "CloudAdmin" not in drift[0], "the role AWS makes at linking is expected, not drift"
    assert drifted.hand_made_after_apply[OLD_TEAM].policies == {aws_policy_arn("ReadOnlyAccess")}
    assert drifted.hand_made_after_apply[CLOUD_ADMIN] is not None


# --- personas_overrides ---------------------------------------------------------


@dataclass
class Overridden:
    """The drifted organization (Marketing with AdministratorAccess added by hand), Technical given more by hand
    (AdministratorAccess, an inline policy: IAM deletes no role that has any), then one run that switches
    Marketing off, gives ReadOnly other policies and sets Technical absent, with purge_policies on."""

    run: PlaybookRun
    roles: dict[str, RoleState]


@pytest.fixture(scope="module")
def overridden(drifted, applied):
    org = applied.org
    iam = org.iam(org.partnercentral)
    iam.attach_role_policy(RoleName=TECHNICAL, PolicyArn=ADMINISTRATOR)
    iam.put_role_policy(RoleName=TECHNICAL, PolicyName="extra", PolicyDocument=json.dumps(ALLOW_NOTHING))
    overrides = {
        "Marketing": {"enabled": False},
        "ReadOnly": {"managed_policies": ["SecurityAudit", "AWSBillingReadOnlyAccess"]},
        "Technical": {"state": "absent"},
    }
    run = org.playbook(extra_vars={"personas_overrides": overrides, "personas_purge_policies": True})
    return Overridden(run, partner_central_roles(iam))


def test_a_persona_switched_off_is_left_untouched(overridden):
    assert overridden.run.ok, overridden.run.log

    # Even with purge_policies on, the hand-made change to the switched-off persona stays.
    assert overridden.roles[MARKETING].policies == {MARKETING_POLICY, ADMINISTRATOR}


def test_changed_persona_policies_take_effect(overridden):
    assert overridden.run.ok, overridden.run.log

    assert overridden.roles[READ_ONLY].policies == {
        aws_policy_arn("SecurityAudit"),
        aws_policy_arn("AWSBillingReadOnlyAccess"),
    }


def test_a_persona_set_absent_is_deleted_with_its_attachments_and_the_others_converge(overridden):
    assert overridden.run.ok, overridden.run.log

    assert sorted(overridden.roles) == sorted(set(PERSONA_POLICIES) - {TECHNICAL} | {OLD_TEAM, CLOUD_ADMIN})
    for name in set(PERSONA_POLICIES) - {TECHNICAL, MARKETING, READ_ONLY}:
        assert overridden.roles[name].policies == persona_policy_arns(name), name
        assert overridden.roles[name].trust == SERVICE_TRUST, name


def test_a_key_a_persona_does_not_take_is_refused_before_any_iam_call(sandbox, applied, overridden):
    # One case here; every other mistake in the overrides is a unit test of the persona_roles filter.
    org = applied.org
    before = partner_central_roles(org.iam(org.partnercentral))
    sandbox.reset_calls()

    run = org.playbook(extra_vars={"personas_overrides": {"Marketing": {"enabeld": False}}})

    calls = sandbox.calls()
    assert not run.ok, run.log
    assert iam_calls_in(calls, org.partnercentral) == [] and write_calls(calls) == []
    assert any(
        "personas_overrides.Marketing: unknown key 'enabeld' (did you mean enabled?)" in m
        for m in run.failure_messages()
    ), run.log
    assert partner_central_roles(org.iam(org.partnercentral)) == before
