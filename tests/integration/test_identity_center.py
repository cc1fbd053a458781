"""playbooks/identity_center.yml against the sandbox: preview, apply, rerun, the policy limit, Identity Center off.

The apply and the rerun run with only the shipped policy, IAM enforced: they must converge as with full rights, every
call within the policy's actions and resource patterns; without one read it needs, the module must fail before any
write, naming the action. The module's own refusals run in-process (module_in_process.py).

The playbook runs on the management host (the sandbox's default account, 123456789012, whose Identity Center
instance every test of this file shares) and provisions to the Partner Central host's account. Each test uses
permission sets of its own prefix, so that tests sharing the instance cannot see each other's sets.
"""

import json
import os
from dataclasses import dataclass

import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import ROOT
from integration_support import PlaybookRun
from integration_support import aws_client
from integration_support import make_org
from integration_support import run_playbook
from integration_support import write_calls
from least_privilege_support import caller_env
from least_privilege_support import granted_actions
from least_privilege_support import iam_enforced
from least_privilege_support import load_policy
from least_privilege_support import runner_env
from least_privilege_support import runner_inventory
from least_privilege_support import unauthorized
from least_privilege_support import used_actions
from least_privilege_support import without_action
from module_in_process import run_module
from standin_support import set_identity_center

from ansible_collections.diatonic.partnercentral.plugins.filter.identity_center import persona_permission_sets

PLAYBOOK = os.path.join(ROOT, "playbooks", "identity_center.yml")

# The checklist's personas (phase 4) and the AWS managed policies each permission set must hold.
PERSONA_POLICIES = {
    "AllianceLead": {"AWSPartnerCentralFullAccess", "AWSMarketplaceSellerFullAccess"},
    "ACEManager": {"AWSPartnerCentralOpportunityManagement"},
    "Marketing": {"AWSPartnerCentralMarketingManagement"},
    "ChannelManager": {"AWSPartnerCentralChannelManagement"},
    "ChannelApprover": {"AWSPartnerCentralChannelHandshakeApprovalManagement"},
    "Technical": {"AWSMarketplaceSellerProductsFullAccess"},
    "ReadOnly": {"ReadOnlyAccess"},
}


def sso_calls(calls: list[dict]) -> list[dict]:
    return [c for c in calls if c["service"] in ("sso", "sso-admin", "identitystore")]


class IdentityCenter:
    """The management account's Identity Center, as a user looks at it with the AWS CLI."""

    def __init__(self, sandbox):
        self.sso = aws_client(sandbox, "sso-admin")
        self.ids = aws_client(sandbox, "identitystore")
        instance = self.sso.list_instances()["Instances"][0]
        self.instance = instance["InstanceArn"]
        self.store = instance["IdentityStoreId"]

    def group(self, name: str) -> str:
        found = self.ids.list_groups(
            IdentityStoreId=self.store, Filters=[{"AttributePath": "DisplayName", "AttributeValue": name}]
        )["Groups"]
        if found:
            return found[0]["GroupId"]
        return self.ids.create_group(IdentityStoreId=self.store, DisplayName=name)["GroupId"]

    def permission_sets(self, prefix: str) -> dict[str, str]:
        arns = self.sso.get_paginator("list_permission_sets").paginate(InstanceArn=self.instance)
        found = {}
        for arn in arns.build_full_result()["PermissionSets"]:
            name = self.sso.describe_permission_set(InstanceArn=self.instance, PermissionSetArn=arn)["PermissionSet"]
            if name["Name"].startswith(prefix):
                found[name["Name"]] = arn
        return found

    def policies(self, arn: str) -> set[str]:
        attached = self.sso.list_managed_policies_in_permission_set(InstanceArn=self.instance, PermissionSetArn=arn)
        return {p["Name"] for p in attached["AttachedManagedPolicies"]}

    def provisioned_to(self, arn: str) -> list[str]:
        return self.sso.list_accounts_for_provisioned_permission_set(InstanceArn=self.instance, PermissionSetArn=arn)[
            "AccountIds"
        ]

    def assigned(self, arn: str, account_id: str) -> set[str]:
        found = self.sso.list_account_assignments(InstanceArn=self.instance, AccountId=account_id, PermissionSetArn=arn)
        return {a["PrincipalId"] for a in found["AccountAssignments"]}


# Granted for what a first converge and its rerun never do: purge_* options, deleting sets, drift, and waiting for
# a provisioning that an earlier, interrupted run left running.
ONLY_WHEN_NEEDED = {
    "sso:DeletePermissionSet",
    "sso:DetachManagedPolicyFromPermissionSet",
    "sso:DetachCustomerManagedPolicyReferenceFromPermissionSet",
    "sso:AttachCustomerManagedPolicyReferenceToPermissionSet",
    "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
    "sso:UntagResource",
    "sso:TagResource",
    "sso:UpdatePermissionSet",
    "sso:DeleteAccountAssignment",
    "sso:DescribeAccountAssignmentDeletionStatus",
    # Only when an assignment is not done at once (the sandbox's are).
    "sso:DescribeAccountAssignmentCreationStatus",
    "sso:ListAccountsForProvisionedPermissionSet",
    "sso:ListPermissionSetProvisioningStatus",
    "identitystore:DescribeGroup",
}


def module_options(prefix: str, target: str, management: str = DEFAULT_ACCOUNT_ID, **persona_options) -> dict:
    """The options roles/identity_center gives diatonic.partnercentral.identity_center_permission_sets (its
    defaults), for module_in_process.run_module; ``persona_options`` go to the persona_permission_sets filter."""
    permission_sets = persona_permission_sets(
        None, tags={"ManagedBy": "diatonic.partnercentral"}, session_duration="PT1H", prefix=prefix, **persona_options
    )
    return {
        "permission_sets": permission_sets,
        "target_account_id": target,
        "max_policies": 10,
        "purge_policies": False,
        "purge_tags": False,
        "purge_assignments": False,
        "purge_permission_sets": False,
        "prefix": prefix,
        "provisioning_timeout": 300,
        "provisioning_delay": 0.1,
        "expected_account_id": management,
    }


@dataclass
class Journey:
    org: object
    prefix: str
    group_id: str
    report: str
    policy: dict
    check: PlaybookRun
    check_calls: list
    apply: PlaybookRun
    apply_calls: list
    rerun: PlaybookRun
    rerun_calls: list


@pytest.fixture(scope="module")
def journey(sandbox, tmp_path_factory):
    """One organization: a check run (--check --diff) with full rights, then the apply and a rerun with only the
    shipped policy (policies/identity_center.json) under IAM enforcement, as test_least_privilege_*.py run: the
    management host assumes a runner role holding exactly that policy, from a caller allowed nothing but
    sts:AssumeRole on it, as the README sets it up. Each run with its calls."""
    org = make_org(sandbox, tmp_path_factory.mktemp("identity_center"), members=0)
    prefix = "PCJ-"
    group_id = IdentityCenter(sandbox).group("pcj-alliance-leads")
    report = os.path.join(org.directory, "identity_center.json")
    policy = load_policy("identity_center")
    least_privilege = runner_inventory(org, os.path.join(org.directory, "lp"), "identity_center", policy)
    extra_vars = {
        "identity_center_prefix": prefix,
        "identity_center_groups": {"AllianceLead": ["pcj-alliance-leads"]},
        "identity_center_report_path": report,
        "identity_center_provisioning_delay": 0.1,
    }

    def run(*args, inventory=org.inventory, env=None):
        result = run_playbook(
            sandbox, PLAYBOOK, *args, inventory=inventory, extra_vars=extra_vars, env=env, tmp=org.directory
        )
        return result, sandbox.calls()

    sandbox.reset_calls()
    check, check_calls = run("--check", "--diff")
    env = caller_env(sandbox)  # made with the sandbox's full rights, before enforcement
    with iam_enforced(sandbox):
        apply, apply_calls = run(inventory=least_privilege, env=env)
    with iam_enforced(sandbox):
        rerun, rerun_calls = run(inventory=least_privilege, env=env)
    return Journey(org, prefix, group_id, report, policy, check, check_calls, apply, apply_calls, rerun, rerun_calls)


def test_check_mode_writes_nothing_and_its_diff_shows_each_permission_set(journey):
    assert journey.check.ok, journey.check.log
    assert write_calls(journey.check_calls) == []
    assert sso_calls(journey.check_calls), "the preview did not read Identity Center"
    for persona in PERSONA_POLICIES:
        assert f'"{journey.prefix}{persona}": {{' in journey.check.stdout, journey.check.log
    assert "AWSPartnerCentralFullAccess" in journey.check.stdout
    assert "group:pcj-alliance-leads" in journey.check.stdout


def test_apply_makes_one_permission_set_per_persona_with_its_policies_provisioned_to_partner_central(sandbox, journey):
    assert journey.apply.ok, journey.apply.log
    center = IdentityCenter(sandbox)
    sets = center.permission_sets(journey.prefix)

    assert sorted(sets) == sorted(journey.prefix + persona for persona in PERSONA_POLICIES)
    for persona, policies in PERSONA_POLICIES.items():
        arn = sets[journey.prefix + persona]
        assert center.policies(arn) == policies, persona
        assert journey.org.partnercentral in center.provisioned_to(arn), persona
    lead = sets[journey.prefix + "AllianceLead"]
    assert center.assigned(lead, journey.org.partnercentral) == {journey.group_id}


def test_a_rerun_reports_no_change_and_writes_nothing(journey):
    assert journey.rerun.ok, journey.rerun.log
    assert journey.rerun.changed == 0, journey.rerun.log
    assert write_calls(journey.rerun_calls) == []


def test_the_report_holds_the_phase_5_records_of_the_partner_central_account(journey):
    with open(journey.report) as handle:
        report = json.load(handle)

    statuses = {r["id"]: r["status"] for r in report["records"]}
    assert statuses == {
        "identity_center.enabled": "verified",
        "identity_center.permission_sets": "verified",
        "identity_center.provisioned": "verified",
        "identity_center.assignments": "verified",
        "identity_center.test_users": "manual",
    }
    assert {r["account"] for r in report["records"]} == {journey.org.partnercentral}
    assert report["ready"] is True


def test_an_eleventh_policy_is_refused_before_any_call_to_identity_center(sandbox, journey):
    """The module's own refusal, in-process; how the playbook fails on the module's failure: the last test here."""
    eleven = ["AWSPartnerCentralFullAccess", "AWSMarketplaceSellerFullAccess", "ReadOnlyAccess"] + [
        f"AWSPolicy{i}" for i in range(8)
    ]
    options = module_options(
        "PCL-", journey.org.partnercentral, overrides={"AllianceLead": {"managed_policies": eleven}}
    )
    sandbox.reset_calls()

    result = run_module("identity_center_permission_sets", options, sandbox.env())

    assert result.get("failed"), result
    assert "PCL-AllianceLead: 11 managed and customer managed policies" in result["msg"], result
    assert "at most 10" in result["msg"] and "max_policies" in result["msg"]
    assert sso_calls(sandbox.calls()) == [] and write_calls(sandbox.calls()) == []
    assert IdentityCenter(sandbox).permission_sets("PCL-") == {}


def test_the_shipped_policy_is_enough_to_converge_and_rerun_and_holds_nothing_unused(journey):
    calls = journey.apply_calls + journey.rerun_calls
    assert calls, "no call was logged under enforcement"
    assert not [c for c in calls if c["fault"]]
    assert not unauthorized(journey.policy, calls), unauthorized(journey.policy, calls)
    unused = granted_actions(journey.policy) - used_actions(calls)
    assert unused <= ONLY_WHEN_NEEDED, f"granted, never called, and not listed as needed only sometimes: {unused}"


def test_without_listing_permission_sets_it_fails_before_any_write_naming_the_action(sandbox, journey):
    policy = without_action(journey.policy, "sso:ListPermissionSets")
    env = runner_env(sandbox, DEFAULT_ACCOUNT_ID, "identity_center-nolist", policy)

    with iam_enforced(sandbox):
        result = run_module("identity_center_permission_sets", module_options("PCQ-", journey.org.partnercentral), env)
        calls = sandbox.calls()

    assert result.get("failed"), result
    assert "sso:ListPermissionSets" in result["msg"], result
    assert calls and write_calls(calls) == []


def test_the_playbook_targets_the_partner_central_account_not_the_management_account(journey):
    assert journey.org.management == DEFAULT_ACCOUNT_ID
    provisions = [c for c in journey.rerun_calls if c["operation"] == "ProvisionPermissionSet"]
    assert provisions == []


# Last in the file: it switches Identity Center off in the management account every test here shares.
def test_identity_center_not_enabled_fails_saying_how_to_enable_it_and_reports_it(sandbox, new_org, tmp_path):
    org = new_org(members=0)
    report = tmp_path / "report.json"
    set_identity_center(sandbox, DEFAULT_ACCOUNT_ID, enabled=False)
    try:
        sandbox.reset_calls()
        run = org.playbook(
            playbook=PLAYBOOK, extra_vars={"identity_center_prefix": "PCN-", "identity_center_report_path": str(report)}
        )
        calls = sandbox.calls()
    finally:
        set_identity_center(sandbox, DEFAULT_ACCOUNT_ID, enabled=True)

    assert not run.ok, run.log
    message = " ".join(run.failure_messages())
    assert "IAM Identity Center is not enabled" in message and "console" in message, run.log
    assert [c["operation"] for c in sso_calls(calls)] == ["ListInstances"]
    assert write_calls(calls) == []
    records = {r["id"]: r for r in json.loads(report.read_text())["records"]}
    assert records["identity_center.enabled"]["status"] == "failed"
    assert "console" in records["identity_center.enabled"]["remedy"]
