"""playbooks/doit_onboarding.yml and the management account's own state: its root user's MFA and its IAM users.

These tests change the management account itself (123456789012), so they have this file's sandbox to themselves
(make integration runs each file on one worker, with a sandbox of its own). One sequence of runs serves both:
root MFA off (required, then not), root MFA on with the admin user asked for, a rerun, an administrator added by
hand through a group.
"""

from dataclasses import dataclass

import pytest
from integration_support import Org
from integration_support import PlaybookRun
from integration_support import aws_client
from integration_support import make_org
from integration_support import set_state
from integration_support import write_calls
from test_doit_onboarding import doit_vars
from test_doit_onboarding import onboard
from test_doit_onboarding import records_of


@dataclass
class ManagementRuns:
    org: Org
    # Root MFA off: required (refused), then not required, no admin user asked for.
    required: PlaybookRun
    required_writes: list[dict]
    checked: PlaybookRun
    users_after_check: list[str]
    # Root MFA on, required, and the admin user asked for; then the same again.
    created: PlaybookRun
    rerun: PlaybookRun
    # alice made an administrator by hand, through a group.
    through_group: PlaybookRun


@pytest.fixture(scope="module")
def runs(sandbox, tmp_path_factory):
    org = make_org(sandbox, tmp_path_factory.mktemp("doit"), members=0)
    extra_vars = doit_vars()
    iam = aws_client(sandbox, "iam")

    set_state(sandbox, org.management, root_mfa=False)
    sandbox.reset_calls()
    required = onboard(org, {**extra_vars, "doit_onboarding_require_root_mfa": True})
    required_writes = write_calls(sandbox.calls())
    checked = onboard(org, extra_vars)
    users_after_check = [u["UserName"] for u in iam.list_users()["Users"]]
    set_state(sandbox, org.management, root_mfa=True)
    asked = {**extra_vars, "doit_onboarding_require_root_mfa": True, "doit_onboarding_admin_user_create": True}
    created = onboard(org, asked)
    rerun = onboard(org, asked)
    iam.create_group(GroupName="Admins")
    iam.attach_group_policy(GroupName="Admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="Admins", UserName="alice")
    through_group = onboard(org, extra_vars)
    return ManagementRuns(org, required, required_writes, checked, users_after_check, created, rerun, through_group)


def test_root_mfa_is_verified_not_assumed(runs):
    assert not runs.required.ok
    assert any("has no MFA" in message for message in runs.required.failure_messages()), runs.required.log
    assert runs.required_writes == []
    assert runs.checked.ok, runs.checked.log
    root_mfa = records_of(runs.checked)["doit.root_mfa"]
    assert (root_mfa["status"], root_mfa["who"]) == ("failed", "DoiT"), root_mfa
    assert "AccountMFAEnabled=0" in root_mfa["evidence"]
    assert runs.created.ok, runs.created.log
    assert records_of(runs.created)["doit.root_mfa"]["status"] == "verified"


def test_the_admin_user_is_checked_and_created_only_when_asked(sandbox, runs):
    checked, created, rerun, through_group = runs.checked, runs.created, runs.rerun, runs.through_group
    iam = aws_client(sandbox, "iam")

    assert checked.ok, checked.log
    assert runs.users_after_check == [], "without doit_onboarding_admin_user_create no user may be created"
    admin = records_of(checked)["doit.admin_user"]
    assert (admin["status"], admin["who"]) == ("failed", "customer"), admin
    assert "doit_onboarding_admin_user_create: true" in admin["remedy"]
    assert created.ok, created.log
    attached = iam.list_attached_user_policies(UserName="org-admin")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]
    assert rerun.ok and rerun.changed == 0, rerun.log
    assert through_group.ok, through_group.log
    assert records_of(created)["doit.admin_user_credentials"]["status"] == "manual"
    admin = records_of(through_group)["doit.admin_user"]
    assert admin["status"] == "verified"
    assert f"on {runs.org.management}, directly or through a group: alice, org-admin" in admin["evidence"]
