"""org_member_check, pc_policy_check and security_baseline_info called directly, as from a user's own playbook.

Credentials come from the environment (no credentials role): org_member_check's expected_account_id must catch a
wrong account on its own.
"""

import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import account_env
from integration_support import aws_client
from integration_support import new_account_id
from integration_support import set_state
from integration_support import write_calls
from preflight.support import put_baseline_in_place
from preflight.support import run_module
from runner import free_port  # tests/sandbox, on sys.path through conftest.py

# Thirteen module runs: started first so that it does not end the run alone.
pytestmark = pytest.mark.long_file


def records_of(result: dict) -> dict:
    """The module's records by id (without their area: ``membership`` for ``preflight.membership``)."""
    return {record["id"].split(".", 1)[1]: record for record in result["records"]}


# --- org_member_check ---------------------------------------------------------------


def test_a_wrong_account_fails_before_any_other_call(sandbox, tmp_path, member):
    sandbox.reset_calls()

    result = run_module(sandbox, tmp_path, "org_member_check", {"expected_account_id": member, "membership": "member"})

    assert result["failed"] is True
    assert f"the credentials belong to account {DEFAULT_ACCOUNT_ID}" in result["msg"] and member in result["msg"]
    assert "Fix: use credentials for " + member in result["msg"]
    assert [r["id"] for r in result["records"]] == ["preflight.account_id"]
    assert [c["operation"] for c in sandbox.calls()] == ["GetCallerIdentity"]


def test_a_paid_member_account_meets_the_partner_central_requirements(sandbox, tmp_path, member):
    options = {
        "expected_account_id": member,
        "membership": "member",
        "expected_management_account_id": DEFAULT_ACCOUNT_ID,
        "require_paid_plan": True,
    }
    sandbox.reset_calls()

    result = run_module(sandbox, tmp_path, "org_member_check", options, account_env(sandbox, member))

    assert not result.get("failed") and result["changed"] is False and result["ready"] is True
    assert result["membership"] == "member" and result["plan"]["type"] == "PAID"
    assert result["organization"]["management_account_id"] == DEFAULT_ACCOUNT_ID
    assert [(r["id"], r["status"], r["account"]) for r in result["records"]] == [
        ("preflight.account_id", "verified", member),
        ("preflight.membership", "verified", member),
        ("preflight.management_account", "verified", member),
        ("preflight.plan", "verified", member),
    ]
    assert result["verdict"] == "ready"
    assert not write_calls(sandbox.calls())


def test_every_violation_is_listed_with_its_remedy(sandbox, tmp_path, member):
    set_state(sandbox, DEFAULT_ACCOUNT_ID, plan="FREE")
    try:
        result = run_module(
            sandbox,
            tmp_path,
            "org_member_check",
            {"membership": "member", "require_paid_plan": True, "required_members": [member, "999999999999"]},
        )
    finally:
        set_state(sandbox, DEFAULT_ACCOUNT_ID, plan="PAID")

    assert result["failed"] is True and result["ready"] is False
    for words in (
        f"[preflight.membership] {DEFAULT_ACCOUNT_ID} is the management account",
        "Fix: link Partner Central to a dedicated member account",
        "[preflight.plan]",
        "is on the Free plan",
        "Fix: upgrade the account to the Paid plan",
        "[preflight.organization_member] 999999999999 is not in organization",
    ):
        assert words in result["msg"]
    # One record per required member, in that member's name: the good one is verified.
    members = {r["account"]: r["status"] for r in result["records"] if r["id"] == "preflight.organization_member"}
    assert members == {member: "verified", "999999999999": "failed"}


def test_the_doit_side_needs_the_management_account(sandbox, tmp_path, member):
    management = run_module(
        sandbox, tmp_path, "org_member_check", {"expected_account_id": DEFAULT_ACCOUNT_ID, "membership": "management"}
    )
    elsewhere = run_module(
        sandbox,
        tmp_path,
        "org_member_check",
        {"membership": "management", "report_only": True},
        account_env(sandbox, member),
    )

    assert management["ready"] is True and management["membership"] == "management"
    assert elsewhere["ready"] is False and not elsewhere.get("failed")
    membership = records_of(elsewhere)["membership"]
    assert membership["status"] == "failed" and DEFAULT_ACCOUNT_ID in membership["remedy"]


def test_a_standalone_account(sandbox, tmp_path):
    outsider = new_account_id()  # never placed in the organization
    env = account_env(sandbox, outsider)

    standalone = run_module(sandbox, tmp_path, "org_member_check", {"membership": "standalone"}, env)
    as_member = run_module(sandbox, tmp_path, "org_member_check", {"membership": "member", "report_only": True}, env)

    assert standalone["ready"] is True and standalone["membership"] == "standalone"
    assert standalone["organization"] is None
    assert "standalone account (in no AWS organization)" in records_of(as_member)["membership"]["evidence"]
    assert records_of(as_member)["membership"]["status"] == "failed"


def test_an_unreachable_free_tier_api_gives_an_unknown_plan_never_a_pass(sandbox, tmp_path):
    nothing_there = f"http://127.0.0.1:{free_port()}"
    env = {**sandbox.env(), "AWS_ENDPOINT_URL_FREETIER": nothing_there, "AWS_MAX_ATTEMPTS": "1"}

    required = run_module(sandbox, tmp_path, "org_member_check", {"require_paid_plan": True}, env)
    reported = run_module(sandbox, tmp_path, "org_member_check", {}, env)

    # The Paid plan required but not readable: the module stops, saying it could not check, not that it failed.
    assert required["failed"] is True and required["verdict"] == "unknown"
    assert "could not be fully checked: [preflight.plan]" in required["msg"]
    assert "not available: freetier:GetAccountPlanState could not be reached" in required["msg"]
    assert required["plan"]["type"] == "unknown" and required["plan"]["error"]
    # Not required: the plan is unknown, said in a warning, and the account is ready.
    assert not reported.get("failed") and reported["ready"] is True
    plan = records_of(reported)["plan"]
    assert plan["status"] == "unknown" and plan["blocking"] is False
    assert any("preflight.plan:" in warning and "not available" in warning for warning in reported["warnings"])


# --- pc_policy_check ----------------------------------------------------------------


def test_the_checklists_policies_are_found_with_one_lookup_each(sandbox, tmp_path):
    sandbox.reset_calls()

    result = run_module(sandbox, tmp_path, "pc_policy_check", {})

    assert not result.get("failed") and result["ready"] is True and result["missing"] == []
    (record,) = result["records"]
    assert record["id"] == "preflight.managed_policies" and record["status"] == "verified"
    assert record["account"] == DEFAULT_ACCOUNT_ID and record["phase"] == "3"
    assert [p["name"] for p in result["available"]] == [
        "AWSPartnerCentralFullAccess",
        "AWSPartnerCentralOpportunityManagement",
        "AWSPartnerCentralMarketingManagement",
        "AWSPartnerCentralChannelManagement",
        "AWSPartnerCentralChannelHandshakeApprovalManagement",
        "PartnerCentralAccountManagementUserRoleAssociation",
    ]
    iam_operations = [c["operation"] for c in sandbox.calls() if c["service"] == "iam"]
    assert iam_operations == ["GetPolicy"] * 6


def test_a_missing_policy_fails_unless_only_reporting(sandbox, tmp_path):
    options = {"policies": ["ReadOnlyAccess", "AWSPartnerCentralNoSuchPolicy"]}

    failing = run_module(sandbox, tmp_path, "pc_policy_check", options)
    reporting = run_module(sandbox, tmp_path, "pc_policy_check", {**options, "report_only": True})

    assert failing["failed"] is True and "AWSPartnerCentralNoSuchPolicy" in failing["msg"]
    assert not reporting.get("failed") and reporting["ready"] is False
    assert reporting["missing"] == [
        {"name": "AWSPartnerCentralNoSuchPolicy", "arn": "arn:aws:iam::aws:policy/AWSPartnerCentralNoSuchPolicy"}
    ]
    assert [p["name"] for p in reporting["available"]] == ["ReadOnlyAccess"]


def test_bad_policy_names_are_refused_before_any_call(sandbox, tmp_path):
    sandbox.reset_calls()

    result = run_module(sandbox, tmp_path, "pc_policy_check", {"additional_policies": ["not a policy"]})

    assert result["failed"] is True and "'not a policy' is not a managed policy name" in result["msg"]
    assert [c for c in sandbox.calls() if c["service"] == "iam"] == []


# --- security_baseline_info ---------------------------------------------------------


def test_the_baseline_in_place_passes_every_check(sandbox, tmp_path, member):
    put_baseline_in_place(sandbox, member)

    result = run_module(sandbox, tmp_path, "security_baseline_info", {}, account_env(sandbox, member))

    assert result["ready"] is True and result["changed"] is False and result["verdict"] == "ready"
    assert {name: r["status"] for name, r in records_of(result).items()} == {
        "root_mfa": "verified",
        "console_users_mfa": "verified",
        "cloudtrail": "verified",
        "config_recorder": "verified",
        "password_policy": "verified",
    }
    assert {r["account"] for r in result["records"]} == {member}
    assert result["account_id"] == member and result["root"]["mfa_enabled"] is True
    assert result["trails"][0]["multi_region"] is True and result["trails"][0]["logging"] is True


def test_which_findings_block_is_configurable(sandbox, tmp_path, member):
    put_baseline_in_place(sandbox, member)
    iam = aws_client(sandbox, "iam", member)
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-42!")
    iam.delete_account_password_policy()
    env = account_env(sandbox, member)

    default = run_module(sandbox, tmp_path, "security_baseline_info", {}, env)
    strict = run_module(
        sandbox,
        tmp_path,
        "security_baseline_info",
        {"blocking": ["root_mfa", "cloudtrail", "console_users_mfa", "password_policy"]},
        env,
    )

    def outcome(result, name):
        return records_of(result)[name]["status"], records_of(result)[name]["blocking"]

    assert default["ready"] is True
    assert outcome(default, "console_users_mfa") == ("failed", False)
    assert "have no MFA: alice" in records_of(default)["console_users_mfa"]["evidence"]
    assert outcome(default, "password_policy") == ("failed", False)
    assert strict["ready"] is False and strict["verdict"] == "not_ready"
    assert outcome(strict, "console_users_mfa") == ("failed", True)
    assert outcome(strict, "password_policy") == ("failed", True)
    assert default["console_users"] == {"alice": False}


def test_a_single_region_trail_is_not_enough(sandbox, tmp_path, member):
    bucket = f"local-trail-{member}"
    aws_client(sandbox, "s3", member).create_bucket(Bucket=bucket)
    cloudtrail = aws_client(sandbox, "cloudtrail", member)
    cloudtrail.create_trail(Name="local-only", S3BucketName=bucket)
    cloudtrail.start_logging(Name="local-only")

    result = run_module(
        sandbox,
        tmp_path,
        "security_baseline_info",
        {"checks": ["cloudtrail"], "blocking": ["cloudtrail"]},
        account_env(sandbox, member),
    )

    assert result["ready"] is False
    assert [r["id"] for r in result["records"]] == ["baseline.cloudtrail"]
    record = records_of(result)["cloudtrail"]
    assert record["status"] == "failed" and "single-region trails: local-only" in record["evidence"]
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


def test_a_baseline_check_whose_api_cannot_be_reached_is_unknown_never_a_verdict(sandbox, tmp_path, member):
    nothing_there = f"http://127.0.0.1:{free_port()}"
    env = {**account_env(sandbox, member), "AWS_ENDPOINT_URL_CONFIG_SERVICE": nothing_there, "AWS_MAX_ATTEMPTS": "1"}

    result = run_module(
        sandbox,
        tmp_path,
        "security_baseline_info",
        {"checks": ["root_mfa", "config_recorder"], "blocking": ["config_recorder"]},
        env,
    )

    assert not result.get("failed") and result["ready"] is False and result["verdict"] == "unknown"
    recorder = records_of(result)["config_recorder"]
    assert recorder["status"] == "unknown" and recorder["blocking"] is True
    assert recorder["evidence"].startswith("could not check: not available: config:DescribeConfigurationRecorderStatus")
    assert result["config_recorders"] is None
    assert records_of(result)["root_mfa"]["status"] == "failed"  # the other check still made, and not blocking
