"""playbooks/doit_onboarding.yml when a call keeps failing: the run ends naming the call and the resource, never a
traceback, never the external ID (faults_support; a file of its own, so that its back-off overlaps other files'
work). The same for the report's call is the cur_report module's message: in-process."""

from faults_support import few_attempts_env
from integration_support import aws_client
from module_in_process import run_module
from test_doit_onboarding import bucket_name
from test_doit_onboarding import doit_vars
from test_doit_onboarding import onboard
from test_doit_onboarding import own_roles


def test_a_doit_call_that_keeps_failing_ends_the_run_naming_the_call_and_the_resource(sandbox, new_org, faults):
    org = new_org(members=0)
    extra_vars = doit_vars()
    extra_vars.update(own_roles(extra_vars))
    faults(server_error=1.0, operations=["PutRolePolicy"])

    run = onboard(org, extra_vars, env=few_attempts_env(sandbox))

    assert not run.ok, run.log
    message = " ".join(run.failure_messages())
    assert all(word.lower() in message.lower() for word in ["put", "doitintl_cmp_"]), run.log
    assert "InternalFailure" in message, run.log
    assert "Traceback" not in run.output, run.log
    assert extra_vars["doit_onboarding_external_id"] not in run.output


def test_a_report_call_that_keeps_failing_names_the_call_and_the_report(sandbox, faults):
    bucket = bucket_name(doit_vars())
    aws_client(sandbox, "s3").create_bucket(Bucket=bucket)
    faults(server_error=1.0, operations=["PutReportDefinition"])

    result = run_module(
        "cur_report",
        {"name": bucket, "time_unit": "HOURLY", "s3_bucket": bucket, "s3_prefix": "cur", "s3_region": "us-east-1"},
        few_attempts_env(sandbox),
    )

    assert result.get("failed"), result
    assert "report" in result["msg"].lower() and bucket in result["msg"], result
    assert "InternalFailure" in result["msg"], result
    assert "Traceback" not in result["msg"], result
