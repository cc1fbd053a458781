"""playbooks/doit_onboarding.yml against a seeded sandbox organization.

What a user checks after onboarding: the two roles trust exactly DoiT's account with the external ID condition,
the bucket is private, encrypted and lets the billing reports service deliver this account's reports, and the
report points at that bucket and prefix. A rerun changes nothing, check mode writes nothing, a member account
and bad variables are refused before any write, and the external ID never appears in the output.
"""

import json
import os
import re
from dataclasses import dataclass

import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import ROOT
from integration_support import Org
from integration_support import PlaybookRun
from integration_support import assume_role_arn
from integration_support import aws_client
from integration_support import make_org
from integration_support import new_account_id
from integration_support import report_definition
from integration_support import role_state
from integration_support import run_playbook
from integration_support import set_state
from integration_support import trust_statements
from integration_support import write_calls
from integration_support import write_inventory

PLAYBOOK = os.path.join(ROOT, "playbooks", "doit_onboarding.yml")
DOIT_ACCOUNT = "999988887777"
SUMMARY_TASK = "Show the onboarding summary"


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


def onboard(org, extra_vars, *args, inventory=None):
    return run_playbook(
        org.sandbox, PLAYBOOK, *args, inventory=inventory or org.inventory, extra_vars=extra_vars, tmp=org.directory
    )


def summary(run) -> dict:
    """The summary the playbook ends with: the debug message's lines, split into its three lists."""
    match = re.search(rf"TASK \[[^\]]*{SUMMARY_TASK}\] \**\nok: \[[^\]]+\] => (\{{.*?\n\}})\n", run.stdout, re.DOTALL)
    assert match, "no summary in the output" + run.log
    lines = json.loads(match.group(1))["msg"]
    sections = {"done": [], "verified": [], "manual": []}
    current = None
    for line in lines[1:]:
        if not line.startswith("  - "):
            current = "verified" if line.startswith("Verified") else "manual" if line.startswith("Still") else "done"
            continue
        sections[current].append(line[4:])
    return sections


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
    done = summary(run)["done"]
    role = extra_vars["doit_onboarding_cmp_role_name"]
    assert f"Would create role {role}, trusting DoiT account {DOIT_ACCOUNT} with the external ID condition" in done
    assert any(item.startswith(f"Would create bucket {bucket_name(extra_vars)}") for item in done), done
    assert any(item.startswith(f"Would create Cost and Usage Report {bucket_name(extra_vars)}") for item in done), done
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
    assert definition["AdditionalSchemaElements"] == ["RESOURCES"]


def test_everything_was_written_in_the_management_account_only(applied):
    org, run, calls = applied.org, applied.run, applied.calls
    assert run.ok, run.log
    assert {call["account_id"] for call in write_calls(calls)} == {org.management}


def test_the_summary_lists_what_a_person_still_has_to_do_with_the_account(applied):
    org, run = applied.org, applied.run
    result = summary(run)
    manual = result["manual"]
    for step in ("1.3", "1.4", "2.1", "2.5", "3.1", "3.2", "3.3"):
        assert any(item.startswith(f"[{step}, ") and f"account {org.management}]" in item for item in manual), step
    assert any("root user e-mail" in item for item in manual)
    assert any("payment method" in item for item in manual)
    assert any("tax profile" in item for item in manual)
    assert any("e-mail verification" in item for item in manual)
    assert f"{org.management} is the management account of organization" in result["verified"][0]
    assert any(item.startswith("root user MFA on") for item in result["verified"])


def test_a_rerun_changes_nothing_and_writes_nothing(sandbox, applied):
    org, extra_vars, first = applied.org, applied.extra_vars, applied.run
    assert first.ok, first.log
    sandbox.reset_calls()

    run = onboard(org, extra_vars)

    assert run.ok, run.log
    assert run.changed == 0, run.log
    assert write_calls(sandbox.calls()) == []
    assert summary(run)["done"] == ["nothing: everything was already in place"]


def test_check_mode_after_apply_reports_no_change(sandbox, applied):
    org, extra_vars, first = applied.org, applied.extra_vars, applied.run
    assert first.ok, first.log
    sandbox.reset_calls()

    run = onboard(org, extra_vars, "--check", "--diff")

    assert run.ok, run.log
    assert run.changed == 0, run.log
    assert write_calls(sandbox.calls()) == []


def test_the_external_id_never_appears_in_the_output(applied):
    extra_vars, run = applied.extra_vars, applied.run
    assert run.ok, run.log
    assert extra_vars["doit_onboarding_external_id"] not in run.output


def test_a_drifted_trust_is_previewed_then_put_back(sandbox, new_org):
    org = new_org(members=1)
    extra_vars = doit_vars()
    extra_vars.update(own_roles(extra_vars))
    name = extra_vars["doit_onboarding_cmp_role_name"]
    assert onboard(org, extra_vars).ok
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
    assert any(item.startswith(f"Would create or update role {name}") for item in summary(preview)["done"])
    assert repaired.ok, repaired.log
    assert role_state(iam, name).trust == expected_trust(extra_vars["doit_onboarding_external_id"])


def test_an_existing_bucket_policy_is_merged_not_replaced(sandbox, new_org):
    org = new_org(members=1)
    extra_vars = doit_vars()
    extra_vars.update(own_roles(extra_vars))
    bucket = bucket_name(extra_vars)
    s3 = aws_client(sandbox, "s3")
    s3.create_bucket(Bucket=bucket)
    audit = {
        "Sid": "AuditorsRead",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [audit]}))

    run = onboard(org, extra_vars)

    assert run.ok, run.log
    statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert statements[0] == audit
    assert [s["Sid"] for s in statements] == [
        "AuditorsRead",
        "AllowBillingReportsBucketCheck",
        "AllowBillingReportsDelivery",
    ]


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


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"doit_onboarding_external_id": None}, ["doit_onboarding_external_id"]),
        ({"doit_onboarding_customer_id": None}, ["doit_onboarding_customer_id"]),
        ({"doit_onboarding_trusted_account_id": None}, ["doit_onboarding_trusted_account_id"]),
        ({"doit_onboarding_external_id": ""}, ["doit_onboarding_external_id is not set"]),
        ({"doit_onboarding_external_id": "has spaces in it"}, ["doit_onboarding_external_id holds characters"]),
        ({"doit_onboarding_trusted_account_id": "12345"}, ['doit_onboarding_trusted_account_id "12345"']),
        (
            {"doit_onboarding_trusted_account_id": DEFAULT_ACCOUNT_ID},
            ["doit_onboarding_trusted_account_id is this account"],
        ),
        ({"doit_onboarding_customer_id": "Has Space"}, ['doit_onboarding_customer_id "Has Space"']),
        ({"doit_onboarding_customer_id": "UPPER"}, ['doit_onboarding_bucket_name "doitintl-awsops-UPPER"']),
        ({"doit_onboarding_report_prefix": "a b"}, ['doit_onboarding_report_prefix "a b"']),
        ({"doit_onboarding_cmp_policy": {}}, ["doit_onboarding_cmp_policy is empty"]),
        (
            {"doit_onboarding_customer_id": "Has Space", "doit_onboarding_trusted_account_id": "1"},
            ["doit_onboarding_customer_id", "doit_onboarding_trusted_account_id"],
        ),
    ],
)
def test_missing_or_malformed_variables_fail_naming_them_before_any_write(sandbox, new_org, changes, named):
    org = new_org(members=0)
    extra_vars = doit_vars()
    for key, value in changes.items():
        if value is None:
            extra_vars.pop(key)
        else:
            extra_vars[key] = value
    sandbox.reset_calls()

    run = onboard(org, extra_vars)

    assert not run.ok, run.log
    failures = " ".join(run.failure_messages())
    for text in named:
        assert text in failures, run.log
    assert write_calls(sandbox.calls()) == []
    assert "doit-external-" not in run.output, "the external ID must not be echoed"


def test_root_mfa_is_verified_not_assumed(own_sandbox, tmp_path):
    org = make_org(own_sandbox, tmp_path, members=0)
    extra_vars = doit_vars()

    set_state(own_sandbox, org.management, root_mfa=False)
    own_sandbox.reset_calls()
    required = onboard(org, {**extra_vars, "doit_onboarding_require_root_mfa": True})
    required_writes = write_calls(own_sandbox.calls())
    without = onboard(org, extra_vars)
    set_state(own_sandbox, org.management, root_mfa=True)
    with_mfa = onboard(org, {**extra_vars, "doit_onboarding_require_root_mfa": True})

    assert not required.ok
    assert any("has no MFA" in message for message in required.failure_messages()), required.log
    assert required_writes == []
    assert without.ok, without.log
    assert any(item.startswith("[2.2, DoiT, account") and "not enabled" in item for item in summary(without)["manual"])
    assert with_mfa.ok, with_mfa.log
    verified = summary(with_mfa)["verified"]
    assert f"root user MFA on {org.management} is enabled, as step 2.2 requires" in verified
    assert not any(item.startswith("[2.2,") for item in summary(with_mfa)["manual"])


def test_the_admin_user_is_checked_and_created_only_when_asked(own_sandbox, tmp_path):
    org = make_org(own_sandbox, tmp_path, members=0)
    extra_vars = doit_vars()
    iam = aws_client(own_sandbox, "iam")

    checked = onboard(org, extra_vars)
    users_after_check = [u["UserName"] for u in iam.list_users()["Users"]]
    created = onboard(org, {**extra_vars, "doit_onboarding_admin_user_create": True})
    rerun = onboard(org, {**extra_vars, "doit_onboarding_admin_user_create": True})
    iam.create_group(GroupName="Admins")
    iam.attach_group_policy(GroupName="Admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="Admins", UserName="alice")
    through_group = onboard(org, extra_vars)

    assert checked.ok, checked.log
    assert users_after_check == [], "without doit_onboarding_admin_user_create no user may be created"
    assert any(item.startswith("[1.2, customer, account") for item in summary(checked)["manual"])
    assert created.ok, created.log
    attached = iam.list_attached_user_policies(UserName="org-admin")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]
    assert rerun.ok and rerun.changed == 0, rerun.log
    assert through_group.ok, through_group.log
    assert (
        f"IAM users with AdministratorAccess on {org.management}, directly or through a group: alice, org-admin"
        in summary(through_group)["verified"]
    )


def test_the_root_email_change_is_verified_when_doits_address_is_given(sandbox, new_org):
    org = new_org(members=0)
    extra_vars = doit_vars()
    extra_vars.update(own_roles(extra_vars))
    email = aws_client(sandbox, "organizations").describe_organization()["Organization"]["MasterAccountEmail"]

    matching = onboard(org, {**extra_vars, "doit_onboarding_root_email": email})
    other = onboard(org, {**extra_vars, "doit_onboarding_root_email": "aws-root@doit.example"})

    assert matching.ok and other.ok
    assert (
        f"root e-mail of {org.management} is {email} (organizations:DescribeOrganization)"
        in summary(matching)["verified"]
    )
    assert any(
        item.startswith("[1.3, customer") and "expected aws-root@doit.example" in item
        for item in summary(other)["manual"]
    )
