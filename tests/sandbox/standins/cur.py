"""Stand-in for the AWS Cost and Usage Report API (signing name ``cur``), which moto lacks.

Stateful per account: report definitions in the order they were made, with
their tags. Requests are validated against botocore's model (see _common) and
answered in the JSON 1.1 wire format with the service's own error codes.

Beyond the model, it enforces what the service itself checks:

* a report name is unique in the account (``DuplicateReportNameException``);
* the format/compression/artifact combinations the service rejects
  (``ValidationException``): Parquet format needs Parquet compression and
  textORcsv needs ZIP or GZIP; ATHENA is the only artifact when present and
  needs Parquet, OVERWRITE_REPORT and a prefix; REDSHIFT and QUICKSIGHT need
  textORcsv;
* the S3 bucket exists in the same account and region and its policy allows
  ``billingreports.amazonaws.com`` s3:GetBucketAcl and s3:GetBucketPolicy on the
  bucket and s3:PutObject on its objects, with any ``aws:SourceAccount`` and
  ``aws:SourceArn`` conditions matching this account's report
  (``ValidationException`` "Failed to verify customer bucket permission", as
  the console shows it). The bucket is read from moto's S3 backend in this
  process, so the check sees exactly what the S3 API calls made;
* Modify and Delete of a report that does not exist fail with
  ``ValidationException``; the tag operations with ``ResourceNotFoundException``.

Not modelled: the per-account report quota (ReportLimitReachedException) and
report delivery (``ReportStatus`` is never set).
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import json
import threading

import state

from ._common import ServiceError
from ._common import json_service

SERVICE = "cur"
CUR_REGION = "us-east-1"
BILLING_PRINCIPAL = "billingreports.amazonaws.com"
PAGE_SIZE = 5  # DescribeReportDefinitions' MaxResults can only be 5.

_lock = threading.Lock()
_reports: dict[str, dict[str, dict]] = {}  # account -> report name -> {"definition": ..., "tags": {...}}


def reset() -> None:
    with _lock:
        _reports.clear()


state.on_reset(reset)


# --- rules the service enforces ----------------------------------------------


def _combination_problems(definition: dict) -> list[str]:
    fmt = definition["Format"]
    compression = definition["Compression"]
    artifacts = definition.get("AdditionalArtifacts") or []
    problems = []
    if fmt == "Parquet" and compression != "Parquet":
        problems.append("Format Parquet requires Compression Parquet")
    if fmt == "textORcsv" and compression == "Parquet":
        problems.append("Format textORcsv requires Compression ZIP or GZIP")
    if "ATHENA" in artifacts:
        if len(artifacts) > 1:
            problems.append("ATHENA cannot be combined with other additional artifacts")
        if fmt != "Parquet":
            problems.append("ATHENA requires Format Parquet")
        if definition.get("ReportVersioning") != "OVERWRITE_REPORT":
            problems.append("ATHENA requires ReportVersioning OVERWRITE_REPORT")
        if not definition.get("S3Prefix"):
            problems.append("ATHENA requires a non-empty S3Prefix")
    elif artifacts and fmt != "textORcsv":
        problems.append("REDSHIFT and QUICKSIGHT require Format textORcsv")
    return problems


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _principal_is_billing(principal) -> bool:
    if not isinstance(principal, dict):
        return False
    return BILLING_PRINCIPAL in _as_list(principal.get("Service"))


def _action_covers(actions, wanted: str) -> bool:
    return any(fnmatch.fnmatchcase(wanted.lower(), str(action).lower()) for action in _as_list(actions))


def _resource_covers(resources, wanted: str) -> bool:
    return any(fnmatch.fnmatchcase(wanted, str(resource)) for resource in _as_list(resources))


_CONDITION_TESTS = {
    "StringEquals": lambda actual, pattern: actual == pattern,
    "ArnEquals": lambda actual, pattern: actual == pattern,
    "StringLike": fnmatch.fnmatchcase,
    "ArnLike": fnmatch.fnmatchcase,
}


def _conditions_hold(condition, context: dict) -> bool:
    """Whether a statement's Condition holds for the billing service's request.

    Only the operators and keys the billing service's requests carry are
    understood; any other condition is taken as not holding, as it would not
    for a request that lacks the key.
    """
    for operator, keys in (condition or {}).items():
        test = _CONDITION_TESTS.get(operator)
        if test is None or not isinstance(keys, dict):
            return False
        for key, expected in keys.items():
            actual = context.get(key)
            if actual is None or not any(test(actual, str(value)) for value in _as_list(expected)):
                return False
    return True


def _policy_allows(policy: dict, action: str, resource: str, context: dict) -> bool:
    allowed = False
    for statement in _as_list(policy.get("Statement")):
        if not _principal_is_billing(statement.get("Principal")):
            continue
        if not _action_covers(statement.get("Action"), action):
            continue
        if not _resource_covers(statement.get("Resource"), resource):
            continue
        if not _conditions_hold(statement.get("Condition"), context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _report_key(definition: dict) -> str:
    prefix = (definition.get("S3Prefix") or "").strip("/")
    name = definition["ReportName"]
    return f"{prefix}/{name}/manifest.json" if prefix else f"{name}/manifest.json"


def _check_bucket(account_id: str, definition: dict) -> None:
    from moto.s3.models import s3_backends

    bucket_name = definition["S3Bucket"]
    refused = ServiceError(
        "ValidationException",
        f"Failed to verify customer bucket permission. accountId= {account_id}, bucket name= {bucket_name}, "
        f"bucket region= {definition['S3Region']}",
    )
    bucket = s3_backends[account_id]["aws"].buckets.get(bucket_name)
    if bucket is None or bucket.region_name != definition["S3Region"] or not bucket.policy:
        raise refused
    try:
        policy = json.loads(bucket.policy.decode())
    except ValueError:
        raise refused from None
    context = {
        "aws:SourceAccount": account_id,
        "aws:SourceArn": f"arn:aws:cur:{CUR_REGION}:{account_id}:definition/{definition['ReportName']}",
    }
    bucket_arn = f"arn:aws:s3:::{bucket_name}"
    needed = [
        ("s3:GetBucketAcl", bucket_arn),
        ("s3:GetBucketPolicy", bucket_arn),
        # Reports land under <prefix>/<report name>/: ask for a key there.
        ("s3:PutObject", f"{bucket_arn}/{_report_key(definition)}"),
    ]
    if not all(_policy_allows(policy, action, resource, context) for action, resource in needed):
        raise refused


def _check_definition(account_id: str, definition: dict) -> dict:
    problems = _combination_problems(definition)
    if problems:
        raise ServiceError("ValidationException", "; ".join(problems))
    _check_bucket(account_id, definition)
    stored = {key: copy.deepcopy(value) for key, value in definition.items() if key != "ReportStatus"}
    stored.setdefault("AdditionalArtifacts", [])
    return stored


def _tags_dict(tag_list) -> dict:
    return {tag["Key"]: tag["Value"] for tag in tag_list or []}


# --- operations ---------------------------------------------------------------


def put_report_definition(account_id: str, params: dict) -> dict:
    definition = params["ReportDefinition"]
    name = definition["ReportName"]
    with _lock:
        reports = _reports.setdefault(account_id, {})
        if name in reports:
            raise ServiceError(
                "DuplicateReportNameException",
                "A report with the specified name already exists in the account. Specify a different report name.",
            )
        stored = _check_definition(account_id, definition)
        reports[name] = {"definition": stored, "tags": _tags_dict(params.get("Tags"))}
    return {}


def modify_report_definition(account_id: str, params: dict) -> dict:
    name = params["ReportName"]
    definition = params["ReportDefinition"]
    with _lock:
        reports = _reports.setdefault(account_id, {})
        if name not in reports:
            raise ServiceError("ValidationException", f"Report {name} does not exist in account {account_id}")
        if definition["ReportName"] != name:
            raise ServiceError(
                "ValidationException",
                f"ReportDefinition.ReportName {definition['ReportName']} must match ReportName {name}: "
                "a report cannot be renamed",
            )
        reports[name]["definition"] = _check_definition(account_id, definition)
    return {}


def delete_report_definition(account_id: str, params: dict) -> dict:
    name = params["ReportName"]
    with _lock:
        reports = _reports.setdefault(account_id, {})
        if name not in reports:
            raise ServiceError("ValidationException", f"Report {name} does not exist in account {account_id}")
        del reports[name]
    return {"ResponseMessage": f"Report definition {name} deleted"}


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset={offset}".encode()).decode().rstrip("=")


def _decode_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        if not text.startswith("offset="):
            raise ValueError(text)
        return int(text[len("offset=") :])
    except ValueError:
        raise ServiceError("ValidationException", "The NextToken is not valid") from None


def describe_report_definitions(account_id: str, params: dict) -> dict:
    offset = _decode_token(params["NextToken"]) if params.get("NextToken") else 0
    with _lock:
        definitions = [copy.deepcopy(report["definition"]) for report in _reports.get(account_id, {}).values()]
    page = definitions[offset : offset + PAGE_SIZE]
    result = {"ReportDefinitions": page}
    if offset + PAGE_SIZE < len(definitions):
        result["NextToken"] = _encode_token(offset + PAGE_SIZE)
    return result


def _report(account_id: str, name: str) -> dict:
    report = _reports.get(account_id, {}).get(name)
    if report is None:
        raise ServiceError("ResourceNotFoundException", f"Report definition {name} not found")
    return report


def list_tags_for_resource(account_id: str, params: dict) -> dict:
    with _lock:
        tags = dict(_report(account_id, params["ReportName"])["tags"])
    return {"Tags": [{"Key": key, "Value": value} for key, value in sorted(tags.items())]}


def tag_resource(account_id: str, params: dict) -> dict:
    with _lock:
        report = _report(account_id, params["ReportName"])
        merged = {**report["tags"], **_tags_dict(params["Tags"])}
        if len(merged) > 200:
            raise ServiceError("ValidationException", "A report definition can have at most 200 tags")
        report["tags"] = merged
    return {}


def untag_resource(account_id: str, params: dict) -> dict:
    with _lock:
        report = _report(account_id, params["ReportName"])
        for key in params["TagKeys"]:
            report["tags"].pop(key, None)
    return {}


serve = json_service(
    SERVICE,
    {
        "PutReportDefinition": put_report_definition,
        "ModifyReportDefinition": modify_report_definition,
        "DeleteReportDefinition": delete_report_definition,
        "DescribeReportDefinitions": describe_report_definitions,
        "ListTagsForResource": list_tags_for_resource,
        "TagResource": tag_resource,
        "UntagResource": untag_resource,
    },
)
