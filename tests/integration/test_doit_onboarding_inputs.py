"""playbooks/doit_onboarding.yml with what the user gives or already has: a bucket policy of their own, the root
e-mail DoiT asked for, a member account given as the management account, bad variables.

Split from test_doit_onboarding.py so that the test files take about the same time (make integration runs each
file on one worker).
"""

import json
import os
from dataclasses import dataclass

import pytest
from integration_support import Org
from integration_support import PlaybookRun
from integration_support import assume_role_arn
from integration_support import aws_client
from integration_support import make_org
from integration_support import role_state
from integration_support import write_calls
from integration_support import write_inventory
from test_doit_onboarding import bucket_name
from test_doit_onboarding import doit_vars
from test_doit_onboarding import onboard
from test_doit_onboarding import own_roles
from test_doit_onboarding import records_of

AUDITORS_READ = "AuditorsRead"


@dataclass
class GivenBucketAndEmail:
    org: Org
    audit: dict
    statements: list[dict]
    email: str
    matching: PlaybookRun
    other: PlaybookRun


@pytest.fixture(scope="module")
def given(sandbox, tmp_path_factory):
    """An organization whose report bucket already exists with a policy of its own, onboarded once with DoiT's
    root e-mail matching the management account's (the bucket policy read right after), then with another one."""
    org = make_org(sandbox, tmp_path_factory.mktemp("doit"), members=0)
    extra_vars = doit_vars()
    extra_vars.update(own_roles(extra_vars))
    bucket = bucket_name(extra_vars)
    s3 = aws_client(sandbox, "s3")
    s3.create_bucket(Bucket=bucket)
    audit = {
        "Sid": AUDITORS_READ,
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [audit]}))
    email = aws_client(sandbox, "organizations").describe_organization()["Organization"]["MasterAccountEmail"]

    matching = onboard(org, {**extra_vars, "doit_onboarding_root_email": email})
    statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    other = onboard(org, {**extra_vars, "doit_onboarding_root_email": "aws-root@doit.example"})
    return GivenBucketAndEmail(org, audit, statements, email, matching, other)


def test_an_existing_bucket_policy_is_merged_not_replaced(given):
    assert given.matching.ok, given.matching.log
    assert given.statements[0] == given.audit
    assert [s["Sid"] for s in given.statements] == [
        AUDITORS_READ,
        "AllowBillingReportsBucketCheck",
        "AllowBillingReportsDelivery",
    ]


def test_the_root_email_change_is_verified_when_doits_address_is_given(given):
    org, email, matching, other = given.org, given.email, given.matching, given.other

    assert matching.ok and other.ok
    assert records_of(matching)["doit.root_email"]["status"] == "verified"
    assert f"the root e-mail of {org.management} is {email}" in records_of(matching)["doit.root_email"]["evidence"]
    mismatch = records_of(other)["doit.root_email"]
    assert (mismatch["status"], mismatch["who"]) == ("failed", "customer"), mismatch
    assert "expected aws-root@doit.example" in mismatch["evidence"]


def test_a_member_account_is_refused_before_any_write(sandbox, new_org):
    org = new_org(members=1)
    member = org.members[0]
    directory = os.path.join(org.directory, "as_member")
    os.makedirs(directory)
    inventory = write_inventory(
        directory,
        management={"aws_account_id": member, "aws_assume_role_arn": assume_role_arn(member)},
        partnercentral={
            "aws_account_id": org.partnercentral,
            "aws_assume_role_arn": assume_role_arn(org.partnercentral),
        },
    )
    sandbox.reset_calls()

    run = onboard(org, doit_vars(), inventory=inventory)

    assert not run.ok
    assert any("must be the management account" in message for message in run.failure_messages()), run.log
    assert write_calls(sandbox.calls()) == []
    assert role_state(aws_client(sandbox, "iam", member), "doitintl_cmp") is None


def test_bad_variables_fail_naming_them_before_any_aws_call(sandbox, new_org):
    # Every rule is a unit test of the doit_problems filter (tests/unit/test_doit.py); this is the role's wiring.
    org = new_org(members=0)
    extra_vars = doit_vars(
        doit_onboarding_external_id="has spaces in it",
        doit_onboarding_report_format="Parquet",
        doit_onboarding_cmp_policy={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Alow", "Action": "ce:Get*", "Resource": "*"}],
        },
    )
    sandbox.reset_calls()

    run = onboard(org, extra_vars)

    assert not run.ok, run.log
    failures = " ".join(run.failure_messages())
    assert "doit_onboarding_external_id holds characters" in failures, run.log
    assert "doit_onboarding_report_format Parquet needs doit_onboarding_report_compression Parquet" in failures
    assert "doit_onboarding_cmp_policy statement 1 has Effect 'Alow'" in failures
    assert sandbox.calls() == [], "no AWS call before the variables are right"
    assert "has spaces in it" not in run.output, "the external ID must not be echoed"
