"""converge_report against real boto3 clients answered by botocore's Stubber.

The Stubber checks each request against the service model, and a call that was not queued fails the test, so
these tests also prove which calls were (not) made: no write in check mode, none after a refused read, and the
CUR client always pointed at us-east-1.
"""

import json

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import CurError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import billing_reports_statements
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import converge_report
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


class StubModule:
    """What converge_report uses of an AnsibleAWSModule; records the region each client was asked for."""

    def __init__(self, clients, check_mode=False, region="eu-west-1"):
        self._clients = clients
        self.check_mode = check_mode
        self.region = region
        self.client_regions = {}

    def client(self, service, retry_decorator=None, region=None):
        self.client_regions[service] = region
        return RetryingBotoClientWrapper(self._clients[service], retry_decorator)


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
    stubbers["sts"].add_response(
        "get_caller_identity",
        {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/ops", "UserId": "AIDAEXAMPLE"},
    )
    yield made, stubbers
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


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
    _describe(stubbers["cur"])
    _policy(stubbers["s3"], [FOREIGN])
    module = StubModule(made, check_mode=True)

    result = converge_report(module, options(), manage_bucket_policy=True)

    assert result["changed"]
    assert made["cur"].operations == ["DescribeReportDefinitions"]
    assert made["s3"].operations == ["GetBucketPolicy"]
    assert module.client_regions["cur"] == "us-east-1", "the CUR API only exists in us-east-1"
    assert module.client_regions["s3"] == "eu-west-1", "the bucket is read in its own region"
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
    _describe(stubbers["cur"])
    _policy(stubbers["s3"], [FOREIGN])
    merged = {"Version": "2012-10-17", "Statement": [FOREIGN, *billing_reports_statements(BUCKET, ACCOUNT)]}
    stubbers["s3"].add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "Policy": json.dumps(merged)})
    stubbers["cur"].add_response("put_report_definition", {}, {"ReportDefinition": DEFINITION})

    result = converge_report(StubModule(made), options(), manage_bucket_policy=True)

    assert result["changed"]
    assert made["s3"].operations == ["GetBucketPolicy", "PutBucketPolicy"]
    assert made["cur"].operations == ["DescribeReportDefinitions", "PutReportDefinition"]


def test_a_report_and_policy_as_declared_change_nothing(clients):
    made, stubbers = clients
    _describe(stubbers["cur"], DEFINITION)
    stubbers["cur"].add_response("list_tags_for_resource", {"Tags": []}, {"ReportName": NAME})
    _policy(stubbers["s3"], [FOREIGN, *billing_reports_statements(BUCKET, ACCOUNT)])

    result = converge_report(StubModule(made), options(), manage_bucket_policy=True)

    assert not result["changed"]
    assert result["diff"] == {"before": {}, "after": {}}
    assert made["cur"].operations == ["DescribeReportDefinitions", "ListTagsForResource"]


def test_an_unreadable_bucket_policy_stops_everything(clients):
    made, stubbers = clients
    _describe(stubbers["cur"])
    stubbers["s3"].add_client_error("get_bucket_policy", service_error_code="AccessDenied", http_status_code=403)

    with pytest.raises(BucketPolicyError):
        converge_report(StubModule(made), options(), manage_bucket_policy=True)

    assert "PutBucketPolicy" not in made["s3"].operations, "a policy that could not be read must never be replaced"
    assert made["cur"].operations == ["DescribeReportDefinitions"]


def test_a_missing_bucket_fails_before_any_write(clients):
    made, stubbers = clients
    _describe(stubbers["cur"])
    stubbers["s3"].add_client_error("get_bucket_policy", service_error_code="NoSuchBucket", http_status_code=404)

    with pytest.raises(CurError) as error:
        converge_report(StubModule(made), options(), manage_bucket_policy=True)

    assert f"Bucket {BUCKET} does not exist" in error.value.message
    assert made["cur"].operations == ["DescribeReportDefinitions"]


def test_a_missing_bucket_is_a_warning_in_check_mode(clients):
    made, stubbers = clients
    _describe(stubbers["cur"])
    stubbers["s3"].add_client_error("get_bucket_policy", service_error_code="NoSuchBucket", http_status_code=404)

    result = converge_report(StubModule(made, check_mode=True), options(), manage_bucket_policy=True)

    assert result["changed"]
    assert result["warnings"] == [f"Bucket {BUCKET} does not exist yet: its policy is planned as if it were new"]


def test_a_combination_made_invalid_by_the_current_report_is_refused_before_any_write(clients):
    made, stubbers = clients
    _describe(stubbers["cur"], DEFINITION)
    stubbers["cur"].add_response("list_tags_for_resource", {"Tags": []}, {"ReportName": NAME})
    given = dict.fromkeys(options(), None)
    given.update(name=NAME, additional_artifacts=["ATHENA"])

    with pytest.raises(CurError) as error:
        converge_report(StubModule(made), given)

    assert "set format: Parquet" in error.value.message
    assert "set report_versioning: OVERWRITE_REPORT" in error.value.message
    assert made["cur"].operations == ["DescribeReportDefinitions", "ListTagsForResource"]


def test_absent_deletes_an_existing_report_only(clients):
    made, stubbers = clients
    _describe(stubbers["cur"], DEFINITION)
    stubbers["cur"].add_response("list_tags_for_resource", {"Tags": []}, {"ReportName": NAME})
    stubbers["cur"].add_response("delete_report_definition", {}, {"ReportName": NAME})

    result = converge_report(StubModule(made), {"name": NAME}, state="absent")

    assert result["changed"]
    assert result["diff"]["before"]["report"]["name"] == NAME
    assert made["cur"].operations[-1] == "DeleteReportDefinition"
    assert made["s3"].operations == [], "deleting a report leaves the bucket and its policy alone"
