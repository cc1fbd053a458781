"""playbooks/doit_onboarding.yml against a seeded sandbox organization, run as the README tells users to: as a
runner role holding only the shipped IAM policy (policies/doit_onboarding.json, plus the admin user's add-on when
it is asked for), under moto's IAM enforcement (least_privilege_support).

What a user checks after onboarding: the two roles trust exactly DoiT's account with the external ID condition,
the bucket is private, encrypted and lets the billing reports service deliver this account's reports (a policy of
the user's own kept), and the report points at that bucket and prefix; the checklist verifies DoiT's steps from
what AWS shows (root MFA, root e-mail, the admin user, payment method, tax profile, billing transfer) and says who
does what is left. Check mode writes nothing and says what it would do; drift is previewed, then put back with
nothing else written; the external ID never appears in the output; a member account, root MFA that is required
but off, and bad variables are refused before any write.

Every run costs 10-20 s of CPU, so one sequence serves every test (the ``onboarded`` fixture; this file's sandbox
has the management account, 123456789012, to itself): a check-mode run on a fresh account with DoiT's billing
steps not done yet, an apply once they are done, a check-mode run after drift by hand, and the repair. The
checklist's judging rules are unit tests (tests/unit/test_doit_readiness.py, tests/unit/test_doit.py).
"""

import itertools
import json
import os
import re
from dataclasses import dataclass

import boto3
import jsonschema
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
from integration_support import write_groups
from least_privilege_support import NOT_IN_RUNNER_POLICY
from least_privilege_support import caller_env
from least_privilege_support import granted_actions
from least_privilege_support import iam_enforced
from least_privilege_support import load_policy
from least_privilege_support import runner_inventory
from least_privilege_support import runner_role
from least_privilege_support import unauthorized
from least_privilege_support import used_actions
from least_privilege_support import without_action
from module_in_process import run_module
from standin_support import billing_transfer
from standin_support import set_payment_instruments
from standin_support import set_responsibility_transfers
from standin_support import set_tax_registrations
from standin_support import tax_registration

# Six ansible-playbook runs (about 100 s of CPU): handed to a worker first (conftest.py).
pytestmark = pytest.mark.long_file

PLAYBOOK = os.path.join(ROOT, "playbooks", "doit_onboarding.yml")
DOIT_ACCOUNT = "999988887777"
DOIT_BILLING_EMAIL = "billing@doit.example"
OTHER_ROOT_EMAIL = "aws-root@doit.example"
RESULT_TASK = "Keep the onboarding checklist"
AUDITORS_READ = "AuditorsRead"
BILLING_READS = (
    "payments:ListPaymentInstruments",
    "tax:ListTaxRegistrations",
    "organizations:ListOutboundResponsibilityTransfers",
)
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


def _report_path(org) -> str:
    return os.path.join(str(org.directory), f"doit_onboarding_{next(_runs)}.json")


def onboard(org, extra_vars, *args, inventory=None, env=None):
    """One run of the playbook, writing its JSON report to a file of its own (``run.report_path``); ``env`` as
    run_playbook's."""
    report_path = _report_path(org)
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


def onboard_as_runner(org, policy: dict, variant: str, extra_vars: dict, *args) -> tuple[PlaybookRun, list[dict]]:
    """One run as a runner role holding only ``policy``, IAM enforced (test_least_privilege.py says how); the run
    and the calls it made."""
    report_path = _report_path(org)
    inventory = runner_inventory(
        org, os.path.join(org.directory, f"runner{variant}"), "doit_onboarding", policy, variant
    )
    env = caller_env(org.sandbox)
    with iam_enforced(org.sandbox):
        run = run_playbook(
            org.sandbox,
            PLAYBOOK,
            *args,
            inventory=inventory,
            extra_vars={"doit_onboarding_report_path": report_path, **extra_vars},
            env=env,
            tmp=org.directory,
        )
        calls = org.sandbox.calls()
    run.report_path = report_path
    return run, calls


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


def failures_by_host(run) -> dict[str, str]:
    """The message each failed host ended with (``fatal: [host]: FAILED! => {...}`` with -v)."""
    found = {}
    for line in run.stdout.splitlines():
        matched = re.match(r"^fatal: \[(?P<host>[^\]]+)\]: FAILED! => (?P<json>\{.*\})$", line)
        if matched:
            found[matched["host"]] = json.loads(matched["json"]).get("msg", "")
    return found


def actions_of(statement) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


def bucket_name(extra_vars: dict) -> str:
    return f"doitintl-awsops-{extra_vars['doit_onboarding_customer_id']}"


def written(calls: list[dict]) -> set[str]:
    return {action for call in write_calls(calls) for action in call["actions"]}


# --- the sequence ---------------------------------------------------------------


@dataclass
class AfterApply:
    """What a user sees in AWS right after the apply (before the drift made by hand)."""

    cmp_role: object
    awsadmin_role: object
    cmp_policy: dict
    public_access_block: dict
    encryption: list
    bucket_policy: dict
    report: dict
    users: list[str]


@dataclass
class Onboarded:
    org: Org
    extra_vars: dict
    base: dict  # policies/doit_onboarding.json
    add_on: dict  # policies/doit_onboarding_admin_user.json
    email: str  # the management account's root e-mail
    # 1. check mode on a fresh account: root MFA off, DoiT's billing steps not done, another root e-mail given.
    preview: PlaybookRun
    preview_calls: list[dict]
    # 2. apply: root MFA on and required, billing steps done, the right root e-mail, the admin user asked for.
    applied: PlaybookRun
    applied_calls: list[dict]
    after_apply: AfterApply
    # 3. check mode after drift by hand (and an administrator added through a group), purging asked for; neither
    # the root e-mail nor DoiT's billing settings given.
    drift_preview: PlaybookRun
    drift_preview_calls: list[dict]
    # 4. the same, applied.
    repaired: PlaybookRun
    repaired_calls: list[dict]


def bucket_statements(sandbox, bucket) -> list[dict]:
    return json.loads(aws_client(sandbox, "s3").get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]


def drift_by_hand(sandbox, bucket: str, report: str) -> None:
    """What people do behind the role's back: a looser trust, another description, a tag and a policy added, a
    statement of their own in the bucket policy in place of the delivery one, the report made daily, a tag on the
    admin user; and an administrator of their own, through a group."""
    iam, cur, s3 = aws_client(sandbox, "iam"), aws_client(sandbox, "cur"), aws_client(sandbox, "s3")
    loose = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DOIT_ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.update_assume_role_policy(RoleName="doitintl_cmp", PolicyDocument=json.dumps(loose))
    iam.update_role(RoleName="doitintl_cmp", Description="changed by hand")
    iam.tag_role(RoleName="doitintl_cmp", Tags=[{"Key": "AddedByHand", "Value": "yes"}])
    iam.attach_role_policy(RoleName="AWSAdmin", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.tag_user(UserName="org-admin", Tags=[{"Key": "AddedByHand", "Value": "yes"}])
    definition = report_definition(sandbox, report)
    cur.modify_report_definition(ReportName=report, ReportDefinition={**definition, "TimeUnit": "DAILY"})
    cur.tag_resource(ReportName=report, Tags=[{"Key": "AddedByHand", "Value": "1"}])
    audit = {
        "Sid": AUDITORS_READ,
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    kept = [s for s in bucket_statements(sandbox, bucket) if s["Sid"] != "AllowBillingReportsDelivery"]
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [audit, *kept]}))
    iam.create_group(GroupName="Admins")
    iam.attach_group_policy(GroupName="Admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="Admins", UserName="alice")


@pytest.fixture(scope="module")
def onboarded(sandbox, tmp_path_factory):
    org = make_org(sandbox, tmp_path_factory.mktemp("doit"), members=0)
    base, add_on = load_policy("doit_onboarding"), load_policy("doit_onboarding_admin_user")
    with_admin_user = {**base, "Statement": base["Statement"] + add_on["Statement"]}
    extra_vars = doit_vars()
    billing = {
        "doit_onboarding_payment_method": "PAY_BY_INVOICE",
        "doit_onboarding_tax_country": "IL",
        "doit_onboarding_billing_transfer_account_id": DOIT_ACCOUNT,
    }
    bucket = bucket_name(extra_vars)
    email = aws_client(sandbox, "organizations").describe_organization()["Organization"]["MasterAccountEmail"]
    iam = aws_client(sandbox, "iam")

    set_state(sandbox, org.management, root_mfa=False)
    set_payment_instruments(sandbox, org.management, {"paymentMethod": "CARD", "status": "ACTIVE"})
    set_tax_registrations(sandbox, org.management, tax_registration("US", "US123456789"))
    set_responsibility_transfers(
        sandbox,
        org.management,
        billing_transfer(DOIT_ACCOUNT, DOIT_BILLING_EMAIL, status="REQUESTED", ActiveHandshakeId="h-doit0000billing"),
    )
    preview, preview_calls = onboard_as_runner(
        org, base, "", {**extra_vars, **billing, "doit_onboarding_root_email": OTHER_ROOT_EMAIL}, "--check", "--diff"
    )

    set_state(sandbox, org.management, root_mfa=True)
    set_payment_instruments(sandbox, org.management, {"paymentMethod": "PAY_BY_INVOICE", "status": "ACTIVE"})
    set_tax_registrations(sandbox, org.management, tax_registration("IL", "IL516000000"))
    set_responsibility_transfers(sandbox, org.management, billing_transfer(DOIT_ACCOUNT, DOIT_BILLING_EMAIL))
    asked = {**extra_vars, "doit_onboarding_require_root_mfa": True, "doit_onboarding_admin_user_create": True}
    applied, applied_calls = onboard_as_runner(
        org, with_admin_user, "-admin-user", {**asked, **billing, "doit_onboarding_root_email": email}
    )
    s3 = aws_client(sandbox, "s3")
    after_apply = AfterApply(
        cmp_role=role_state(iam, "doitintl_cmp"),
        awsadmin_role=role_state(iam, "AWSAdmin"),
        cmp_policy=iam.get_role_policy(RoleName="doitintl_cmp", PolicyName="doitintl_cmp")["PolicyDocument"]
        if applied.ok
        else {},
        public_access_block=s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        if applied.ok
        else {},
        encryption=s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        if applied.ok
        else [],
        bucket_policy={"Statement": bucket_statements(sandbox, bucket)} if applied.ok else {},
        report=report_definition(sandbox, bucket),
        users=[u["UserName"] for u in iam.list_users()["Users"]],
    )

    if applied.ok:
        drift_by_hand(sandbox, bucket, bucket)
    # DoiT's billing settings not given, and nothing to show for them (test_the_report_holds_one_record_per_step...).
    set_payment_instruments(sandbox, org.management)
    set_tax_registrations(sandbox, org.management)
    set_responsibility_transfers(sandbox, org.management)
    purging = {**asked, "doit_onboarding_purge_tags": True, "doit_onboarding_purge_policies": True}
    drift_preview, drift_preview_calls = onboard_as_runner(org, with_admin_user, "-admin-user", purging, "--check")
    repaired, repaired_calls = onboard_as_runner(org, with_admin_user, "-admin-user", purging)
    return Onboarded(
        org,
        extra_vars,
        base,
        add_on,
        email,
        preview,
        preview_calls,
        applied,
        applied_calls,
        after_apply,
        drift_preview,
        drift_preview_calls,
        repaired,
        repaired_calls,
    )


# --- refused before any write (runs of their own, before the sequence) -----------


def test_a_member_account_and_root_mfa_required_but_off_are_refused_before_any_write(sandbox, new_org, tmp_path):
    # First in the file: the management account is as seeded (root MFA off here), before the sequence below.
    org = new_org(members=1)
    member = org.members[0]
    set_state(sandbox, org.management, root_mfa=False)
    inventory = write_groups(
        tmp_path,
        {
            "management": {
                "org-management": {"aws_account_id": org.management, "doit_onboarding_require_root_mfa": True},
                "a-member": {"aws_account_id": member, "aws_assume_role_arn": assume_role_arn(member)},
            }
        },
        "refused.yml",
    )
    sandbox.reset_calls()

    run = onboard(org, doit_vars(), inventory=inventory)

    assert not run.ok, run.log
    failures = failures_by_host(run)
    assert "must be the management account" in failures.get("a-member", ""), run.log
    assert "has no MFA" in failures.get("org-management", ""), run.log
    assert "AccountMFAEnabled=0" in failures["org-management"]
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


# --- 1. check mode on a fresh account ----------------------------------------------


def test_check_mode_writes_nothing_and_says_what_it_would_do(onboarded):
    run, extra_vars = onboarded.preview, onboarded.extra_vars
    assert run.ok, run.log
    assert write_calls(onboarded.preview_calls) == []
    assert run.changed >= 1, run.log
    done = changes_of(run)
    role = "doitintl_cmp"
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


def test_root_mfa_is_verified_not_assumed(onboarded):
    root_mfa = records_of(onboarded.preview)["doit.root_mfa"]
    assert (root_mfa["status"], root_mfa["who"]) == ("failed", "DoiT"), root_mfa
    assert "AccountMFAEnabled=0" in root_mfa["evidence"]
    # Required (doit_onboarding_require_root_mfa) and on: the apply goes on (off: refused, test above).
    assert onboarded.applied.ok, onboarded.applied.log
    assert records_of(onboarded.applied)["doit.root_mfa"]["status"] == "verified"


def test_the_root_email_change_is_verified_when_doits_address_is_given(onboarded):
    mismatch = records_of(onboarded.preview)["doit.root_email"]
    assert (mismatch["status"], mismatch["who"]) == ("failed", "customer"), mismatch
    assert f"expected {OTHER_ROOT_EMAIL}" in mismatch["evidence"]
    matching = records_of(onboarded.applied)["doit.root_email"]
    assert matching["status"] == "verified", matching
    assert f"the root e-mail of {onboarded.org.management} is {onboarded.email}" in matching["evidence"]


def test_billing_steps_undone_fail_naming_who_does_what(onboarded):
    found = records_of(onboarded.preview)

    payment, tax, spp = found["doit.payment_method"], found["doit.tax_profile"], found["doit.spp"]
    assert (payment["status"], payment["who"]) == ("failed", "DoiT"), payment
    assert "no ACTIVE PAY_BY_INVOICE payment instrument" in payment["evidence"]
    assert "CARD ACTIVE" in payment["evidence"]
    assert (tax["status"], tax["who"]) == ("failed", "DoiT"), tax
    assert "is in US (VAT, Verified), expected IL" in tax["evidence"]
    assert (spp["status"], spp["who"]) == ("failed", "customer"), spp
    assert "waits for this organization to accept it" in spp["evidence"]
    assert "aws organizations accept-handshake --handshake-id h-doit0000billing" in spp["remedy"]


def test_without_asking_no_admin_user_is_made_and_the_checklist_says_how(onboarded):
    admin = records_of(onboarded.preview)["doit.admin_user"]
    assert (admin["status"], admin["who"]) == ("failed", "customer"), admin
    assert "doit_onboarding_admin_user_create: true" in admin["remedy"]
    # Only the run that asked for it calls the user's APIs.
    user_calls = [c for c in onboarded.preview_calls if ":user/org-admin" in c["resource"]]
    assert user_calls == [], user_calls


# --- 2. apply ------------------------------------------------------------------------


def test_both_roles_trust_exactly_doits_account_with_the_external_id(onboarded):
    assert onboarded.applied.ok, onboarded.applied.log
    cmp_role, awsadmin = onboarded.after_apply.cmp_role, onboarded.after_apply.awsadmin_role

    for role in (cmp_role, awsadmin):
        assert role is not None
        assert role.trust == expected_trust(onboarded.extra_vars["doit_onboarding_external_id"]), role.name
        assert role.tags == {"ManagedBy": "diatonic.partnercentral"}
    assert cmp_role.inline_policies == ["doitintl_cmp"]
    assert cmp_role.policies == set()
    assert awsadmin.policies == {
        "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess",
        "arn:aws:iam::aws:policy/AWSOrganizationsReadOnlyAccess",
    }
    assert awsadmin.inline_policies == []


def test_the_cmp_policy_only_reads_billing_data_and_the_report_bucket(onboarded):
    assert onboarded.applied.ok, onboarded.applied.log
    statements = onboarded.after_apply.cmp_policy["Statement"]
    actions = {action for s in statements for action in actions_of(s)}

    assert all(s["Effect"] == "Allow" for s in statements)
    assert all(re.match(r"^(organizations|ce|cur|s3):(Describe|Get|List)", action) for action in actions), actions
    bucket = bucket_name(onboarded.extra_vars)
    s3_resources = {s["Resource"] for s in statements if any(a.startswith("s3:") for a in actions_of(s))}
    assert s3_resources == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}


def test_the_bucket_is_private_encrypted_and_open_to_billing_reports_of_this_account_only(onboarded):
    assert onboarded.applied.ok, onboarded.applied.log
    seen = onboarded.after_apply
    bucket = bucket_name(onboarded.extra_vars)

    assert seen.public_access_block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert seen.encryption[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    statements = {s["Sid"]: s for s in seen.bucket_policy["Statement"]}
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


def test_the_report_is_delivered_to_the_bucket_and_prefix_as_doit_reads_it(onboarded):
    assert onboarded.applied.ok, onboarded.applied.log
    name = bucket_name(onboarded.extra_vars)
    definition = onboarded.after_apply.report
    assert definition is not None
    assert (definition["S3Bucket"], definition["S3Prefix"], definition["S3Region"]) == (name, "cur", "us-east-1")
    assert (definition["TimeUnit"], definition["Format"], definition["Compression"]) == ("HOURLY", "textORcsv", "GZIP")
    # What DoiT reads: resource IDs and split cost allocation data (doit_onboarding_report_schema_elements).
    assert definition["AdditionalSchemaElements"] == ["RESOURCES", "SPLIT_COST_ALLOCATION_DATA"]
    delivery = records_of(onboarded.applied)["doit.report_delivery"]
    assert (delivery["status"], delivery["blocking"]) == ("unknown", False), delivery
    assert "was created by this run" in delivery["evidence"]


def test_the_admin_user_is_created_only_when_asked(onboarded):
    assert onboarded.applied.ok, onboarded.applied.log
    assert "org-admin" in onboarded.after_apply.users
    attached = aws_client(onboarded.org.sandbox, "iam").list_attached_user_policies(UserName="org-admin")
    assert [p["PolicyName"] for p in attached["AttachedPolicies"]] == ["AdministratorAccess"]
    assert records_of(onboarded.applied)["doit.admin_user_credentials"]["status"] == "manual"


def test_doits_billing_steps_are_verified_from_what_aws_shows(onboarded):
    assert onboarded.applied.ok, onboarded.applied.log
    found = records_of(onboarded.applied)
    management = onboarded.org.management

    payment, tax, spp = found["doit.payment_method"], found["doit.tax_profile"], found["doit.spp"]
    assert payment["status"] == "verified", payment
    assert f"an ACTIVE PAY_BY_INVOICE payment instrument on {management}" in payment["evidence"]
    assert tax["status"] == "verified", tax
    assert f"the tax registration of {management} is in IL (VAT, Verified)" in tax["evidence"]
    assert spp["status"] == "verified", spp
    assert f"is transferred to {DOIT_ACCOUNT} ({DOIT_BILLING_EMAIL})" in spp["evidence"]
    assert found["doit.email_verification"]["status"] == "manual", "no API shows the e-mail verification"


def test_every_read_before_the_first_write_is_one_module_run(onboarded):
    assert onboarded.applied.ok, onboarded.applied.log
    for calls in (onboarded.preview_calls, onboarded.applied_calls):
        made = [action for call in calls for action in call["actions"]]
        assert [made.count(action) for action in BILLING_READS] == [1, 1, 1], made
        assert not [call for call in calls if call["service"] == "freetier"], "the DoiT role needs no account plan"
    tasks = [line for line in onboarded.applied.stdout.splitlines() if line.startswith("TASK [")]
    assert sum("Read the management account" in task for task in tasks) == 1, tasks
    for replaced in ("Confirm this is the organization's management account", "Read the root user's MFA state"):
        assert not any(replaced in task for task in tasks), tasks


def test_everything_was_written_in_the_management_account_only(onboarded):
    assert onboarded.applied.ok, onboarded.applied.log
    for calls in (onboarded.applied_calls, onboarded.repaired_calls):
        assert {call["account_id"] for call in write_calls(calls)} == {onboarded.org.management}


def test_the_external_id_never_appears_in_the_output_or_the_report(onboarded):
    external_id = onboarded.extra_vars["doit_onboarding_external_id"]
    for run in (onboarded.preview, onboarded.applied, onboarded.drift_preview, onboarded.repaired):
        assert external_id not in run.output
        with open(run.report_path) as handle:
            assert external_id not in handle.read()


# --- 3. drift by hand, previewed; 4. put back -------------------------------------------


def test_drift_is_previewed_in_check_mode_writing_nothing_and_nothing_else_shows_a_change(onboarded):
    run = onboarded.drift_preview
    assert run.ok, run.log
    assert write_calls(onboarded.drift_preview_calls) == []
    changes = changes_of(run)
    assert (
        f"Would update role doitintl_cmp (description, tags, trust_policy), trusting DoiT account {DOIT_ACCOUNT} "
        "with the external ID condition" in changes
    ), changes
    records = records_of(run)
    assert "role doitintl_cmp differs from the declaration in" in records["doit.cmp_role"]["evidence"]
    assert "trust_policy" in records["doit.cmp_role"]["evidence"]
    # Nothing but what was changed by hand: the two roles, the report and its bucket policy, the admin user.
    assert run.changed == 4, run.log
    bucket, management = bucket_name(onboarded.extra_vars), onboarded.org.management
    expected = [
        "Would create or update IAM user org-admin with AdministratorAccess",
        "Would update role doitintl_cmp (description, tags, trust_policy)",
        "Would update role AWSAdmin (",
        "Would merge the statements that let billingreports.amazonaws.com deliver reports of "
        f"{management} into the policy of bucket {bucket}",
        f"Would update Cost and Usage Report {bucket} (s3://{bucket}/cur)",
    ]
    assert len(changes) == len(expected), changes
    assert all(any(change.startswith(prefix) for change in changes) for prefix in expected), changes


def test_drift_is_put_back_writing_only_what_drifted_and_keeping_the_users_own_statement(onboarded):
    run, sandbox = onboarded.repaired, onboarded.org.sandbox
    assert run.ok, run.log
    iam = aws_client(sandbox, "iam")
    cmp_role = role_state(iam, "doitintl_cmp")
    assert cmp_role.trust == expected_trust(onboarded.extra_vars["doit_onboarding_external_id"])
    assert cmp_role.tags == {"ManagedBy": "diatonic.partnercentral"}
    assert "arn:aws:iam::aws:policy/ReadOnlyAccess" not in role_state(iam, "AWSAdmin").policies
    bucket = bucket_name(onboarded.extra_vars)
    assert report_definition(sandbox, bucket)["TimeUnit"] == "HOURLY"
    statements = bucket_statements(sandbox, bucket)
    assert [s["Sid"] for s in statements] == [
        AUDITORS_READ,
        "AllowBillingReportsBucketCheck",
        "AllowBillingReportsDelivery",
    ], "an existing bucket policy is merged, not replaced"
    # A rerun changes only what drifted: no bucket, encryption, inline policy, report tag or user write else.
    assert written(onboarded.repaired_calls) == {
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
        "iam:UntagRole",
        "iam:DetachRolePolicy",
        "iam:UntagUser",
        "s3:PutBucketPolicy",
        "cur:ModifyReportDefinition",
        "cur:UntagResource",
    }, write_calls(onboarded.repaired_calls)


def test_the_report_holds_one_record_per_step_with_who_does_what_is_left(onboarded):
    run, org = onboarded.repaired, onboarded.org
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
    # DoiT needs one administrator: one made by hand through a group counts.
    admin = records["doit.admin_user"]
    assert admin["status"] == "verified", admin
    assert f"on {org.management}, directly or through a group: alice, org-admin" in admin["evidence"]
    assert {record["account"] for record in report["records"]} == {org.management}
    assert [record["phase"] for record in report["records"]] == sorted(record["phase"] for record in report["records"])
    assert report["playbook"] == "doit_onboarding" and report["check_mode"] is False
    assert [a["account"] for a in report["accounts"]] == [org.management]
    assert report["accounts"][0]["host"] in run.stdout


# --- least privilege --------------------------------------------------------------------


def test_every_run_needs_only_its_policy_and_every_action_granted_is_used(onboarded):
    base, add_on = onboarded.base, onboarded.add_on
    assert onboarded.repaired.ok, onboarded.repaired.log
    runs = {
        "preview": onboarded.preview_calls,
        "applied": onboarded.applied_calls,
        "drift_preview": onboarded.drift_preview_calls,
        "repaired": onboarded.repaired_calls,
    }
    for name, calls in runs.items():
        assert calls, f"{name}: no AWS call"
        assert not [c for c in calls if c["fault"]], "no fault may be injected here"
        # The admin user's calls need the add-on (policies/doit_onboarding_admin_user.json); nothing else does.
        refused = unauthorized(base, calls)
        assert all(line.split()[0] in granted_actions(add_on) for line in refused), (name, refused)
    assert not unauthorized(base, onboarded.preview_calls), "check mode without the admin user needs no add-on"
    every_call = [call for calls in runs.values() for call in calls]
    assert {c["service"] for c in every_call} >= {"iam", "s3", "cur", "organizations"}
    assert used_actions(every_call) == granted_actions(base) | granted_actions(add_on), (
        "an action the policies grant was never called, or one they do not grant was"
    )


def test_without_get_policy_the_first_read_fails_naming_it(onboarded):
    # The role's first AWS task (doit_readiness_info: every read before the first write, test above) in-process,
    # as a runner whose policy lacks iam:GetPolicy.
    sandbox, org = onboarded.org.sandbox, onboarded.org
    policy = without_action(onboarded.base, "iam:GetPolicy")
    arn = runner_role(sandbox, org.management, "diatonic-lp-doit-onboarding-nogetpolicy", policy)
    caller = caller_env(sandbox)
    credentials = boto3.client(
        "sts",
        endpoint_url=sandbox.endpoint,
        region_name="us-east-1",
        aws_access_key_id=caller["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=caller["AWS_SECRET_ACCESS_KEY"],
    ).assume_role(RoleArn=arn, RoleSessionName="nogetpolicy")["Credentials"]
    env = {
        **sandbox.env(),
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }
    with iam_enforced(sandbox):
        result = run_module(
            "doit_readiness_info",
            {
                "expected_account_id": org.management,
                "managed_policies": ["AWSBillingReadOnlyAccess", "AWSOrganizationsReadOnlyAccess"],
            },
            env,
        )
        calls = sandbox.calls()

    assert result.get("failed"), result
    assert "iam:GetPolicy" in result["msg"], result
    assert not write_calls(calls), write_calls(calls)
    assert "iam:GetPolicy" not in NOT_IN_RUNNER_POLICY
