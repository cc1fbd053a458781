"""org_member_check, pc_policy_check and security_baseline_info called directly, as from a user's own playbook.

Credentials come from the environment (no credentials role): org_member_check's expected_account_id must catch a
wrong account on its own.
"""

from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import account_env
from integration_support import aws_client
from integration_support import new_account_id
from integration_support import set_state
from integration_support import write_calls
from preflight.support import put_baseline_in_place
from preflight.support import run_module
from runner import free_port  # tests/sandbox, on sys.path through conftest.py


def checks_of(result: dict) -> dict:
    return {check["name"]: check for check in result["checks"]}


# --- org_member_check ---------------------------------------------------------------


def test_a_wrong_account_fails_before_any_other_call(sandbox, tmp_path, member):
    sandbox.reset_calls()

    result = run_module(sandbox, tmp_path, "org_member_check", {"expected_account_id": member, "membership": "member"})

    assert result["failed"] is True
    assert f"the credentials belong to account {DEFAULT_ACCOUNT_ID}" in result["msg"] and member in result["msg"]
    assert "Fix: use credentials for " + member in result["msg"]
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
    assert [c["status"] for c in result["checks"]] == ["pass"] * 4
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
        f"[membership] {DEFAULT_ACCOUNT_ID} is the management account",
        "Fix: link Partner Central to a dedicated member account",
        "[plan]",
        "is on the Free plan",
        "Fix: upgrade the account to the Paid plan",
        "[required_members] 999999999999 is not in organization",
    ):
        assert words in result["msg"]
    assert checks_of(result)["required_members"]["message"].count(member) == 0


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
    membership = checks_of(elsewhere)["membership"]
    assert membership["status"] == "fail" and DEFAULT_ACCOUNT_ID in membership["remedy"]


def test_a_standalone_account(sandbox, tmp_path):
    outsider = new_account_id()  # never placed in the organization
    env = account_env(sandbox, outsider)

    standalone = run_module(sandbox, tmp_path, "org_member_check", {"membership": "standalone"}, env)
    as_member = run_module(sandbox, tmp_path, "org_member_check", {"membership": "member", "report_only": True}, env)

    assert standalone["ready"] is True and standalone["membership"] == "standalone"
    assert standalone["organization"] is None
    assert "standalone account (in no AWS organization)" in checks_of(as_member)["membership"]["message"]
    assert checks_of(as_member)["membership"]["status"] == "fail"


def test_an_unreachable_free_tier_api_gives_an_unknown_plan_and_a_warning_never_a_pass(sandbox, tmp_path):
    nothing_there = f"http://127.0.0.1:{free_port()}"

    result = run_module(
        sandbox,
        tmp_path,
        "org_member_check",
        {"require_paid_plan": True},
        {**sandbox.env(), "AWS_ENDPOINT_URL_FREETIER": nothing_there, "AWS_MAX_ATTEMPTS": "1"},
    )

    assert not result.get("failed")
    assert result["plan"]["type"] == "unknown" and result["plan"]["error"]
    plan = checks_of(result)["plan"]
    assert plan["status"] == "warn" and "could not be read" in plan["message"]
    assert any("plan:" in warning and "could not be read" in warning for warning in result["warnings"])


# --- pc_policy_check ----------------------------------------------------------------


def test_the_checklists_policies_are_found_with_one_lookup_each(sandbox, tmp_path):
    sandbox.reset_calls()

    result = run_module(sandbox, tmp_path, "pc_policy_check", {})

    assert not result.get("failed") and result["ready"] is True and result["missing"] == []
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

    assert default["ready"] is True
    assert checks_of(default)["console_users_mfa"]["status"] == "warn"
    assert "have no MFA: alice" in checks_of(default)["console_users_mfa"]["message"]
    assert checks_of(default)["password_policy"]["status"] == "warn"
    assert strict["ready"] is False
    assert checks_of(strict)["console_users_mfa"]["status"] == "fail"
    assert checks_of(strict)["password_policy"]["status"] == "fail"
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
