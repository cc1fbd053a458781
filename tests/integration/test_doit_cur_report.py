"""The cur_report module, run by ansible-playbook against the sandbox: check mode, diff, apply, rerun, refusals."""

import json
import os

from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import HERE
from integration_support import aws_client
from integration_support import new_account_id
from integration_support import report_definition
from integration_support import run_playbook
from integration_support import write_calls

PLAYBOOK = os.path.join(HERE, "doit", "cur_report.yml")
FOREIGN = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


_runs = iter(range(1, 100_000))


def run_module(sandbox, tmp_path, *args, **options):
    result_file = tmp_path / f"result-{next(_runs)}.json"
    extra_vars = {"report_options": options, "result_file": str(result_file)}
    run = run_playbook(sandbox, PLAYBOOK, *args, extra_vars=extra_vars, tmp=tmp_path)
    run.result_file = result_file
    return run


def module_result(run) -> dict:
    """The module's registered result, diff included (the callback prints the diff apart from the result)."""
    assert run.result_file.exists(), run.log
    return json.loads(run.result_file.read_text())


def new_bucket(sandbox, policy=None, region="us-east-1"):
    bucket = f"cur-module-{new_account_id()}"
    s3 = aws_client(sandbox, "s3")
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **extra)
    if policy:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return bucket


def bucket_policy(sandbox, bucket) -> dict:
    return json.loads(aws_client(sandbox, "s3").get_bucket_policy(Bucket=bucket)["Policy"])


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


def test_check_mode_shows_the_report_and_merged_policy_and_writes_nothing(sandbox, tmp_path):
    bucket = new_bucket(sandbox, policy={"Version": "2012-10-17", "Statement": [FOREIGN]})
    sandbox.reset_calls()

    run = run_module(sandbox, tmp_path, "--check", "--diff", **hourly(bucket))

    assert run.ok, run.log
    assert write_calls(sandbox.calls()) == []
    result = module_result(run)
    assert result["changed"] is True
    assert result["diff"]["before"] == {
        "report": {},
        "bucket_policy": {"Version": "2012-10-17", "Statement": [FOREIGN]},
    }
    assert [s.get("Sid") for s in result["diff"]["after"]["bucket_policy"]["Statement"]] == [
        "DenyInsecureTransport",
        "AllowBillingReportsBucketCheck",
        "AllowBillingReportsDelivery",
    ]
    assert '+        "s3_prefix": "cur"' in run.stdout, "--diff must print the report definition"
    assert report_definition(sandbox, bucket) is None
    assert bucket_policy(sandbox, bucket) == {"Version": "2012-10-17", "Statement": [FOREIGN]}


def test_apply_creates_the_report_merges_the_policy_and_a_rerun_changes_nothing(sandbox, tmp_path):
    bucket = new_bucket(sandbox, policy={"Version": "2012-10-17", "Statement": [FOREIGN]})

    first = run_module(sandbox, tmp_path, **hourly(bucket, tags={"team": "finops"}))
    sandbox.reset_calls()
    second = run_module(sandbox, tmp_path, **hourly(bucket, tags={"team": "finops"}))

    assert first.ok, first.log
    assert module_result(first)["changed"] is True
    created = report_definition(sandbox, bucket)
    assert created == {
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
    assert aws_client(sandbox, "cur").list_tags_for_resource(ReportName=bucket)["Tags"] == [
        {"Key": "team", "Value": "finops"}
    ]

    assert second.ok, second.log
    assert second.changed == 0, second.log
    assert write_calls(sandbox.calls()) == []


def test_one_changed_field_is_one_modify_shown_in_the_diff(sandbox, tmp_path):
    bucket = new_bucket(sandbox)
    assert run_module(sandbox, tmp_path, **hourly(bucket)).ok
    sandbox.reset_calls()

    run = run_module(sandbox, tmp_path, "--diff", name=bucket, time_unit="DAILY")

    assert run.ok, run.log
    result = module_result(run)
    assert result["diff"]["before"]["report"]["time_unit"] == "HOURLY"
    assert result["diff"]["after"]["report"]["time_unit"] == "DAILY"
    assert [c["operation"] for c in write_calls(sandbox.calls())] == ["ModifyReportDefinition"]
    changed = report_definition(sandbox, bucket)
    assert changed["TimeUnit"] == "DAILY" and changed["S3Prefix"] == "cur", "fields not given stay as they were"


def test_an_invalid_definition_fails_before_any_aws_call(sandbox, tmp_path):
    # One case end to end; every rule is unit-tested (test_cur_rules).
    sandbox.reset_calls()
    run = run_module(sandbox, tmp_path, **hourly("never-made", format="Parquet", compression="GZIP"))
    assert not run.ok, run.log
    assert any("set compression: Parquet" in failure for failure in run.failure_messages()), run.log
    assert sandbox.calls() == []


def test_expected_account_id_of_another_account_refuses_with_no_write(sandbox, tmp_path):
    bucket = new_bucket(sandbox)
    sandbox.reset_calls()

    run = run_module(sandbox, tmp_path, **hourly(bucket, expected_account_id="111122223333"))

    assert not run.ok, run.log
    (message,) = run.failure_messages()
    assert DEFAULT_ACCOUNT_ID in message and "111122223333" in message and "nothing was changed" in message
    assert write_calls(sandbox.calls()) == []
    assert report_definition(sandbox, bucket) is None

    allowed = run_module(sandbox, tmp_path, **hourly(bucket, expected_account_id=DEFAULT_ACCOUNT_ID))
    assert allowed.ok, allowed.log


def test_an_existing_report_made_invalid_is_refused_before_any_write(sandbox, tmp_path):
    bucket = new_bucket(sandbox)
    assert run_module(sandbox, tmp_path, **hourly(bucket)).ok
    sandbox.reset_calls()

    run = run_module(sandbox, tmp_path, name=bucket, additional_artifacts=["ATHENA"])

    assert not run.ok
    assert any("set format: Parquet" in failure for failure in run.failure_messages()), run.log
    assert write_calls(sandbox.calls()) == []


def test_the_report_api_is_called_in_us_east_1_whatever_the_region(sandbox, tmp_path):
    bucket = new_bucket(sandbox, region="eu-west-1")
    run = run_module(sandbox, tmp_path, region="eu-west-1", **hourly(bucket, s3_region="eu-west-1"))
    assert run.ok, run.log
    assert module_result(run)["report"]["arn"] == f"arn:aws:cur:us-east-1:{DEFAULT_ACCOUNT_ID}:definition/{bucket}"
    assert report_definition(sandbox, bucket)["S3Region"] == "eu-west-1"


def test_without_manage_bucket_policy_aws_refuses_a_bucket_it_cannot_write_to(sandbox, tmp_path):
    bucket = new_bucket(sandbox)
    run = run_module(sandbox, tmp_path, **hourly(bucket, manage_bucket_policy=False))
    assert not run.ok
    assert any("Failed to verify customer bucket permission" in f for f in run.failure_messages()), run.log
    assert report_definition(sandbox, bucket) is None


def test_a_missing_bucket_fails_before_any_write(sandbox, tmp_path):
    sandbox.reset_calls()
    run = run_module(sandbox, tmp_path, **hourly("cur-module-no-such-bucket"))
    assert not run.ok
    assert any(
        "does not exist" in failure and "create the bucket first" in failure for failure in run.failure_messages()
    )
    assert write_calls(sandbox.calls()) == []


def test_absent_deletes_the_report_and_leaves_the_bucket_policy(sandbox, tmp_path):
    bucket = new_bucket(sandbox)
    assert run_module(sandbox, tmp_path, **hourly(bucket)).ok
    policy = bucket_policy(sandbox, bucket)

    preview = run_module(sandbox, tmp_path, "--check", name=bucket, state="absent")
    deleted = run_module(sandbox, tmp_path, name=bucket, state="absent")
    again = run_module(sandbox, tmp_path, name=bucket, state="absent")

    assert preview.ok and module_result(preview)["changed"] is True, preview.log
    assert deleted.ok and module_result(deleted)["changed"] is True, deleted.log
    assert again.ok and again.changed == 0, again.log
    assert report_definition(sandbox, bucket) is None
    assert bucket_policy(sandbox, bucket) == policy


def test_tags_not_declared_stay_unless_purged(sandbox, tmp_path):
    bucket = new_bucket(sandbox)
    assert run_module(sandbox, tmp_path, **hourly(bucket, tags={"team": "finops", "owner": "someone"})).ok
    cur = aws_client(sandbox, "cur")

    kept = run_module(sandbox, tmp_path, name=bucket, tags={"team": "finops"})
    tags_after_kept = cur.list_tags_for_resource(ReportName=bucket)["Tags"]
    purged = run_module(sandbox, tmp_path, name=bucket, tags={"team": "finops"}, purge_tags=True)

    assert kept.ok and kept.changed == 0, kept.log
    assert {t["Key"] for t in tags_after_kept} == {"team", "owner"}
    assert purged.ok and purged.changed == 1, purged.log
    assert cur.list_tags_for_resource(ReportName=bucket)["Tags"] == [{"Key": "team", "Value": "finops"}]
