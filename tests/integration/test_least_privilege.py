"""Each playbook with only its shipped IAM policy (policies/<playbook>.json), under moto's IAM enforcement.

Every host assumes, in its account, a role holding exactly that policy (from a caller allowed nothing but
sts:AssumeRole on it, as the README sets it up). The playbook must converge as it does with full rights; with one
action it needs taken out of the policy it must fail before any write, naming the action. Moto matches a policy's
actions, and its resources only where it can name them, so every call of the runs is also checked against the
policy's Resource patterns and conditions (the sandbox's call log says which resource each call acts on). The
stand-ins (CUR, Free Tier) apply moto's evaluation of the caller's policies too (tests/sandbox/enforcement.py).
"""

import json
import os
import re
import tarfile

import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import PERSONAS_PLAYBOOK
from integration_support import ROOT
from integration_support import SERVICE_TRUST
from integration_support import assert_persona_roles
from integration_support import aws_client
from integration_support import new_account_id
from integration_support import persona_policy_arns
from integration_support import report_definition
from integration_support import role_state
from integration_support import run_playbook
from integration_support import write_calls
from least_privilege_support import allows
from least_privilege_support import caller_env
from least_privilege_support import granted_actions
from least_privilege_support import iam_enforced
from least_privilege_support import load_policy
from least_privilege_support import runner_inventory
from least_privilege_support import unauthorized
from least_privilege_support import used_actions
from least_privilege_support import without_action
from preflight.support import BASELINE
from preflight.support import PREFLIGHT
from preflight.support import make_org
from preflight.support import put_baseline_in_place

DOIT_PLAYBOOK = os.path.join(ROOT, "playbooks", "doit_onboarding.yml")
PLAYBOOKS = ("preflight", "baseline", "personas", "doit_onboarding")
ADD_ONS = ("doit_onboarding_admin_user",)  # for an option that is off by default, added to a playbook's policy

# The only actions on Resource "*": IAM gives them no resource type (the Service Authorization Reference).
ACCOUNT_WIDE = {
    "iam:ListRoles",
    "iam:ListUsers",
    "iam:ListPolicies",
    "iam:GetAccountSummary",
    "iam:GetAccountPasswordPolicy",
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "freetier:GetAccountPlanState",
    "cloudtrail:DescribeTrails",
    "config:DescribeConfigurationRecorderStatus",
    "s3:ListAllMyBuckets",
    "cur:DescribeReportDefinitions",
}
CONSOLE_USER = "operator"


def add_console_user_with_mfa(sandbox, account_id: str) -> None:
    """An IAM user with a console password and an MFA device, as phase 2 wants them."""
    iam = aws_client(sandbox, "iam", account_id)
    iam.create_user(UserName=CONSOLE_USER)
    iam.create_login_profile(UserName=CONSOLE_USER, Password="Correct-horse-battery-9")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=CONSOLE_USER)["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName=CONSOLE_USER, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )


@pytest.fixture(scope="module")
def org(sandbox, tmp_path_factory):
    """The sandbox's management account, a Partner Central account and a member, every one with the security
    baseline in place (so that the baseline playbook converges) and a console user with MFA (so that the runs read
    it), and the caller the runner roles trust."""
    made = make_org(sandbox, tmp_path_factory.mktemp("least_privilege"))
    for account_id in (DEFAULT_ACCOUNT_ID, made.partnercentral, made.member):
        if account_id != made.partnercentral:
            put_baseline_in_place(sandbox, account_id)
        add_console_user_with_mfa(sandbox, account_id)
    made.env = caller_env(sandbox)
    return made


def doit_vars(directory) -> dict:
    customer = f"cust{new_account_id()}"
    return {
        "doit_onboarding_customer_id": customer,
        "doit_onboarding_trusted_account_id": "999988887777",
        "doit_onboarding_external_id": f"doit-external-{customer}",
        "doit_onboarding_report_path": os.path.join(str(directory), f"doit-{customer}.json"),
    }


def run(org, directory, playbook: str, policy: dict, *args, variant: str = "", extra_vars=None):
    """``playbook`` with every host acting as a runner role holding only ``policy``, IAM enforced; and its calls."""
    inventory = runner_inventory(org, directory, playbook, policy, variant)
    path = {
        "preflight": PREFLIGHT,
        "baseline": BASELINE,
        "personas": PERSONAS_PLAYBOOK,
        "doit_onboarding": DOIT_PLAYBOOK,
    }
    report = {
        "preflight_report_path": os.path.join(str(directory), "preflight.json"),
        "baseline_report_path": os.path.join(str(directory), "baseline.json"),
    }
    with iam_enforced(org.sandbox):
        result = run_playbook(
            org.sandbox,
            path[playbook],
            *args,
            inventory=inventory,
            extra_vars={**report, **(extra_vars or {})},
            env=org.env,
            tmp=directory,
        )
        calls = org.sandbox.calls()
    return result, calls


def assert_within_policy(playbook: str, policy: dict, calls: list[dict]) -> None:
    assert calls, "the run made no AWS call"
    assert not [c for c in calls if c["fault"]], "no fault may be injected here"
    refused = unauthorized(policy, calls)
    assert not refused, f"{playbook}: calls its policy's Resource patterns or conditions do not allow: {refused}"


# --- the policies ---------------------------------------------------------------


@pytest.mark.parametrize("playbook", PLAYBOOKS + ADD_ONS)
def test_each_policy_allows_named_actions_on_scoped_resources_only(playbook):
    policy = load_policy(playbook)
    assert policy["Version"] == "2012-10-17"
    sids = [statement["Sid"] for statement in policy["Statement"]]
    assert len(sids) == len(set(sids))
    for statement in policy["Statement"]:
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}, statement
        assert statement["Effect"] == "Allow", statement
        resources = [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]
        assert resources and all(r == "*" or r.startswith("arn:aws:") for r in resources), statement
        if "*" in resources:
            unscopable = granted_actions({"Statement": [statement]}) - ACCOUNT_WIDE
            assert not unscopable, f"{statement['Sid']}: scope these to their resources: {unscopable}"
    assert all(re.fullmatch(r"[a-z0-9-]+:[A-Za-z]+", action) for action in granted_actions(policy)), "no wildcards"


def test_the_policies_ship_in_the_collection(installed_collection):
    with tarfile.open(installed_collection.tarball) as tarball:
        names = set(tarball.getnames())
    assert {f"policies/{playbook}.json" for playbook in PLAYBOOKS + ADD_ONS} <= names


def test_the_evaluator_applies_resource_patterns_and_conditions():
    personas = load_policy("personas")
    role = "arn:aws:iam::300000000001:role/PartnerCentralRoleForMarketing"
    assert allows(personas, "iam:CreateRole", role)
    assert allows(personas, "iam:CreateRole", "arn:aws:iam::300000000001:role/team/PartnerCentralRoleForX")
    assert not allows(personas, "iam:CreateRole", "arn:aws:iam::300000000001:role/Admin")
    ok = {"iam:PolicyARN": "arn:aws:iam::aws:policy/AWSPartnerCentralMarketingManagement"}
    assert allows(personas, "iam:AttachRolePolicy", role, ok)
    assert not allows(
        personas, "iam:AttachRolePolicy", role, {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}
    )
    assert not allows(personas, "iam:AttachRolePolicy", role)
    assert not allows(personas, "iam:PutRolePolicy", role)


# --- each playbook with only its policy ----------------------------------------------


def test_preflight_is_ready_with_only_its_policy(org, tmp_path):
    policy = load_policy("preflight")

    result, calls = run(org, tmp_path, "preflight", policy)

    assert result.ok, result.log
    assert "NOT READY" not in result.stdout
    assert not write_calls(calls)
    assert_within_policy("preflight", policy, calls)
    assert granted_actions(policy) == used_actions(calls), "an action the policy grants was never called"


def test_preflight_without_the_plan_read_names_it_and_is_not_ready(org, tmp_path):
    # freetier is a stand-in, not moto: this is also the proof that stand-ins enforce IAM.
    policy = without_action(load_policy("preflight"), "freetier:GetAccountPlanState")

    result, calls = run(org, tmp_path, "preflight", policy, variant="-noplan")

    assert not result.ok, result.log
    assert "freetier:GetAccountPlanState" in " ".join(result.failure_messages()), result.log
    assert "NOT READY" in result.stdout
    assert any(c["service"] == "freetier" for c in calls)
    assert not write_calls(calls)


def test_baseline_passes_in_every_account_with_only_its_policy(org, tmp_path):
    policy = load_policy("baseline")

    result, calls = run(org, tmp_path, "baseline", policy)

    assert result.ok, result.log
    assert {call["account_id"] for call in calls} >= {DEFAULT_ACCOUNT_ID, org.partnercentral, org.member}
    assert_within_policy("baseline", policy, calls)
    assert granted_actions(policy) == used_actions(calls), "an action the policy grants was never called"


def test_baseline_without_describe_trails_names_it_and_fails(org, tmp_path):
    policy = without_action(load_policy("baseline"), "cloudtrail:DescribeTrails")

    result, calls = run(org, tmp_path, "baseline", policy, variant="-notrails")

    assert not result.ok, result.log
    assert "cloudtrail:DescribeTrails" in " ".join(result.failure_messages()), result.log
    assert not write_calls(calls)


def test_personas_converge_then_repair_drift_and_purge_with_only_their_policy(org, tmp_path):
    policy = load_policy("personas")
    iam = aws_client(org.sandbox, "iam", org.partnercentral)

    applied, apply_calls = run(org, tmp_path / "apply", "personas", policy)
    assert applied.ok, applied.log
    assert_persona_roles(iam)
    assert {c["operation"] for c in write_calls(apply_calls)} == {"CreateRole", "AttachRolePolicy"}
    drifted = "PartnerCentralRoleForACEManager"
    drift_persona_role(iam, drifted)
    repaired, repair_calls = run(
        org,
        tmp_path / "repair",
        "personas",
        policy,
        extra_vars={
            "personas_purge_policies": True,
            "personas_purge_tags": True,
            "personas_purge_inline_policies": True,
            "personas_overrides": {"Marketing": {"state": "absent"}},
        },
    )

    assert repaired.ok, repaired.log
    role = role_state(iam, drifted)
    assert role.trust == SERVICE_TRUST and role.policies == persona_policy_arns(drifted)
    assert role.inline_policies == [] and "AddedByHand" not in role.tags and role.max_session_duration == 3600
    assert role_state(iam, "PartnerCentralRoleForMarketing") is None
    calls = apply_calls + repair_calls
    assert_within_policy("personas", policy, calls)
    assert granted_actions(policy) == used_actions(calls), "an action the policy grants was never called"


def drift_persona_role(iam, name: str) -> None:
    """What someone clicking in the console might do to a persona role: every kind of drift personas repairs."""
    trust = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    iam.update_assume_role_policy(
        RoleName=name, PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    )
    iam.update_role(RoleName=name, Description="changed by hand", MaxSessionDuration=7200)
    iam.tag_role(RoleName=name, Tags=[{"Key": "AddedByHand", "Value": "yes"}])
    iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    statement = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}
    iam.put_role_policy(
        RoleName=name,
        PolicyName="added-by-hand",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )


def test_personas_without_get_role_fail_before_any_write_naming_it(org, tmp_path, new_org):
    fresh = new_org(members=0)
    fresh.env = org.env
    policy = without_action(load_policy("personas"), "iam:GetRole")

    result, calls = run(fresh, tmp_path, "personas", policy, variant="-nogetrole")

    assert not result.ok, result.log
    assert "iam:GetRole" in " ".join(result.failure_messages()), result.log
    assert not write_calls(calls), write_calls(calls)
    assert role_state(aws_client(org.sandbox, "iam", fresh.partnercentral), "PartnerCentralRoleForMarketing") is None


def delete_role(iam, name: str) -> None:
    if role_state(iam, name) is None:
        return
    for arn in role_state(iam, name).policies:
        iam.detach_role_policy(RoleName=name, PolicyArn=arn)
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    iam.delete_role(RoleName=name)


def test_doit_onboarding_converges_then_repairs_drift_with_only_its_policy(org, tmp_path):
    iam = aws_client(org.sandbox, "iam")
    for name in ("doitintl_cmp", "AWSAdmin"):  # made by another test of this module, maybe
        delete_role(iam, name)
    policy = load_policy("doit_onboarding")
    extra_vars = doit_vars(tmp_path)
    report_name = f"doitintl-awsops-{extra_vars['doit_onboarding_customer_id']}"

    applied, apply_calls = run(org, tmp_path / "apply", "doit_onboarding", policy, extra_vars=extra_vars)
    assert applied.ok, applied.log
    assert role_state(iam, "doitintl_cmp").inline_policies == ["doitintl_cmp"]
    assert report_definition(org.sandbox, report_name)["TimeUnit"] == "HOURLY"
    iam.update_role(RoleName="doitintl_cmp", Description="changed by hand")
    iam.tag_role(RoleName="doitintl_cmp", Tags=[{"Key": "AddedByHand", "Value": "yes"}])
    iam.attach_role_policy(RoleName="AWSAdmin", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    if "administrators" not in [g["GroupName"] for g in iam.list_groups()["Groups"]]:
        iam.create_group(GroupName="administrators")
        iam.attach_group_policy(GroupName="administrators", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    aws_client(org.sandbox, "cur").tag_resource(ReportName=report_name, Tags=[{"Key": "AddedByHand", "Value": "1"}])
    repaired, repair_calls = run(
        org,
        tmp_path / "repair",
        "doit_onboarding",
        policy,
        extra_vars={
            **extra_vars,
            "doit_onboarding_external_id": "a-rotated-external-id",
            "doit_onboarding_tags": {"ManagedBy": "diatonic.partnercentral", "CostCenter": "42"},
            "doit_onboarding_purge_tags": True,
            "doit_onboarding_purge_policies": True,
            "doit_onboarding_report_time_unit": "DAILY",
        },
    )

    assert repaired.ok, repaired.log
    assert "AddedByHand" not in role_state(iam, "doitintl_cmp").tags
    assert "arn:aws:iam::aws:policy/ReadOnlyAccess" not in role_state(iam, "AWSAdmin").policies
    assert report_definition(org.sandbox, report_name)["TimeUnit"] == "DAILY"
    calls = apply_calls + repair_calls
    assert {c["service"] for c in calls} >= {"iam", "s3", "cur", "freetier", "organizations"}
    assert_within_policy("doit_onboarding", policy, calls)
    assert granted_actions(policy) == used_actions(calls), "an action the policy grants was never called"


def test_doit_onboarding_makes_the_admin_user_with_the_add_on_policy(org, tmp_path):
    base, add_on = load_policy("doit_onboarding"), load_policy("doit_onboarding_admin_user")
    policy = {**base, "Statement": base["Statement"] + add_on["Statement"]}
    extra_vars = {**doit_vars(tmp_path), "doit_onboarding_admin_user_create": True}

    result, calls = run(org, tmp_path, "doit_onboarding", policy, variant="-admin-user", extra_vars=extra_vars)

    assert result.ok, result.log
    attached = aws_client(org.sandbox, "iam").list_attached_user_policies(UserName="org-admin")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]
    assert_within_policy("doit_onboarding", policy, calls)
    # iam:UntagUser: only with doit_onboarding_purge_tags and a tag to take off.
    assert granted_actions(add_on) - used_actions(calls) == {"iam:UntagUser"}


def test_doit_onboarding_without_get_policy_fails_before_any_write_naming_it(org, tmp_path):
    policy = without_action(load_policy("doit_onboarding"), "iam:GetPolicy")

    result, calls = run(
        org, tmp_path, "doit_onboarding", policy, variant="-nogetpolicy", extra_vars=doit_vars(tmp_path)
    )

    assert not result.ok, result.log
    assert "iam:GetPolicy" in " ".join(result.failure_messages()), result.log
    assert not write_calls(calls), write_calls(calls)
