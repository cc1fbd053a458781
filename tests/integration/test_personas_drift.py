"""playbooks/personas.yml after changes made by hand: drifted policies and trust previewed and put back, an inline
policy and undeclared Partner Central roles reported and kept (split from test_personas_playbook.py)."""

import json
import re
from dataclasses import dataclass

import pytest
from integration_support import SERVICE_TRUST
from integration_support import Org
from integration_support import PlaybookRun
from integration_support import aws_policy_arn
from integration_support import create_role_by_hand
from integration_support import make_org
from integration_support import role_state
from integration_support import write_calls
from test_personas_playbook import ADMINISTRATOR
from test_personas_playbook import ALLOW_NOTHING


@dataclass
class Drifted:
    """One organization applied once, then drifted by hand in two roles (a policy, a trust), previewed, repaired,
    then given an inline policy by hand and run again."""

    org: Org
    foreign_principal: str
    check: PlaybookRun
    check_writes: list[dict]
    policies_after_check: set[str]
    trust_after_check: list[dict]
    apply: PlaybookRun
    policies_after_apply: set[str]
    trust_after_apply: list[dict]
    rerun: PlaybookRun
    rerun_writes: list[dict]


MARKETING = "PartnerCentralRoleForMarketing"
MARKETING_POLICY = aws_policy_arn("AWSPartnerCentralMarketingManagement")
TECHNICAL = "PartnerCentralRoleForTechnical"
READ_ONLY = "PartnerCentralRoleForReadOnly"


@pytest.fixture(scope="module")
def drifted(sandbox, tmp_path_factory):
    org = make_org(sandbox, tmp_path_factory.mktemp("drifted"), members=1)
    first = org.playbook()
    assert first.ok, first.log
    iam = org.iam(org.partnercentral)
    iam.detach_role_policy(RoleName=MARKETING, PolicyArn=MARKETING_POLICY)
    iam.attach_role_policy(RoleName=MARKETING, PolicyArn=ADMINISTRATOR)
    foreign_principal = f"arn:aws:iam::{org.members[0]}:root"
    foreign_trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": foreign_principal}, "Action": "sts:AssumeRole"}],
    }
    iam.update_assume_role_policy(RoleName=TECHNICAL, PolicyDocument=json.dumps(foreign_trust))
    sandbox.reset_calls()

    check = org.playbook("--check", "--diff")
    check_writes = write_calls(sandbox.calls())
    policies_after_check, trust_after_check = role_state(iam, MARKETING).policies, role_state(iam, TECHNICAL).trust
    apply = org.playbook()
    policies_after_apply, trust_after_apply = role_state(iam, MARKETING).policies, role_state(iam, TECHNICAL).trust
    iam.put_role_policy(RoleName=READ_ONLY, PolicyName="added-by-hand", PolicyDocument=json.dumps(ALLOW_NOTHING))
    sandbox.reset_calls()
    rerun = org.playbook()
    rerun_writes = write_calls(sandbox.calls())
    return Drifted(
        org,
        foreign_principal,
        check,
        check_writes,
        policies_after_check,
        trust_after_check,
        apply,
        policies_after_apply,
        trust_after_apply,
        rerun,
        rerun_writes,
    )


def test_policy_drift_is_previewed_then_repaired_and_a_foreign_policy_stays(drifted):
    check, apply, rerun = drifted.check, drifted.apply, drifted.rerun

    assert check.ok, check.log
    assert drifted.check_writes == []
    assert check.changed >= 1, check.log
    assert re.search(rf"^\+\s+\"{re.escape(MARKETING_POLICY)}\"", check.stdout, re.MULTILINE), check.log
    assert drifted.policies_after_check == {ADMINISTRATOR}
    assert apply.ok, apply.log
    assert drifted.policies_after_apply == {MARKETING_POLICY, ADMINISTRATOR}
    assert any("AdministratorAccess" in w and MARKETING in w for w in apply.warnings()), apply.log
    assert rerun.ok, rerun.log
    assert rerun.changed == 0, rerun.log


def test_trust_drift_is_previewed_then_put_back_exactly(drifted):
    check, apply = drifted.check, drifted.apply

    assert check.ok, check.log
    assert drifted.check_writes == []
    assert check.changed >= 1, check.log
    assert re.search(rf"^-.*{re.escape(drifted.foreign_principal)}", check.stdout, re.MULTILINE), check.log
    assert drifted.trust_after_check != SERVICE_TRUST
    assert apply.ok, apply.log
    assert drifted.trust_after_apply == SERVICE_TRUST


def test_an_inline_policy_added_to_a_persona_role_is_reported_as_drift_and_kept(drifted):
    run = drifted.rerun

    assert run.ok, run.log
    assert run.changed == 0, run.log
    assert drifted.rerun_writes == []
    assert any(READ_ONLY in w and "added-by-hand" in w and "purge_inline_policies" in w for w in run.warnings()), (
        run.log
    )
    assert role_state(drifted.org.iam(drifted.org.partnercentral), READ_ONLY).inline_policies == ["added-by-hand"]


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
