"""The cur_report module against the sandbox: check mode, diff, apply, rerun, drift, absent, tags, refusals.

Each test is about the module's own behaviour, so the module runs in the test's process (module_in_process: its
real argument spec, AnsibleAWSModule, boto3 over HTTP to the sandbox) and the test reads the result it exits with,
as a playbook's ``register`` would. How roles wire it into a playbook is tested with the playbooks
(test_doit_onboarding*.py).
"""

import json

from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import aws_client
from integration_support import hourly_report_definition
from integration_support import new_account_id
from integration_support import write_calls
from module_in_process import run_module

FOREIGN = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


_clients: dict = {}


def client(sandbox, service):
    """A boto3 client of the default account, one per service and sandbox for the file."""
    if (sandbox.endpoint, service) not in _clients:
        _clients[sandbox.endpoint, service] = aws_client(sandbox, service)
    return _clients[sandbox.endpoint, service]


def report_definition(sandbox, name) -> dict | None:
    """The default account's report definition ``name``, as DescribeReportDefinitions gives it."""
    pages = client(sandbox, "cur").get_paginator("describe_report_definitions").paginate()
    found = [d for page in pages for d in page["ReportDefinitions"] if d["ReportName"] == name]
    return found[0] if found else None


def cur_report(sandbox, check_mode=False, diff=False, **options) -> dict:
    """diatonic.partnercentral.cur_report with ``options``, with the default account's credentials."""
    return run_module("cur_report", options, sandbox.env(), check_mode=check_mode, diff=diff)


def new_bucket(sandbox, policy=None, region="us-east-1", name=None):
    bucket = name or f"cur-module-{new_account_id()}"
    s3 = client(sandbox, "s3")
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **extra)
    if policy:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return bucket


def bucket_policy(sandbox, bucket) -> dict:
    return json.loads(client(sandbox, "s3").get_bucket_policy(Bucket=bucket)["Policy"])


def hourly(bucket, **extra):
    return {
        "name": bucket,
        "time_unit": "HOURLY",
        "additional_schema_elements": ["RESOURCES"],
        "s3_bucket": bucket,
        "s3_prefix": "cur",
        "s3_region": "us-east-1",
        "manage_bucket_policy": True,
        **extra,
    }


def created(sandbox, tags=None) -> str:
    """A bucket the billing service may write to, with a report of its name made with the API as hourly() says."""
    bucket = f"cur-module-{new_account_id()}"
    new_bucket(sandbox, policy=billing_policy(bucket), name=bucket)
    definition = hourly_report_definition(bucket, bucket)
    tag_list = [{"Key": key, "Value": value} for key, value in (tags or {}).items()]
    client(sandbox, "cur").put_report_definition(ReportDefinition=definition, Tags=tag_list)
    return bucket


def billing_policy(bucket) -> dict:
    """What the billing service needs on the bucket (as the module would merge it)."""
    principal = {"Service": "billingreports.amazonaws.com"}
    condition = {"StringEquals": {"aws:SourceAccount": DEFAULT_ACCOUNT_ID}}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": principal,
                "Action": ["s3:GetBucketAcl", "s3:GetBucketPolicy"],
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": condition,
            },
            {
                "Effect": "Allow",
                "Principal": principal,
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": condition,
            },
        ],
    }


def test_check_mode_shows_the_report_and_merged_policy_and_writes_nothing(sandbox):
    bucket = new_bucket(sandbox, policy={"Version": "2012-10-17", "Statement": [FOREIGN]})
    sandbox.reset_calls()

    result = cur_report(sandbox, check_mode=True, diff=True, **hourly(bucket))

    assert not result.get("failed"), result
    assert write_calls(sandbox.calls()) == []
    assert result["changed"] is True
    assert result["diff"]["before"] == {
        "report": {},
        "bucket_policy": {"Version": "2012-10-17", "Statement": [FOREIGN]},
    }
    assert result["diff"]["after"]["report"]["s3_prefix"] == "cur", "the diff must show the report definition"
    assert [s.get("Sid") for s in result["diff"]["after"]["bucket_policy"]["Statement"]] == [
        "DenyInsecureTransport",
        "AllowBillingReportsBucketCheck",
        "AllowBillingReportsDelivery",
    ]
    assert report_definition(sandbox, bucket) is None
    assert bucket_policy(sandbox, bucket) == {"Version": "2012-10-17", "Statement": [FOREIGN]}


def test_apply_creates_the_report_merges_the_policy_and_a_rerun_changes_nothing(sandbox):
    bucket = new_bucket(sandbox, policy={"Version": "2012-10-17", "Statement": [FOREIGN]})

    first = cur_report(sandbox, **hourly(bucket, tags={"team": "finops"}))
    sandbox.reset_calls()
    second = cur_report(sandbox, **hourly(bucket, tags={"team": "finops"}))

    assert not first.get("failed") and first["changed"] is True, first
    assert report_definition(sandbox, bucket) == {
        "ReportName": bucket,
        "TimeUnit": "HOURLY",
        "Format": "textORcsv",
        "Compression": "GZIP",
        "AdditionalSchemaElements": ["RESOURCES"],
        "S3Bucket": bucket,
        "S3Prefix": "cur",
        "S3Region": "us-east-1",
        "AdditionalArtifacts": [],
        "RefreshClosedReports": True,
        "ReportVersioning": "CREATE_NEW_REPORT",
    }
    statements = bucket_policy(sandbox, bucket)["Statement"]
    assert statements[0] == FOREIGN, "an existing statement must be kept as it was"
    delivery = next(s for s in statements if s.get("Sid") == "AllowBillingReportsDelivery")
    assert delivery["Principal"] == {"Service": "billingreports.amazonaws.com"}
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": DEFAULT_ACCOUNT_ID}
    assert client(sandbox, "cur").list_tags_for_resource(ReportName=bucket)["Tags"] == [
        {"Key": "team", "Value": "finops"}
    ]

    assert not second.get("failed") and second["changed"] is False, second
    assert write_calls(sandbox.calls()) == []


def test_one_changed_field_is_one_modify_shown_in_the_diff(sandbox):
    bucket = created(sandbox)
    sandbox.reset_calls()

    result = cur_report(sandbox, diff=True, name=bucket, time_unit="DAILY")

    assert not result.get("failed") and result["changed"] is True, result
    assert result["diff"]["before"]["report"]["time_unit"] == "HOURLY"
    assert result["diff"]["after"]["report"]["time_unit"] == "DAILY"
    assert [c["operation"] for c in write_calls(sandbox.calls())] == ["ModifyReportDefinition"]
    changed = report_definition(sandbox, bucket)
    assert changed["TimeUnit"] == "DAILY" and changed["S3Prefix"] == "cur", "fields not given stay as they were"


def test_a_report_changed_by_hand_is_put_back(sandbox):
    bucket = created(sandbox)
    drifted = {**report_definition(sandbox, bucket), "TimeUnit": "MONTHLY", "S3Prefix": "elsewhere"}
    client(sandbox, "cur").modify_report_definition(ReportName=bucket, ReportDefinition=drifted)

    sandbox.reset_calls()
    repaired = cur_report(sandbox, **hourly(bucket, manage_bucket_policy=False))
    writes = [c["operation"] for c in write_calls(sandbox.calls())]
    rerun = cur_report(sandbox, **hourly(bucket, manage_bucket_policy=False))

    assert repaired["changed"] is True and rerun["changed"] is False, (repaired, rerun)
    assert writes == ["ModifyReportDefinition"]
    definition = report_definition(sandbox, bucket)
    assert (definition["TimeUnit"], definition["S3Prefix"]) == ("HOURLY", "cur")


def test_an_invalid_definition_fails_before_any_aws_call(sandbox):
    # One case end to end; every rule is unit-tested (test_cur_rules).
    sandbox.reset_calls()
    result = cur_report(sandbox, **hourly("never-made", format="Parquet", compression="GZIP"))
    assert result["failed"] is True
    assert "Invalid report definition, nothing was changed" in result["msg"], result
    assert "set compression: Parquet" in result["msg"], result
    assert sandbox.calls() == []


def test_expected_account_id_of_another_account_refuses_with_no_write(sandbox):
    bucket = new_bucket(sandbox)
    sandbox.reset_calls()

    refused = cur_report(sandbox, **hourly(bucket, expected_account_id="111122223333"))

    assert refused["failed"] is True
    message = refused["msg"]
    assert DEFAULT_ACCOUNT_ID in message and "111122223333" in message and "nothing was changed" in message
    assert write_calls(sandbox.calls()) == []
    assert report_definition(sandbox, bucket) is None

    allowed = cur_report(sandbox, **hourly(bucket, expected_account_id=DEFAULT_ACCOUNT_ID))
    assert not allowed.get("failed") and allowed["changed"] is True, allowed


def test_an_existing_report_made_invalid_is_refused_before_any_write(sandbox):
    bucket = created(sandbox)
    sandbox.reset_calls()

    result = cur_report(sandbox, name=bucket, additional_artifacts=["ATHENA"])

    assert result["failed"] is True
    assert "set format: Parquet" in result["msg"], result
    assert write_calls(sandbox.calls()) == []


def test_the_report_api_is_called_in_us_east_1_whatever_the_region(sandbox):
    bucket = new_bucket(sandbox, region="eu-west-1")

    result = cur_report(sandbox, region="eu-west-1", **hourly(bucket, s3_region="eu-west-1"))

    assert not result.get("failed"), result
    assert result["report"]["arn"] == f"arn:aws:cur:us-east-1:{DEFAULT_ACCOUNT_ID}:definition/{bucket}"
    assert report_definition(sandbox, bucket)["S3Region"] == "eu-west-1"


def test_without_manage_bucket_policy_aws_refuses_a_bucket_it_cannot_write_to(sandbox):
    bucket = new_bucket(sandbox)
    result = cur_report(sandbox, **hourly(bucket, manage_bucket_policy=False))
    assert result["failed"] is True
    assert "Failed to verify customer bucket permission" in result["msg"], result
    assert report_definition(sandbox, bucket) is None


def test_a_missing_bucket_fails_before_any_write(sandbox):
    sandbox.reset_calls()
    result = cur_report(sandbox, **hourly("cur-module-no-such-bucket"))
    assert result["failed"] is True
    assert "does not exist" in result["msg"] and "create the bucket first" in result["msg"], result
    assert write_calls(sandbox.calls()) == []


def test_absent_deletes_the_report_and_leaves_the_bucket_policy(sandbox):
    bucket = created(sandbox)
    policy = bucket_policy(sandbox, bucket)
    sandbox.reset_calls()

    preview = cur_report(sandbox, check_mode=True, name=bucket, state="absent")
    preview_writes = write_calls(sandbox.calls())
    deleted = cur_report(sandbox, name=bucket, state="absent")
    again = cur_report(sandbox, name=bucket, state="absent")

    assert preview["changed"] is True and preview_writes == [], preview
    assert deleted["changed"] is True, deleted
    assert not again.get("failed") and again["changed"] is False, again
    assert report_definition(sandbox, bucket) is None
    assert bucket_policy(sandbox, bucket) == policy


def test_tags_not_declared_stay_unless_purged(sandbox):
    bucket = created(sandbox, tags={"team": "finops", "owner": "someone"})
    cur = client(sandbox, "cur")

    kept = cur_report(sandbox, name=bucket, tags={"team": "finops"})
    tags_after_kept = cur.list_tags_for_resource(ReportName=bucket)["Tags"]
    purged = cur_report(sandbox, name=bucket, tags={"team": "finops"}, purge_tags=True)

    assert not kept.get("failed") and kept["changed"] is False, kept
    assert {t["Key"] for t in tags_after_kept} == {"team", "owner"}
    assert purged["changed"] is True, purged
    assert cur.list_tags_for_resource(ReportName=bucket)["Tags"] == [{"Key": "team", "Value": "finops"}]
