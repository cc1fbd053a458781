"""playbooks/identity_center.yml against the sandbox: preview, apply, rerun, the policy limit, Identity Center off.

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
from standin_support import set_identity_center

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


@dataclass
class Journey:
    org: object
    prefix: str
    group_id: str
    report: str
    check: PlaybookRun
    check_calls: list
    apply: PlaybookRun
    rerun: PlaybookRun
    rerun_calls: list


@pytest.fixture(scope="module")
def journey(sandbox, tmp_path_factory):
    """One organization: a check run (--check --diff), the apply, and a rerun, each with its calls."""
    org = make_org(sandbox, tmp_path_factory.mktemp("identity_center"), members=0)
    prefix = "PCJ-"
    group_id = IdentityCenter(sandbox).group("pcj-alliance-leads")
    report = os.path.join(org.directory, "identity_center.json")
    extra_vars = {
        "identity_center_prefix": prefix,
        "identity_center_groups": {"AllianceLead": ["pcj-alliance-leads"]},
        "identity_center_report_path": report,
        "identity_center_provisioning_delay": 0.1,
    }

    def run(*args):
        sandbox.reset_calls()
        result = run_playbook(
            sandbox, PLAYBOOK, *args, inventory=org.inventory, extra_vars=extra_vars, tmp=org.directory
        )
        return result, sandbox.calls()

    check, check_calls = run("--check", "--diff")
    apply, _apply_calls = run()
    rerun, rerun_calls = run()
    return Journey(org, prefix, group_id, report, check, check_calls, apply, rerun, rerun_calls)


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


def test_an_eleventh_policy_is_refused_before_any_write(sandbox, new_org, tmp_path):
    org = new_org(members=0)
    eleven = ["AWSPartnerCentralFullAccess", "AWSMarketplaceSellerFullAccess", "ReadOnlyAccess"] + [
        f"AWSPolicy{i}" for i in range(8)
    ]
    sandbox.reset_calls()

    run = org.playbook(
        playbook=PLAYBOOK,
        extra_vars={
            "identity_center_prefix": "PCL-",
            "personas_overrides": {"AllianceLead": {"managed_policies": eleven}},
            "identity_center_report_path": str(tmp_path / "report.json"),
        },
    )

    assert not run.ok, run.log
    message = " ".join(run.failure_messages())
    assert "PCL-AllianceLead: 11 managed and customer managed policies" in message, run.log
    assert "at most 10" in message and "max_policies" in message
    assert sso_calls(sandbox.calls()) == [] and write_calls(sandbox.calls()) == []
    assert IdentityCenter(sandbox).permission_sets("PCL-") == {}


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
