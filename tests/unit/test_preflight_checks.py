"""The preflight checks' judging rules (pure) and their reads against botocore's Stubber.

Each rule is stated here as a user of the checklist expects it, and the collection has to match it: the
Partner Central account must be a member account on the Paid plan, reached with its own credentials; the
baseline blocks on root MFA and a logging multi-region trail; nothing that could not be verified passes or
fails: it is ``unknown``, and says whether AWS throttled the call, denied access or was not there.
"""

import boto3
import botocore.exceptions
import pytest
from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.module_utils import baseline
from ansible_collections.diatonic.partnercentral.plugins.module_utils import checks
from ansible_collections.diatonic.partnercentral.plugins.module_utils import iam_policy_entities
from ansible_collections.diatonic.partnercentral.plugins.module_utils import managed_policies
from ansible_collections.diatonic.partnercentral.plugins.module_utils import organizations
from ansible_collections.diatonic.partnercentral.plugins.module_utils import records

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
        ("member", ORG, "member", "verified"),
        ("member", ORG, "management", "failed"),
        ("member", None, "standalone", "failed"),
        ("management", ORG, "management", "verified"),
        ("management", ORG, "member", "failed"),
        ("standalone", None, "standalone", "verified"),
        ("standalone", ORG, "member", "failed"),
        ("any", ORG, "management", "verified"),
        ("any", None, "standalone", "verified"),
    ],
)
def test_membership_must_be_what_the_phase_needs(required, org, membership, status):
    account = MANAGEMENT if membership == "management" else ACCOUNT
    assert organizations.membership_of(account, org) == membership

    record = organizations.evaluate_membership(required, membership, account, org)

    assert record["id"] == "preflight.membership" and record["phase"] == "0" and record["account"] == account
    assert record["status"] == status
    assert (record["remedy"] is None) == (status == "verified")
    assert records.record_problems(record) == []


def test_the_management_account_is_refused_as_partner_central_account_with_a_way_out():
    record = organizations.evaluate_membership("member", "management", MANAGEMENT, ORG)

    assert record["status"] == "failed" and record["blocking"] is True
    assert f"{MANAGEMENT} is the management account of organization {ORG['id']}" in record["evidence"]
    assert "dedicated member account" in record["remedy"]


def test_a_member_required_to_be_management_is_told_which_account_is():
    check = organizations.evaluate_membership("management", "member", ACCOUNT, ORG)

    assert MANAGEMENT in check["remedy"]


def client_error(code, status=400, message="no"):
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Operation"
    )


def test_an_unreadable_organization_is_unknown_never_a_verdict():
    denied = organizations.evaluate_membership("member", "unknown", ACCOUNT, None, client_error("AccessDenied", 403))
    reporting = organizations.evaluate_membership("any", "unknown", ACCOUNT, None, client_error("AccessDenied", 403))

    assert denied["status"] == "unknown" and denied["blocking"] is True
    assert denied["evidence"].startswith("could not check: access denied")
    assert "allow organizations:DescribeOrganization" in denied["remedy"]
    assert reporting["status"] == "unknown" and reporting["blocking"] is False
    assert records.verdict([denied]) == records.UNVERIFIED


@pytest.mark.parametrize(
    "error, kind, words",
    [
        (client_error("ThrottlingException"), checks.THROTTLED, "throttled"),
        (client_error("Throttling"), checks.THROTTLED, "throttled"),
        (client_error("SlowDown", 503), checks.THROTTLED, "throttled"),
        (client_error("InternalFailure", 500), checks.THROTTLED, "throttled"),
        (client_error("AccessDeniedException", 400), checks.ACCESS_DENIED, "access denied"),
        (client_error("Whatever", 403), checks.ACCESS_DENIED, "access denied"),
        (botocore.exceptions.EndpointConnectionError(endpoint_url="https://x"), checks.NOT_AVAILABLE, "not available"),
        (client_error("UnknownOperationException"), checks.NOT_AVAILABLE, "not available"),
        (client_error("ValidationException"), checks.ERROR, "error"),
    ],
)
def test_why_a_check_could_not_be_made_tells_throttling_access_and_absence_apart(error, kind, words):
    assert checks.failure_kind(error) == kind

    record = organizations.evaluate_membership("member", "unknown", ACCOUNT, None, error)

    assert record["status"] == "unknown"
    assert record["evidence"].startswith(f"could not check: {words}"), record["evidence"]
    if kind == checks.THROTTLED:
        assert record["remedy"].startswith("run again later") and "allow" not in record["remedy"]
    elif kind == checks.ACCESS_DENIED:
        assert record["remedy"].startswith("allow organizations:DescribeOrganization")
    else:
        assert "allow" not in record["remedy"]


def test_credentials_of_another_account_name_both_accounts():
    caller = {"account_id": "444455556666", "arn": "arn:aws:iam::444455556666:user/ops", "user_id": "AIDA"}

    record = organizations.evaluate_account_id(ACCOUNT, caller)

    assert record["id"] == "preflight.account_id" and record["status"] == "failed" and record["account"] == ACCOUNT
    assert "444455556666" in record["evidence"] and ACCOUNT in record["evidence"]
    assert organizations.evaluate_account_id("444455556666", caller)["status"] == "verified"


@pytest.mark.parametrize(
    "plan, require_paid, status, blocking",
    [
        ("PAID", True, "verified", True),
        ("FREE", True, "failed", True),
        ("FREE", False, "verified", False),
        ("unknown", True, "unknown", True),
        ("unknown", False, "unknown", False),
    ],
)
def test_plan(plan, require_paid, status, blocking):
    found = {"type": plan, "error": "not available: EndpointConnectionError" if plan == "unknown" else None}

    record = organizations.evaluate_plan(require_paid, found, ACCOUNT)

    assert record["id"] == "preflight.plan" and record["phase"] == "0"
    assert (record["status"], record["blocking"]) == (status, blocking)


def test_required_members_must_be_active_members_and_not_the_management_account():
    accounts = {
        ACCOUNT: {"id": ACCOUNT, "name": "pc", "state": "ACTIVE"},
        "444455556666": {"id": "444455556666", "name": "old", "state": "SUSPENDED"},
        MANAGEMENT: {"id": MANAGEMENT, "name": "payer", "state": "ACTIVE"},
    }

    found = organizations.evaluate_required_members(
        [ACCOUNT, "444455556666", MANAGEMENT, "777788889999"], accounts, ORG
    )

    # One record per member, in the member's own account.
    assert [(r["account"], r["status"]) for r in found] == [
        (ACCOUNT, "verified"),
        ("444455556666", "failed"),
        (MANAGEMENT, "failed"),
        ("777788889999", "failed"),
    ]
    assert {r["id"] for r in found} == {"preflight.organization_member"}
    assert "444455556666 (old) is SUSPENDED" in found[1]["evidence"]
    assert f"{MANAGEMENT} is the organization's management account" in found[2]["evidence"]
    assert "777788889999 is not in organization" in found[3]["evidence"]


def test_options_are_refused_before_any_call():
    problems = organizations.validate_options(
        {
            "expected_account_id": "2109876543",
            "expected_management_account_id": "31347688831",
            "required_members": ["12345678901x"],
            "membership": "member",
        }
    )

    assert len(problems) == 3
    assert "expected_account_id '2109876543'" in problems[0]
    assert "expected_management_account_id '31347688831'" in problems[1]
    assert "'12345678901x'" in problems[2]


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

    assert plan["type"] == "unknown" and plan["error"].startswith("access denied")
    assert "AccessDeniedException" in plan["error"]


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

    record = managed_policies.evaluate_policies(available, ["C"], ACCOUNT)

    assert record["id"] == "preflight.managed_policies" and record["phase"] == "3" and record["account"] == ACCOUNT
    assert record["status"] == "failed" and record["blocking"] is True
    assert "1 managed policy not found in IAM: C" in record["evidence"]
    assert "attached to a role: B" in record["evidence"]
    assert managed_policies.evaluate_policies(available[:1], [])["status"] == "verified"


def test_a_throttled_policy_look_up_is_unknown_not_missing(monkeypatch):
    monkeypatch.setattr(cloud.time, "sleep", lambda seconds: None)
    iam, stub = stubbed("iam")
    for _ in range(10):  # amazon.aws's get_iam_managed_policy_by_arn tries ten times
        stub.add_client_error("get_policy", "Throttling", "Rate exceeded", 400)
    with stub:
        available, missing, record = managed_policies.check_policies(iam.client, ["ReadOnlyAccess"], "aws", ACCOUNT)

    assert missing == [] and available == []
    assert record["status"] == "unknown" and record["evidence"].startswith("could not check: throttled")
    stub.assert_no_pending_responses()


def test_bad_policy_references_are_refused():
    problems = managed_policies.validate_policy_references(["Good", "arn:aws:iam::aws:role/Bad", "no spaces"])

    assert len(problems) == 2


# --- the security baseline ----------------------------------------------------------


def root(mfa, password=None, keys=False):
    return {"mfa_enabled": mfa, "password_present": password, "access_keys_present": keys}


def status(record):
    return record["status"], record["blocking"]


def test_root_mfa_blocks_by_default_and_is_a_non_blocking_failure_when_told_not_to_block():
    assert "root_mfa" in baseline.DEFAULT_BLOCKING and "cloudtrail" in baseline.DEFAULT_BLOCKING
    assert status(baseline.evaluate_root_mfa(root(True), True)) == ("verified", True)
    failed = baseline.evaluate_root_mfa(root(False), True, ACCOUNT)
    assert status(failed) == ("failed", True)
    assert failed["id"] == "baseline.root_mfa" and failed["phase"] == "2" and failed["account"] == ACCOUNT
    assert status(baseline.evaluate_root_mfa(root(False), False)) == ("failed", False)


def test_a_root_user_without_credentials_needs_no_mfa():
    assert baseline.evaluate_root_mfa(root(False, password=False), True)["status"] == "verified"
    assert baseline.evaluate_root_mfa(root(False, password=False, keys=True), True)["status"] == "failed"


def test_console_users_without_mfa_are_named():
    found = {"users": 3, "console_users": {"alice": True, "bob": False, "carol": False}}

    record = baseline.evaluate_console_users(found, False)

    assert status(record) == ("failed", False) and "bob, carol" in record["evidence"]
    assert baseline.evaluate_console_users({"users": 1, "console_users": {}}, True)["status"] == "verified"


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
    "trails, expected, words",
    [
        ([trail("all")], ("verified", True), "logging: all"),
        ([trail("off", logging=False), trail("on")], ("verified", True), "logging: on"),
        ([trail("off", logging=False)], ("failed", True), "off is not logging"),
        (
            [trail("local", multi=False)],
            ("failed", True),
            "no multi-region trail in us-east-1 (single-region trails: local)",
        ),
        ([], ("failed", True), "no CloudTrail trail"),
        (
            [trail("org", logging=None, organization=True, error="access denied: TrailNotFound")],
            ("unknown", False),
            "organization trail org",
        ),
        ([trail("mine", logging=None, error="access denied: AccessDenied")], ("unknown", True), "could not check"),
    ],
)
def test_a_multi_region_trail_must_be_logging(trails, expected, words):
    record = baseline.evaluate_trails(trails, True, "us-east-1")

    assert status(record) == expected and words in record["evidence"]


def test_config_recorder():
    recording = [{"name": "default", "recording": True, "last_status": "SUCCESS"}]
    stopped = [{"name": "default", "recording": False, "last_status": "SUCCESS"}]

    assert baseline.evaluate_config_recorders(recording, False)["status"] == "verified"
    record = baseline.evaluate_config_recorders(stopped, False)
    assert status(record) == ("failed", False) and "--configuration-recorder-name default" in record["remedy"]
    assert status(baseline.evaluate_config_recorders([], True)) == ("failed", True)


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
    record = baseline.evaluate_password_policy(None, False, requirements=baseline.DEFAULT_PASSWORD_POLICY)
    assert status(record) == ("failed", False) and "--minimum-password-length 14" in record["remedy"]


def test_a_check_that_cannot_be_made_is_unknown_never_passed_or_failed():
    iam, stub = stubbed("iam")
    stub.add_client_error("get_account_summary", "AccessDenied", "not allowed", 403)
    with stub:
        found, facts = baseline.run_baseline(
            {"iam": iam}, ["root_mfa"], ["root_mfa"], baseline.DEFAULT_PASSWORD_POLICY, account=ACCOUNT
        )

    assert facts["root_mfa"] is None
    (record,) = found
    assert record["id"] == "baseline.root_mfa" and record["account"] == ACCOUNT
    assert status(record) == ("unknown", True)
    assert record["evidence"].startswith("could not check: access denied") and "AccessDenied" in record["evidence"]
    assert "iam:GetAccountSummary" in record["remedy"]
    assert records.verdict(found) == records.UNVERIFIED


def test_console_users_are_read_page_by_page_with_their_mfa_devices():
    iam, stub = stubbed("iam")
    user = {"Path": "/", "UserId": "AIDAEXAMPLE0000000001", "Arn": "arn:aws:iam::1:user/x", "CreateDate": "2024-01-01"}
    stub.add_response("list_users", {"Users": [{**user, "UserName": "alice"}], "IsTruncated": True, "Marker": "m"})
    stub.add_response("list_users", {"Users": [{**user, "UserName": "bob"}], "IsTruncated": False}, {"Marker": "m"})
    stub.add_response(
        "get_login_profile", {"LoginProfile": {"UserName": "alice", "CreateDate": "2024-01-01"}}, {"UserName": "alice"}
    )
    stub.add_response("list_mfa_devices", {"MFADevices": []}, {"UserName": "alice"})
    stub.add_client_error("get_login_profile", "NoSuchEntity", "none", 404, expected_params={"UserName": "bob"})
    with stub:
        found = baseline.read_console_users(iam)

    assert found == {"users": 2, "console_users": {"alice": False}}
    stub.assert_no_pending_responses()


# --- who has a managed policy (iam_policy_entities_info) ----------------------------


def test_a_policys_users_include_those_it_reaches_through_groups():
    iam, stub = stubbed("iam")
    arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    stub.add_response(
        "list_entities_for_policy",
        {
            "PolicyGroups": [{"GroupName": "Admins", "GroupId": "AGPAEXAMPLE00000000001"}],
            "PolicyUsers": [{"UserName": "org-admin", "UserId": "AIDAEXAMPLE00000000001"}],
            "PolicyRoles": [],
            "IsTruncated": False,
        },
        {"PolicyArn": arn},
    )
    group = {"Path": "/", "GroupName": "Admins", "GroupId": "AGPAEXAMPLE00000000001", "Arn": "arn:aws:iam::1:group/A"}
    user = {"Path": "/", "UserId": "AIDAEXAMPLE00000000002", "Arn": "arn:aws:iam::1:user/x", "CreateDate": "2024-01-01"}
    stub.add_response(
        "get_group", {"Group": {**group, "CreateDate": "2024-01-01"}, "Users": [{**user, "UserName": "bob"}]}
    )
    with stub:
        found = iam_policy_entities.read_policy_entities(iam, arn)

    assert found["all_users"] == ["bob", "org-admin"] and found["group_members"] == {"Admins": ["bob"]}


def test_a_policy_that_does_not_exist_is_named():
    iam, stub = stubbed("iam")
    stub.add_client_error("list_entities_for_policy", "NoSuchEntity", "no such policy", 404)
    with stub, pytest.raises(AnsibleAWSError, match="Managed policy arn:aws:iam::aws:policy/Nope does not exist"):
        iam_policy_entities.read_policy_entities(iam, "arn:aws:iam::aws:policy/Nope")


def test_policy_names_follow_iams_own_rules_ascii_only():
    assert iam_policy_entities.validate_policy("AdministratorAccess") is None
    assert iam_policy_entities.validate_policy("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess") is None
    assert "not a managed policy name" in iam_policy_entities.validate_policy("Administratorüccess")
    assert "not an IAM managed policy ARN" in iam_policy_entities.validate_policy("arn:aws:iam::aws:role/Admin")
