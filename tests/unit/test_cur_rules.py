"""cur_report's rules, without AWS: option checks, the combinations AWS rejects, planning, the bucket policy merge."""

import copy

import pytest

from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import CurError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import billing_reports_statements
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import combination_problems
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import cur_region
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import definition_view
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import desired_view
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import plan_report
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import s3_regions
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import to_definition
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import validate_options
from ansible_collections.diatonic.partnercentral.plugins.module_utils.s3_bucket_policy import merge_statements
from ansible_collections.diatonic.partnercentral.plugins.module_utils.s3_bucket_policy import policy_needs_update

ACCOUNT = "123456789012"
API_DEFINITION = {
    "ReportName": "doitintl-awsops-abc",
    "TimeUnit": "HOURLY",
    "Format": "textORcsv",
    "Compression": "GZIP",
    "AdditionalSchemaElements": ["RESOURCES"],
    "S3Bucket": "doitintl-awsops-abc",
    "S3Prefix": "cur",
    "S3Region": "us-east-1",
    "AdditionalArtifacts": ["REDSHIFT", "QUICKSIGHT"],
    "RefreshClosedReports": True,
    "ReportVersioning": "CREATE_NEW_REPORT",
}


def options(**given):
    """Module options as AnsibleModule hands them over: every field present, None when not given."""
    base = dict.fromkeys(
        [
            "tags",
            "time_unit",
            "format",
            "compression",
            "additional_schema_elements",
            "additional_artifacts",
            "refresh_closed_reports",
            "report_versioning",
            "s3_bucket",
            "s3_prefix",
            "s3_region",
            "billing_view_arn",
        ]
    )
    return {**base, "name": "doitintl-awsops-abc", **given}


# --- options one by one ---------------------------------------------------------


def test_valid_options_have_no_problem():
    assert (
        validate_options(options(s3_bucket="doitintl-awsops-abc", s3_prefix="cur/daily", s3_region="eu-west-1")) == []
    )


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"name": "has space"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 257}, "name"),
        ({"s3_prefix": "my prefix"}, "s3_prefix"),
        ({"s3_prefix": "p" * 257}, "s3_prefix"),
        ({"s3_bucket": "bad bucket"}, "s3_bucket"),
        ({"billing_view_arn": "arn:aws:iam::123456789012:role/x"}, "billing_view_arn"),
        ({"additional_schema_elements": ["RESOURCES", "RESOURCES"]}, "additional_schema_elements"),
        ({"tags": {"": "empty key"}}, "tags"),
    ],
)
def test_each_bad_option_is_named_with_what_to_change(given, field):
    problems = validate_options(options(**given))
    assert len(problems) == 1, problems
    assert problems[0].startswith(field) or f" {field}" in problems[0] or f"change {field}" in problems[0]


def test_a_region_cur_cannot_deliver_to_is_refused_with_the_known_ones():
    problems = validate_options(options(s3_region="mars-north-1"), known_regions=s3_regions())
    assert len(problems) == 1
    assert "s3_region 'mars-north-1'" in problems[0] and "us-east-1" in problems[0]


def test_known_regions_come_from_botocores_model():
    regions = s3_regions()
    assert {"us-east-1", "eu-west-1", "cn-north-1"} <= set(regions)


def test_the_cur_api_is_called_in_us_east_1_except_in_china():
    assert cur_region("eu-west-1") == "us-east-1"
    assert cur_region(None) == "us-east-1"
    assert cur_region("cn-north-1") == "cn-northwest-1"


# --- combinations AWS rejects ------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "fix"),
    [
        ({"format": "Parquet", "compression": "GZIP"}, "set compression: Parquet"),
        ({"format": "textORcsv", "compression": "Parquet"}, "set format: Parquet"),
        (
            {"format": "Parquet", "compression": "Parquet", "additional_artifacts": ["ATHENA", "REDSHIFT"]},
            "keep ATHENA alone",
        ),
        ({"format": "textORcsv", "compression": "GZIP", "additional_artifacts": ["ATHENA"]}, "set format: Parquet"),
        (
            {
                "format": "Parquet",
                "compression": "Parquet",
                "additional_artifacts": ["ATHENA"],
                "report_versioning": "CREATE_NEW_REPORT",
            },
            "set report_versioning: OVERWRITE_REPORT",
        ),
        ({"additional_artifacts": ["ATHENA"], "s3_prefix": ""}, "set s3_prefix"),
        (
            {"format": "Parquet", "compression": "Parquet", "additional_artifacts": ["QUICKSIGHT"]},
            "set format: textORcsv",
        ),
    ],
)
def test_rejected_combinations_say_which_field_to_change(view, fix):
    problems = combination_problems(view)
    assert len(problems) == 1, problems
    assert fix in problems[0]


@pytest.mark.parametrize(
    "view",
    [
        {"format": "textORcsv", "compression": "GZIP", "additional_artifacts": ["REDSHIFT", "QUICKSIGHT"]},
        {"format": "textORcsv", "compression": "ZIP"},
        {
            "format": "Parquet",
            "compression": "Parquet",
            "additional_artifacts": ["ATHENA"],
            "report_versioning": "OVERWRITE_REPORT",
            "s3_prefix": "athena",
        },
        # Partial views (options alone): only rules whose fields are all known are checked.
        {"compression": "Parquet"},
        {"additional_artifacts": ["ATHENA"]},
    ],
)
def test_accepted_combinations_pass(view):
    assert combination_problems(view) == []


# --- desired definition and plan ---------------------------------------------------


def test_a_new_report_takes_the_documented_defaults():
    desired = desired_view({}, options(time_unit="DAILY", s3_bucket="b-1"))
    assert desired == {
        "name": "doitintl-awsops-abc",
        "time_unit": "DAILY",
        "format": "textORcsv",
        "compression": "GZIP",
        "additional_schema_elements": [],
        "additional_artifacts": [],
        "refresh_closed_reports": True,
        "report_versioning": "CREATE_NEW_REPORT",
        "s3_bucket": "b-1",
        "s3_prefix": "",
        "s3_region": "us-east-1",
    }


def test_a_new_parquet_report_defaults_to_parquet_compression():
    desired = desired_view({}, options(time_unit="DAILY", s3_bucket="b-1", format="Parquet"))
    assert desired["compression"] == "Parquet"


def test_a_new_report_without_time_unit_or_bucket_names_both():
    with pytest.raises(CurError) as error:
        desired_view({}, options())
    assert "time_unit and s3_bucket are needed" in error.value.message


def test_options_not_given_keep_the_reports_current_values():
    current = definition_view(API_DEFINITION)
    desired = desired_view(current, options(time_unit="DAILY"))
    assert desired == {**current, "time_unit": "DAILY"}


def test_a_report_as_declared_plans_no_call():
    current = definition_view(API_DEFINITION)
    desired = desired_view(current, options(time_unit="HOURLY", additional_artifacts=["QUICKSIGHT", "REDSHIFT"]))
    plan = plan_report(current, desired, {"ManagedBy": "x"}, {"ManagedBy": "x"})
    assert plan["calls"] == []
    assert plan["before"] == plan["after"]


def test_a_changed_field_plans_one_modify_with_the_whole_definition():
    current = definition_view(API_DEFINITION)
    desired = desired_view(current, options(s3_prefix="cur2"))
    plan = plan_report(current, desired, {}, None)
    assert plan["calls"] == [
        (
            "modify_report_definition",
            {
                "ReportName": "doitintl-awsops-abc",
                "ReportDefinition": {
                    **API_DEFINITION,
                    "S3Prefix": "cur2",
                    "AdditionalArtifacts": ["QUICKSIGHT", "REDSHIFT"],
                },
            },
        )
    ]
    assert plan["before"]["s3_prefix"] == "cur" and plan["after"]["s3_prefix"] == "cur2"


def test_a_new_report_plans_one_put_with_its_tags():
    desired = desired_view({}, options(time_unit="HOURLY", s3_bucket="b-1"))
    plan = plan_report({}, desired, {}, {"team": "finops"})
    assert plan["calls"] == [
        (
            "put_report_definition",
            {"ReportDefinition": to_definition(desired), "Tags": [{"Key": "team", "Value": "finops"}]},
        )
    ]
    assert plan["before"] == {} and plan["after"]["tags"] == {"team": "finops"}


def test_tags_are_only_removed_with_purge_tags():
    current = definition_view(API_DEFINITION)
    kept = plan_report(current, current, {"owner": "someone", "team": "a"}, {"team": "b"})
    assert kept["calls"] == [
        ("tag_resource", {"ReportName": "doitintl-awsops-abc", "Tags": [{"Key": "team", "Value": "b"}]})
    ]
    assert kept["after"]["tags"] == {"owner": "someone", "team": "b"}

    purged = plan_report(current, current, {"owner": "someone", "team": "b"}, {"team": "b"}, purge_tags=True)
    assert purged["calls"] == [("untag_resource", {"ReportName": "doitintl-awsops-abc", "TagKeys": ["owner"]})]


def test_absent_deletes_only_an_existing_report():
    current = definition_view(API_DEFINITION)
    assert plan_report(current, {}, {}, None, state="absent")["calls"] == [
        ("delete_report_definition", {"ReportName": "doitintl-awsops-abc"})
    ]
    assert plan_report({}, {"name": "never-made"}, {}, None, state="absent")["calls"] == []


def test_view_and_definition_round_trip():
    view = definition_view(API_DEFINITION)
    assert view["additional_artifacts"] == ["QUICKSIGHT", "REDSHIFT"]
    assert to_definition(view) == {**API_DEFINITION, "AdditionalArtifacts": ["QUICKSIGHT", "REDSHIFT"]}


# --- bucket policy -----------------------------------------------------------------


def test_billing_statements_allow_only_this_accounts_reports():
    statements = billing_reports_statements("doitintl-awsops-abc", ACCOUNT)
    assert [s["Sid"] for s in statements] == ["AllowBillingReportsBucketCheck", "AllowBillingReportsDelivery"]
    for statement in statements:
        assert statement["Principal"] == {"Service": "billingreports.amazonaws.com"}
        assert statement["Condition"] == {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnLike": {"aws:SourceArn": f"arn:aws:cur:us-east-1:{ACCOUNT}:definition/*"},
        }
    assert statements[0]["Action"] == ["s3:GetBucketAcl", "s3:GetBucketPolicy"]
    assert statements[0]["Resource"] == "arn:aws:s3:::doitintl-awsops-abc"
    assert statements[1]["Action"] == "s3:PutObject"
    assert statements[1]["Resource"] == "arn:aws:s3:::doitintl-awsops-abc/*"


def test_merge_keeps_every_other_statement_and_replaces_ours_in_place():
    ours = billing_reports_statements("bkt", ACCOUNT)
    foreign = {
        "Sid": "DenyInsecure",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::bkt/*",
    }
    unnamed = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject"}
    stale = {**ours[1], "Resource": "arn:aws:s3:::old/*"}
    current = {"Version": "2012-10-17", "Id": "keep-me", "Statement": [foreign, stale, unnamed]}
    snapshot = copy.deepcopy(current)

    merged = merge_statements(current, ours)

    assert current == snapshot, "the merge must not modify its input"
    assert merged["Id"] == "keep-me"
    assert merged["Statement"] == [foreign, ours[1], unnamed, ours[0]]
    assert policy_needs_update(current, merged)
    assert not policy_needs_update(merged, merge_statements(merged, ours))


def test_merge_into_no_policy_makes_a_new_one():
    merged = merge_statements({}, billing_reports_statements("bkt", ACCOUNT))
    assert merged["Version"] == "2012-10-17"
    assert len(merged["Statement"]) == 2
    assert policy_needs_update({}, merged)


def test_merge_accepts_a_single_statement_object():
    foreign = {
        "Sid": "Only",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::bkt/*",
    }
    merged = merge_statements({"Statement": foreign}, billing_reports_statements("bkt", ACCOUNT))
    assert merged["Statement"][0] == foreign and len(merged["Statement"]) == 3
