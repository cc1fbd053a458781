"""Each playbook with only its shipped IAM policy (policies/<playbook>.json), under moto's IAM enforcement.

Every host assumes, in its account, a role holding exactly that policy (from a caller allowed nothing but
sts:AssumeRole on it, as the README sets it up). The playbook must converge as it does with full rights; with one
action it needs taken out of the policy it must fail before any write, naming the action. Moto matches a policy's
actions, and its resources only where it can name them, so every call of the runs is also checked against the
policy's Resource patterns and conditions (the sandbox's call log says which resource each call acts on). The
stand-ins (CUR, Free Tier) apply moto's evaluation of the caller's policies too (tests/sandbox/enforcement.py). The
cases without one action run the module that needs it in the test's process (module_in_process), with a session
of the runner role holding the reduced policy (least_privilege_support.runner_env).
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
from integration_support import role_state
from integration_support import run_playbook
from integration_support import write_calls
from least_privilege_support import allows
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
from personas_support import converge_personas
from preflight.support import BASELINE
from preflight.support import PREFLIGHT
from preflight.support import make_org
from preflight.support import put_baseline_in_place

DOIT_PLAYBOOK = os.path.join(ROOT, "playbooks", "doit_onboarding.yml")
PLAYBOOKS = ("preflight", "baseline", "personas", "doit_onboarding", "identity_center", "user_mapping", "validate")
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
    # DoiT's billing steps: the Service Authorization Reference gives these no resource type.
    "payments:ListPaymentInstruments",
    "tax:ListTaxRegistrations",
    "organizations:ListOutboundResponsibilityTransfers",
    # Finding what to read: the instance, the partner, the events have no ARN to scope to before they are found.
    "sso:ListInstances",
    "partnercentral:ListPartners",
    "cloudtrail:LookupEvents",
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
    return least_privilege_org(sandbox, tmp_path_factory)


def least_privilege_org(sandbox, tmp_path_factory):
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


def test_preflight_without_the_plan_read_names_it_and_is_not_ready(org):
    # freetier is a stand-in, not moto: this is also the proof that stand-ins enforce IAM.
    policy = without_action(load_policy("preflight"), "freetier:GetAccountPlanState")
    env = runner_env(org.sandbox, org.partnercentral, "preflight-noplan", policy)

    with iam_enforced(org.sandbox):
        # The preflight role's options for the Partner Central account (roles/preflight/tasks/account.yml).
        result = run_module(
            "org_member_check",
            {
                "expected_account_id": org.partnercentral,
                "membership": "member",
                "expected_management_account_id": DEFAULT_ACCOUNT_ID,
                "require_paid_plan": True,
                "report_only": True,
            },
            env,
        )
        calls = org.sandbox.calls()

    assert result["ready"] is False and result["verdict"] == "unknown", result
    (plan,) = [r for r in result["records"] if r["id"] == "preflight.plan"]
    assert plan["status"] == "unknown" and plan["blocking"] is True
    assert "freetier:GetAccountPlanState" in plan["evidence"], plan
    assert any(c["service"] == "freetier" for c in calls)
    assert not write_calls(calls)


def test_baseline_passes_in_every_account_with_only_its_policy(org, tmp_path):
    policy = load_policy("baseline")

    result, calls = run(org, tmp_path, "baseline", policy)

    assert result.ok, result.log
    assert {call["account_id"] for call in calls} >= {DEFAULT_ACCOUNT_ID, org.partnercentral, org.member}
    assert_within_policy("baseline", policy, calls)
    assert granted_actions(policy) == used_actions(calls), "an action the policy grants was never called"


def test_baseline_without_describe_trails_names_it_and_fails(org):
    policy = without_action(load_policy("baseline"), "cloudtrail:DescribeTrails")
    env = runner_env(org.sandbox, org.member, "baseline-notrails", policy)

    with iam_enforced(org.sandbox):
        # The baseline role's options (roles/baseline/defaults/main.yml): the trail is a blocking check.
        result = run_module(
            "security_baseline_info",
            {"expected_account_id": org.member, "blocking": ["root_mfa", "cloudtrail"]},
            env,
        )
        calls = org.sandbox.calls()

    assert result["ready"] is False and result["verdict"] == "unknown", result
    (trail,) = [r for r in result["records"] if r["id"] == "baseline.cloudtrail"]
    assert trail["status"] == "unknown" and trail["blocking"] is True
    assert "cloudtrail:DescribeTrails" in trail["evidence"], trail
    # Every other check was still made, and passes.
    assert {r["status"] for r in result["records"] if r["id"] != "baseline.cloudtrail"} == {"verified"}
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


def test_personas_without_get_role_fail_before_any_write_naming_it(org, new_org):
    fresh = new_org(members=0)
    policy = without_action(load_policy("personas"), "iam:GetRole")
    env = runner_env(org.sandbox, fresh.partnercentral, "personas-nogetrole", policy)

    with iam_enforced(org.sandbox):
        # The personas role's module as the role calls it (roles/personas/tasks/converge.yml).
        result = converge_personas(org.sandbox, fresh.partnercentral, env=env)
        calls = org.sandbox.calls()

    assert result.get("failed") is True, result
    assert "iam:GetRole" in result["msg"], result["msg"]
    assert not write_calls(calls), write_calls(calls)
    assert role_state(aws_client(org.sandbox, "iam", fresh.partnercentral), "PartnerCentralRoleForMarketing") is None
