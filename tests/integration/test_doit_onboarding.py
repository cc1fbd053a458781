"""playbooks/doit_onboarding.yml against a seeded sandbox organization.

What a user checks after onboarding: the two roles trust exactly DoiT's account with the external ID condition,
the bucket is private, encrypted and lets the billing reports service deliver this account's reports, and the
report points at that bucket and prefix. A rerun changes nothing, check mode writes nothing, a drifted trust is
put back, and the external ID never appears in the output. What the user gives or already has (a bucket policy,
the root e-mail, a member account, bad variables): test_doit_onboarding_inputs.py; the management account's root
MFA and IAM users: test_doit_onboarding_management_account.py.
"""

import itertools
import json
import os
import re
from dataclasses import dataclass

import jsonschema
import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import ROOT
from integration_support import Org
from integration_support import PlaybookRun
from integration_support import aws_client
from integration_support import make_org
from integration_support import new_account_id
from integration_support import report_definition
from integration_support import role_state
from integration_support import run_playbook
from integration_support import trust_statements
from integration_support import write_calls

PLAYBOOK = os.path.join(ROOT, "playbooks", "doit_onboarding.yml")
DOIT_ACCOUNT = "999988887777"
RESULT_TASK = "Keep the onboarding checklist"
with open(os.path.join(ROOT, "schemas", "report-1.json")) as _schema:
    SCHEMA = json.load(_schema)


def doit_vars(**overrides) -> dict:
    """The three values DoiT gives, fresh for each use so that tests do not share buckets or reports."""
    customer = f"cust{new_account_id()}"
    return {
        "doit_onboarding_customer_id": customer,
        "doit_onboarding_trusted_account_id": DOIT_ACCOUNT,
        "doit_onboarding_external_id": f"doit-external-{customer}",
        **overrides,
    }


def own_roles(extra_vars: dict) -> dict:
    """Role names of the test's own, so that it neither sees nor changes the default roles."""
    suffix = extra_vars["doit_onboarding_customer_id"]
    return {
        "doit_onboarding_cmp_role_name": f"doitintl_cmp_{suffix}",
        "doit_onboarding_awsadmin_role_name": f"AWSAdmin_{suffix}",
    }


def expected_trust(external_id: str) -> list[dict]:
    return trust_statements(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{DOIT_ACCOUNT}:root"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
                }
            ],
        }
    )


_runs = itertools.count(1)


def onboard(org, extra_vars, *args, inventory=None, env=None):
    """One run of the playbook, writing its JSON report to a file of its own (``run.report_path``); ``env`` as
    run_playbook's."""
    report_path = os.path.join(str(org.directory), f"doit_onboarding_{next(_runs)}.json")
    run = run_playbook(
        org.sandbox,
        PLAYBOOK,
        *args,
        inventory=inventory or org.inventory,
        extra_vars={"doit_onboarding_report_path": report_path, **extra_vars},
        env=env,
        tmp=org.directory,
    )
    run.report_path = report_path
    return run


def report_of(run) -> dict:
    """The run's JSON report, checked against the schema the collection ships."""
    assert os.path.exists(run.report_path), "no report was written" + run.log
    with open(run.report_path) as handle:
        report = json.load(handle)
    jsonschema.validate(report, SCHEMA)
    return report


def records_of(run) -> dict[str, dict]:
    """The report's records, by id."""
    return {record["id"]: record for record in report_of(run)["records"]}


def changes_of(run) -> list[str]:
    """What the run changed (or would change), as the role's result says."""
    results = run.results(RESULT_TASK)
    assert results, "no onboarding result in the output" + run.log
    return results[0]["ansible_facts"]["doit_onboarding_result"]["changes"]


def actions_of(statement) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


def bucket_name(extra_vars: dict) -> str:
    return f"doitintl-awsops-{extra_vars['doit_onboarding_customer_id']}"


@dataclass
class Onboarded:
    org: Org
    extra_vars: dict
    run: PlaybookRun
    calls: list[dict]


@pytest.fixture(scope="module")
def applied(sandbox, tmp_path_factory):
    """One organization onboarded with the default role names, and the calls the apply made."""
    org = make_org(sandbox, tmp_path_factory.mktemp("doit"), members=1)
    extra_vars = doit_vars()
    sandbox.reset_calls()
    run = onboard(org, extra_vars)
    return Onboarded(org, extra_vars, run, sandbox.calls())


def test_check_mode_writes_nothing_and_says_what_it_would_do(sandbox, new_org):
    org = new_org(members=1)
    extra_vars = doit_vars()
    extra_vars.update(own_roles(extra_vars))
    sandbox.reset_calls()

    run = onboard(org, extra_vars, "--check", "--diff")

    assert run.ok, run.log
    assert write_calls(sandbox.calls()) == []
    assert run.changed >= 1, run.log
    done = changes_of(run)
    role = extra_vars["doit_onboarding_cmp_role_name"]
    assert f"Would create role {role}, trusting DoiT account {DOIT_ACCOUNT} with the external ID condition" in done
    assert f"Would put inline policy doitintl_cmp on role {role}" in done
    assert any(item.startswith(f"Would create bucket {bucket_name(extra_vars)}") for item in done), done
    assert any(item.startswith(f"Would create Cost and Usage Report {bucket_name(extra_vars)}") for item in done), done
    diff = run.stdout.split("Role doitintl_cmp for DoiT's Cloud Management Platform", 1)[1].split("TASK [", 1)[0]
    assert '"OrganizationRead"' in diff and "organizations:Describe*" in diff, "the inline policy is not in the diff"
    assert extra_vars["doit_onboarding_external_id"] not in run.output
    records = records_of(run)
    assert records["doit.cmp_role"]["status"] == "failed"
    assert records["doit.cmp_role"]["evidence"] == f"role {role} does not exist"
    assert records["doit.cmp_policy"]["status"] == "failed"
    assert report_of(run)["check_mode"] is True
    iam = aws_client(sandbox, "iam")
    assert role_state(iam, extra_vars["doit_onboarding_cmp_role_name"]) is None
    assert report_definition(sandbox, bucket_name(extra_vars)) is None


def test_both_roles_trust_exactly_doits_account_with_the_external_id(applied):
    org, extra_vars, run = applied.org, applied.extra_vars, applied.run
    assert run.ok, run.log
    iam = aws_client(org.sandbox, "iam")

    cmp_role = role_state(iam, "doitintl_cmp")
    awsadmin = role_state(iam, "AWSAdmin")

    for role in (cmp_role, awsadmin):
        assert role is not None
        assert role.trust == expected_trust(extra_vars["doit_onboarding_external_id"]), role.name
        assert role.tags == {"ManagedBy": "diatonic.partnercentral"}
    assert cmp_role.inline_policies == ["doitintl_cmp"]
    assert cmp_role.policies == set()
    assert awsadmin.policies == {
        "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess",
        "arn:aws:iam::aws:policy/AWSOrganizationsReadOnlyAccess",
    }
    assert awsadmin.inline_policies == []


def test_the_cmp_policy_only_reads_billing_data_and_the_report_bucket(applied):
    org, extra_vars, run = applied.org, applied.extra_vars, applied.run
    assert run.ok, run.log
    document = aws_client(org.sandbox, "iam").get_role_policy(RoleName="doitintl_cmp", PolicyName="doitintl_cmp")
    statements = document["PolicyDocument"]["Statement"]
    actions = {action for s in statements for action in actions_of(s)}

    assert all(s["Effect"] == "Allow" for s in statements)
    assert all(re.match(r"^(organizations|ce|cur|s3):(Describe|Get|List)", action) for action in actions), actions
    bucket = bucket_name(extra_vars)
    s3_resources = {s["Resource"] for s in statements if any(a.startswith("s3:") for a in actions_of(s))}
    assert s3_resources == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}


def test_the_bucket_is_private_encrypted_and_open_to_billing_reports_of_this_account_only(applied):
    org, extra_vars, run = applied.org, applied.extra_vars, applied.run
    assert run.ok, run.log
    s3 = aws_client(org.sandbox, "s3")
    bucket = bucket_name(extra_vars)

    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])

    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert encryption[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    statements = {s["Sid"]: s for s in policy["Statement"]}
    source = {
        "StringEquals": {"aws:SourceAccount": DEFAULT_ACCOUNT_ID},
        "ArnLike": {"aws:SourceArn": f"arn:aws:cur:us-east-1:{DEFAULT_ACCOUNT_ID}:definition/*"},
    }
    assert statements["AllowBillingReportsDelivery"] == {
        "Sid": "AllowBillingReportsDelivery",
        "Effect": "Allow",
        "Principal": {"Service": "billingreports.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": source,
    }
    assert statements["AllowBillingReportsBucketCheck"]["Action"] == ["s3:GetBucketAcl", "s3:GetBucketPolicy"]
    assert statements["AllowBillingReportsBucketCheck"]["Condition"] == source


def test_the_report_is_delivered_to_the_bucket_and_prefix(applied):
    org, extra_vars, run = applied.org, applied.extra_vars, applied.run
    assert run.ok, run.log
    name = bucket_name(extra_vars)
    definition = report_definition(org.sandbox, name)
    assert definition is not None
    assert (definition["S3Bucket"], definition["S3Prefix"], definition["S3Region"]) == (name, "cur", "us-east-1")
    assert definition["TimeUnit"] == "HOURLY"
    # What DoiT reads: resource IDs and split cost allocation data (doit_onboarding_report_schema_elements).
    assert definition["AdditionalSchemaElements"] == ["RESOURCES", "SPLIT_COST_ALLOCATION_DATA"]


def test_everything_was_written_in_the_management_account_only(applied):
    org, run, calls = applied.org, applied.run, applied.calls
    assert run.ok, run.log
    assert {call["account_id"] for call in write_calls(calls)} == {org.management}


def test_the_report_holds_one_record_per_step_with_who_does_what_is_left(applied):
    org, run = applied.org, applied.run
    assert run.ok, run.log
    report = report_of(run)
    records = {record["id"]: record for record in report["records"]}

    manual = {
        "doit.root_email": "customer",
        "doit.root_mfa_removed": "customer",
        "doit.csm_notified": "customer",
        "doit.root_password_reset": "DoiT",
        "doit.spp": "DoiT",
        "doit.payment_method": "DoiT",
        "doit.tax_profile": "DoiT",
        "doit.email_verification": "DoiT",
    }
    for record_id, who in manual.items():
        assert (records[record_id]["status"], records[record_id]["who"]) == ("manual", who), records[record_id]
        assert records[record_id]["remedy"], record_id
    assert "payment method" in records["doit.payment_method"]["remedy"]
    for record_id in ("doit.management_account", "doit.cmp_role", "doit.cmp_policy", "doit.awsadmin_role"):
        assert records[record_id]["status"] == "verified", records[record_id]
    for record_id in ("doit.bucket", "doit.bucket_policy", "doit.report"):
        assert records[record_id]["status"] == "verified", records[record_id]
    assert records["doit.awsadmin_policy"]["status"] == "skipped"
    assert (
        f"{org.management} is the management account of organization" in records["doit.management_account"]["evidence"]
    )
    assert {record["account"] for record in report["records"]} == {org.management}
    assert [record["phase"] for record in report["records"]] == sorted(record["phase"] for record in report["records"])
    assert report["playbook"] == "doit_onboarding" and report["check_mode"] is False
    assert [(a["account"], a["verdict"]) for a in report["accounts"]] == [(org.management, "not_ready")]
    assert report["accounts"][0]["host"] in run.stdout


def test_a_rerun_changes_nothing_and_writes_nothing(sandbox, applied):
    org, extra_vars, first = applied.org, applied.extra_vars, applied.run
    assert first.ok, first.log
    sandbox.reset_calls()

    run = onboard(org, extra_vars)

    assert run.ok, run.log
    assert run.changed == 0, run.log
    assert write_calls(sandbox.calls()) == []
    assert changes_of(run) == []
    assert "nothing: everything was already in place" in run.stdout


def test_check_mode_after_apply_reports_no_change(sandbox, applied):
    org, extra_vars, first = applied.org, applied.extra_vars, applied.run
    assert first.ok, first.log
    sandbox.reset_calls()

    run = onboard(org, extra_vars, "--check", "--diff")

    assert run.ok, run.log
    assert run.changed == 0, run.log
    assert write_calls(sandbox.calls()) == []


def test_the_external_id_never_appears_in_the_output_or_the_report(applied):
    extra_vars, run = applied.extra_vars, applied.run
    assert run.ok, run.log
    assert extra_vars["doit_onboarding_external_id"] not in run.output
    with open(run.report_path) as handle:
        assert extra_vars["doit_onboarding_external_id"] not in handle.read()


def test_a_drifted_trust_is_previewed_then_put_back(sandbox, applied):
    # Last in the file: it changes the role that the tests above read, and puts it back.
    org, extra_vars, first = applied.org, applied.extra_vars, applied.run
    assert first.ok, first.log
    name = "doitintl_cmp"
    iam = aws_client(sandbox, "iam")
    loose = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DOIT_ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(loose))
    sandbox.reset_calls()

    preview = onboard(org, extra_vars, "--check")
    preview_writes = write_calls(sandbox.calls())
    repaired = onboard(org, extra_vars)

    assert preview.ok and preview.changed == 1, preview.log
    assert preview_writes == []
    assert (
        f"Would update role {name} (trust_policy), trusting DoiT account {DOIT_ACCOUNT} with the external ID condition"
        in changes_of(preview)
    )
    assert (
        records_of(preview)["doit.cmp_role"]["evidence"] == f"role {name} differs from the declaration in trust_policy"
    )
    assert repaired.ok, repaired.log
    assert role_state(iam, name).trust == expected_trust(extra_vars["doit_onboarding_external_id"])
