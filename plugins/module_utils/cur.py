# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Cost and Usage Report definitions: validate, read, plan, apply.

The CUR API lives in one region (us-east-1; cn-northwest-1 in the aws-cn
partition) whatever region the bucket is in. AWS answers most invalid
definitions with an empty ValidationException, so the combinations it
rejects are checked here first and explained field by field.

Definitions are handled in two forms: the API's (``ReportName``,
``TimeUnit``...) and a "view" with the module's option names, used for the
diff and the module's return value.

Work runs on the collection's one plan/apply engine (engine.converge), as
for IAM roles: ``validate_options`` (pure, before any call), then reads
(``read_report``, ``read_tags``, the bucket policy), the account guard,
``desired_view`` and ``combination_problems`` (pure, before any write),
``plan_report`` and the bucket policy plan (pure: the write calls), and the
writes (bucket policy first, as AWS checks it when the report is saved).
"""

import json
import re

try:
    import botocore.session
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.diatonic.partnercentral.plugins.module_utils import engine
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import paginate
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import retrying
from ansible_collections.diatonic.partnercentral.plugins.module_utils.s3_bucket_policy import BucketPolicyErrorHandler
from ansible_collections.diatonic.partnercentral.plugins.module_utils.s3_bucket_policy import merge_statements
from ansible_collections.diatonic.partnercentral.plugins.module_utils.s3_bucket_policy import policy_needs_update
from ansible_collections.diatonic.partnercentral.plugins.module_utils.s3_bucket_policy import read_bucket_policy

CUR_REGION = "us-east-1"
CUR_REGION_CHINA = "cn-northwest-1"
BILLING_REPORTS_PRINCIPAL = "billingreports.amazonaws.com"
BUCKET_CHECK_SID = "AllowBillingReportsBucketCheck"
DELIVERY_SID = "AllowBillingReportsDelivery"

TIME_UNITS = ["HOURLY", "DAILY", "MONTHLY"]
FORMATS = ["textORcsv", "Parquet"]
COMPRESSIONS = ["ZIP", "GZIP", "Parquet"]
SCHEMA_ELEMENTS = ["RESOURCES", "SPLIT_COST_ALLOCATION_DATA", "MANUAL_DISCOUNT_COMPATIBILITY"]
ARTIFACTS = ["REDSHIFT", "QUICKSIGHT", "ATHENA"]
VERSIONINGS = ["CREATE_NEW_REPORT", "OVERWRITE_REPORT"]

# Module option -> ReportDefinition member.
FIELDS = {
    "time_unit": "TimeUnit",
    "format": "Format",
    "compression": "Compression",
    "additional_schema_elements": "AdditionalSchemaElements",
    "additional_artifacts": "AdditionalArtifacts",
    "refresh_closed_reports": "RefreshClosedReports",
    "report_versioning": "ReportVersioning",
    "s3_bucket": "S3Bucket",
    "s3_prefix": "S3Prefix",
    "s3_region": "S3Region",
    "billing_view_arn": "BillingViewArn",
}
LIST_FIELDS = ("additional_schema_elements", "additional_artifacts")
REQUIRED_TO_CREATE = ("time_unit", "s3_bucket")
# What a new report gets for options that are not given. Compression follows the format.
CREATE_DEFAULTS = {
    "format": "textORcsv",
    "additional_schema_elements": [],
    "additional_artifacts": [],
    "refresh_closed_reports": True,
    "report_versioning": "CREATE_NEW_REPORT",
    "s3_prefix": "",
    "s3_region": "us-east-1",
}

# The patterns and lengths of the CUR API model, matched against whole values as the service does.
_REPORT_NAME = re.compile(r"[0-9A-Za-z!\-_.*'()]{1,256}")
_S3_PREFIX = re.compile(r"[0-9A-Za-z!\-_.*'()/]{0,256}")
_S3_BUCKET = re.compile(r"[A-Za-z0-9_.\-]{1,256}")
_BILLING_VIEW_ARN = re.compile(r"(arn:aws(-cn)?:billing::[0-9]{12}:billingview/)?[a-zA-Z0-9_+=.\-@].{1,30}")


class CurError(AnsibleAWSError):
    """A Cost and Usage Report call failed, or the requested definition cannot be made."""


class CurErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = CurError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


def cur_region(region):
    """The region of the CUR endpoint for the partition ``region`` belongs to."""
    return CUR_REGION_CHINA if (region or "").startswith("cn-") else CUR_REGION


def s3_regions():
    """The S3Region values the installed botocore's model accepts."""
    return list(botocore.session.get_session().get_service_model("cur").shape_for("AWSRegion").enum)


# --- validation (pure) ------------------------------------------------------


def validate_options(options, known_regions=None):
    """Problems with the options taken one by one, each saying what to change. No AWS call."""
    problems = []
    name = options.get("name") or ""
    if not _REPORT_NAME.fullmatch(name):
        problems.append(
            f"name {name!r} must be 1 to 256 letters, digits or !-_.*'() characters (no spaces): "
            "change name, for example to doitintl-awsops-123"
        )
    prefix = options.get("s3_prefix")
    if prefix is not None and not _S3_PREFIX.fullmatch(prefix):
        problems.append(
            f"s3_prefix {prefix!r} must be at most 256 letters, digits or !-_.*'()/ characters (no spaces): "
            "change s3_prefix"
        )
    bucket = options.get("s3_bucket")
    if bucket is not None and not _S3_BUCKET.fullmatch(bucket):
        problems.append(f"s3_bucket {bucket!r} is not a bucket name: change s3_bucket")
    region = options.get("s3_region")
    if region is not None and known_regions and region not in known_regions:
        problems.append(
            f"s3_region {region!r} is not a region Cost and Usage Reports deliver to: "
            f"change s3_region to one of {', '.join(known_regions)}"
        )
    arn = options.get("billing_view_arn")
    if arn is not None and (len(arn) > 128 or not _BILLING_VIEW_ARN.fullmatch(arn)):
        problems.append(
            f"billing_view_arn {arn!r} is not a billing view ARN "
            "(arn:aws:billing::PAYER_ACCOUNT_ID:billingview/NAME): change billing_view_arn"
        )
    for field in LIST_FIELDS:
        values = options.get(field) or []
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            problems.append(f"{field} lists {', '.join(duplicates)} more than once: list each value once")
    tags = options.get("tags") or {}
    if len(tags) > 200:
        problems.append(f"{len(tags)} tags given; a report definition can have 200: remove some from tags")
    for key, value in tags.items():
        if not 1 <= len(str(key)) <= 128 or len(str(value)) > 256:
            problems.append(f"tag {key!r}: keys must be 1 to 128 and values at most 256 characters: change tags")
    return problems


def combination_problems(view):
    """The field combinations AWS rejects, each saying which field to change.

    ``view`` may lack fields (None): a rule is only checked once every field it
    involves is known, so this runs both on the options alone (before any call)
    and on the full definition (before any write).
    """
    fmt = view.get("format")
    compression = view.get("compression")
    artifacts = view.get("additional_artifacts")
    versioning = view.get("report_versioning")
    prefix = view.get("s3_prefix")
    problems = []

    if fmt == "Parquet" and compression not in (None, "Parquet"):
        problems.append(
            f"format Parquet needs compression Parquet, not {compression}: "
            "set compression: Parquet, or format: textORcsv"
        )
    if fmt == "textORcsv" and compression == "Parquet":
        problems.append("compression Parquet needs format Parquet: set format: Parquet, or compression: GZIP (or ZIP)")
    if artifacts and "ATHENA" in artifacts:
        others = sorted(set(artifacts) - {"ATHENA"})
        if others:
            problems.append(
                f"additional_artifacts: ATHENA cannot be combined with {', '.join(others)}: "
                "keep ATHENA alone, or remove it"
            )
        if fmt is not None and fmt != "Parquet":
            problems.append(
                f"additional_artifacts ATHENA needs Parquet reports, not {fmt}: "
                "set format: Parquet and compression: Parquet, or remove ATHENA"
            )
        if versioning is not None and versioning != "OVERWRITE_REPORT":
            problems.append(
                f"additional_artifacts ATHENA needs report_versioning OVERWRITE_REPORT, not {versioning}: "
                "set report_versioning: OVERWRITE_REPORT, or remove ATHENA"
            )
        if prefix is not None and not prefix:
            problems.append("additional_artifacts ATHENA needs a report path: set s3_prefix, or remove ATHENA")
    elif artifacts and fmt is not None and fmt != "textORcsv":
        problems.append(
            f"additional_artifacts {', '.join(sorted(artifacts))} need format textORcsv, not {fmt}: "
            "set format: textORcsv with compression GZIP or ZIP, or remove them"
        )
    return problems


# --- reads ------------------------------------------------------------------


@CurErrorHandler.common_error_handler("describe report definitions")
def read_report(client, name):
    """The report definition (API form) named ``name``, or None. Every page read, the whole read retried."""
    for definition in paginate(client, "describe_report_definitions", "ReportDefinitions"):
        if definition["ReportName"] == name:
            return definition
    return None


@CurErrorHandler.list_error_handler("list report tags", default_value={})
def read_tags(client, name):
    return boto3_tag_list_to_ansible_dict(
        retrying(client).list_tags_for_resource(aws_retry=True, ReportName=name).get("Tags", [])
    )


# --- planning (pure) --------------------------------------------------------


def definition_view(definition):
    """The API form as module options; {} for no report."""
    if not definition:
        return {}
    view = {"name": definition["ReportName"]}
    for option, member in FIELDS.items():
        if option in LIST_FIELDS:
            view[option] = sorted(definition.get(member) or [])
        elif member in definition:
            view[option] = definition[member]
    view.setdefault("s3_prefix", "")
    return view


def delivery_view(definition):
    """The report's last delivery as DescribeReportDefinitions' ReportStatus tells it; None for no report.

    ``last_delivery`` is AWS's own text (``20261125T013045Z``), ``last_status`` SUCCESS, ERROR_PERMISSIONS or
    ERROR_NO_BUCKET; both None until AWS first delivers (within 24 hours of the report's creation).
    """
    if not definition:
        return None
    status = definition.get("ReportStatus") or {}
    return {"last_delivery": status.get("lastDelivery"), "last_status": status.get("lastStatus")}


def desired_view(current, options):
    """The definition the options ask for: given options over the current report (or the create defaults).

    Raises CurError when a new report lacks what AWS needs to create it.
    """
    base = dict(current) if current else {"name": options["name"], **CREATE_DEFAULTS}
    if not current:
        missing = [option for option in REQUIRED_TO_CREATE if options.get(option) is None]
        if missing:
            raise CurError(
                message=(
                    f"Report {options['name']} does not exist and {' and '.join(missing)} "
                    f"{'is' if len(missing) == 1 else 'are'} needed to create it: set {', '.join(missing)}"
                )
            )
    for option in FIELDS:
        value = options.get(option)
        if value is not None:
            base[option] = sorted(value) if option in LIST_FIELDS else value
    if "compression" not in base:
        base["compression"] = "Parquet" if base["format"] == "Parquet" else "GZIP"
    return base


def to_definition(view):
    """A view back in API form, for PutReportDefinition and ModifyReportDefinition."""
    definition = {"ReportName": view["name"]}
    for option, member in FIELDS.items():
        if view.get(option) is not None:
            definition[member] = list(view[option]) if option in LIST_FIELDS else view[option]
    return definition


def plan_report(current, desired, current_tags, desired_tags, purge_tags=False, state="present"):
    """The write calls that take ``current`` (view, or {}) to ``desired``; tags likewise.

    Returns ``{"calls": [(operation, kwargs)], "before": view, "after": view}``;
    the views carry ``tags``.
    """
    name = desired["name"] if desired else current["name"]
    before = dict(current, tags=dict(current_tags)) if current else {}
    if state == "absent":
        calls = [("delete_report_definition", {"ReportName": name})] if current else []
        return {"calls": calls, "before": before, "after": {}}

    calls = []
    if not current:
        tags = dict(desired_tags or {})
        create = {"ReportDefinition": to_definition(desired)}
        if tags:
            create["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        calls.append(("put_report_definition", create))
        return {"calls": calls, "before": {}, "after": dict(desired, tags=tags)}

    if any(current.get(option) != desired.get(option) for option in FIELDS):
        calls.append(("modify_report_definition", {"ReportName": name, "ReportDefinition": to_definition(desired)}))
    tags = dict(current_tags)
    if desired_tags is not None:
        to_set, to_unset = compare_aws_tags(current_tags, desired_tags, purge_tags=purge_tags)
        if to_set:
            calls.append(("tag_resource", {"ReportName": name, "Tags": ansible_dict_to_boto3_tag_list(to_set)}))
        if to_unset:
            calls.append(("untag_resource", {"ReportName": name, "TagKeys": sorted(to_unset)}))
        tags = {key: value for key, value in {**current_tags, **to_set}.items() if key not in to_unset}
    return {"calls": calls, "before": before, "after": dict(desired, tags=tags)}


def billing_reports_statements(bucket, account_id, partition="aws", region=CUR_REGION):
    """The bucket policy statements that let Cost and Usage Reports deliver this account's reports, and only its.

    As AWS documents for CUR buckets, with the source conditions that stop
    another account's report definitions from writing here. ArnLike, not
    StringEquals, for aws:SourceArn: the ARN ends in a wildcard.
    """
    bucket_arn = f"arn:{partition}:s3:::{bucket}"
    condition = {
        "StringEquals": {"aws:SourceAccount": account_id},
        "ArnLike": {"aws:SourceArn": f"arn:{partition}:cur:{region}:{account_id}:definition/*"},
    }
    principal = {"Service": BILLING_REPORTS_PRINCIPAL}
    return [
        {
            "Sid": BUCKET_CHECK_SID,
            "Effect": "Allow",
            "Principal": principal,
            "Action": ["s3:GetBucketAcl", "s3:GetBucketPolicy"],
            "Resource": bucket_arn,
            "Condition": condition,
        },
        {
            "Sid": DELIVERY_SID,
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": condition,
        },
    ]


# --- writes -----------------------------------------------------------------


def _put_report_definition(client, **params):
    """PutReportDefinition; a retry that finds the report its lost first attempt saved reads it and goes on."""
    try:
        return client.put_report_definition(aws_retry=True, **params)
    except is_boto3_error_code("DuplicateReportNameException"):
        wanted = definition_view(params["ReportDefinition"])
        if definition_view(read_report(client, wanted["name"])) != wanted:
            raise
        return {}


def apply_calls(client, calls):
    """Make the planned CUR calls, in order, each retried."""
    if not calls:
        return []
    params = calls[0][1]
    name = params.get("ReportName") or params["ReportDefinition"]["ReportName"]
    return engine.apply_calls(
        retrying(client),
        calls,
        CurErrorHandler,
        f"report {name}",
        operations={"put_report_definition": _put_report_definition},
    )


# --- the whole run ------------------------------------------------------------


def _bucket_policy_plan(current, view, account_id, partition, region, check_mode):
    """The plan of the bucket policy with the billing reports statements merged in."""
    bucket = view["s3_bucket"]
    warnings = []
    if current is None:  # no bucket; refused before this outside check mode
        warnings.append(f"Bucket {bucket} does not exist yet: its policy is planned as if it were new")
        current = {}
    wanted = merge_statements(current, billing_reports_statements(bucket, account_id, partition, region))
    changed = policy_needs_update(current, wanted)
    calls = [("put_bucket_policy", {"Bucket": bucket, "Policy": json.dumps(wanted)})] if changed else []
    return engine.new_plan(calls, current, wanted, warnings, service="s3", bucket=bucket)


def converge_report(
    client,
    options,
    account,
    s3_client=None,
    manage_bucket_policy=False,
    purge_tags=False,
    state="present",
    check_mode=False,
    expected_account_id=None,
    region=CUR_REGION,
):
    """Bring one report definition (and, if asked, its bucket's policy) to the state ``options`` describe.

    ``client`` is a CUR client in the CUR region (``cur_region``); ``account``
    an accounts.Account (its account ID goes into the bucket policy and the
    report ARN; with ``expected_account_id`` another account is refused before
    any write); ``s3_client(region)`` returns an S3 client for the bucket's
    region (needed with ``manage_bucket_policy``). Reads everything, checks
    the full definition, then writes: the bucket policy first, then the
    report, then its tags. In check mode nothing is written. Returns a dict
    with ``changed``, ``report``, ``diff``, ``bucket_policy``, ``delivery`` (``delivery_view`` of the report
    as it was read, before any write) and ``warnings``.
    """
    client = retrying(client)
    name = options["name"]
    s3 = {}

    def read():
        found = read_report(client, name)
        definition = definition_view(found)
        current = {"report": definition, "tags": read_tags(client, name) if definition else {}}
        current["delivery"] = delivery_view(found)
        if state == "present":
            current["desired"] = desired_view(definition, options)
            if manage_bucket_policy:
                s3["client"] = retrying(s3_client(current["desired"]["s3_region"]))
                current["bucket_policy"] = read_bucket_policy(s3["client"], current["desired"]["s3_bucket"])
        return current

    def guard(current):
        account.require(expected_account_id)

    def validate(current):
        if state == "absent":
            return [], ""
        problems = combination_problems(current["desired"])
        if manage_bucket_policy and current["bucket_policy"] is None and not check_mode:
            problems.append(
                f"Bucket {current['desired']['s3_bucket']} does not exist in account {account.account_id}, so its "
                "policy cannot grant Cost and Usage Reports delivery: create the bucket first (amazon.aws.s3_bucket), "
                "or set manage_bucket_policy: false"
            )
        return problems, f"Report {name} cannot be saved as asked"

    def plan(current):
        if state == "absent":
            if not current["report"]:
                return [engine.new_plan(service="cur")]
            report = plan_report(current["report"], {}, current["tags"], None, state="absent")
            return [engine.new_plan(report["calls"], report["before"], {}, service="cur")]
        report = plan_report(
            current["report"], current["desired"], current["tags"], options.get("tags"), purge_tags=purge_tags
        )
        plans = [engine.new_plan(report["calls"], report["before"], report["after"], service="cur")]
        if manage_bucket_policy:
            policy = _bucket_policy_plan(
                current["bucket_policy"], current["desired"], account.account_id, account.partition, region, check_mode
            )
            plans.insert(0, policy)  # AWS checks the bucket policy when the report is saved
        return plans

    def apply(each):
        if each["service"] == "s3":
            return engine.apply_calls(s3["client"], each["calls"], BucketPolicyErrorHandler, f"bucket {each['bucket']}")
        return apply_calls(client, each["calls"])

    current, plans, _applied = engine.converge(read, plan, apply, guard=guard, validate=validate, check_mode=check_mode)

    report_plan = plans[-1]
    if state == "absent":
        return {
            "changed": bool(report_plan["calls"]),
            "report": {"name": name, "arn": None},
            "diff": {"before": {"report": report_plan["before"]}, "after": {"report": {}}},
            "bucket_policy": None,
            "delivery": current["delivery"],
            "warnings": [],
        }

    warnings = [warning for each in plans for warning in each["warnings"]]
    diff_before = {"report": report_plan["before"]}
    diff_after = {"report": report_plan["after"]}
    policy = None
    if manage_bucket_policy:
        policy_plan = plans[0]
        policy = {
            "bucket": policy_plan["bucket"],
            "changed": bool(policy_plan["calls"]),
            "policy": policy_plan["after"],
        }
        if policy["changed"]:
            diff_before["bucket_policy"] = policy_plan["before"]
            diff_after["bucket_policy"] = policy_plan["after"]
    changed = any(each["calls"] for each in plans)
    arn = f"arn:{account.partition}:cur:{region}:{account.account_id}:definition/{name}"
    return {
        "changed": changed,
        "report": dict(report_plan["after"], arn=arn),
        "diff": {"before": diff_before, "after": diff_after} if changed else {"before": {}, "after": {}},
        "bucket_policy": policy,
        "delivery": current["delivery"],
        "warnings": warnings,
    }
