"""The preflight checks' judging rules (pure) and their reads against botocore's Stubber.

Each rule is stated here as a user of the checklist expects it, and the collection has to match it: the
Partner Central account must be a member account on the Paid plan, reached with its own credentials; the
baseline blocks on root MFA and a logging multi-region trail; nothing that could not be verified passes.
"""

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.module_utils import baseline
from ansible_collections.diatonic.partnercentral.plugins.module_utils import managed_policies
from ansible_collections.diatonic.partnercentral.plugins.module_utils import organizations

ACCOUNT = "210987654321"
MANAGEMENT = "313476888312"
ORG = {
    "id": "o-a1b2c3d4e5",
    "arn": "arn:aws:organizations::313476888312:organization/o-a1b2c3d4e5",
    "feature_set": "ALL",
    "management_account_id": MANAGEMENT,
    "management_account_arn": None,
    "management_account_email": None,
}


def stubbed(service):
    client = boto3.client(
        service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    return RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff(retries=1)), Stubber(client)


# --- organizations: membership, credentials, plan -------------------------------


@pytest.mark.parametrize(
    "required, org, membership, status",
    [
        ("member", ORG, "member", "pass"),
        ("member", ORG, "management", "fail"),
        ("member", None, "standalone", "fail"),
        ("management", ORG, "management", "pass"),
        ("management", ORG, "member", "fail"),
        ("standalone", None, "standalone", "pass"),
        ("standalone", ORG, "member", "fail"),
        ("any", ORG, "management", "pass"),
        ("any", None, "standalone", "pass"),
    ],
)
def test_membership_must_be_what_the_phase_needs(required, org, membership, status):
    account = MANAGEMENT if membership == "management" else ACCOUNT
    assert organizations.membership_of(account, org) == membership

    check = organizations.evaluate_membership(required, membership, account, org)

    assert check["status"] == status
    assert (check["remedy"] is None) == (status == "pass")


def test_the_management_account_is_refused_as_partner_central_account_with_a_way_out():
    check = organizations.evaluate_membership("member", "management", MANAGEMENT, ORG)

    assert check["status"] == "fail"
    assert f"{MANAGEMENT} is the management account of organization {ORG['id']}" in check["message"]
    assert "dedicated member account" in check["remedy"]


def test_a_member_required_to_be_management_is_told_which_account_is():
    check = organizations.evaluate_membership("management", "member", ACCOUNT, ORG)

    assert MANAGEMENT in check["remedy"]


def test_an_unreadable_organization_never_passes_a_requirement():
    assert organizations.evaluate_membership("member", "unknown", ACCOUNT, None, "AccessDenied")["status"] == "fail"
    assert organizations.evaluate_membership("any", "unknown", ACCOUNT, None, "AccessDenied")["status"] == "warn"


def test_credentials_of_another_account_name_both_accounts():
    caller = {"account_id": "444455556666", "arn": "arn:aws:iam::444455556666:user/ops", "user_id": "AIDA"}

    check = organizations.evaluate_account_id(ACCOUNT, caller)

    assert check["status"] == "fail"
    assert "444455556666" in check["message"] and ACCOUNT in check["message"]
    assert organizations.evaluate_account_id("444455556666", caller)["status"] == "pass"


@pytest.mark.parametrize(
    "plan, require_paid, status",
    [("PAID", True, "pass"), ("FREE", True, "fail"), ("FREE", False, "pass"), ("unknown", True, "warn")],
)
def test_plan(plan, require_paid, status):
    found = {"type": plan, "error": "EndpointConnectionError" if plan == "unknown" else None}

    assert organizations.evaluate_plan(require_paid, found, ACCOUNT)["status"] == status


def test_required_members_must_be_active_members_and_not_the_management_account():
    accounts = {
        ACCOUNT: {"id": ACCOUNT, "name": "pc", "state": "ACTIVE"},
        "444455556666": {"id": "444455556666", "name": "old", "state": "SUSPENDED"},
        MANAGEMENT: {"id": MANAGEMENT, "name": "payer", "state": "ACTIVE"},
    }

    assert organizations.evaluate_required_members([ACCOUNT], accounts, ORG)["status"] == "pass"
    check = organizations.evaluate_required_members(["444455556666", MANAGEMENT, "777788889999"], accounts, ORG)
    assert check["status"] == "fail"
    assert "444455556666 (old) is SUSPENDED" in check["message"]
    assert f"{MANAGEMENT} is the organization's management account" in check["message"]
    assert "777788889999 is not in organization" in check["message"]


def test_options_are_refused_before_any_call():
    problems = organizations.validate_options(
        {"expected_account_id": "2109876543", "required_members": ["12345678901x"], "membership": "member"}
    )

    assert len(problems) == 2 and "2109876543" in problems[0] and "12345678901x" in problems[1]


def test_the_plan_is_read_from_the_free_tier_api():
    freetier, stub = stubbed("freetier")
    stub.add_response(
        "get_account_plan_state",
        {
            "accountId": ACCOUNT,
            "accountPlanType": "FREE",
            "accountPlanStatus": "ACTIVE",
            "accountPlanRemainingCredits": {"amount": 120.5, "unit": "USD"},
        },
        {},
    )
    with stub:
        plan = organizations.read_plan(freetier)

    assert plan["type"] == "FREE" and plan["remaining_credits"] == {"amount": 120.5, "unit": "USD"}
    stub.assert_no_pending_responses()


def test_an_unreachable_plan_is_unknown_with_the_reason():
    freetier, stub = stubbed("freetier")
    stub.add_client_error("get_account_plan_state", "AccessDeniedException", "not allowed", 400)
    with stub:
        plan = organizations.read_plan(freetier)

    assert plan["type"] == "unknown" and "AccessDeniedException" in plan["error"]


def test_a_standalone_account_has_no_organization():
    orgs, stub = stubbed("organizations")
    stub.add_client_error("describe_organization", "AWSOrganizationsNotInUseException", "not in use", 400)
    with stub:
        assert organizations.read_organization(orgs) is None


# --- managed policies --------------------------------------------------------------


def test_the_checklists_policies_are_phase_3_1s_six():
    assert set(managed_policies.CHECKLIST_POLICIES) == {
        "AWSPartnerCentralFullAccess",
        "AWSPartnerCentralOpportunityManagement",
        "AWSPartnerCentralMarketingManagement",
        "AWSPartnerCentralChannelManagement",
        "AWSPartnerCentralChannelHandshakeApprovalManagement",
        "PartnerCentralAccountManagementUserRoleAssociation",
    }


def test_each_policy_is_looked_up_once_directly():
    iam, stub = stubbed("iam")
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    stub.add_response(
        "get_policy",
        {"Policy": {"PolicyName": "ReadOnlyAccess", "Arn": arn, "IsAttachable": True, "DefaultVersionId": "v9"}},
        {"PolicyArn": arn},
    )
    stub.add_client_error("get_policy", "NoSuchEntity", "not found", 404, expected_params={"PolicyArn": arn + "X"})
    wanted = managed_policies.wanted_arns(["ReadOnlyAccess", arn, "ReadOnlyAccessX"], "aws")
    with stub:
        found = [managed_policies.look_up(iam, a) for a in wanted]

    assert wanted == [arn, arn + "X"]
    assert found[0]["name"] == "ReadOnlyAccess" and found[1] is None
    stub.assert_no_pending_responses()


def test_missing_or_unattachable_policies_fail():
    available = [{"name": "A", "attachable": True}, {"name": "B", "attachable": False}]

    check = managed_policies.evaluate_policies(available, ["C"])

    assert check["status"] == "fail"
    assert "1 managed policy not found in IAM: C" in check["message"] and "attached to a role: B" in check["message"]
    assert managed_policies.evaluate_policies(available[:1], [])["status"] == "pass"


def test_bad_policy_references_are_refused():
    problems = managed_policies.validate_policy_references(["Good", "arn:aws:iam::aws:role/Bad", "no spaces"])

    assert len(problems) == 2


# --- the security baseline ----------------------------------------------------------


def root(mfa, password=None, keys=False):
    return {"mfa_enabled": mfa, "password_present": password, "access_keys_present": keys}


def test_root_mfa_blocks_by_default_and_warns_when_told_not_to_block():
    assert "root_mfa" in baseline.DEFAULT_BLOCKING and "cloudtrail" in baseline.DEFAULT_BLOCKING
    assert baseline.evaluate_root_mfa(root(True), True)["status"] == "pass"
    assert baseline.evaluate_root_mfa(root(False), True)["status"] == "fail"
    assert baseline.evaluate_root_mfa(root(False), False)["status"] == "warn"


def test_a_root_user_without_credentials_needs_no_mfa():
    assert baseline.evaluate_root_mfa(root(False, password=False), True)["status"] == "pass"
    assert baseline.evaluate_root_mfa(root(False, password=False, keys=True), True)["status"] == "fail"


def test_console_users_without_mfa_are_named():
    found = {"users": 3, "console_users": {"alice": True, "bob": False, "carol": False}}

    check = baseline.evaluate_console_users(found, False)

    assert check["status"] == "warn" and "bob, carol" in check["message"]
    assert baseline.evaluate_console_users({"users": 1, "console_users": {}}, True)["status"] == "pass"


def trail(name, multi=True, logging=True, organization=False, error=None):
    return {
        "name": name,
        "arn": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/{name}",
        "home_region": "us-east-1",
        "multi_region": multi,
        "organization_trail": organization,
        "logging": logging if multi else None,
        "status_error": error,
    }


@pytest.mark.parametrize(
    "trails, status, words",
    [
        ([trail("all")], "pass", "logging: all"),
        ([trail("off", logging=False), trail("on")], "pass", "logging: on"),
        ([trail("off", logging=False)], "fail", "off is not logging"),
        ([trail("local", multi=False)], "fail", "no multi-region trail in us-east-1 (single-region trails: local)"),
        ([], "fail", "no CloudTrail trail"),
        ([trail("org", logging=None, organization=True, error="TrailNotFound")], "warn", "organization trail org"),
        ([trail("mine", logging=None, error="AccessDenied")], "fail", "could not read"),
    ],
)
def test_a_multi_region_trail_must_be_logging(trails, status, words):
    check = baseline.evaluate_trails(trails, True, "us-east-1")

    assert check["status"] == status and words in check["message"]


def test_config_recorder():
    recording = [{"name": "default", "recording": True, "last_status": "SUCCESS"}]
    stopped = [{"name": "default", "recording": False, "last_status": "SUCCESS"}]

    assert baseline.evaluate_config_recorders(recording, False)["status"] == "pass"
    check = baseline.evaluate_config_recorders(stopped, False)
    assert check["status"] == "warn" and "--configuration-recorder-name default" in check["remedy"]
    assert baseline.evaluate_config_recorders([], True)["status"] == "fail"


def test_password_policy_shortfalls_are_listed():
    policy = {"MinimumPasswordLength": 8, "RequireSymbols": True, "RequireNumbers": False, "MaxPasswordAge": 365}
    requirements = {**baseline.DEFAULT_PASSWORD_POLICY, "max_password_age": 90, "password_reuse_prevention": 24}

    shortfalls = baseline.password_policy_shortfalls(policy, requirements)

    assert shortfalls == [
        "minimum password length 14 (now 8)",
        "require numbers",
        "require uppercase characters",
        "require lowercase characters",
        "password reuse prevention 24 (now 0)",
        "passwords expire after 90 days at most (now 365)",
    ]
    check = baseline.evaluate_password_policy(None, False, requirements=baseline.DEFAULT_PASSWORD_POLICY)
    assert check["status"] == "warn" and "--minimum-password-length 14" in check["remedy"]


def test_a_check_that_cannot_be_made_never_passes():
    iam, stub = stubbed("iam")
    stub.add_client_error("get_account_summary", "AccessDenied", "not allowed", 403)

    class Module:
        region = "us-east-1"

        def client(self, service, retry_decorator=None):
            return {"iam": iam, "sts": sts}[service]

    sts, sts_stub = stubbed("sts")
    sts_stub.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::1:user/x", "UserId": "A"})
    with stub, sts_stub:
        results, facts = baseline.run_baseline(Module(), ["root_mfa"], ["root_mfa"], baseline.DEFAULT_PASSWORD_POLICY)

    assert facts["account_id"] == ACCOUNT and facts["root_mfa"] is None
    assert results[0]["status"] == "fail" and "AccessDenied" in results[0]["message"]
    assert "iam:GetAccountSummary" in results[0]["remedy"]
