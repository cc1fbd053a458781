"""The sandbox's stand-ins for issue 9, over HTTP with boto3, as a real client sees AWS.

Partner Central Account reads, CloudTrail LookupEvents (and the denied AssumeRole events the sandbox records),
Identity Center provisioning, tags and instances, Payments, Tax Settings and Organizations' responsibility
transfers: each must answer in its service's wire format, refuse what the service refuses (botocore's model and
the service's own rules), keep accounts apart, and be logged and enforced like moto's APIs.
"""

import datetime
import json
import urllib.error
import urllib.request

import boto3
import botocore.config
import botocore.exceptions
import pytest
import standin_support as standins
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import SERVICE_PRINCIPAL
from integration_support import aws_client
from integration_support import make_org
from integration_support import raw_json_request
from least_privilege_support import iam_enforced
from seed import ControlError

NO_RETRIES = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})
# Attempts to spare for a call the sandbox throttles a known number of times.
PATIENT = botocore.config.Config(retries={"total_max_attempts": 8, "mode": "standard"})
SERVICE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": SERVICE_PRINCIPAL}, "Action": "sts:AssumeRole"}],
}


def error_of(call) -> dict:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    response = caught.value.response
    # The error shape's other members (Partner Central's Reason) come beside Error.
    extra = {k: v for k, v in response.items() if k not in ("Error", "ResponseMetadata")}
    return {**response["Error"], **extra, "status": response["ResponseMetadata"]["HTTPStatusCode"]}


@pytest.fixture(scope="module")
def account(sandbox, tmp_path_factory):
    """One new account for the module's tests (a new account costs moto seconds), with CloudTrail's rate limit off
    so that tests can read its events freely. Each test sets the state it relies on."""
    org = make_org(sandbox, tmp_path_factory.mktemp("standins"), members=0)
    standins.set_lookup_events_rate(sandbox, org.partnercentral, None)
    return org.partnercentral


# --- Partner Central Account API ----------------------------------------------


def test_an_account_not_linked_has_no_partner(sandbox, account):
    standins.unlink_partner_central(sandbox, account)
    client = aws_client(sandbox, "partnercentral-account", account)

    listed = client.list_partners(Catalog="AWS")
    missing = error_of(lambda: client.get_partner(Catalog="AWS", Identifier=standins.partner_id(account)))

    assert listed["PartnerSummaryList"] == []
    assert listed["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.0"
    assert missing["Code"] == "ResourceNotFoundException" and missing["status"] == 400


def test_a_linked_account_shows_its_partner_and_alliance_lead(sandbox, account):
    lead = {"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com", "BusinessTitle": "CTO"}
    standins.link_partner_central(sandbox, account, legal_name="Example Corp", alliance_lead=lead)
    client = aws_client(sandbox, "partnercentral-account", account)

    (summary,) = client.list_partners(Catalog="AWS")["PartnerSummaryList"]
    by_id = client.get_partner(Catalog="AWS", Identifier=summary["Id"])
    by_arn = client.get_alliance_lead_contact(Catalog="AWS", Identifier=summary["Arn"])
    other_catalog = client.list_partners(Catalog="Sandbox")["PartnerSummaryList"]

    assert summary["Id"] == standins.partner_id(account)
    assert summary["Arn"] == f"arn:aws:partnercentral:us-east-1:{account}:catalog/AWS/partner/{summary['Id']}"
    assert isinstance(summary["CreatedAt"], datetime.datetime)
    assert by_id["LegalName"] == "Example Corp" and by_id["Profile"]["DisplayName"] == "Example Corp"
    assert by_arn["AllianceLeadContact"] == lead
    assert other_catalog == []


def test_partner_central_refuses_credentials_it_does_not_accept(sandbox, account):
    standins.deny_partner_central(sandbox, account)
    client = aws_client(sandbox, "partnercentral-account", account)

    denied = error_of(lambda: client.list_partners(Catalog="AWS"))

    assert denied["Code"] == "AccessDeniedException" and denied["status"] == 400
    assert denied["Reason"] == "ACCESS_DENIED"


def test_an_alliance_lead_never_recorded_is_not_found(sandbox, account):
    standins.link_partner_central(sandbox, account, alliance_lead=None)
    client = aws_client(sandbox, "partnercentral-account", account)
    error = error_of(lambda: client.get_alliance_lead_contact(Catalog="AWS", Identifier=standins.partner_id(account)))
    assert error["Code"] == "ResourceNotFoundException"


def test_partner_central_answers_only_in_us_east_1(sandbox, account):
    standins.unlink_partner_central(sandbox, account)
    client = aws_client(sandbox, "partnercentral-account", account)
    client_elsewhere = aws_client(sandbox, "partnercentral-account", account, region_name="eu-west-1")
    error = error_of(lambda: client_elsewhere.list_partners(Catalog="AWS"))
    assert error["Code"] == "UnrecognizedClientException"
    assert client.list_partners(Catalog="AWS")["PartnerSummaryList"] == []


def test_malformed_partner_central_requests_are_refused_as_aws_does(sandbox):
    target = "PartnerCentralAccount.{}"
    bad_identifier = raw_json_request(
        sandbox,
        "partnercentral-account",
        "1.0",
        target.format("GetPartner"),
        json.dumps({"Catalog": "AWS", "Identifier": "not-a-partner"}).encode(),
    )
    no_catalog = raw_json_request(sandbox, "partnercentral-account", "1.0", target.format("ListPartners"), b"{}")
    unknown = raw_json_request(sandbox, "partnercentral-account", "1.0", target.format("LinkAccount"), b"{}")

    assert bad_identifier.status == 400 and bad_identifier.body["__type"] == "ValidationException"
    assert "regular expression pattern" in bad_identifier.body["message"]
    assert no_catalog.status == 400 and "Catalog" in no_catalog.body["message"]
    assert unknown.body["__type"] == "UnknownOperationException"


def test_state_the_api_could_never_answer_is_refused(sandbox, account):
    with pytest.raises(ControlError, match="400") as refused:
        standins.link_partner_central(sandbox, account, alliance_lead={"FirstName": "No", "Email": "x"})
    assert "LastName" in str(refused.value)


# --- CloudTrail ---------------------------------------------------------------


def _create_partner_central_role(sandbox, account_id, name="PartnerCentralRoleForAllianceLead") -> str:
    iam = aws_client(sandbox, "iam", account_id)
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(SERVICE_TRUST))["Role"]["Arn"]


def test_assuming_a_partner_central_role_is_denied_and_recorded_as_cloudtrail_does(sandbox, account):
    role_arn = _create_partner_central_role(sandbox, account)
    sts = aws_client(sandbox, "sts", account)

    denied = error_of(lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="alliance-lead"))
    events = aws_client(sandbox, "cloudtrail", account).lookup_events(
        LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": role_arn}]
    )["Events"]

    assert denied["Code"] == "AccessDenied" and denied["status"] == 403
    assert role_arn in denied["Message"]
    (event,) = events
    record = json.loads(event["CloudTrailEvent"])
    assert event["EventName"] == "AssumeRole" and event["EventSource"] == "sts.amazonaws.com"
    assert event["Resources"] == [{"ResourceType": "AWS::IAM::Role", "ResourceName": role_arn}]
    assert record["errorCode"] == "AccessDenied" and record["recipientAccountId"] == account
    assert record["userIdentity"]["type"] == "AssumedRole"


def test_a_cross_account_denial_is_recorded_in_both_accounts(sandbox, account):
    role_arn = _create_partner_central_role(sandbox, account, "PartnerCentralRoleForACEManager")
    standins.set_lookup_events_rate(sandbox, DEFAULT_ACCOUNT_ID, None)

    error_of(lambda: aws_client(sandbox, "sts").assume_role(RoleArn=role_arn, RoleSessionName="from-management"))

    def denied_in(account_id):
        events = aws_client(sandbox, "cloudtrail", account_id).lookup_events(
            LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": role_arn}]
        )["Events"]
        return [json.loads(e["CloudTrailEvent"]) for e in events]

    in_role_account, in_caller_account = denied_in(account), denied_in(DEFAULT_ACCOUNT_ID)
    standins.set_lookup_events_rate(sandbox, DEFAULT_ACCOUNT_ID, 2)

    assert len(in_role_account) == 1 and len(in_caller_account) == 1
    assert in_role_account[0]["sharedEventID"] == in_caller_account[0]["sharedEventID"]
    assert in_role_account[0]["userIdentity"]["accountId"] == DEFAULT_ACCOUNT_ID


def test_roles_that_trust_an_account_are_still_assumed(sandbox, account):
    # Only roles no AWS principal may assume are refused: the organization's access role works as before.
    assert aws_client(sandbox, "sts", account).get_caller_identity()["Account"] == account


def test_events_are_filtered_by_time_and_attribute_and_paged(sandbox, account):
    start = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
    records = [
        standins.cloudtrail_record(
            "AssumeRole",
            role_arn=f"arn:aws:iam::{account}:role/PartnerCentralRoleFor{i}",
            error_code="AccessDenied",
            when=start + datetime.timedelta(hours=i),
            region="eu-west-3",
        )
        for i in range(5)
    ] + [standins.cloudtrail_record("CreateRole", when=start, region="eu-west-3")]
    standins.record_events(sandbox, account, *records)
    # Event history is regional: this region holds only these events.
    cloudtrail = aws_client(sandbox, "cloudtrail", account, region_name="eu-west-3")
    lookup = {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}]}

    pages = list(cloudtrail.get_paginator("lookup_events").paginate(**lookup, PaginationConfig={"PageSize": 2}))
    window = cloudtrail.lookup_events(
        **lookup, StartTime=start + datetime.timedelta(hours=1), EndTime=start + datetime.timedelta(hours=3)
    )["Events"]

    names = [e["Resources"][0]["ResourceName"].rsplit("For", 1)[1] for page in pages for e in page["Events"]]
    assert [len(page["Events"]) for page in pages] == [2, 2, 1]
    assert names == ["4", "3", "2", "1", "0"]  # newest first
    assert [e["EventTime"].hour for e in window] == [3, 2, 1]


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        ({"MaxResults": 51}, "InvalidMaxResultsException"),
        (
            {
                "LookupAttributes": [
                    {"AttributeKey": "EventName", "AttributeValue": "AssumeRole"},
                    {"AttributeKey": "Username", "AttributeValue": "x"},
                ]
            },
            "InvalidLookupAttributesException",
        ),
        (
            {"StartTime": datetime.datetime(2026, 2, 1), "EndTime": datetime.datetime(2026, 1, 1)},
            "InvalidTimeRangeException",
        ),
        ({"NextToken": "bm90LWEtdG9rZW4="}, "InvalidNextTokenException"),
        ({"LookupAttributes": [{"AttributeKey": "Colour", "AttributeValue": "x"}]}, "ValidationException"),
    ],
)
def test_lookups_cloudtrail_refuses_get_its_own_errors(sandbox, account, request_, code):
    cloudtrail = aws_client(sandbox, "cloudtrail", account)
    if code == "ValidationException":  # boto3 would refuse to send it: send it as it travels
        answer = raw_json_request(
            sandbox,
            "cloudtrail",
            "1.1",
            "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
            json.dumps(request_).encode(),
        )
        assert answer.status == 400 and answer.body["__type"] == code
        return
    assert error_of(lambda: cloudtrail.lookup_events(**request_))["Code"] == code


def test_lookup_events_beyond_the_rate_limit_is_throttled(sandbox, account):
    without_retries = aws_client(sandbox, "cloudtrail", account, config=NO_RETRIES)
    # Two calls in 60 s rather than AWS's one second: the third is refused however loaded the machine is.
    standins.set_lookup_events_rate(sandbox, account, 2, window_seconds=60)
    answers = []
    try:
        for _ in range(3):
            try:
                without_retries.lookup_events()
                answers.append("ok")
            except without_retries.exceptions.ClientError as error:
                error_ = error.response
                answers.append((error_["Error"]["Code"], error_["ResponseMetadata"]["HTTPStatusCode"]))
    finally:
        standins.set_lookup_events_rate(sandbox, account, None)

    assert answers == ["ok", "ok", ("ThrottlingException", 400)]


def test_a_client_retrying_throttled_lookups_gets_through(sandbox, account):
    standins.throttle_next_lookups(sandbox, account, 2)
    without_retries = aws_client(sandbox, "cloudtrail", account, config=NO_RETRIES)
    refused = error_of(without_retries.lookup_events)
    answered = aws_client(sandbox, "cloudtrail", account, config=PATIENT).lookup_events()

    assert refused["Code"] == "ThrottlingException"
    assert answered["ResponseMetadata"]["RetryAttempts"] == 1  # the second throttled call, then the answer


def test_the_rest_of_cloudtrail_is_still_moto(sandbox, account):
    cloudtrail = aws_client(sandbox, "cloudtrail", account)
    assert cloudtrail.describe_trails()["trailList"] == []


def test_an_unreachable_account_refuses_every_role(sandbox, account):
    sts = aws_client(sandbox, "sts")
    role = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"

    sandbox.control("/_sandbox/state", {"account_id": account, "unreachable": True})
    refused = error_of(lambda: sts.assume_role(RoleArn=role, RoleSessionName="baseline"))
    sandbox.control("/_sandbox/state", {"account_id": account, "unreachable": False})

    assert refused["Code"] == "AccessDenied" and refused["status"] == 403
    assert sts.assume_role(RoleArn=role, RoleSessionName="baseline")["Credentials"]["AccessKeyId"]


# --- Identity Center ------------------------------------------------------------


@pytest.fixture
def identity_center(sandbox, account):
    """sso-admin acting in the module's account (Identity Center as AWS's defaults have it), its instance ARN and
    a new permission set there."""
    standins.set_identity_center(
        sandbox, account, enabled=True, provisioning_reads=1, role_policy_quota=10, provisioning_failure=None
    )
    client = aws_client(sandbox, "sso-admin", account)
    instance = client.list_instances()["Instances"][0]["InstanceArn"]
    permission_set = client.create_permission_set(
        Name="PartnerCentral-AllianceLead", InstanceArn=instance, Tags=[{"Key": "persona", "Value": "AllianceLead"}]
    )["PermissionSet"]["PermissionSetArn"]
    return client, instance, permission_set


def test_permission_set_arns_have_aws_shape(identity_center):
    _client, instance, permission_set = identity_center
    assert permission_set.startswith("arn:aws:sso:::permissionSet/" + instance.rsplit("/", 1)[1] + "/ps-")


def test_provisioning_is_in_progress_until_read_enough_then_succeeds(sandbox, account, identity_center):
    client, instance, permission_set = identity_center
    standins.set_identity_center(sandbox, account, provisioning_reads=2)
    target = "111122223333"

    started = client.provision_permission_set(
        InstanceArn=instance, PermissionSetArn=permission_set, TargetType="AWS_ACCOUNT", TargetId=target
    )["PermissionSetProvisioningStatus"]
    conflict = error_of(
        lambda: client.provision_permission_set(
            InstanceArn=instance, PermissionSetArn=permission_set, TargetType="AWS_ACCOUNT", TargetId=target
        )
    )
    reads = [
        client.describe_permission_set_provisioning_status(
            InstanceArn=instance, ProvisionPermissionSetRequestId=started["RequestId"]
        )["PermissionSetProvisioningStatus"]["Status"]
        for _ in range(3)
    ]

    assert started["Status"] == "IN_PROGRESS" and started["AccountId"] == target
    assert conflict["Code"] == "ConflictException"
    assert reads == ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]
    accounts = client.list_accounts_for_provisioned_permission_set(
        InstanceArn=instance, PermissionSetArn=permission_set
    )
    assert accounts["AccountIds"] == [target]
    assert client.list_permission_sets_provisioned_to_account(InstanceArn=instance, AccountId=target)[
        "PermissionSets"
    ] == [permission_set]
    assert (
        client.list_permission_sets_provisioned_to_account(InstanceArn=instance, AccountId=account)["PermissionSets"]
        == []
    )


def test_a_changed_permission_set_is_outdated_until_provisioned_again(sandbox, account, identity_center):
    client, instance, permission_set = identity_center
    standins.set_identity_center(sandbox, account, provisioning_reads=0)
    target = "111122223333"

    def provision():
        client.provision_permission_set(
            InstanceArn=instance, PermissionSetArn=permission_set, TargetType="AWS_ACCOUNT", TargetId=target
        )

    def accounts(status):
        return client.list_accounts_for_provisioned_permission_set(
            InstanceArn=instance, PermissionSetArn=permission_set, ProvisioningStatus=status
        )["AccountIds"]

    provision()
    fresh = accounts("LATEST_PERMISSION_SET_PROVISIONED"), accounts("LATEST_PERMISSION_SET_NOT_PROVISIONED")
    client.attach_managed_policy_to_permission_set(
        InstanceArn=instance, PermissionSetArn=permission_set, ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    outdated = accounts("LATEST_PERMISSION_SET_PROVISIONED"), accounts("LATEST_PERMISSION_SET_NOT_PROVISIONED")
    provision()
    again = accounts("LATEST_PERMISSION_SET_PROVISIONED"), accounts("LATEST_PERMISSION_SET_NOT_PROVISIONED")

    assert fresh == ([target], []) and outdated == ([], [target]) and again == ([target], [])


def test_provisioning_more_policies_than_the_role_quota_fails(sandbox, account, identity_center):
    client, instance, permission_set = identity_center
    standins.set_identity_center(sandbox, account, provisioning_reads=0, role_policy_quota=1)
    for name in ("ReadOnlyAccess", "AWSPartnerCentralFullAccess"):
        client.attach_managed_policy_to_permission_set(
            InstanceArn=instance, PermissionSetArn=permission_set, ManagedPolicyArn=f"arn:aws:iam::aws:policy/{name}"
        )

    request = client.provision_permission_set(
        InstanceArn=instance, PermissionSetArn=permission_set, TargetType="AWS_ACCOUNT", TargetId="111122223333"
    )["PermissionSetProvisioningStatus"]["RequestId"]
    status = client.describe_permission_set_provisioning_status(
        InstanceArn=instance, ProvisionPermissionSetRequestId=request
    )["PermissionSetProvisioningStatus"]

    assert status["Status"] == "FAILED" and "PoliciesPerRole: 1" in status["FailureReason"]
    assert (
        client.list_accounts_for_provisioned_permission_set(InstanceArn=instance, PermissionSetArn=permission_set)[
            "AccountIds"
        ]
        == []
    )


def test_permission_set_tags_are_read_added_and_removed(identity_center):
    client, instance, permission_set = identity_center

    client.tag_resource(InstanceArn=instance, ResourceArn=permission_set, Tags=[{"Key": "owner", "Value": "pc"}])
    client.untag_resource(InstanceArn=instance, ResourceArn=permission_set, TagKeys=["persona"])
    bad_arn = error_of(
        lambda: client.list_tags_for_resource(InstanceArn=instance, ResourceArn="arn:aws:sso:::permissionSet/x")
    )

    tags = client.list_tags_for_resource(InstanceArn=instance, ResourceArn=permission_set)["Tags"]
    assert tags == [{"Key": "owner", "Value": "pc"}]
    assert bad_arn["Code"] == "ValidationException"


def test_identity_center_not_enabled_has_no_instance(sandbox, account, identity_center):
    client = identity_center[0]
    enabled = client.list_instances()["Instances"]
    sandbox.control("/_sandbox/state", {"account_id": account, "identity_center": False})
    disabled = client.list_instances()["Instances"]
    standins.set_identity_center(sandbox, account, enabled=True)
    assert len(enabled) == 1 and enabled[0]["OwnerAccountId"] == account
    assert disabled == []


# --- DoiT's billing evidence ----------------------------------------------------


@pytest.mark.skipif(
    "payments" not in boto3.session.Session().get_available_services(),
    reason="this botocore has no Payments API (1.44.8 and later have it)",
)
def test_payment_instruments_default_to_one_card_and_are_settable(sandbox, account):
    payments = aws_client(sandbox, "payments", account)
    default = payments.list_payment_instruments()["paymentInstrumentSummaries"]
    standins.set_payment_instruments(
        sandbox,
        account,
        {"paymentMethod": "SEPA_BANK_ACCOUNT", "status": "INVALID"},
        {"paymentMethod": "CARD"},
    )
    first = payments.list_payment_instruments(maxResults=1)
    second = payments.list_payment_instruments(maxResults=1, nextToken=first["nextToken"])
    standins.set_payment_instruments(sandbox, account)

    assert [(p["paymentMethod"], p["status"]) for p in default] == [("CARD", "ACTIVE")]
    assert default[0]["arn"].startswith(f"arn:aws:payments::{account}:payment-instrument:")
    assert [p["paymentMethod"] for p in first["paymentInstrumentSummaries"] + second["paymentInstrumentSummaries"]] == [
        "SEPA_BANK_ACCOUNT",
        "CARD",
    ]
    assert "nextToken" not in second
    assert payments.list_payment_instruments()["paymentInstrumentSummaries"] == []
    with pytest.raises(ControlError, match="paymentMethod"):
        standins.set_payment_instruments(sandbox, account, {"paymentMethod": "CHEQUE"})


def _raw_rest_json(sandbox, service, path, body) -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        sandbox.endpoint + path,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_tax_registrations_are_settable_and_answered_in_rest_json(sandbox, account):
    tax = aws_client(sandbox, "taxsettings", account)
    before = tax.list_tax_registrations()
    standins.set_tax_registrations(sandbox, account, standins.tax_registration("DE", "DE123456789", "Example GmbH"))
    (details,) = tax.list_tax_registrations()["accountDetails"]
    status, headers, body = _raw_rest_json(sandbox, "tax", "/ListTaxRegistrations", b'{"maxResults": 5000}')

    assert before["accountDetails"] == []
    assert before["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/json"
    assert details["accountId"] == account
    assert details["taxRegistration"]["jurisdiction"] == {"countryCode": "DE"}
    assert status == 400 and headers["x-amzn-ErrorType"] == "ValidationException"
    assert "less than or equal to 1000" in body["message"]
    with pytest.raises(ControlError, match="registrationType"):
        standins.set_tax_registrations(sandbox, account, standins.tax_registration("DE", "1", registrationType="XYZ"))


def test_billing_transfers_are_listed_for_the_management_account_only(sandbox, account):
    standins.set_responsibility_transfers(
        sandbox, DEFAULT_ACCOUNT_ID, standins.billing_transfer("999988887777", "billing@reseller.example")
    )
    organizations = aws_client(sandbox, "organizations")

    (transfer,) = organizations.list_outbound_responsibility_transfers(Type="BILLING")["ResponsibilityTransfers"]
    from_member = error_of(
        lambda: aws_client(sandbox, "organizations", account).list_outbound_responsibility_transfers(Type="BILLING")
    )
    too_many = error_of(lambda: organizations.list_outbound_responsibility_transfers(Type="BILLING", MaxResults=21))
    org_id = organizations.describe_organization()["Organization"]["Id"]
    standins.set_responsibility_transfers(sandbox, DEFAULT_ACCOUNT_ID)

    assert transfer["Type"] == "BILLING" and transfer["Status"] == "ACCEPTED"
    assert transfer["Target"]["ManagementAccountId"] == "999988887777"
    assert transfer["Source"]["ManagementAccountId"] == DEFAULT_ACCOUNT_ID
    assert transfer["Arn"].startswith(
        f"arn:aws:organizations::{DEFAULT_ACCOUNT_ID}:transfer/{org_id}/billing/outbound/rt-"
    )
    assert from_member["Code"] == "AccessDeniedException"
    assert too_many["Code"] == "InvalidInputException"


# --- the call log and IAM enforcement ----------------------------------------------------


def test_stand_in_calls_are_logged_with_their_iam_authorization(sandbox, account):
    standins.link_partner_central(sandbox, account)
    sandbox.reset_calls()

    aws_client(sandbox, "partnercentral-account", account).get_partner(
        Catalog="AWS", Identifier=standins.partner_id(account)
    )
    aws_client(sandbox, "cloudtrail", account).lookup_events()
    aws_client(sandbox, "taxsettings", account).list_tax_registrations()

    logged = {
        c["operation"]: (c["actions"], c["resource"], c["write"]) for c in sandbox.calls() if c["account_id"] == account
    }
    partner_arn = f"arn:aws:partnercentral:us-east-1:{account}:catalog/AWS/partner/{standins.partner_id(account)}"
    assert logged["GetPartner"] == (["partnercentral:GetPartner"], partner_arn, False)
    assert logged["LookupEvents"] == (["cloudtrail:LookupEvents"], "*", False)
    assert logged["ListTaxRegistrations"] == (["tax:ListTaxRegistrations"], "*", False)


def test_iam_enforcement_covers_the_stand_ins_and_records_denied_assume_role(sandbox):
    iam = aws_client(sandbox, "iam")
    iam.create_user(UserName="standins-reader")
    iam.put_user_policy(
        UserName="standins-reader",
        PolicyName="read",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["cloudtrail:LookupEvents", "partnercentral:ListPartners"],
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="standins-reader")["AccessKey"]
    standins.set_lookup_events_rate(sandbox, DEFAULT_ACCOUNT_ID, None)
    session = {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
        "region_name": "us-east-1",
        "endpoint_url": sandbox.endpoint,
    }
    role_arn = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/some-role"
    with iam_enforced(sandbox):
        partners = boto3.client("partnercentral-account", **session).list_partners(Catalog="AWS")
        get_denied = error_of(
            lambda: boto3.client("partnercentral-account", **session).get_partner(
                Catalog="AWS", Identifier=standins.partner_id(DEFAULT_ACCOUNT_ID)
            )
        )
        tax_denied = error_of(lambda: boto3.client("taxsettings", **session).list_tax_registrations())
        assume_denied = error_of(
            lambda: boto3.client("sts", **session).assume_role(RoleArn=role_arn, RoleSessionName="reader")
        )
        events = boto3.client("cloudtrail", **session).lookup_events(
            LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "standins-reader"}]
        )["Events"]
    standins.set_lookup_events_rate(sandbox, DEFAULT_ACCOUNT_ID, 2)

    assert partners["PartnerSummaryList"] == []
    assert get_denied["Code"] == "AccessDeniedException" and "partnercentral:GetPartner" in get_denied["Message"]
    assert tax_denied["Code"] == "AccessDeniedException"
    assert assume_denied["Code"] == "AccessDenied"
    (event,) = events
    assert event["EventName"] == "AssumeRole" and json.loads(event["CloudTrailEvent"])["errorCode"] == "AccessDenied"
    assert event["Resources"][0]["ResourceName"] == role_arn


def test_an_account_assignment_completes_asynchronously_and_provisions_the_set(sandbox, account, identity_center):
    client, instance, permission_set = identity_center
    target = "111122223333"
    assignment = {
        "InstanceArn": instance,
        "TargetId": target,
        "TargetType": "AWS_ACCOUNT",
        "PermissionSetArn": permission_set,
        "PrincipalType": "GROUP",
        "PrincipalId": "9067e4d8-1001-7000-8000-000000000001",
    }

    started = client.create_account_assignment(**assignment)["AccountAssignmentCreationStatus"]
    reads = [
        client.describe_account_assignment_creation_status(
            InstanceArn=instance, AccountAssignmentCreationRequestId=started["RequestId"]
        )["AccountAssignmentCreationStatus"]["Status"]
        for _ in range(2)
    ]
    client.create_account_assignment(**assignment)  # again: AWS keeps one

    listed = client.list_account_assignments(InstanceArn=instance, AccountId=target, PermissionSetArn=permission_set)
    provisioned = client.list_accounts_for_provisioned_permission_set(
        InstanceArn=instance, PermissionSetArn=permission_set
    )
    assert started["Status"] == "IN_PROGRESS" and reads == ["IN_PROGRESS", "SUCCEEDED"]
    assert [a["PrincipalId"] for a in listed["AccountAssignments"]] == [assignment["PrincipalId"]]
    assert provisioned["AccountIds"] == [target]
