"""One sandbox server per test process, reset between test files: reset, it must answer as a newly started one.

State is made in every part of the sandbox (moto's IAM, S3 and Organizations, each stand-in, every account state
key the control endpoint accepts, faults, IAM enforcement, the call log); after ``POST /_sandbox/reset`` the same
reads answer exactly what a freshly started server answers. The server itself refuses a reset that leaves any
stand-in state behind (server.py: state.leftovers), so a stand-in that forgets to register its reset fails here.
"""

import datetime
import json
import re

import botocore.config
import botocore.exceptions
import pytest
import standin_support as standins
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import aws_client
from integration_support import make_org
from least_privilege_support import iam_enforced
from seed import ControlError

NO_RETRIES = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})


def _answer(call):
    """What a read answers: its result, or the error code it is refused with."""
    try:
        return call()
    except botocore.exceptions.ClientError as error:
        return {"error": error.response["Error"]["Code"]}


def probe(sandbox) -> dict:
    """What the sandbox answers, part by part, to the default credentials' account (the organization's management
    account once seeded) and its control endpoint. Random IDs are left out; the call log comes last."""

    def client(service):
        return aws_client(sandbox, service, config=NO_RETRIES)

    iam, s3, sso = client("iam"), client("s3"), client("sso-admin")
    answers = {
        "iam roles": _answer(lambda: sorted(r["RoleName"] for r in iam.list_roles()["Roles"])),
        "iam users": _answer(lambda: sorted(u["UserName"] for u in iam.list_users()["Users"])),
        "root mfa": _answer(lambda: iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"]),
        "s3 buckets": _answer(lambda: sorted(b["Name"] for b in s3.list_buckets()["Buckets"])),
        "organization": _answer(lambda: client("organizations").describe_organization()["Organization"]["Id"][:2]),
        "billing transfers": _answer(
            lambda: client("organizations").list_outbound_responsibility_transfers(Type="BILLING")[
                "ResponsibilityTransfers"
            ]
        ),
        "cur reports": _answer(
            lambda: [d["ReportName"] for d in client("cur").describe_report_definitions()["ReportDefinitions"]]
        ),
        "free tier plan": _answer(lambda: client("freetier").get_account_plan_state()["accountPlanType"]),
        "partners": _answer(
            lambda: client("partnercentral-account").list_partners(Catalog="AWS")["PartnerSummaryList"]
        ),
        "cloudtrail events": _answer(
            lambda: [e["EventName"] for e in client("cloudtrail").lookup_events(MaxResults=50)["Events"]]
        ),
        "payment instruments": _answer(
            lambda: [
                (p["paymentMethod"], p["status"])
                for p in client("payments").list_payment_instruments()["paymentInstrumentSummaries"]
            ]
        ),
        "tax registrations": _answer(lambda: client("taxsettings").list_tax_registrations()["accountDetails"]),
    }
    # Identity Center: how many instances, and in the first its permission sets and provisioning requests.
    instances = sso.list_instances()["Instances"]
    answers["identity center"] = [len(instances)]
    if instances:
        arn = instances[0]["InstanceArn"]
        answers["identity center"] += [
            len(sso.list_permission_sets(InstanceArn=arn)["PermissionSets"]),
            len(sso.list_permission_set_provisioning_status(InstanceArn=arn)["PermissionSetsProvisioningStatus"]),
        ]
    answers["account state"] = sandbox.control("/_sandbox/state", method="GET")
    answers["faults"] = sandbox.faults()
    answers["calls"] = [
        (c["service"], c["operation"], c["account_id"], c["write"], c["fault"]) for c in sandbox.calls()
    ]
    return answers


def accepted_state_keys(sandbox) -> set[str]:
    """Every key ``POST /_sandbox/state`` accepts, as its refusal of an unknown one lists them."""
    with pytest.raises(ControlError) as refused:
        sandbox.control("/_sandbox/state", {"account_id": DEFAULT_ACCOUNT_ID, "no_such_key": 1})
    return set(re.findall(r"'(\w+)'", str(refused.value).split("allowed:", 1)[1]))


def report_bucket(sandbox, name: str) -> str:
    """An S3 bucket the Cost and Usage Report service may deliver to (its bucket policy lets billingreports in)."""
    billing = {"Service": "billingreports.amazonaws.com"}
    condition = {
        "StringEquals": {"aws:SourceAccount": DEFAULT_ACCOUNT_ID},
        "ArnLike": {"aws:SourceArn": f"arn:aws:cur:us-east-1:{DEFAULT_ACCOUNT_ID}:definition/*"},
    }
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": billing,
                "Action": ["s3:GetBucketAcl", "s3:GetBucketPolicy"],
                "Resource": f"arn:aws:s3:::{name}",
                "Condition": condition,
            },
            {
                "Effect": "Allow",
                "Principal": billing,
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{name}/*",
                "Condition": condition,
            },
        ],
    }
    s3 = aws_client(sandbox, "s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    return name


REPORT = {
    "ReportName": "reset-report",
    "TimeUnit": "HOURLY",
    "Format": "textORcsv",
    "Compression": "GZIP",
    "AdditionalSchemaElements": ["RESOURCES"],
    "S3Prefix": "cur",
    "S3Region": "us-east-1",
}


def make_state_everywhere(sandbox, org) -> set[str]:
    """State in every part of the sandbox; the account state keys it posted."""
    management, member = org.management, org.members[0]
    posted = {"account_id", "org_role", "name", "email"}  # make_org placed both accounts in the organization

    def post(account_id, **state):
        sandbox.control("/_sandbox/state", {"account_id": account_id, **state})
        posted.update(state)

    # moto: a role, a user, a bucket (the CUR stand-in's delivery bucket); the organization is make_org's.
    iam = aws_client(sandbox, "iam")
    iam.create_user(UserName="someone")
    iam.create_role(RoleName="SomeRole", AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}')
    bucket = report_bucket(sandbox, "reset-report-bucket")
    aws_client(sandbox, "cur").put_report_definition(ReportDefinition={**REPORT, "S3Bucket": bucket})
    # Identity Center: a permission set, a provisioning request and an account assignment request.
    post(management, identity_center={"enabled": True, "provisioning_reads": 5})
    sso = aws_client(sandbox, "sso-admin")
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    permission_set = sso.create_permission_set(Name="Reset", InstanceArn=instance)["PermissionSet"]["PermissionSetArn"]
    sso.provision_permission_set(
        InstanceArn=instance, PermissionSetArn=permission_set, TargetType="AWS_ACCOUNT", TargetId=member
    )
    sso.create_account_assignment(
        InstanceArn=instance,
        TargetId=member,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set,
        PrincipalType="GROUP",
        PrincipalId="9067e4d8-1001-7000-8000-000000000001",
    )
    # Every account state key the control endpoint has.
    post(management, root_mfa=True, plan="FREE")
    post(member, unreachable=True)
    post(management, partner_central={"linked": True})
    post(management, payment_instruments=[{"paymentMethod": "SEPA_BANK_ACCOUNT", "status": "INVALID"}])
    post(management, tax_registrations=[standins.tax_registration("DE", "DE123456789", "Example GmbH")])
    post(management, responsibility_transfers=[standins.billing_transfer("999988887777", "billing@example.com")])
    post(
        management,
        cloudtrail_events=[standins.cloudtrail_record("AssumeRole", when=datetime.datetime.now(datetime.UTC))],
    )
    post(member, lookup_events_per_second=7, lookup_events_window_seconds=3)
    # CloudTrail's rate limit remembers the calls it answered; the next lookups are then throttled.
    aws_client(sandbox, "cloudtrail").lookup_events(MaxResults=1)
    post(management, lookup_events_throttle_next=3)
    sandbox.inject_faults(latency_ms=1, seed=3)
    return posted


def test_a_reset_sandbox_answers_as_a_newly_started_one(sandbox, own_sandbox, tmp_path):
    new = probe(own_sandbox)
    org = make_org(sandbox, tmp_path, members=1)
    posted = make_state_everywhere(sandbox, org)
    used = probe(sandbox)
    with iam_enforced(sandbox):
        refused = _answer(lambda: aws_client(sandbox, "iam", config=NO_RETRIES).list_roles())
        sandbox.reset()  # enforcement on, as a file that failed inside iam_enforced would leave it
        after_reset = probe(sandbox)

    assert posted == accepted_state_keys(sandbox), "make state for every key the sandbox accepts"
    assert [part for part in new if used.get(part) == new[part]] == [], "state made in every part"
    assert refused == {"error": "InvalidClientTokenId"}
    assert after_reset == new


def test_an_organization_seeded_again_after_a_reset_is_a_new_one(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path, members=1)
    organizations = aws_client(sandbox, "organizations")
    before = organizations.describe_organization()["Organization"]["Id"]
    aws_client(sandbox, "iam", org.members[0]).create_role(
        RoleName="Leftover", AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}'
    )

    aws_client(sandbox, "s3", org.members[0]).create_bucket(Bucket="reset-leftover-bucket")

    sandbox.reset()
    sandbox.seed(org.inventory)

    assert organizations.describe_organization()["Organization"]["Id"] != before
    # A bucket name is the whole sandbox's: the reset frees it for any account, as a new server would.
    aws_client(sandbox, "s3", org.management).create_bucket(Bucket="reset-leftover-bucket")
    member_roles = [r["RoleName"] for r in aws_client(sandbox, "iam", org.members[0]).list_roles()["Roles"]]
    assert member_roles == ["OrganizationAccountAccessRole"]
