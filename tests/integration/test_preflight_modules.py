"""org_member_check, pc_policy_check and security_baseline_info called directly, as from a user's own playbook.

Credentials come from the environment (no credentials role): org_member_check's expected_account_id must catch a
wrong account on its own.
"""

import os
import sys

import pytest
from preflight.support import MANAGEMENT
from preflight.support import ROOT
from preflight.support import client
from preflight.support import new_account_id
from preflight.support import put_baseline_in_place
from preflight.support import run_module
from preflight.support import session
from preflight.support import write_inventory
from preflight.support import writes

sys.path.insert(0, os.path.join(ROOT, "tests", "sandbox"))

from runner import Sandbox  # noqa: E402
from runner import free_port  # noqa: E402


@pytest.fixture(scope="module")
def modules_sandbox(tmp_path_factory):
    with Sandbox(log_path=str(tmp_path_factory.mktemp("sandbox") / "sandbox.log")) as sandbox:
        yield sandbox


@pytest.fixture
def member(modules_sandbox, tmp_path):
    account_id = new_account_id()
    modules_sandbox.seed(write_inventory(tmp_path, {"aws_account_id": account_id}, new_account_id()))
    return account_id


def acting_in(sandbox, account_id: str) -> dict:
    """Environment variables whose plain AWS credentials act in ``account_id``."""
    credentials = session(sandbox, account_id).get_credentials()
    return {
        "AWS_ACCESS_KEY_ID": credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_key,
        "AWS_SESSION_TOKEN": credentials.token or "",
    }


def checks_of(result: dict) -> dict:
    return {check["name"]: check for check in result["checks"]}


# --- org_member_check ---------------------------------------------------------------


def test_a_wrong_account_fails_before_any_other_call(modules_sandbox, tmp_path, member):
    modules_sandbox.reset_calls()

    result = run_module(
        modules_sandbox, tmp_path, "org_member_check", {"expected_account_id": member, "membership": "member"}
    )

    assert result["failed"] is True
    assert f"the credentials belong to account {MANAGEMENT}" in result["msg"] and member in result["msg"]
    assert "Fix: use credentials for " + member in result["msg"]
    assert [c["operation"] for c in modules_sandbox.calls()] == ["GetCallerIdentity"]


def test_a_paid_member_account_meets_the_partner_central_requirements(modules_sandbox, tmp_path, member):
    options = {
        "expected_account_id": member,
        "membership": "member",
        "expected_management_account_id": MANAGEMENT,
        "require_paid_plan": True,
    }
    modules_sandbox.reset_calls()

    result = run_module(modules_sandbox, tmp_path, "org_member_check", options, acting_in(modules_sandbox, member))

    assert not result.get("failed") and result["changed"] is False and result["ready"] is True
    assert result["membership"] == "member" and result["plan"]["type"] == "PAID"
    assert result["organization"]["management_account_id"] == MANAGEMENT
    assert [c["status"] for c in result["checks"]] == ["pass"] * 4
    assert not writes(modules_sandbox.calls())


def test_every_violation_is_listed_with_its_remedy(modules_sandbox, tmp_path, member):
    modules_sandbox.control("/_sandbox/state", {"account_id": MANAGEMENT, "plan": "FREE"})
    try:
        result = run_module(
            modules_sandbox,
            tmp_path,
            "org_member_check",
            {"membership": "member", "require_paid_plan": True, "required_members": [member, "999999999999"]},
        )
    finally:
        modules_sandbox.control("/_sandbox/state", {"account_id": MANAGEMENT, "plan": "PAID"})

    assert result["failed"] is True and result["ready"] is False
    for words in (
        f"[membership] {MANAGEMENT} is the management account",
        "Fix: link Partner Central to a dedicated member account",
        "[plan]",
        "is on the Free plan",
        "Fix: upgrade the account to the Paid plan",
        "[required_members] 999999999999 is not in organization",
    ):
        assert words in result["msg"]
    assert checks_of(result)["required_members"]["message"].count(member) == 0


def test_the_doit_side_needs_the_management_account(modules_sandbox, tmp_path, member):
    management = run_module(
        modules_sandbox, tmp_path, "org_member_check", {"expected_account_id": MANAGEMENT, "membership": "management"}
    )
    elsewhere = run_module(
        modules_sandbox,
        tmp_path,
        "org_member_check",
        {"membership": "management", "report_only": True},
        acting_in(modules_sandbox, member),
    )

    assert management["ready"] is True and management["membership"] == "management"
    assert elsewhere["ready"] is False and not elsewhere.get("failed")
    membership = checks_of(elsewhere)["membership"]
    assert membership["status"] == "fail" and MANAGEMENT in membership["remedy"]


def test_a_standalone_account(modules_sandbox, tmp_path):
    outsider = new_account_id()  # never placed in the organization
    env = acting_in(modules_sandbox, outsider)

    standalone = run_module(modules_sandbox, tmp_path, "org_member_check", {"membership": "standalone"}, env)
    as_member = run_module(
        modules_sandbox, tmp_path, "org_member_check", {"membership": "member", "report_only": True}, env
    )

    assert standalone["ready"] is True and standalone["membership"] == "standalone"
    assert standalone["organization"] is None
    assert "standalone account (in no AWS organization)" in checks_of(as_member)["membership"]["message"]
    assert checks_of(as_member)["membership"]["status"] == "fail"


def test_an_unreachable_free_tier_api_gives_an_unknown_plan_and_a_warning_never_a_pass(modules_sandbox, tmp_path):
    nothing_there = f"http://127.0.0.1:{free_port()}"

    result = run_module(
        modules_sandbox,
        tmp_path,
        "org_member_check",
        {"require_paid_plan": True},
        {"AWS_ENDPOINT_URL_FREETIER": nothing_there, "AWS_MAX_ATTEMPTS": "1"},
    )

    assert not result.get("failed")
    assert result["plan"]["type"] == "unknown" and result["plan"]["error"]
    plan = checks_of(result)["plan"]
    assert plan["status"] == "warn" and "could not be read" in plan["message"]
    assert any("plan:" in warning and "could not be read" in warning for warning in result["warnings"])


# --- pc_policy_check ----------------------------------------------------------------


def test_the_checklists_policies_are_found_with_one_lookup_each(modules_sandbox, tmp_path):
    modules_sandbox.reset_calls()

    result = run_module(modules_sandbox, tmp_path, "pc_policy_check", {})

    assert not result.get("failed") and result["ready"] is True and result["missing"] == []
    assert [p["name"] for p in result["available"]] == [
        "AWSPartnerCentralFullAccess",
        "AWSPartnerCentralOpportunityManagement",
        "AWSPartnerCentralMarketingManagement",
        "AWSPartnerCentralChannelManagement",
        "AWSPartnerCentralChannelHandshakeApprovalManagement",
        "PartnerCentralAccountManagementUserRoleAssociation",
    ]
    iam_operations = [c["operation"] for c in modules_sandbox.calls() if c["service"] == "iam"]
    assert iam_operations == ["GetPolicy"] * 6


def test_a_missing_policy_fails_unless_only_reporting(modules_sandbox, tmp_path):
    options = {"policies": ["ReadOnlyAccess", "AWSPartnerCentralNoSuchPolicy"]}

    failing = run_module(modules_sandbox, tmp_path, "pc_policy_check", options)
    reporting = run_module(modules_sandbox, tmp_path, "pc_policy_check", {**options, "report_only": True})

    assert failing["failed"] is True and "AWSPartnerCentralNoSuchPolicy" in failing["msg"]
    assert not reporting.get("failed") and reporting["ready"] is False
    assert reporting["missing"] == [
        {"name": "AWSPartnerCentralNoSuchPolicy", "arn": "arn:aws:iam::aws:policy/AWSPartnerCentralNoSuchPolicy"}
    ]
    assert [p["name"] for p in reporting["available"]] == ["ReadOnlyAccess"]


def test_bad_policy_names_are_refused_before_any_call(modules_sandbox, tmp_path):
    modules_sandbox.reset_calls()

    result = run_module(modules_sandbox, tmp_path, "pc_policy_check", {"additional_policies": ["not a policy"]})

    assert result["failed"] is True and "'not a policy' is not a managed policy name" in result["msg"]
    assert [c for c in modules_sandbox.calls() if c["service"] == "iam"] == []


# --- security_baseline_info ---------------------------------------------------------


def test_the_baseline_in_place_passes_every_check(modules_sandbox, tmp_path, member):
    put_baseline_in_place(modules_sandbox, member)

    result = run_module(modules_sandbox, tmp_path, "security_baseline_info", {}, acting_in(modules_sandbox, member))

    assert result["ready"] is True and result["changed"] is False
    assert {name: c["status"] for name, c in checks_of(result).items()} == {
        "root_mfa": "pass",
        "console_users_mfa": "pass",
        "cloudtrail": "pass",
        "config_recorder": "pass",
        "password_policy": "pass",
    }
    assert result["account_id"] == member and result["root"]["mfa_enabled"] is True
    assert result["trails"][0]["multi_region"] is True and result["trails"][0]["logging"] is True


def test_which_findings_block_is_configurable(modules_sandbox, tmp_path, member):
    put_baseline_in_place(modules_sandbox, member)
    iam = client(modules_sandbox, "iam", member)
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-42!")
    iam.delete_account_password_policy()
    env = acting_in(modules_sandbox, member)

    default = run_module(modules_sandbox, tmp_path, "security_baseline_info", {}, env)
    strict = run_module(
        modules_sandbox,
        tmp_path,
        "security_baseline_info",
        {"blocking": ["root_mfa", "cloudtrail", "console_users_mfa", "password_policy"]},
        env,
    )

    assert default["ready"] is True
    assert checks_of(default)["console_users_mfa"]["status"] == "warn"
    assert "have no MFA: alice" in checks_of(default)["console_users_mfa"]["message"]
    assert checks_of(default)["password_policy"]["status"] == "warn"
    assert strict["ready"] is False
    assert checks_of(strict)["console_users_mfa"]["status"] == "fail"
    assert checks_of(strict)["password_policy"]["status"] == "fail"
    assert default["console_users"] == {"alice": False}


def test_a_single_region_trail_is_not_enough(modules_sandbox, tmp_path, member):
    bucket = f"local-trail-{member}"
    client(modules_sandbox, "s3", member).create_bucket(Bucket=bucket)
    cloudtrail = client(modules_sandbox, "cloudtrail", member)
    cloudtrail.create_trail(Name="local-only", S3BucketName=bucket)
    cloudtrail.start_logging(Name="local-only")

    result = run_module(
        modules_sandbox,
        tmp_path,
        "security_baseline_info",
        {"checks": ["cloudtrail"], "blocking": ["cloudtrail"]},
        acting_in(modules_sandbox, member),
    )

    assert result["ready"] is False
    assert [c["name"] for c in result["checks"]] == ["cloudtrail"]
    check = checks_of(result)["cloudtrail"]
    assert check["status"] == "fail" and "single-region trails: local-only" in check["message"]
    assert result["trails"] == [
        {
            "name": "local-only",
            "arn": f"arn:aws:cloudtrail:us-east-1:{member}:trail/local-only",
            "home_region": "us-east-1",
            "multi_region": False,
            "organization_trail": False,
            "logging": None,
            "status_error": None,
        }
    ]
