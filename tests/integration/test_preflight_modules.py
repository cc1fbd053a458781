"""org_member_check, pc_policy_check and security_baseline_info called directly, as from a user's own playbook.

Credentials come from the environment (no credentials role): org_member_check's expected_account_id must catch a
wrong account on its own. Each module runs in the test's own process (module_in_process.run_module): its real
argument spec, boto3 clients, retries and error handling over HTTP to the sandbox, without ansible-playbook.
The file ends with the sandbox's Free Tier stand-in, which org_member_check reads (from test_preflight_freetier.py).
"""

import botocore.config
import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import account_env
from integration_support import aws_client
from integration_support import new_account_id
from integration_support import raw_json_request
from integration_support import set_state
from integration_support import write_calls
from module_in_process import run_module as run_in_process
from module_in_process import warnings_of
from preflight.support import put_baseline_in_place
from runner import free_port  # tests/sandbox, on sys.path through conftest.py


def run_module(sandbox, module: str, options: dict, env: dict | None = None) -> dict:
    """The module run in the test's process (module_in_process), by default with the sandbox's credentials."""
    return run_in_process(module, options, env or sandbox.env())


def records_of(result: dict) -> dict:
    """The module's records by id (without their area: ``membership`` for ``preflight.membership``)."""
    return {record["id"].split(".", 1)[1]: record for record in result["records"]}


# --- org_member_check ---------------------------------------------------------------


def test_a_wrong_account_fails_before_any_other_call(sandbox, member):
    sandbox.reset_calls()

    result = run_module(sandbox, "org_member_check", {"expected_account_id": member, "membership": "member"})

    assert result["failed"] is True
    assert f"the credentials belong to account {DEFAULT_ACCOUNT_ID}" in result["msg"] and member in result["msg"]
    assert "Fix: use credentials for " + member in result["msg"]
    assert [r["id"] for r in result["records"]] == ["preflight.account_id"]
    assert [c["operation"] for c in sandbox.calls()] == ["GetCallerIdentity"]


def test_a_paid_member_account_meets_the_partner_central_requirements(sandbox, member):
    options = {
        "expected_account_id": member,
        "membership": "member",
        "expected_management_account_id": DEFAULT_ACCOUNT_ID,
        "require_paid_plan": True,
    }
    sandbox.reset_calls()

    result = run_module(sandbox, "org_member_check", options, account_env(sandbox, member))

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


def test_every_violation_is_listed_with_its_remedy(sandbox, member):
    set_state(sandbox, DEFAULT_ACCOUNT_ID, plan="FREE")
    try:
        result = run_module(
            sandbox,
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


def test_the_management_account_as_the_partnercentral_account_is_refused_from_both_sides(sandbox, member):
    # What the preflight asks of the Partner Central account, and of the management account about it
    # (roles/preflight/tasks/account.yml and organization_checks.yml), when both are the management account.
    as_partnercentral = run_module(
        sandbox,
        "org_member_check",
        {
            "expected_account_id": DEFAULT_ACCOUNT_ID,
            "membership": "member",
            "expected_management_account_id": DEFAULT_ACCOUNT_ID,
            "require_paid_plan": True,
            "report_only": True,
        },
    )
    from_management = run_module(
        sandbox,
        "org_member_check",
        {
            "expected_account_id": DEFAULT_ACCOUNT_ID,
            "membership": "management",
            "list_accounts": True,
            "required_members": [DEFAULT_ACCOUNT_ID, member],
            "report_only": True,
        },
    )

    assert as_partnercentral["ready"] is False and as_partnercentral["verdict"] == "not_ready"
    membership = records_of(as_partnercentral)["membership"]
    assert membership["status"] == "failed" and membership["blocking"] is True
    assert "is the management account of organization" in membership["evidence"] and membership["remedy"]
    assert from_management["ready"] is False
    members = {r["account"]: r for r in from_management["records"] if r["id"] == "preflight.organization_member"}
    assert {account: r["status"] for account, r in members.items()} == {
        DEFAULT_ACCOUNT_ID: "failed",
        member: "verified",
    }
    assert members[DEFAULT_ACCOUNT_ID]["blocking"] is True
    assert (
        f"{DEFAULT_ACCOUNT_ID} is the organization's management account, not a member"
        in members[DEFAULT_ACCOUNT_ID]["evidence"]
    )


def test_the_doit_side_needs_the_management_account(sandbox, member):
    management = run_module(
        sandbox, "org_member_check", {"expected_account_id": DEFAULT_ACCOUNT_ID, "membership": "management"}
    )
    elsewhere = run_module(
        sandbox,
        "org_member_check",
        {"membership": "management", "report_only": True},
        account_env(sandbox, member),
    )

    assert management["ready"] is True and management["membership"] == "management"
    assert elsewhere["ready"] is False and not elsewhere.get("failed")
    membership = records_of(elsewhere)["membership"]
    assert membership["status"] == "failed" and DEFAULT_ACCOUNT_ID in membership["remedy"]


def test_a_standalone_account(sandbox):
    outsider = new_account_id()  # never placed in the organization
    env = account_env(sandbox, outsider)

    standalone = run_module(sandbox, "org_member_check", {"membership": "standalone"}, env)
    as_member = run_module(sandbox, "org_member_check", {"membership": "member", "report_only": True}, env)

    assert standalone["ready"] is True and standalone["membership"] == "standalone"
    assert standalone["organization"] is None
    assert "standalone account (in no AWS organization)" in records_of(as_member)["membership"]["evidence"]
    assert records_of(as_member)["membership"]["status"] == "failed"


def test_an_unreachable_free_tier_api_gives_an_unknown_plan_never_a_pass(sandbox):
    nothing_there = f"http://127.0.0.1:{free_port()}"
    env = {**sandbox.env(), "AWS_ENDPOINT_URL_FREETIER": nothing_there, "AWS_MAX_ATTEMPTS": "1"}

    required = run_module(sandbox, "org_member_check", {"require_paid_plan": True}, env)
    reported = run_module(sandbox, "org_member_check", {}, env)

    # The Paid plan required but not readable: the module stops, saying it could not check, not that it failed.
    assert required["failed"] is True and required["verdict"] == "unknown"
    assert "could not be fully checked: [preflight.plan]" in required["msg"]
    assert "not available: freetier:GetAccountPlanState could not be reached" in required["msg"]
    assert required["plan"]["type"] == "unknown" and required["plan"]["error"]
    # Not required: the plan is unknown, said in a warning, and the account is ready.
    assert not reported.get("failed") and reported["ready"] is True
    plan = records_of(reported)["plan"]
    assert plan["status"] == "unknown" and plan["blocking"] is False
    assert any("preflight.plan:" in warning and "not available" in warning for warning in warnings_of(reported))


# --- pc_policy_check ----------------------------------------------------------------


def test_the_checklists_policies_are_found_with_one_lookup_each(sandbox):
    sandbox.reset_calls()

    result = run_module(sandbox, "pc_policy_check", {})

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


def test_a_missing_policy_fails_unless_only_reporting(sandbox):
    options = {"policies": ["ReadOnlyAccess", "AWSPartnerCentralNoSuchPolicy"]}

    failing = run_module(sandbox, "pc_policy_check", options)
    reporting = run_module(sandbox, "pc_policy_check", {**options, "report_only": True})

    assert failing["failed"] is True and "AWSPartnerCentralNoSuchPolicy" in failing["msg"]
    assert not reporting.get("failed") and reporting["ready"] is False
    assert reporting["missing"] == [
        {"name": "AWSPartnerCentralNoSuchPolicy", "arn": "arn:aws:iam::aws:policy/AWSPartnerCentralNoSuchPolicy"}
    ]
    assert [p["name"] for p in reporting["available"]] == ["ReadOnlyAccess"]


def test_bad_policy_names_are_refused_before_any_call(sandbox):
    sandbox.reset_calls()

    result = run_module(sandbox, "pc_policy_check", {"additional_policies": ["not a policy"]})

    assert result["failed"] is True and "'not a policy' is not a managed policy name" in result["msg"]
    assert [c for c in sandbox.calls() if c["service"] == "iam"] == []


# --- security_baseline_info ---------------------------------------------------------


def test_the_baseline_in_place_passes_every_check(sandbox, member):
    put_baseline_in_place(sandbox, member)

    result = run_module(sandbox, "security_baseline_info", {}, account_env(sandbox, member))

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


def test_which_findings_block_is_configurable(sandbox, member):
    put_baseline_in_place(sandbox, member)
    iam = aws_client(sandbox, "iam", member)
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-42!")
    iam.delete_account_password_policy()
    env = account_env(sandbox, member)

    default = run_module(sandbox, "security_baseline_info", {}, env)
    strict = run_module(
        sandbox,
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


def test_a_single_region_trail_is_not_enough(sandbox, member):
    bucket = f"local-trail-{member}"
    aws_client(sandbox, "s3", member).create_bucket(Bucket=bucket)
    cloudtrail = aws_client(sandbox, "cloudtrail", member)
    cloudtrail.create_trail(Name="local-only", S3BucketName=bucket)
    cloudtrail.start_logging(Name="local-only")

    result = run_module(
        sandbox,
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


def test_a_baseline_check_whose_api_cannot_be_reached_is_unknown_never_a_verdict(sandbox, member):
    nothing_there = f"http://127.0.0.1:{free_port()}"
    env = {**account_env(sandbox, member), "AWS_ENDPOINT_URL_CONFIG_SERVICE": nothing_there, "AWS_MAX_ATTEMPTS": "1"}

    result = run_module(
        sandbox,
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


# --- the sandbox's Free Tier stand-in, which org_member_check reads -------------------
# What moto cannot do: an account's plan (freetier:GetAccountPlanState) and its root MFA (iam:GetAccountSummary),
# both set through POST /_sandbox/state, per account; through real boto3 over HTTP (moved here from
# test_preflight_freetier.py: one sandbox fewer).


def raw_call(sandbox, target: str, body: bytes = b"{}"):
    """A Free Tier request as it travels (JSON 1.0, X-Amz-Target), for what boto3 would refuse to send."""
    return raw_json_request(sandbox, "freetier", "1.0", target, body)


def test_a_new_account_is_on_the_paid_plan(sandbox, member):
    state = aws_client(sandbox, "freetier", member).get_account_plan_state()

    assert state["accountId"] == member
    assert state["accountPlanType"] == "PAID" and state["accountPlanStatus"] == "ACTIVE"
    assert "accountPlanRemainingCredits" not in state


def test_the_plan_is_set_per_account_through_the_control_endpoint(sandbox, member):
    set_state(sandbox, member, plan="FREE")

    state = aws_client(sandbox, "freetier", member).get_account_plan_state()

    assert state["accountPlanType"] == "FREE"
    assert state["accountPlanRemainingCredits"] == {"amount": 200.0, "unit": "USD"}
    assert state["accountPlanExpirationDate"].year >= 2025
    assert aws_client(sandbox, "freetier", DEFAULT_ACCOUNT_ID).get_account_plan_state()["accountPlanType"] == "PAID"


def test_upgrading_is_stateful_and_only_to_paid(sandbox, member):
    set_state(sandbox, member, plan="FREE")
    freetier = aws_client(sandbox, "freetier", member)

    with pytest.raises(freetier.exceptions.ValidationException):
        freetier.upgrade_account_plan(accountPlanType="FREE")
    upgraded = freetier.upgrade_account_plan(accountPlanType="PAID")

    assert upgraded["accountPlanType"] == "PAID"
    assert freetier.get_account_plan_state()["accountPlanType"] == "PAID"
    assert sandbox.control("/_sandbox/state", method="GET")[member]["plan"] == "PAID"


def test_requests_are_validated_against_the_service_model(sandbox, member):
    # Without boto3's own validation, as another SDK or a hand-made request would send it.
    config = botocore.config.Config(parameter_validation=False)
    freetier = aws_client(sandbox, "freetier", member, config=config)

    with pytest.raises(freetier.exceptions.ValidationException) as missing:
        freetier.upgrade_account_plan()
    with pytest.raises(freetier.exceptions.ValidationException) as bad_enum:
        freetier.upgrade_account_plan(accountPlanType="GOLD")

    assert "accountPlanType" in str(missing.value)
    assert "Member must satisfy enum value set: [FREE, PAID]" in str(bad_enum.value)


def test_answers_use_the_json_1_0_wire_format(sandbox):
    status, headers, body = raw_call(sandbox, "AWSFreeTierService.GetAccountPlanState")

    assert status == 200
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    assert body == {"accountId": DEFAULT_ACCOUNT_ID, "accountPlanType": "PAID", "accountPlanStatus": "ACTIVE"}


def test_unknown_operations_and_bad_bodies_get_the_services_errors(sandbox):
    status, headers, body = raw_call(sandbox, "AWSFreeTierService.GetAccountPlanStateX")
    assert status == 400 and body["__type"] == "UnknownOperationException"
    assert headers["Content-Type"] == "application/x-amz-json-1.0"

    status, headers, body = raw_call(sandbox, "AWSFreeTierService.GetAccountPlanState", b"not json")
    assert status == 400 and body["__type"] == "SerializationException"
    assert headers["Content-Type"] == "application/x-amz-json-1.0"


def test_root_mfa_is_reflected_in_the_iam_account_summary(sandbox, member):
    iam = aws_client(sandbox, "iam", member)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0

    set_state(sandbox, member, root_mfa=True)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1
    assert aws_client(sandbox, "iam", DEFAULT_ACCOUNT_ID).get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0

    set_state(sandbox, member, root_mfa=False)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0


def test_free_tier_calls_are_logged_with_their_account_and_kind(sandbox, member):
    sandbox.reset_calls()
    freetier = aws_client(sandbox, "freetier", member)
    freetier.get_account_plan_state()
    freetier.upgrade_account_plan(accountPlanType="PAID")

    keys = ("service", "operation", "account_id", "write")
    calls = [{key: c[key] for key in keys} for c in sandbox.calls() if c["service"] == "freetier"]
    assert calls == [
        {"service": "freetier", "operation": "GetAccountPlanState", "account_id": member, "write": False},
        {"service": "freetier", "operation": "UpgradeAccountPlan", "account_id": member, "write": True},
    ]
