"""The doit_onboarding role's computation: its variables checked before any AWS call, the bucket plan that
check mode cannot get from amazon.aws.s3_bucket, and DoiT's checklist as records in the shipped schema.

The cases that an integration test once proved by running the playbook (a bad variable refused, naming it,
before any write) are here: the role's wiring keeps one integration case.
"""

import json
import os

import jsonschema
import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.diatonic.partnercentral.plugins.filter.doit import FilterModule
from ansible_collections.diatonic.partnercentral.plugins.module_utils import doit
from ansible_collections.diatonic.partnercentral.plugins.module_utils import records

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACCOUNT = "123456789012"
DOIT_ACCOUNT = "999988887777"
EXTERNAL_ID = "doit-external-s3cr3t"

with open(os.path.join(ROOT, "schemas", "report-1.json")) as handle:
    SCHEMA = json.load(handle)


def default_settings(**overrides):
    """The role's defaults (as Ansible would template them for customer abc123), without the prefix."""
    with open(os.path.join(ROOT, "roles", "doit_onboarding", "defaults", "main.yml")) as defaults_file:
        defaults = yaml.safe_load(defaults_file)
    settings = {key[len(doit.PREFIX) :]: value for key, value in defaults.items()}
    settings.update(customer_id="abc123", trusted_account_id=DOIT_ACCOUNT)
    settings.update(bucket_name="doitintl-awsops-abc123", report_name="doitintl-awsops-abc123")
    settings["cmp_policy"] = json.loads(
        json.dumps(settings["cmp_policy"]).replace("{{ doit_onboarding_bucket_name }}", settings["bucket_name"])
    )
    settings.pop("report_path", None)
    settings.update(overrides)
    return settings


def problems(external_id=EXTERNAL_ID, **overrides):
    return doit.variable_problems(default_settings(**overrides), external_id, ACCOUNT)


# --- variables ------------------------------------------------------------------


def test_the_defaults_with_doits_three_values_have_no_problem():
    assert problems() == []


@pytest.mark.parametrize(
    ("external_id", "overrides", "named"),
    [
        (None, {}, "doit_onboarding_external_id is not set"),
        ("", {}, "doit_onboarding_external_id is not set"),
        ("has spaces in it", {}, "doit_onboarding_external_id holds characters"),
        ("x", {}, "doit_onboarding_external_id has 1 characters; AWS accepts 2 to 1224"),
        (12345, {}, "doit_onboarding_external_id must be a string"),
        (EXTERNAL_ID, {"customer_id": None}, "doit_onboarding_customer_id is not set"),
        (EXTERNAL_ID, {"customer_id": "Has Space"}, 'doit_onboarding_customer_id "Has Space" must be'),
        (EXTERNAL_ID, {"trusted_account_id": None}, "doit_onboarding_trusted_account_id is not set"),
        (EXTERNAL_ID, {"trusted_account_id": "12345"}, 'doit_onboarding_trusted_account_id "12345" must be'),
        (EXTERNAL_ID, {"trusted_account_id": 12345678901}, "in quotes so YAML keeps leading zeros"),
        (EXTERNAL_ID, {"trusted_account_id": ACCOUNT}, "doit_onboarding_trusted_account_id is this account"),
        (EXTERNAL_ID, {"bucket_name": "doitintl-awsops-UPPER"}, 'doit_onboarding_bucket_name "doitintl-awsops-UPPER"'),
        (EXTERNAL_ID, {"bucket_name": "192.168.1.10"}, "no IP address"),
        (EXTERNAL_ID, {"bucket_name": "xn--doit"}, "which S3 keeps for itself"),
        (EXTERNAL_ID, {"report_prefix": "a b"}, "doit_onboarding_report_prefix 'a b' must be at most 256"),
        (EXTERNAL_ID, {"report_name": "a report"}, "doit_onboarding_report_name 'a report' must be 1 to 256"),
        (EXTERNAL_ID, {"admin_user_name": "org admin"}, 'doit_onboarding_admin_user_name "org admin" must be'),
        (EXTERNAL_ID, {"cmp_role_name": "doit cmp"}, "doit_onboarding_cmp_role_name: role name 'doit cmp'"),
        (EXTERNAL_ID, {"awsadmin_role_name": ""}, "doit_onboarding_awsadmin_role_name must not be empty"),
        (EXTERNAL_ID, {"role_path": "roles"}, "doit_onboarding_role_path: path 'roles' must begin and end with /"),
        (EXTERNAL_ID, {"role_max_session_duration": 60}, "doit_onboarding_role_max_session_duration: "),
        (EXTERNAL_ID, {"tags": {"aws:owner": "me"}}, "doit_onboarding_tags: tag key 'aws:owner' starts with aws:"),
        (EXTERNAL_ID, {"cmp_policy": {}}, "doit_onboarding_cmp_policy is empty"),
        (EXTERNAL_ID, {"cmp_policy": ""}, "doit_onboarding_cmp_policy is empty"),
        (EXTERNAL_ID, {"cmp_policy_name": "a b"}, "doit_onboarding_cmp_policy_name: inline policy name 'a b'"),
    ],
)
def test_a_missing_or_malformed_variable_is_named(external_id, overrides, named):
    found = problems(external_id, **overrides)
    assert any(named in problem for problem in found), found


def test_every_problem_is_reported_at_once():
    found = problems("has spaces", customer_id="Has Space", trusted_account_id="1")
    assert [p.split(" ")[0] for p in found] == [
        "doit_onboarding_customer_id",
        "doit_onboarding_trusted_account_id",
        "doit_onboarding_external_id",
    ]


@pytest.mark.parametrize(
    "external_id", [EXTERNAL_ID + " with space", EXTERNAL_ID + "\u00e9", "\u00e7", EXTERNAL_ID + "$"]
)
def test_the_external_id_is_never_repeated_in_a_message(external_id):
    found = problems(external_id, trusted_account_id=ACCOUNT, report_format="Parquet")
    assert found
    assert not any(external_id in problem or EXTERNAL_ID in problem for problem in found)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        (
            {"report_format": "Parquet", "report_compression": "GZIP"},
            "doit_onboarding_report_format Parquet needs doit_onboarding_report_compression Parquet, not GZIP",
        ),
        (
            {"report_format": "textORcsv", "report_compression": "Parquet"},
            "doit_onboarding_report_compression Parquet needs doit_onboarding_report_format Parquet",
        ),
        (
            {"report_artifacts": ["ATHENA"]},
            "doit_onboarding_report_artifacts ATHENA needs Parquet reports, not textORcsv",
        ),
        (
            {"report_artifacts": ["REDSHIFT", "REDSHIFT"]},
            "doit_onboarding_report_artifacts lists REDSHIFT more than once",
        ),
    ],
)
def test_report_combinations_aws_refuses_are_named_with_the_roles_variables(overrides, named):
    found = problems(**overrides)
    assert any(problem.startswith(named) for problem in found), found


def test_parquet_reports_with_parquet_compression_are_fine():
    assert problems(report_format="Parquet", report_compression="Parquet") == []


def test_the_default_report_is_the_one_doits_pages_ask_for():
    settings = default_settings()
    assert (settings["report_time_unit"], settings["report_format"], settings["report_compression"]) == (
        "HOURLY",
        "textORcsv",
        "GZIP",
    )
    assert sorted(settings["report_schema_elements"]) == ["RESOURCES", "SPLIT_COST_ALLOCATION_DATA"]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"report_time_unit": "DAILY"}, 'doit_onboarding_report_time_unit is "DAILY"; DoiT reads hourly reports'),
        (
            {"report_schema_elements": ["RESOURCES"]},
            "doit_onboarding_report_schema_elements lacks SPLIT_COST_ALLOCATION_DATA",
        ),
        ({"report_schema_elements": []}, "doit_onboarding_report_schema_elements lacks RESOURCES, SPLIT_COST"),
        ({"report_compression": "ZIP"}, 'doit_onboarding_report_compression is "ZIP"; DoiT reads GZIP'),
    ],
)
def test_a_report_doit_cannot_read_is_refused_unless_switched_off(overrides, named):
    found = problems(**overrides)
    assert any(problem.startswith(named) for problem in found), found
    assert any("doit_onboarding_report_enforce_doit_requirements: false" in problem for problem in found)
    assert problems(report_enforce_doit_requirements=False, **overrides) == []


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"payment_method": "BITCOIN"}, 'doit_onboarding_payment_method "BITCOIN" must be one of CARD'),
        ({"tax_country": "Israel"}, 'doit_onboarding_tax_country "Israel" must be a two-letter'),
        ({"billing_transfer_account_id": "9999"}, 'doit_onboarding_billing_transfer_account_id "9999" must be'),
    ],
)
def test_the_values_doits_billing_steps_are_verified_against_are_checked(overrides, named):
    assert any(problem.startswith(named) for problem in problems(**overrides)), problems(**overrides)


def test_doits_billing_values_given_well_are_fine():
    assert problems(payment_method="PAY_BY_INVOICE", tax_country="IL", billing_transfer_account_id=DOIT_ACCOUNT) == []


def test_a_region_botocore_does_not_know_is_refused():
    found = problems(bucket_region="us-mars-1")
    assert found == [
        next(p for p in found if p.startswith('doit_onboarding_bucket_region "us-mars-1" is not an AWS region'))
    ]


def test_a_region_reports_cannot_be_delivered_to_is_refused():
    # A real region that the Cost and Usage Reports model does not list as a delivery region.
    regions = sorted(doit.known_regions() - set(doit.cur.s3_regions()))
    assert regions, "botocore lists no region outside the CUR model: pick another case"
    found = problems(bucket_region=regions[0])
    assert any(
        p.startswith(f"doit_onboarding_bucket_region '{regions[0]}' is not a region Cost and Usage Reports")
        for p in found
    ), found


def test_a_malformed_managed_policy_name_is_named_with_its_variable():
    found = problems(awsadmin_managed_policies=["AWSBillingReadOnlyAccess", "Billing Read Only"])
    assert found == [
        "doit_onboarding_awsadmin_managed_policies: 'Billing Read Only' is not a managed policy name; "
        "give a name such as ReadOnlyAccess or a full ARN"
    ]


def test_an_inline_policy_is_checked_for_iams_grammar():
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Alow", "Action": "ce:Get*"}]}
    found = problems(cmp_policy=policy)
    assert "doit_onboarding_cmp_policy statement 1 has Effect 'Alow': Effect must be Allow or Deny" in found
    assert any(p.startswith("doit_onboarding_cmp_policy statement 1 has no Resource") for p in found), found


def test_an_inline_policy_as_json_text_is_parsed():
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ce:Get*", "Resource": "*"}]}
    assert problems(awsadmin_policy=json.dumps(policy)) == []


def test_inline_policy_text_is_data_never_yaml():
    # YAML text would parse to a dict; the role takes only a dict or JSON text.
    found = problems(cmp_policy="Version: '2012-10-17'\nStatement: []")
    assert len(found) == 1 and found[0].startswith("doit_onboarding_cmp_policy is not valid JSON"), found


def test_an_oversized_inline_policy_is_refused():
    statement = {"Effect": "Allow", "Action": [f"ce:GetThing{n}" for n in range(700)], "Resource": "*"}
    found = problems(cmp_policy={"Version": "2012-10-17", "Statement": [statement]})
    assert any("characters without white space; IAM allows 10240" in p for p in found), found


def test_text_that_would_break_a_template_is_reported_as_data():
    found = problems(customer_id='a"b: {{ x }} \U0001f600')
    assert found == [
        'doit_onboarding_customer_id "a\\"b: {{ x }} \U0001f600" must be 1 to 47 letters, digits, dots, hyphens '
        "or underscores, starting with a letter or digit"
    ]


def test_the_managed_policies_to_look_up_before_any_write():
    settings = default_settings(cmp_managed_policies=["ReadOnlyAccess", "AWSBillingReadOnlyAccess"])
    assert doit.managed_policies_named(settings) == [
        "ReadOnlyAccess",
        "AWSBillingReadOnlyAccess",
        "AWSOrganizationsReadOnlyAccess",
    ]
    settings["admin_user_create"] = True
    assert doit.managed_policies_named(settings)[-1] == "AdministratorAccess"


# --- the bucket plan ------------------------------------------------------------

BUCKET = "doitintl-awsops-abc123"
TAGS = {"ManagedBy": "diatonic.partnercentral"}


def bucket_info(block=True, algorithm="AES256", tags=None):
    bucket = {
        "name": BUCKET,
        "public_access_block": {
            "PublicAccessBlockConfiguration": {setting: block for setting in doit.PUBLIC_ACCESS_BLOCK}
        },
        "bucket_encryption": {
            "ServerSideEncryptionConfiguration": {
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}]
            }
        },
        "bucket_tagging": dict(TAGS) if tags is None else tags,
    }
    return {"buckets": [{"name": "someone-elses"}, bucket]}


def test_a_missing_bucket_would_be_created():
    assert doit.bucket_plan({"buckets": []}, BUCKET, "eu-west-1", TAGS) == [
        f"create bucket {BUCKET} in eu-west-1, blocking all public access, encrypted with AES256"
    ]


def test_a_bucket_as_declared_needs_nothing():
    assert doit.bucket_plan(bucket_info(), BUCKET, "us-east-1", TAGS) == []


def test_a_bucket_as_declared_needs_nothing_in_amazon_aws_11s_shape():
    # amazon.aws 11's s3_bucket_info returns the configurations without the S3 API's wrapper.
    info = bucket_info()
    bucket = info["buckets"][1]
    bucket["public_access_block"] = bucket["public_access_block"]["PublicAccessBlockConfiguration"]
    bucket["bucket_encryption"] = bucket["bucket_encryption"]["ServerSideEncryptionConfiguration"]
    assert doit.bucket_plan(info, BUCKET, "us-east-1", TAGS) == []
    bucket["public_access_block"]["BlockPublicPolicy"] = False
    assert doit.bucket_plan(info, BUCKET, "us-east-1", TAGS) == [f"block all public access to bucket {BUCKET}"]


def test_a_drifted_bucket_says_each_change():
    plan = doit.bucket_plan(
        bucket_info(block=False, algorithm="aws:kms", tags={"Team": "x"}), BUCKET, "us-east-1", TAGS
    )
    assert plan == [
        f"block all public access to bucket {BUCKET}",
        f"set the default encryption of bucket {BUCKET} to AES256",
        f'tag bucket {BUCKET} with {{"ManagedBy": "diatonic.partnercentral"}}',
    ]


def test_extra_bucket_tags_are_removed_only_with_purge_tags():
    info = bucket_info(tags={**TAGS, "Team": "x"})
    assert doit.bucket_plan(info, BUCKET, "us-east-1", TAGS) == []
    assert doit.bucket_plan(info, BUCKET, "us-east-1", TAGS, purge_tags=True) == [
        f"remove tags Team from bucket {BUCKET}"
    ]


# --- the checklist as records ----------------------------------------------------

ROLE_VIEW = {
    "path": "/",
    "description": "d",
    "max_session_duration": 3600,
    "trust_policy": {"Statement": [{"Condition": {"StringEquals": {"sts:ExternalId": "********"}}}]},
    "managed_policies": [],
    "tags": TAGS,
}
REPORT_VIEW = {"name": BUCKET, "time_unit": "HOURLY", "format": "textORcsv", "s3_bucket": BUCKET, "tags": TAGS}


def role_result(name, state):
    """cross_account_role's result: ``new`` (create), ``drifted`` (trust policy), ``same``."""
    arn = None if state == "new" else f"arn:aws:iam::{ACCOUNT}:role/{name}"
    result = {"changed": state != "same", "role": {"name": name, "arn": arn, "role_id": arn and "AROAEXAMPLE"}}
    if state == "new":
        result["diff"] = {"before": {name: {}}, "after": {name: ROLE_VIEW}}
    elif state == "drifted":
        result["diff"] = {"before": {name: dict(ROLE_VIEW, trust_policy={})}, "after": {name: ROLE_VIEW}}
    else:
        result["diff"] = {"before": {}, "after": {}}
    return result


def observed(check_mode=False, state="same", mfa=True, administrators=("alice",), root_email="", **settings):
    report_diff = {
        "new": {"before": {"report": {}}, "after": {"report": REPORT_VIEW}},
        "drifted": {"before": {"report": dict(REPORT_VIEW, time_unit="DAILY")}, "after": {"report": REPORT_VIEW}},
        "same": {"before": {}, "after": {}},
    }[state]
    return {
        "account_id": ACCOUNT,
        "check_mode": check_mode,
        "settings": default_settings(root_email=root_email, **settings),
        "organization": {"organization": {"id": "o-abc", "management_account_email": "root@example.com"}},
        "root": {"root": {"mfa_enabled": mfa}, "checks": []},
        "admin_user": {"skipped": True, "changed": False},
        "administrators": {"all_users": list(administrators)},
        "cmp_role": role_result("doitintl_cmp", state),
        "cmp_policy": {"changed": state == "new" and not check_mode},
        "awsadmin_role": role_result("AWSAdmin", state),
        "awsadmin_policy": {"skipped": True, "changed": False},
        "bucket_before": {"buckets": [] if state == "new" else bucket_info()["buckets"]},
        "bucket": {"skipped": True} if check_mode else {"changed": state == "new"},
        "report": {"changed": state != "same", "diff": report_diff, "bucket_policy": {"changed": state == "new"}},
    }


def by_id(result):
    return {record["id"]: record for record in result["records"]}


EXPECTED_IDS = [
    "doit.management_account",
    "doit.admin_user",
    "doit.root_email",
    "doit.root_mfa_removed",
    "doit.csm_notified",
    "doit.root_password_reset",
    "doit.root_mfa",
    "doit.cmp_role",
    "doit.cmp_policy",
    "doit.awsadmin_role",
    "doit.awsadmin_policy",
    "doit.spp",
    "doit.payment_method",
    "doit.tax_profile",
    "doit.email_verification",
    "doit.bucket",
    "doit.bucket_policy",
    "doit.report",
]


@pytest.mark.parametrize(("check_mode", "state"), [(True, "new"), (False, "new"), (False, "same"), (True, "drifted")])
def test_every_step_item_is_one_record_in_the_shipped_schema(check_mode, state):
    result = doit.onboarding_result(observed(check_mode, state))
    report = doit.report([result], "2026-11-26T06:00:00Z", check_mode, {ACCOUNT: "management"})

    assert [record["id"] for record in result["records"]] == EXPECTED_IDS
    jsonschema.validate(report, SCHEMA)
    assert records.report_problems(report) == []
    assert report["playbook"] == "doit_onboarding"
    assert report["accounts"][0]["host"] == "management"


def test_check_mode_on_a_fresh_account_says_what_it_would_do_and_fails_what_is_missing():
    result = doit.onboarding_result(observed(check_mode=True, state="new"))
    found = by_id(result)

    assert result["changes"] == [
        "Would create role doitintl_cmp, trusting DoiT account 999988887777 with the external ID condition",
        "Would put inline policy doitintl_cmp on role doitintl_cmp",
        "Would create role AWSAdmin, trusting DoiT account 999988887777 with the external ID condition",
        f"Would create bucket {BUCKET} in us-east-1, blocking all public access, encrypted with AES256",
        "Would merge the statements that let billingreports.amazonaws.com deliver reports of 123456789012 into the "
        f"policy of bucket {BUCKET}",
        f"Would create Cost and Usage Report {BUCKET} (s3://{BUCKET}/cur)",
    ]
    assert found["doit.cmp_role"]["status"] == "failed"
    assert found["doit.cmp_role"]["evidence"] == "role doitintl_cmp does not exist"
    assert found["doit.cmp_role"]["remedy"] == "create role doitintl_cmp: run the playbook without --check"
    assert found["doit.cmp_policy"]["evidence"] == "role doitintl_cmp has no inline policy doitintl_cmp"
    assert found["doit.bucket"]["status"] == "failed"
    assert found["doit.report"]["evidence"] == f"Cost and Usage Report {BUCKET} does not exist"
    assert doit.records.verdict(result["records"]) == records.NOT_READY


def test_an_apply_verifies_what_it_put_in_place():
    found = by_id(doit.onboarding_result(observed(check_mode=False, state="new")))
    for record_id in ("doit.cmp_role", "doit.cmp_policy", "doit.awsadmin_role", "doit.bucket", "doit.report"):
        assert found[record_id]["status"] == "verified", found[record_id]
        assert found[record_id]["remedy"] is None
    assert found["doit.cmp_role"]["evidence"].startswith("created by this run; role ")
    assert found["doit.awsadmin_policy"]["status"] == "skipped"


def test_a_rerun_changes_nothing_and_the_account_is_ready():
    result = doit.onboarding_result(observed(check_mode=False, state="same"))
    assert result["changes"] == []
    assert records.verdict(result["records"]) == records.READY
    assert by_id(result)["doit.cmp_role"]["evidence"] == (
        f"role arn:aws:iam::{ACCOUNT}:role/doitintl_cmp is as declared, trusting DoiT account {DOIT_ACCOUNT} "
        "with the external ID condition"
    )


def test_policies_someone_else_added_are_reported_not_judged():
    seen = observed()
    seen["cmp_role"]["role"]["extra_inline_policies"] = ["handmade"]
    record = by_id(doit.onboarding_result(seen))["doit.cmp_role"]
    assert record["status"] == "verified"
    assert record["evidence"].endswith("; not declared, left in place: inline policy handmade")


def test_a_drift_names_what_differs():
    result = doit.onboarding_result(observed(check_mode=True, state="drifted"))
    found = by_id(result)
    assert found["doit.cmp_role"]["evidence"] == "role doitintl_cmp differs from the declaration in trust_policy"
    assert (
        found["doit.report"]["evidence"] == f"Cost and Usage Report {BUCKET} differs from the declaration in time_unit"
    )
    assert (
        "Would update role doitintl_cmp (trust_policy), trusting DoiT account 999988887777 with the external ID "
        "condition" in result["changes"]
    )


def test_inline_policies_managed_by_the_role_module_are_read_from_its_diff():
    seen = observed(check_mode=True, state="drifted")
    policy = default_settings()["cmp_policy"]
    seen["cmp_role"]["diff"]["before"]["doitintl_cmp"]["inline_policies"] = {}
    seen["cmp_role"]["diff"]["after"]["doitintl_cmp"]["inline_policies"] = {"doitintl_cmp": policy}
    found = by_id(doit.onboarding_result(seen))
    assert found["doit.cmp_policy"]["status"] == "failed"
    assert found["doit.cmp_policy"]["evidence"] == "role doitintl_cmp has no inline policy doitintl_cmp"
    assert found["doit.cmp_role"]["evidence"] == "role doitintl_cmp differs from the declaration in trust_policy"


def test_every_manual_step_says_who_does_it():
    found = by_id(doit.onboarding_result(observed()))
    manual = {record_id: r["who"] for record_id, r in found.items() if r["status"] == "manual"}
    assert manual == {
        "doit.root_email": "customer",
        "doit.root_mfa_removed": "customer",
        "doit.csm_notified": "customer",
        "doit.root_password_reset": "DoiT",
        "doit.spp": "DoiT",
        "doit.payment_method": "DoiT",
        "doit.tax_profile": "DoiT",
        "doit.email_verification": "DoiT",
    }
    assert all(found[record_id]["remedy"] for record_id in manual)


@pytest.mark.parametrize(
    ("root_email", "status", "evidence"),
    [
        ("ROOT@example.com", "verified", "the root e-mail of 123456789012 is root@example.com"),
        ("aws-root@doit.example", "failed", "expected aws-root@doit.example"),
        ("", "manual", "set doit_onboarding_root_email to DoiT's address to verify it"),
    ],
)
def test_the_root_email_is_verified_when_doits_address_is_given(root_email, status, evidence):
    record = by_id(doit.onboarding_result(observed(root_email=root_email)))["doit.root_email"]
    assert record["status"] == status and evidence in record["evidence"], record


@pytest.mark.parametrize(("mfa", "status"), [(True, "verified"), (False, "failed"), (None, "unknown")])
def test_root_mfa_is_read_never_assumed(mfa, status):
    seen = observed(mfa=mfa)
    if mfa is None:
        seen["root"] = {"root": None, "checks": [{"message": "could not read: AccessDenied"}]}
    record = by_id(doit.onboarding_result(seen))["doit.root_mfa"]
    assert record["status"] == status, record
    assert record["who"] == (None if mfa else "DoiT")


def test_no_administrator_is_a_failed_item_for_the_customer():
    record = by_id(doit.onboarding_result(observed(administrators=())))["doit.admin_user"]
    assert (record["status"], record["who"]) == ("failed", "customer")
    assert "doit_onboarding_admin_user_create: true" in record["remedy"]


def test_the_admin_user_the_role_creates_is_verified_and_its_credentials_left_to_the_customer():
    seen = observed(administrators=(), admin_user_create=True)
    seen["admin_user"] = {"changed": True}
    found = by_id(doit.onboarding_result(seen))
    assert found["doit.admin_user"]["status"] == "verified"
    assert found["doit.admin_user_credentials"]["status"] == "manual"
    seen["check_mode"] = True
    assert by_id(doit.onboarding_result(seen))["doit.admin_user"]["status"] == "failed"


def test_the_external_id_is_in_no_record_change_or_report():
    for check_mode, state in [(True, "new"), (False, "new"), (True, "drifted")]:
        result = doit.onboarding_result(observed(check_mode, state))
        report = doit.report([result], "2026-11-26T06:00:00Z", check_mode)
        assert EXTERNAL_ID not in json.dumps(result) + json.dumps(report)


# --- the filters ------------------------------------------------------------------


def test_the_filters_are_documented_under_their_names():
    for name in FilterModule().filters():
        with open(os.path.join(ROOT, "plugins", "filter", f"{name}.yml")) as documentation:
            docs = yaml.safe_load(documentation)
        assert docs["DOCUMENTATION"]["name"] == name
        assert docs["EXAMPLES"] and docs["RETURN"]["_value"]


def test_the_filters_refuse_input_of_the_wrong_shape():
    filters = FilterModule().filters()
    with pytest.raises(AnsibleFilterError, match="doit_problems' input must be a dict"):
        filters["doit_problems"](["not", "a", "dict"])
    with pytest.raises(AnsibleFilterError, match="doit_report's input must be a list"):
        filters["doit_report"]({}, "2026-11-26T06:00:00Z", False)


def test_the_problems_filter_takes_the_external_id_apart_from_the_settings():
    found = FilterModule().filters()["doit_problems"](default_settings(), external_id="x", account_id=ACCOUNT)
    assert found == ["doit_onboarding_external_id has 1 characters; AWS accepts 2 to 1224"]
