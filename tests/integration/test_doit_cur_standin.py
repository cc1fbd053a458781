"""The sandbox's Cost and Usage Report stand-in, over HTTP with boto3, as a real client sees AWS.

It must speak the JSON 1.1 wire format, answer with the service's own error codes, validate every request the
way the service does, keep each account's reports apart, and refuse a bucket the billing service may not write to.
"""

import json

import botocore.exceptions
import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import aws_client
from integration_support import hourly_report_definition
from integration_support import make_org
from integration_support import new_account_id
from integration_support import raw_json_request

BILLING = "billingreports.amazonaws.com"


def delivery_policy(bucket, account_id, source_account=None):
    condition = {
        "StringEquals": {"aws:SourceAccount": source_account or account_id},
        "ArnLike": {"aws:SourceArn": f"arn:aws:cur:us-east-1:{account_id}:definition/*"},
    }
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": BILLING},
                "Action": ["s3:GetBucketAcl", "s3:GetBucketPolicy"],
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": condition,
            },
            {
                "Effect": "Allow",
                "Principal": {"Service": BILLING},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": condition,
            },
        ],
    }


_buckets = iter(range(1, 10_000))


@pytest.fixture(scope="module")
def client(sandbox):
    """client(service, account_id): one boto3 client per service and account for the file (an account's
    credentials are assumed once)."""
    made = {}

    def get(service, account_id=DEFAULT_ACCOUNT_ID):
        if (service, account_id) not in made:
            made[service, account_id] = aws_client(sandbox, service, account_id)
        return made[service, account_id]

    return get


def delivery_bucket(client, account_id=DEFAULT_ACCOUNT_ID, policy=True):
    bucket = f"doit-standin-{account_id}-{next(_buckets)}"
    s3 = client("s3", account_id)
    s3.create_bucket(Bucket=bucket)
    if policy:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(delivery_policy(bucket, account_id)))
    return bucket


def error_of(call) -> dict:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    response = caught.value.response
    return {**response["Error"], "status": response["ResponseMetadata"]["HTTPStatusCode"]}


@pytest.fixture(scope="module")
def cur(client):
    return client("cur")


@pytest.fixture(scope="module")
def shared_bucket(client):
    """A delivery bucket for requests that are refused (nothing is made in it)."""
    return delivery_bucket(client)


@pytest.fixture(scope="module")
def members(sandbox, tmp_path_factory):
    """Three new accounts (one new organization's) for the tests about accounts other than the default one."""
    org = make_org(sandbox, tmp_path_factory.mktemp("org"), members=2)
    return [org.partnercentral, *org.members]


def test_a_report_is_saved_and_described_as_given(client, cur):
    bucket = delivery_bucket(client)
    wanted = hourly_report_definition(f"{bucket}-report", bucket, AdditionalArtifacts=["REDSHIFT", "QUICKSIGHT"])

    cur.put_report_definition(ReportDefinition=wanted, Tags=[{"Key": "team", "Value": "finops"}])
    found = [
        d for d in cur.describe_report_definitions()["ReportDefinitions"] if d["ReportName"] == wanted["ReportName"]
    ]

    assert found == [wanted]
    assert cur.list_tags_for_resource(ReportName=wanted["ReportName"])["Tags"] == [{"Key": "team", "Value": "finops"}]


def test_answers_use_the_json_1_1_wire_format(cur):
    response = cur.describe_report_definitions()
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert response["ResponseMetadata"]["RequestId"]


def test_a_second_report_with_the_same_name_is_a_duplicate(client, cur):
    bucket = delivery_bucket(client)
    cur.put_report_definition(ReportDefinition=hourly_report_definition(bucket, bucket))

    error = error_of(lambda: cur.put_report_definition(ReportDefinition=hourly_report_definition(bucket, bucket)))

    assert error["Code"] == "DuplicateReportNameException" and error["status"] == 400


def test_a_bucket_without_a_billing_policy_is_refused(client, cur):
    bucket = delivery_bucket(client, policy=False)
    error = error_of(lambda: cur.put_report_definition(ReportDefinition=hourly_report_definition(bucket, bucket)))
    assert error["Code"] == "ValidationException"
    assert "Failed to verify customer bucket permission" in error["Message"]


def test_a_missing_bucket_is_refused(cur):
    error = error_of(
        lambda: cur.put_report_definition(ReportDefinition=hourly_report_definition("nobody", "no-such-bucket-here"))
    )
    assert error["Code"] == "ValidationException"
    assert "bucket name= no-such-bucket-here" in error["Message"]


def test_a_policy_for_another_source_account_does_not_count(client, cur):
    bucket = delivery_bucket(client, policy=False)
    policy = delivery_policy(bucket, DEFAULT_ACCOUNT_ID, source_account="111122223333")
    client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    error = error_of(lambda: cur.put_report_definition(ReportDefinition=hourly_report_definition(bucket, bucket)))

    assert error["Code"] == "ValidationException"


def test_a_bucket_in_another_region_than_said_is_refused(client, cur):
    bucket = delivery_bucket(client)
    error = error_of(
        lambda: cur.put_report_definition(
            ReportDefinition=hourly_report_definition(bucket, bucket, S3Region="eu-west-1")
        )
    )
    assert error["Code"] == "ValidationException"


@pytest.mark.parametrize(
    ("overrides", "text"),
    [
        ({"ReportName": "has space"}, "failed to satisfy constraint: Member must satisfy regular expression pattern"),
        ({"TimeUnit": "WEEKLY"}, "Member must satisfy enum value set: [HOURLY, DAILY, MONTHLY]"),
        ({"S3Prefix": "p" * 257}, "Member must have length less than or equal to 256"),
        ({"Format": "Parquet"}, "Format Parquet requires Compression Parquet"),
        ({"Compression": "Parquet"}, "Format textORcsv requires Compression ZIP or GZIP"),
        ({"AdditionalArtifacts": ["ATHENA"]}, "ATHENA requires Format Parquet"),
        (
            {"Format": "Parquet", "Compression": "Parquet", "AdditionalArtifacts": ["ATHENA", "REDSHIFT"]},
            "ATHENA cannot be combined",
        ),
        (
            {"Format": "Parquet", "Compression": "Parquet", "AdditionalArtifacts": ["QUICKSIGHT"]},
            "require Format textORcsv",
        ),
    ],
)
def test_requests_the_service_rejects_are_validation_errors(cur, shared_bucket, overrides, text):
    request = hourly_report_definition(f"{shared_bucket}-refused", shared_bucket, **overrides)
    error = error_of(lambda: cur.put_report_definition(ReportDefinition=request))
    assert error["Code"] == "ValidationException" and error["status"] == 400
    assert text in error["Message"]


def test_an_athena_report_as_the_service_wants_it_is_accepted(client, cur):
    bucket = delivery_bucket(client)
    athena = hourly_report_definition(
        bucket,
        bucket,
        Format="Parquet",
        Compression="Parquet",
        AdditionalArtifacts=["ATHENA"],
        ReportVersioning="OVERWRITE_REPORT",
    )
    cur.put_report_definition(ReportDefinition=athena)


def test_modify_changes_the_report_but_never_its_name(client, cur):
    bucket = delivery_bucket(client)
    cur.put_report_definition(ReportDefinition=hourly_report_definition(bucket, bucket))

    cur.modify_report_definition(
        ReportName=bucket, ReportDefinition=hourly_report_definition(bucket, bucket, TimeUnit="DAILY")
    )
    renamed = error_of(
        lambda: cur.modify_report_definition(
            ReportName=bucket, ReportDefinition=hourly_report_definition(bucket + "-x", bucket)
        )
    )
    missing = error_of(
        lambda: cur.modify_report_definition(
            ReportName="nope", ReportDefinition=hourly_report_definition("nope", bucket)
        )
    )

    found = [d for d in cur.describe_report_definitions()["ReportDefinitions"] if d["ReportName"] == bucket]
    assert found[0]["TimeUnit"] == "DAILY"
    assert renamed["Code"] == "ValidationException" and "cannot be renamed" in renamed["Message"]
    assert missing["Code"] == "ValidationException"


def test_delete_removes_the_report_and_a_second_delete_is_refused(client, cur):
    bucket = delivery_bucket(client)
    cur.put_report_definition(ReportDefinition=hourly_report_definition(bucket, bucket))

    cur.delete_report_definition(ReportName=bucket)
    again = error_of(lambda: cur.delete_report_definition(ReportName=bucket))

    names = [d["ReportName"] for d in cur.describe_report_definitions()["ReportDefinitions"]]
    assert bucket not in names
    assert again["Code"] == "ValidationException"


def test_tags_are_added_replaced_and_removed(client, cur):
    bucket = delivery_bucket(client)
    cur.put_report_definition(
        ReportDefinition=hourly_report_definition(bucket, bucket), Tags=[{"Key": "a", "Value": "1"}]
    )

    cur.tag_resource(ReportName=bucket, Tags=[{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}])
    cur.untag_resource(ReportName=bucket, TagKeys=["b"])
    missing = error_of(lambda: cur.list_tags_for_resource(ReportName="no-such-report"))

    assert cur.list_tags_for_resource(ReportName=bucket)["Tags"] == [{"Key": "a", "Value": "2"}]
    assert missing["Code"] == "ResourceNotFoundException"


def test_describe_pages_by_five_as_the_service_does(client, members):
    account = members[0]
    cur = client("cur", account)
    bucket = delivery_bucket(client, account)
    names = [f"report-{i}" for i in range(7)]
    for name in names:
        cur.put_report_definition(ReportDefinition=hourly_report_definition(name, bucket))

    first = cur.describe_report_definitions()
    pages = list(cur.get_paginator("describe_report_definitions").paginate())
    too_many = error_of(lambda: cur.describe_report_definitions(MaxResults=6))

    assert len(first["ReportDefinitions"]) == 5 and first["NextToken"]
    assert [d["ReportName"] for page in pages for d in page["ReportDefinitions"]] == names
    assert too_many["Code"] == "ValidationException"


def test_each_account_sees_only_its_own_reports(client, members):
    first, second = members[1:]
    bucket = delivery_bucket(client, first)
    client("cur", first).put_report_definition(ReportDefinition=hourly_report_definition("only-in-first", bucket))

    seen_by_second = client("cur", second).describe_report_definitions()["ReportDefinitions"]
    seen_by_first = client("cur", first).describe_report_definitions()["ReportDefinitions"]

    assert [d["ReportName"] for d in seen_by_first] == ["only-in-first"]
    assert seen_by_second == []


def test_a_bucket_of_another_account_is_refused(client, cur, members):
    others_bucket = delivery_bucket(client, members[2])
    error = error_of(
        lambda: cur.put_report_definition(ReportDefinition=hourly_report_definition(new_account_id(), others_bucket))
    )
    assert error["Code"] == "ValidationException"


def test_the_call_log_tells_writes_from_reads(sandbox, client, cur):
    bucket = delivery_bucket(client)
    sandbox.reset_calls()

    cur.describe_report_definitions()
    cur.put_report_definition(ReportDefinition=hourly_report_definition(bucket, bucket))

    calls = [c for c in sandbox.calls() if c["service"] == "cur"]
    assert [(c["operation"], c["write"], c["account_id"]) for c in calls] == [
        ("DescribeReportDefinitions", False, DEFAULT_ACCOUNT_ID),
        ("PutReportDefinition", True, DEFAULT_ACCOUNT_ID),
    ]


def _raw(sandbox, target, body):
    """A Cost and Usage Report request as it travels (JSON 1.1): the answer's status and body."""
    answer = raw_json_request(sandbox, "cur", "1.1", target, body)
    return answer.status, answer.body


def test_malformed_requests_get_the_protocols_errors(sandbox):
    unknown = _raw(sandbox, "AWSOrigamiServiceGatewayService.LaunchRocket", b"{}")
    not_json = _raw(sandbox, "AWSOrigamiServiceGatewayService.DescribeReportDefinitions", b"{not json")
    missing_member = _raw(sandbox, "AWSOrigamiServiceGatewayService.DeleteReportDefinition", b"{}")

    assert unknown == (400, {"__type": "UnknownOperationException", "message": "Unknown operation LaunchRocket"})
    assert not_json[0] == 400 and not_json[1]["__type"] == "SerializationException"
    assert missing_member[0] == 400 and missing_member[1]["__type"] == "ValidationException"
    assert "ReportName" in missing_member[1]["message"]
