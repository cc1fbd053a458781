"""converge_report against real boto3 clients answered by botocore's Stubber.

The Stubber checks each request against the service model, and a call that was not queued fails the test, so
these tests also prove which calls were (not) made: no write in check mode, none after a refused read, and the
CUR client always pointed at us-east-1.
"""

import json

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import Account
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import AccountMismatchError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import billing_reports_statements
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import converge_report
from ansible_collections.diatonic.partnercentral.plugins.module_utils.engine import PlanError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.s3_bucket_policy import BucketPolicyError

ACCOUNT = "123456789012"
NAME = "doitintl-awsops-abc"
BUCKET = "doitintl-awsops-abc"
DEFINITION = {
    "ReportName": NAME,
    "TimeUnit": "HOURLY",
    "Format": "textORcsv",
    "Compression": "GZIP",
    "AdditionalSchemaElements": ["RESOURCES"],
    "S3Bucket": BUCKET,
    "S3Prefix": "cur",
    "S3Region": "eu-west-1",
    "AdditionalArtifacts": [],
    "RefreshClosedReports": True,
    "ReportVersioning": "CREATE_NEW_REPORT",
}
FOREIGN = {
    "Sid": "Keep",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:DeleteBucket",
    "Resource": f"arn:aws:s3:::{BUCKET}",
}


def options(**given):
    return {
        "name": NAME,
        "tags": None,
        "time_unit": "HOURLY",
        "format": "textORcsv",
        "compression": "GZIP",
        "additional_schema_elements": ["RESOURCES"],
        "additional_artifacts": [],
        "refresh_closed_reports": True,
        "report_versioning": "CREATE_NEW_REPORT",
        "s3_bucket": BUCKET,
        "s3_prefix": "cur",
        "s3_region": "eu-west-1",
        "billing_view_arn": None,
        **given,
    }


class Run:
    """converge_report with the stubbed clients; records the region each S3 client was asked for."""

    def __init__(self, clients):
        self.clients = clients
        self.s3_regions = []

    def __call__(self, given, check_mode=False, **options):
        def s3_client(region):
            self.s3_regions.append(region)
            return self.clients["s3"]

        account = Account(self.clients["sts"], region="eu-west-1")
        return converge_report(
            self.clients["cur"], given, account, s3_client=s3_client, check_mode=check_mode, **options
        )


def _client(service, region):
    client = boto3.client(service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
    client.operations = []
    client.meta.events.register(
        f"before-parameter-build.{client.meta.service_model.endpoint_prefix}",
        lambda params, model, **kwargs: client.operations.append(model.name),
    )
    return client


@pytest.fixture
def clients():
    made = {"cur": _client("cur", "us-east-1"), "s3": _client("s3", "eu-west-1"), "sts": _client("sts", "us-east-1")}
    stubbers = {service: Stubber(client) for service, client in made.items()}
    for stubber in stubbers.values():
        stubber.activate()
    yield made, stubbers
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def _identity(stubbers, account=ACCOUNT):
    """The one sts:GetCallerIdentity of a run that needs the account (bucket policy, report ARN, guard)."""
    stubbers["sts"].add_response(
        "get_caller_identity",
        {"Account": account, "Arn": f"arn:aws:iam::{account}:user/ops", "UserId": "AIDAEXAMPLE"},
    )


def _describe(stubber, *definitions):
    stubber.add_response("describe_report_definitions", {"ReportDefinitions": list(definitions)})


def _policy(stubber, statements):
    stubber.add_response(
        "get_bucket_policy",
        {"Policy": json.dumps({"Version": "2012-10-17", "Statement": statements})},
        {"Bucket": BUCKET},
    )


def test_check_mode_plans_the_report_and_policy_and_writes_nothing(clients):
    made, stubbers = clients
    _identity(stubbers)
    _describe(stubbers["cur"])
    _policy(stubbers["s3"], [FOREIGN])
    run = Run(made)

    result = run(options(), check_mode=True, manage_bucket_policy=True)

    assert result["changed"]
    assert made["cur"].operations == ["DescribeReportDefinitions"]
    assert made["s3"].operations == ["GetBucketPolicy"]
    assert run.s3_regions == ["eu-west-1"], "the bucket is read in its own region"
    assert result["diff"]["before"] == {
        "report": {},
        "bucket_policy": {"Version": "2012-10-17", "Statement": [FOREIGN]},
    }
    assert result["diff"]["after"]["bucket_policy"]["Statement"] == [
        FOREIGN,
        *billing_reports_statements(BUCKET, ACCOUNT),
    ]
    assert result["diff"]["after"]["report"]["s3_prefix"] == "cur"
    assert result["report"]["arn"] == f"arn:aws:cur:us-east-1:{ACCOUNT}:definition/{NAME}"


def test_apply_merges_the_policy_before_saving_the_report(clients):
    made, stubbers = clients
    _identity(stubbers)
    _describe(stubbers["cur"])
    _policy(stubbers["s3"], [FOREIGN])
    merged = {"Version": "2012-10-17", "Statement": [FOREIGN, *billing_reports_statements(BUCKET, ACCOUNT)]}
    stubbers["s3"].add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": json.dumps(merged)})
    stubbers["cur"].add_response("put_report_definition", {}, {"ReportDefinition": DEFINITION})

    result = Run(made)(options(), manage_bucket_policy=True)

    assert result["changed"]
    assert made["s3"].operations == ["GetBucketPolicy", "PutBucketPolicy"]
    assert made["cur"].operations == ["DescribeReportDefinitions", "PutReportDefinition"]


def test_a_report_and_policy_as_declared_change_nothing(clients):
    made, stubbers = clients
    _identity(stubbers)
    _describe(stubbers["cur"], DEFINITION)
    stubbers["cur"].add_response("list_tags_for_resource", {"Tags": []}, {"ReportName": NAME})
    _policy(stubbers["s3"], [FOREIGN, *billing_reports_statements(BUCKET, ACCOUNT)])

    result = Run(made)(options(), manage_bucket_policy=True)

    assert not result["changed"]
    assert result["diff"] == {"before": {}, "after": {}}
    assert made["cur"].operations == ["DescribeReportDefinitions", "ListTagsForResource"]


def test_an_unreadable_bucket_policy_stops_everything(clients):
    made, stubbers = clients
    _describe(stubbers["cur"])
    stubbers["s3"].add_client_error("get_bucket_policy", service_error_code="AccessDenied", http_status_code=403)

    with pytest.raises(BucketPolicyError):
        Run(made)(options(), manage_bucket_policy=True)

    assert "PutBucketPolicy" not in made["s3"].operations, "a policy that could not be read must never be replaced"
    assert made["cur"].operations == ["DescribeReportDefinitions"]


def test_a_missing_bucket_fails_before_any_write(clients):
    made, stubbers = clients
    _identity(stubbers)
    _describe(stubbers["cur"])
    stubbers["s3"].add_client_error("get_bucket_policy", service_error_code="NoSuchBucket", http_status_code=404)

    with pytest.raises(PlanError) as error:
        Run(made)(options(), manage_bucket_policy=True)

    assert f"Bucket {BUCKET} does not exist" in error.value.message
    assert made["cur"].operations == ["DescribeReportDefinitions"]


def test_a_missing_bucket_is_a_warning_in_check_mode(clients):
    made, stubbers = clients
    _identity(stubbers)
    _describe(stubbers["cur"])
    stubbers["s3"].add_client_error("get_bucket_policy", service_error_code="NoSuchBucket", http_status_code=404)

    result = Run(made)(options(), check_mode=True, manage_bucket_policy=True)

    assert result["changed"]
    assert result["warnings"] == [f"Bucket {BUCKET} does not exist yet: its policy is planned as if it were new"]


def test_a_combination_made_invalid_by_the_current_report_is_refused_before_any_write(clients):
    made, stubbers = clients
    _describe(stubbers["cur"], DEFINITION)
    stubbers["cur"].add_response("list_tags_for_resource", {"Tags": []}, {"ReportName": NAME})
    given = dict.fromkeys(options(), None)
    given.update(name=NAME, additional_artifacts=["ATHENA"])

    with pytest.raises(PlanError) as error:
        Run(made)(given)

    assert "set format: Parquet" in error.value.message
    assert "set report_versioning: OVERWRITE_REPORT" in error.value.message
    assert made["cur"].operations == ["DescribeReportDefinitions", "ListTagsForResource"]


def test_absent_deletes_an_existing_report_only(clients):
    made, stubbers = clients
    _describe(stubbers["cur"], DEFINITION)
    stubbers["cur"].add_response("list_tags_for_resource", {"Tags": []}, {"ReportName": NAME})
    stubbers["cur"].add_response("delete_report_definition", {}, {"ReportName": NAME})

    result = Run(made)({"name": NAME}, state="absent")

    assert result["changed"]
    assert result["diff"]["before"]["report"]["name"] == NAME
    assert made["cur"].operations[-1] == "DeleteReportDefinition"
    assert made["s3"].operations == [], "deleting a report leaves the bucket and its policy alone"


def test_another_account_is_refused_after_the_reads_and_before_any_write(clients):
    made, stubbers = clients
    _identity(stubbers, account="999999999999")
    _describe(stubbers["cur"])
    _policy(stubbers["s3"], [FOREIGN])

    with pytest.raises(AccountMismatchError) as error:
        Run(made)(options(), manage_bucket_policy=True, expected_account_id=ACCOUNT)

    assert "999999999999" in error.value.message and ACCOUNT in error.value.message
    assert made["cur"].operations == ["DescribeReportDefinitions"]
    assert made["s3"].operations == ["GetBucketPolicy"]


def test_the_expected_account_costs_no_extra_call(clients):
    made, stubbers = clients
    _identity(stubbers)
    _describe(stubbers["cur"])
    _policy(stubbers["s3"], [FOREIGN])

    result = Run(made)(options(), check_mode=True, manage_bucket_policy=True, expected_account_id=ACCOUNT)

    assert result["changed"]
    assert made["sts"].operations == ["GetCallerIdentity"], "one identity call serves the guard, policy and ARN"


def test_a_throttled_page_of_report_definitions_is_read_again(clients, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    made, stubbers = clients
    stubbers["cur"].add_client_error(
        "describe_report_definitions", service_error_code="ThrottlingException", http_status_code=400
    )
    _describe(stubbers["cur"])

    result = Run(made)({**options(), "s3_region": "eu-west-1"}, check_mode=True, state="absent")

    assert not result["changed"]
    assert made["cur"].operations == ["DescribeReportDefinitions", "DescribeReportDefinitions"]
