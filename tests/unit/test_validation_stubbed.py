"""Phases 6 and 8 read-only: the linking evidence, CloudTrail's denied AssumeRole calls and the persona roles
verified without a write, against botocore's Stubber.

What a user of the checklist expects: an account is linked when AWS's cloud admin role is there and Partner
Central knows its partner; what cannot be read (credentials refused, throttled, an old botocore) is ``unknown``
with the reason, never a pass or a fail; what no API shows is a manual step saying how a person confirms it.
CloudTrail is read page by page at most two calls a second, retries included, and a denial on a
``PartnerCentralRoleFor*`` role fails the validation with the denial as evidence.
"""

import datetime
import json

import boto3
import botocore
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.module_utils import cloudtrail
from ansible_collections.diatonic.partnercentral.plugins.module_utils import linking
from ansible_collections.diatonic.partnercentral.plugins.module_utils import partnercentral
from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils import validation
from ansible_collections.diatonic.partnercentral.plugins.modules import partnercentral_linking_info

ACCOUNT = "210987654321"
SERVICE = "partnercentral-account-management.amazonaws.com"
CLOUD_ADMIN = "PartnerCentralRoleForCloudAdmin-a1b2c3"
ASSOCIATION = "arn:aws:iam::aws:policy/PartnerCentralAccountManagementUserRoleAssociation"
PARTNER_ID = "partner-a" + ACCOUNT
PARTNER_ARN = f"arn:aws:partnercentral:us-east-1:{ACCOUNT}:catalog/AWS/partner/{PARTNER_ID}"
NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.timezone.utc)  # noqa: UP017


def stubbed(service, region="us-east-1"):
    client = boto3.client(service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
    return RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff(retries=1)), Stubber(client)


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch):
    monkeypatch.setattr(cloud.time, "sleep", lambda seconds: None)


def assert_valid(found):
    assert [p for r in found for p in records.record_problems(r)] == []


def by_id(found):
    return {r["id"]: r for r in found}


def trust(service=SERVICE):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def role_item(name, document=None):
    return {
        "Path": "/",
        "RoleName": name,
        "RoleId": "AROA" + "X" * 17,
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "CreateDate": NOW,
        "AssumeRolePolicyDocument": document or trust(),
    }


# --- phase 6: the cloud admin role ------------------------------------------------------------------------


def stub_roles(stubber, roles, attached=None):
    stubber.add_response("list_roles", {"Roles": roles, "IsTruncated": False})
    for role in roles:
        if role["RoleName"].startswith("PartnerCentralRoleForCloudAdmin"):
            policies = (attached or {}).get(role["RoleName"], [])
            stubber.add_response(
                "list_attached_role_policies",
                {
                    "AttachedPolicies": [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in policies],
                    "IsTruncated": False,
                },
                {"RoleName": role["RoleName"]},
            )


def test_the_cloud_admin_role_aws_made_while_linking_is_evidence_of_the_link():
    iam, stubber = stubbed("iam")
    stub_roles(
        stubber,
        [role_item("PartnerCentralRoleForAllianceLead"), role_item(CLOUD_ADMIN)],
        {CLOUD_ADMIN: [ASSOCIATION]},
    )
    with stubber:
        record, roles = linking.cloud_admin_role_record(iam, ACCOUNT)

    assert record["id"] == "linking.cloud_admin_role" and record["phase"] == "6"
    assert record["status"] == "verified", record
    assert CLOUD_ADMIN in record["evidence"] and SERVICE in record["evidence"]
    assert [r["name"] for r in roles] == [CLOUD_ADMIN]
    assert_valid([record])


def test_no_cloud_admin_role_means_not_linked_and_the_remedy_is_the_console_step():
    iam, stubber = stubbed("iam")
    stub_roles(stubber, [role_item("PartnerCentralRoleForAllianceLead")])
    with stubber:
        record, _roles = linking.cloud_admin_role_record(iam, ACCOUNT)

    assert record["status"] == "failed" and record["blocking"]
    assert "not been linked" in record["evidence"]
    assert "Link AWS Account" in record["remedy"] and "nothing can link it through an API" in record["remedy"]


def test_a_cloud_admin_role_without_the_association_policy_or_the_service_trust_is_named():
    iam, stubber = stubbed("iam")
    stub_roles(stubber, [role_item(CLOUD_ADMIN, trust("ec2.amazonaws.com"))], {CLOUD_ADMIN: []})
    with stubber:
        record, _roles = linking.cloud_admin_role_record(iam, ACCOUNT)

    assert record["status"] == "failed"
    assert f"{CLOUD_ADMIN} does not trust {SERVICE} and lacks" in record["evidence"]


def test_iam_refusing_the_role_list_makes_the_cloud_admin_role_unknown_never_failed():
    iam, stubber = stubbed("iam")
    stubber.add_client_error("list_roles", service_error_code="AccessDenied", http_status_code=403)
    with stubber:
        record, roles = linking.cloud_admin_role_record(iam, ACCOUNT)

    assert record["status"] == "unknown" and roles is None
    assert record["evidence"].startswith("could not check: access denied")
    assert "allow iam:ListRoles" in record["remedy"]


# --- phase 6: the partnercentral-account API --------------------------------------------------------------


def partner_summary(partner_id=PARTNER_ID):
    return {"Catalog": "AWS", "Arn": PARTNER_ARN, "Id": partner_id, "LegalName": "Example Corp", "CreatedAt": NOW}


def partner_answer():
    return {
        **partner_summary(),
        "Profile": {
            "DisplayName": "Example",
            "Description": "Consulting",
            "WebsiteUrl": "https://example.com",
            "LogoUrl": "https://example.com/logo.png",
            "PrimarySolutionType": "CONSULTING_SERVICES",
            "IndustrySegments": ["BIOTECHNOLOGY"],
            "TranslationSourceLocale": "en-US",
        },
    }


def lead_answer():
    return {
        "Catalog": "AWS",
        "Arn": PARTNER_ARN,
        "Id": PARTNER_ID,
        "AllianceLeadContact": {
            "FirstName": "Ada",
            "LastName": "Lovelace",
            "Email": "ada@example.com",
            "BusinessTitle": "Alliance Lead",
        },
    }


def test_a_linked_account_shows_its_partner_and_alliance_lead_read_across_pages():
    client, stubber = stubbed("partnercentral-account")
    stubber.add_response("list_partners", {"PartnerSummaryList": [], "NextToken": "page-2"}, {"Catalog": "AWS"})
    stubber.add_response(
        "list_partners", {"PartnerSummaryList": [partner_summary()]}, {"Catalog": "AWS", "NextToken": "page-2"}
    )
    stubber.add_response("get_partner", partner_answer(), {"Catalog": "AWS", "Identifier": PARTNER_ID})
    stubber.add_response("get_alliance_lead_contact", lead_answer(), {"Catalog": "AWS", "Identifier": PARTNER_ID})
    with stubber:
        found, partner, lead = linking.partner_records(client, "AWS", ACCOUNT)
    stubber.assert_no_pending_responses()

    found = by_id(found)
    assert found["linking.partner"]["status"] == "verified"
    assert PARTNER_ID in found["linking.partner"]["evidence"] and "Example Corp" in found["linking.partner"]["evidence"]
    assert PARTNER_ARN in found["linking.partner"]["evidence"]
    assert partner == {
        "id": PARTNER_ID,
        "arn": PARTNER_ARN,
        "legal_name": "Example Corp",
        "catalog": "AWS",
        "display_name": "Example",
    }
    assert found["linking.alliance_lead"]["status"] == "verified"
    assert "Ada Lovelace" in found["linking.alliance_lead"]["evidence"]
    # Enough for a person to recognise the address, not the address itself.
    assert lead["email"] == "a***@example.com" and "ada@example.com" not in json.dumps(found)
    assert_valid(found.values())


def test_no_partner_in_the_catalog_fails_as_not_linked_and_skips_the_alliance_lead():
    client, stubber = stubbed("partnercentral-account")
    stubber.add_response("list_partners", {"PartnerSummaryList": []}, {"Catalog": "Sandbox"})
    with stubber:
        found, partner, lead = linking.partner_records(client, "Sandbox", ACCOUNT)

    found = by_id(found)
    assert partner is None and lead is None
    assert found["linking.partner"]["status"] == "failed"
    assert "Sandbox catalog" in found["linking.partner"]["evidence"]
    assert found["linking.alliance_lead"]["status"] == "skipped"
    assert_valid(found.values())


@pytest.mark.parametrize(
    "code, status, kind",
    [
        ("AccessDeniedException", 403, "access denied"),
        ("ThrottlingException", 400, "throttled"),
    ],
)
def test_partner_central_refusing_or_throttling_is_unknown_with_the_reason_never_failed(code, status, kind):
    client, stubber = stubbed("partnercentral-account")
    # Throttling is retried (retrying.backoff(): the first call and 8 retries) before it is reported.
    for _attempt in range(9 if kind == "throttled" else 1):
        stubber.add_client_error("list_partners", service_error_code=code, http_status_code=status)
    with stubber:
        found, partner, _lead = linking.partner_records(client, "AWS", ACCOUNT)

    assert partner is None
    assert [(r["id"], r["status"]) for r in found] == [
        ("linking.partner", "unknown"),
        ("linking.alliance_lead", "unknown"),
    ]
    assert all(r["evidence"].startswith(f"could not check: {kind}") for r in found), found
    assert_valid(found)


def test_refused_alliance_lead_only_is_unknown_while_the_partner_stays_verified():
    client, stubber = stubbed("partnercentral-account")
    stubber.add_response("list_partners", {"PartnerSummaryList": [partner_summary()]})
    stubber.add_response("get_partner", partner_answer())
    stubber.add_client_error("get_alliance_lead_contact", "AccessDeniedException", http_status_code=403)
    with stubber:
        found, _partner, _lead = linking.partner_records(client, "AWS", ACCOUNT)

    found = by_id(found)
    assert found["linking.partner"]["status"] == "verified"
    assert found["linking.alliance_lead"]["status"] == "unknown"
    assert "partnercentral:GetAllianceLeadContact" in found["linking.alliance_lead"]["remedy"]


def test_a_partner_without_alliance_lead_contact_fails_that_item():
    client, stubber = stubbed("partnercentral-account")
    stubber.add_response("list_partners", {"PartnerSummaryList": [partner_summary()]})
    stubber.add_response("get_partner", partner_answer())
    stubber.add_client_error("get_alliance_lead_contact", "ResourceNotFoundException", http_status_code=404)
    with stubber:
        found, _partner, lead = linking.partner_records(client, "AWS", ACCOUNT)

    assert lead is None and by_id(found)["linking.alliance_lead"]["status"] == "failed"


def test_the_linking_steps_no_api_shows_are_manual_and_say_how_a_person_confirms_them():
    found = linking.manual_records(ACCOUNT, [{"name": CLOUD_ADMIN}])

    assert {r["id"] for r in found} == {"linking.cloud_admin_assigned", "linking.confirmation"}
    for record in found:
        assert record["status"] == "manual" and record["remedy"] and record["confirm"] and record["who"]
    assert CLOUD_ADMIN in by_id(found)["linking.cloud_admin_assigned"]["confirm"]
    assert_valid(found)


class ReachedAWS(Exception):
    pass


def run_linking_module(monkeypatch, capsys, botocore_version, clients):
    """The module with stubbed clients; returns its result and the services it asked a client for."""
    monkeypatch.setattr(botocore, "__version__", botocore_version)
    asked = []

    def client(self, service, retry_decorator=None, **kwargs):
        asked.append((service, kwargs.get("region")))
        if service not in clients:
            raise ReachedAWS(service)
        return clients[service]

    monkeypatch.setattr(AnsibleAWSModule, "client", client)
    with patch_module_args({"region": "eu-west-1", "expected_account_id": ACCOUNT}), pytest.raises(SystemExit):
        partnercentral_linking_info.main()
    return json.loads(capsys.readouterr().out), asked


def identity_stub():
    sts, stubber = stubbed("sts")
    stubber.add_response(
        "get_caller_identity", {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/validator", "UserId": "AIDA"}
    )
    return sts, stubber


def test_a_botocore_without_the_partner_central_api_reports_unknown_and_still_reads_iam(monkeypatch, capsys):
    sts, sts_stubber = identity_stub()
    iam, iam_stubber = stubbed("iam")
    stub_roles(iam_stubber, [role_item(CLOUD_ADMIN)], {CLOUD_ADMIN: [ASSOCIATION]})
    with sts_stubber, iam_stubber:
        result, asked = run_linking_module(monkeypatch, capsys, "1.41.5", {"sts": sts, "iam": iam})

    assert not result.get("failed"), result
    assert "partnercentral-account" not in [service for service, _region in asked]
    found = by_id(result["records"])
    assert found["linking.cloud_admin_role"]["status"] == "verified"
    for item in ("linking.partner", "linking.alliance_lead"):
        assert found[item]["status"] == "unknown"
        assert "botocore 1.41.5" in found[item]["evidence"] and "botocore>=1.41.6" in found[item]["remedy"]
    assert result["verdict"] == "unknown" and result["changed"] is False


def test_the_module_asks_partner_central_in_us_east_1_whatever_the_region(monkeypatch, capsys):
    sts, sts_stubber = identity_stub()
    iam, iam_stubber = stubbed("iam")
    stub_roles(iam_stubber, [])
    pc, pc_stubber = stubbed("partnercentral-account")
    pc_stubber.add_response("list_partners", {"PartnerSummaryList": []})
    with sts_stubber, iam_stubber, pc_stubber:
        result, asked = run_linking_module(
            monkeypatch, capsys, "1.44.5", {"sts": sts, "iam": iam, "partnercentral-account": pc}
        )

    assert ("partnercentral-account", "us-east-1") in asked
    assert by_id(result["records"])["linking.partner"]["status"] == "failed"
    assert by_id(result["records"])["linking.cloud_admin_role"]["status"] == "failed"
    assert result["verdict"] == "not_ready"


# --- phase 8: CloudTrail's denied AssumeRole calls ------------------------------------------------------------


class FakeClock:
    """time.monotonic and time.sleep for a Pacer: sleeping moves the clock."""

    def __init__(self):
        self.now = 100.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 3))
        self.now += seconds


def assume_role_event(role, error_code=None, event_id="e1", minutes_ago=5, resource_only=False):
    detail = {
        "eventVersion": "1.08",
        "eventID": event_id,
        "eventName": "AssumeRole",
        "eventSource": "sts.amazonaws.com",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "partnercentral-account-management.amazonaws.com",
        "userIdentity": {"type": "AWSService", "invokedBy": "partnercentral-account-management.amazonaws.com"},
        "requestParameters": None if resource_only else {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}"},
    }
    if error_code:
        detail.update(errorCode=error_code, errorMessage="not authorized to perform sts:AssumeRole")
    return {
        "EventId": event_id,
        "EventName": "AssumeRole",
        "EventTime": NOW - datetime.timedelta(minutes=minutes_ago),
        "EventSource": "sts.amazonaws.com",
        "Resources": [{"ResourceType": "AWS::IAM::Role", "ResourceName": f"arn:aws:iam::{ACCOUNT}:role/{role}"}],
        "CloudTrailEvent": json.dumps(detail),
    }


def test_the_pacer_keeps_to_two_calls_a_second():
    clock = FakeClock()
    pacer = cloudtrail.Pacer(2, clock=clock.clock, sleep=clock.sleep)

    for _call in range(4):
        pacer.wait()

    assert pacer.calls == 4 and clock.slept == [0.5, 0.5, 0.5]


def test_the_gap_runs_from_the_end_of_the_previous_call_so_slow_answers_never_bunch_up():
    clock = FakeClock()
    pacer = cloudtrail.Pacer(2, clock=clock.clock, sleep=clock.sleep)

    for _call in range(3):
        pacer.wait()
        clock.now += 0.3  # the call takes 0.3 s
        pacer.done()

    # Half a second between the end of one call and the start of the next, not between starts.
    assert clock.slept == [0.5, 0.5]


def test_denials_are_found_across_pages_each_call_paced():
    client, stubber = stubbed("cloudtrail")
    stubber.add_response(
        "lookup_events",
        {"Events": [assume_role_event("PartnerCentralRoleForReadOnly", event_id="ok")], "NextToken": "t2"},
    )
    stubber.add_response(
        "lookup_events",
        {
            "Events": [
                assume_role_event("PartnerCentralRoleForACEManager", "AccessDenied", "denied-1", 20),
                assume_role_event("SomeOtherRole", "AccessDenied", "other"),
                assume_role_event("PartnerCentralRoleForMarketing", "ValidationError", "not-a-denial"),
            ]
        },
    )
    clock = FakeClock()
    pacer = cloudtrail.Pacer(2, clock=clock.clock, sleep=clock.sleep)
    with stubber:
        found, facts = cloudtrail.denial_records(client, 24, 10, "us-east-1", account=ACCOUNT, now=NOW, pacer=pacer)
    stubber.assert_no_pending_responses()

    assert pacer.calls == 2 and clock.slept == [0.5]
    assert facts["complete"] and facts["events_read"] == 4
    assert [d["event_id"] for d in facts["denials"]] == ["denied-1"]
    denial = facts["denials"][0]
    assert denial["role_name"] == "PartnerCentralRoleForACEManager" and denial["error_code"] == "AccessDenied"
    assert denial["principal"] == SERVICE
    (record,) = found
    assert record["id"] == "validation.assume_role_denials" and record["phase"] == "8"
    assert record["status"] == "failed" and record["blocking"]
    assert "1 denied AssumeRole" in record["evidence"] and "PartnerCentralRoleForACEManager" in record["evidence"]
    assert "trust policy" in record["remedy"]
    assert_valid(found)


def test_the_lookup_asks_for_assume_role_events_of_the_window_fifty_at_a_time():
    client, stubber = stubbed("cloudtrail")
    stubber.add_response(
        "lookup_events",
        {"Events": []},
        {
            "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}],
            "StartTime": NOW - datetime.timedelta(hours=6),
            "EndTime": NOW,
            "MaxResults": 50,
        },
    )
    with stubber:
        found, facts = cloudtrail.denial_records(client, 6, 10, "us-east-1", account=ACCOUNT, now=NOW)

    assert found[0]["status"] == "verified"
    assert "0 AssumeRole events read" in found[0]["evidence"] and "2026-11-26 06:00" in found[0]["evidence"]
    assert facts["start_time"].startswith("2026-11-26T06:00")


def test_a_throttled_page_backs_off_and_is_asked_again_paced_not_restarting_the_read(monkeypatch):
    backoffs = []
    monkeypatch.setattr(cloud.time, "sleep", backoffs.append)
    client, stubber = stubbed("cloudtrail")
    stubber.add_response(
        "lookup_events", {"Events": [assume_role_event("PartnerCentralRoleForReadOnly")], "NextToken": "t2"}
    )
    stubber.add_client_error("lookup_events", "ThrottlingException", "Rate exceeded", http_status_code=400)
    stubber.add_response("lookup_events", {"Events": []}, expected_params=None)
    clock = FakeClock()
    pacer = cloudtrail.Pacer(2, clock=clock.clock, sleep=clock.sleep)
    with stubber:
        found, facts = cloudtrail.denial_records(client, 24, 10, "us-east-1", account=ACCOUNT, now=NOW, pacer=pacer)
    stubber.assert_no_pending_responses()

    assert len(backoffs) == 1  # one back-off, then the same page again (page 1 is not read twice)
    assert pacer.calls == 3  # the retry went through the pacer too
    assert found[0]["status"] == "verified" and facts["events_read"] == 1


def test_throttled_past_the_retries_is_unknown_and_says_so(monkeypatch):
    client, stubber = stubbed("cloudtrail")
    for _attempt in range(9):  # retrying.backoff(): the first call and 8 retries
        stubber.add_client_error("lookup_events", "ThrottlingException", http_status_code=400)
    with stubber:
        found, facts = cloudtrail.denial_records(
            client, 24, 10, "us-east-1", account=ACCOUNT, now=NOW, pacer=cloudtrail.Pacer(2, sleep=lambda s: None)
        )

    assert found[0]["status"] == "unknown" and found[0]["evidence"].startswith("could not check: throttled")
    assert facts["denials"] == [] and not facts["complete"]


def test_cloudtrail_refusing_the_lookup_is_unknown_never_verified():
    client, stubber = stubbed("cloudtrail")
    stubber.add_client_error("lookup_events", "AccessDeniedException", http_status_code=403)
    with stubber:
        found, _facts = cloudtrail.denial_records(client, 24, 10, "us-east-1", account=ACCOUNT, now=NOW)

    assert found[0]["status"] == "unknown"
    assert "access denied" in found[0]["evidence"] and "cloudtrail:LookupEvents" in found[0]["remedy"]
    assert_valid(found)


def test_stopping_at_max_pages_is_unknown_unless_a_denial_was_already_seen():
    def run(events):
        client, stubber = stubbed("cloudtrail")
        stubber.add_response("lookup_events", {"Events": events, "NextToken": "more"})
        with stubber:
            return cloudtrail.denial_records(
                client, 24, 1, "us-east-1", account=ACCOUNT, now=NOW, pacer=cloudtrail.Pacer(2, sleep=lambda s: None)
            )

    clean, facts = run([assume_role_event("PartnerCentralRoleForReadOnly")])
    assert clean[0]["status"] == "unknown" and not facts["complete"]
    assert "read the first 1 AssumeRole events" in clean[0]["evidence"] and "max_pages" in clean[0]["remedy"]

    denied, _facts = run([assume_role_event("PartnerCentralRoleForReadOnly", "AccessDenied")])
    assert denied[0]["status"] == "failed"


def test_a_denial_is_told_by_its_error_code_and_the_role_from_the_event_or_its_resources():
    on_path = assume_role_event("x", "AccessDenied")
    detail = json.loads(on_path["CloudTrailEvent"])
    detail["requestParameters"]["roleArn"] = f"arn:aws:iam::{ACCOUNT}:role/team/PartnerCentralRoleForTechnical"
    on_path["CloudTrailEvent"] = json.dumps(detail)
    assert cloudtrail.denial_of(on_path)["role_name"] == "PartnerCentralRoleForTechnical"

    resource_only = assume_role_event(
        "PartnerCentralRoleForReadOnly", "Client.UnauthorizedOperation", resource_only=True
    )
    assert cloudtrail.denial_of(resource_only)["role_arn"].endswith("role/PartnerCentralRoleForReadOnly")

    assert cloudtrail.denial_of(assume_role_event("PartnerCentralRoleForReadOnly")) is None
    assert cloudtrail.denial_of(assume_role_event("Admin", "AccessDenied")) is None
    assert cloudtrail.denial_of({"CloudTrailEvent": "not json"}) is None


def test_more_than_five_denials_name_five_and_count_the_rest():
    events = [assume_role_event("PartnerCentralRoleForReadOnly", "AccessDenied", f"d{i}", i) for i in range(7)]
    denials = cloudtrail.denials_in(events)
    start, end = cloudtrail.window(24, NOW)

    record = cloudtrail.evaluate_denials(denials, 7, True, start, end, "us-east-1", account=ACCOUNT)

    assert record["evidence"].startswith("7 denied AssumeRole") and record["evidence"].endswith("and 2 more")
    assert [d["event_id"] for d in denials][0] == "d6"  # oldest first


@pytest.mark.parametrize(
    "window, pages, rate, prefix, problem",
    [
        (0, 10, 2, "PartnerCentralRoleFor", "window_hours 0"),
        (2161, 10, 2, "PartnerCentralRoleFor", "keeps 90 days"),
        (24, 0, 2, "PartnerCentralRoleFor", "max_pages 0"),
        (24, 10, 3, "PartnerCentralRoleFor", "two calls a second"),
        (24, 10, 2, "", "role_prefix"),
    ],
)
def test_options_cloudtrail_cannot_honour_are_refused_before_any_call(window, pages, rate, prefix, problem):
    problems = cloudtrail.option_problems(window, pages, rate, prefix)
    assert len(problems) == 1 and problem in problems[0]


# --- the persona roles, verified without a write -------------------------------------------------------


def persona(name, policies, state="present"):
    return {"name": name, "state": state, "managed_policies": policies}


def current_role(name, policies, trust_document=None, inline=None):
    return {
        "name": name,
        "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "trust_policy": json.loads(trust_document or trust()),
        "managed_policies": sorted(policies),
        "inline_policies": inline or {},
    }


def read_of(*pairs):
    return [(partnercentral.desired_role(want, "aws"), have) for want, have in pairs]


LEAD = "PartnerCentralRoleForAllianceLead"
READONLY = "PartnerCentralRoleForReadOnly"
FULL = "arn:aws:iam::aws:policy/AWSPartnerCentralFullAccess"
READ = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def test_roles_as_declared_are_verified_and_their_arns_are_the_evidence():
    found = partnercentral.evaluate_roles(
        read_of(
            (persona(LEAD, ["AWSPartnerCentralFullAccess"]), current_role(LEAD, [FULL])),
            (persona(READONLY, ["ReadOnlyAccess"]), current_role(READONLY, [READ])),
        ),
        undeclared=[CLOUD_ADMIN],  # AWS's own role is expected
        account=ACCOUNT,
    )

    assert [(r["id"], r["status"]) for r in found] == [
        ("validation.persona_roles", "verified"),
        ("validation.persona_policies", "verified"),
        ("validation.persona_extras", "verified"),
    ]
    assert f"arn:aws:iam::{ACCOUNT}:role/{LEAD}" in found[0]["evidence"] and found[0]["phase"] == "4"
    assert_valid(found)


def test_a_policy_removed_behind_its_back_fails_naming_the_role_and_the_policy():
    found = by_id(
        partnercentral.evaluate_roles(
            read_of((persona(LEAD, ["AWSPartnerCentralFullAccess"]), current_role(LEAD, []))), account=ACCOUNT
        )
    )

    assert found["validation.persona_policies"]["status"] == "failed"
    assert found["validation.persona_policies"]["evidence"] == f"{LEAD} lacks {FULL}"
    assert "personas.yml" in found["validation.persona_policies"]["remedy"]
    assert found["validation.persona_roles"]["status"] == "verified"


def test_a_missing_role_a_wrong_trust_and_a_role_declared_absent_fail_the_roles_record():
    found = by_id(
        partnercentral.evaluate_roles(
            read_of(
                (persona(LEAD, ["AWSPartnerCentralFullAccess"]), None),
                (persona(READONLY, ["ReadOnlyAccess"]), current_role(READONLY, [READ], trust("ec2.amazonaws.com"))),
                (persona("PartnerCentralRoleForOld", [], "absent"), current_role("PartnerCentralRoleForOld", [])),
            ),
            account=ACCOUNT,
        )
    )

    evidence = found["validation.persona_roles"]["evidence"]
    assert found["validation.persona_roles"]["status"] == "failed"
    assert f"{LEAD} does not exist" in evidence
    assert f"{READONLY} trusts something other than exactly {SERVICE}" in evidence and "ec2" in evidence
    assert "PartnerCentralRoleForOld exists but is declared absent" in evidence


def test_extras_are_reported_without_blocking():
    found = by_id(
        partnercentral.evaluate_roles(
            read_of(
                (
                    persona(READONLY, ["ReadOnlyAccess"]),
                    current_role(
                        READONLY, [READ, "arn:aws:iam::aws:policy/AdministratorAccess"], inline={"by-hand": {}}
                    ),
                )
            ),
            undeclared=["PartnerCentralRoleForOldTeam", CLOUD_ADMIN],
            account=ACCOUNT,
        )
    )

    extras = found["validation.persona_extras"]
    assert extras["status"] == "failed" and extras["blocking"] is False
    assert "AdministratorAccess" in extras["evidence"] and "by-hand" in extras["evidence"]
    assert "PartnerCentralRoleForOldTeam" in extras["evidence"] and CLOUD_ADMIN not in extras["evidence"]
    assert records.verdict(list(found.values())) == "ready"


def test_verifying_the_roles_only_reads():
    iam, stubber = stubbed("iam")
    stubber.add_response(
        "get_role", {"Role": {**role_item(READONLY), "MaxSessionDuration": 3600}}, {"RoleName": READONLY}
    )
    stubber.add_response(
        "list_attached_role_policies",
        {"AttachedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": READ}], "IsTruncated": False},
        {"RoleName": READONLY},
    )
    stubber.add_response("list_role_policies", {"PolicyNames": [], "IsTruncated": False}, {"RoleName": READONLY})
    stubber.add_response("list_roles", {"Roles": [role_item(READONLY), role_item(CLOUD_ADMIN)], "IsTruncated": False})
    with stubber:  # any other call, a write above all, fails the Stubber
        found, read = partnercentral.verify_roles(iam, [persona(READONLY, ["ReadOnlyAccess"])], "aws", ACCOUNT)
    stubber.assert_no_pending_responses()

    assert [r["status"] for r in found] == ["verified", "verified", "verified"]
    assert read[0][1]["arn"].endswith(READONLY)


# --- phase 7's output, checked in phase 8 -------------------------------------------------------------


def mapping_file(tmp_path, rows):
    header = "email,name,current_roles,last_login,status,action,iam_role,iam_role_arn,reason"
    path = tmp_path / "user_mapping.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


def get_role_answer(name, document=None):
    return {"Role": {**role_item(name, document), "MaxSessionDuration": 3600}}


def test_a_complete_mapping_onto_usable_roles_is_verified(tmp_path):
    path = mapping_file(
        tmp_path,
        [
            f"ada@example.com,Ada,Admin,2026-11-01,active,map,{LEAD},,",
            "old@example.com,Old,Marketing,2024-01-01,inactive,exclude,,,inactive",
        ],
    )
    iam, stubber = stubbed("iam")
    stubber.add_response("get_role", get_role_answer(LEAD), {"RoleName": LEAD})
    with stubber:
        record = validation.mapping_record(iam, path, ACCOUNT)

    assert record["id"] == "validation.user_mapping" and record["phase"] == "7"
    assert record["status"] == "verified", record
    assert "1 users mapped to 1 roles" in record["evidence"] and "1 excluded" in record["evidence"]


def test_an_unmapped_user_and_a_role_with_the_wrong_trust_fail_naming_both(tmp_path):
    path = mapping_file(
        tmp_path,
        [
            f"ada@example.com,Ada,Admin,2026-11-01,active,map,{LEAD},,",
            "bob@example.com,Bob,Sales,2026-11-01,active,unmapped,,,no rule",
        ],
    )
    iam, stubber = stubbed("iam")
    stubber.add_response("get_role", get_role_answer(LEAD, trust("ec2.amazonaws.com")), {"RoleName": LEAD})
    with stubber:
        record = validation.mapping_record(iam, path, ACCOUNT)

    assert record["status"] == "failed"
    assert "line 3: bob@example.com is not mapped" in record["evidence"]
    assert f"{LEAD} trusts ec2.amazonaws.com" in record["evidence"]
    assert "user_mapping.yml" in record["remedy"]


def test_iam_refusing_the_mapped_roles_is_unknown(tmp_path):
    path = mapping_file(tmp_path, [f"ada@example.com,Ada,Admin,2026-11-01,active,map,{LEAD},,"])
    iam, stubber = stubbed("iam")
    stubber.add_client_error("get_role", "AccessDenied", http_status_code=403)
    with stubber:
        record = validation.mapping_record(iam, path, ACCOUNT)

    assert record["status"] == "unknown" and "access denied" in record["evidence"]
    assert_valid([record])


def test_the_published_record_ids_are_the_ones_made():
    linked = [
        linking.evaluate_cloud_admin_roles([], ACCOUNT),
        *linking.partner_records(None, "AWS", ACCOUNT, "1.40.0")[0],
        *linking.manual_records(ACCOUNT),
    ]
    assert tuple(r["id"] for r in linked) == linking.RECORD_IDS
    made = partnercentral.evaluate_roles(read_of((persona(LEAD, []), current_role(LEAD, []))), account=ACCOUNT)
    assert tuple(r["id"] for r in made) == partnercentral.RECORD_IDS
    assert cloudtrail.RECORD_IDS == ("validation.assume_role_denials",)
    assert validation.RECORD_IDS == ("validation.user_mapping",)
