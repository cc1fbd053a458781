"""playbooks/doit_onboarding.yml under what production AWS does to a run (faults_support): a run killed part-way,
then the next run under throttling and 5xx answers, converges with nothing made twice, and the one after changes
nothing. Lost replies of the creates are a module's behaviour: in-process (module_in_process), both modules.

A call that keeps failing: test_faults_doit_failing_call.py (a file of its own, so that its back-off overlaps other
files' work under make integration)."""

import json
import os

from faults_support import BUSY_AWS
from faults_support import KILL_POINTS
from faults_support import injected
from faults_support import kill_after_writes
from integration_support import BIN
from integration_support import aws_client
from integration_support import role_state
from module_in_process import run_module
from test_doit_onboarding import DOIT_ACCOUNT
from test_doit_onboarding import PLAYBOOK as DOIT_PLAYBOOK
from test_doit_onboarding import bucket_name
from test_doit_onboarding import changes_of
from test_doit_onboarding import doit_vars
from test_doit_onboarding import expected_trust
from test_doit_onboarding import onboard
from test_doit_onboarding import own_roles
from test_doit_onboarding import records_of


def report_names(sandbox) -> list[str]:
    return [r["ReportName"] for r in aws_client(sandbox, "cur").describe_report_definitions()["ReportDefinitions"]]


def converge(sandbox, module: str, options: dict) -> dict:
    return run_module(module, options, sandbox.env())


def test_a_run_killed_part_way_then_run_under_busy_aws_converges_with_nothing_made_twice(sandbox, new_org, faults):
    org = new_org(members=0)
    extra_vars = doit_vars()
    extra_vars.update(own_roles(extra_vars))
    extra_vars_file = os.path.join(org.directory, "doit.json")
    with open(extra_vars_file, "w") as handle:
        json.dump({**extra_vars, "doit_onboarding_report_path": os.path.join(org.directory, "killed.json")}, handle)
    command = [os.path.join(BIN, "ansible-playbook"), DOIT_PLAYBOOK, "-i", org.inventory, "-e", f"@{extra_vars_file}"]
    kill_after_writes(sandbox, command, KILL_POINTS[0])
    faults(seed=29, **BUSY_AWS)

    run = onboard(org, extra_vars)

    assert run.ok, run.log
    assert injected(sandbox), "no fault was injected: the test proves nothing"
    faults()
    rerun = onboard(org, extra_vars)
    assert rerun.ok and rerun.changed == 0, rerun.log
    assert changes_of(rerun) == []
    assert "nothing: everything was already in place" in rerun.stdout
    records = records_of(rerun)
    for item in ("doit.cmp_role", "doit.cmp_policy", "doit.awsadmin_role", "doit.bucket", "doit.bucket_policy"):
        assert records[item]["status"] == "verified", records[item]
    assert records["doit.report"]["status"] == "verified", records["doit.report"]
    assert report_names(sandbox).count(bucket_name(extra_vars)) == 1


def test_lost_replies_of_the_creates_make_nothing_twice(sandbox, faults):
    extra_vars = doit_vars()
    role = own_roles(extra_vars)["doit_onboarding_cmp_role_name"]
    bucket = bucket_name(extra_vars)
    aws_client(sandbox, "s3").create_bucket(Bucket=bucket)
    role_options = {
        "name": role,
        "trusted_account_id": DOIT_ACCOUNT,
        "external_id": extra_vars["doit_onboarding_external_id"],
        "managed_policies": ["AWSBillingReadOnlyAccess"],
        "inline_policies": {
            "doitintl_cmp": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "ce:Get*", "Resource": "*"}],
            }
        },
    }
    report_options = {
        "name": bucket,
        "time_unit": "HOURLY",
        "format": "textORcsv",
        "compression": "GZIP",
        "additional_schema_elements": ["RESOURCES"],
        "s3_bucket": bucket,
        "s3_prefix": "cur",
        "s3_region": "us-east-1",
        "manage_bucket_policy": True,
    }
    faults(seed=31, lose_reply=0.5)

    made = [
        run_module("cross_account_role", role_options, sandbox.env()),
        run_module("cur_report", report_options, sandbox.env()),
    ]

    assert [result.get("failed", False) for result in made] == [False, False], made
    assert injected(sandbox).get("lose_reply"), "no reply was lost: the test proves nothing"
    faults()
    again = [
        run_module("cross_account_role", role_options, sandbox.env()),
        run_module("cur_report", report_options, sandbox.env()),
    ]
    assert [result.get("changed") for result in again] == [False, False], again
    assert role_state(aws_client(sandbox, "iam"), role).trust == expected_trust(
        extra_vars["doit_onboarding_external_id"]
    )
    assert report_names(sandbox).count(bucket) == 1
    statements = json.loads(aws_client(sandbox, "s3").get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["AllowBillingReportsBucketCheck", "AllowBillingReportsDelivery"]
