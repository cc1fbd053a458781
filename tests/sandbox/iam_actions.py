"""The IAM authorization an AWS request needs: its actions, the resource ARN they apply to, and condition keys.

``describe`` adds this to every entry of the sandbox's call log, so that tests can check a shipped IAM policy
against the calls a real run made, resources included (moto matches a policy's actions, and a resource only
where it can name one). ``s3_action`` names the IAM action of an S3 REST request, which is not always the
operation's name (HeadBucket needs ``s3:ListBucket``, GetBucketEncryption ``s3:GetEncryptionConfiguration``).

Resources are what the Service Authorization Reference names for the action; ``"*"`` where the action has no
resource type (account-wide reads such as ``iam:ListRoles``, ``organizations:DescribeOrganization``,
``cloudtrail:LookupEvents``, ``tax:ListTaxRegistrations``, ``payments:ListPaymentInstruments``,
``organizations:ListOutboundResponsibilityTransfers``, ``partnercentral:ListPartners``). The action's prefix is
IAM's, which is not always the signing name: Partner Central Account's calls are ``partnercentral:``, Tax
Settings' ``tax:``, Identity Center's (sso-admin) ``sso:``. Partner Central reads name the partner's ARN and
the ``partnercentral:Catalog`` condition key; Identity Center calls name the permission set (else the instance),
identity store calls the identity store (``arn:aws:identitystore::<account>:identitystore/<id>``).
"""

from __future__ import annotations

import functools
import json
import re
from urllib.parse import parse_qs
from urllib.parse import unquote

import botocore.session

# Actions that authorize an operation of another name, or more than one action (the Reference's
# "dependent actions": creating a role with tags needs iam:TagRole too).
_S3_ACTIONS = {
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListBuckets": "ListAllMyBuckets",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeleteBucketTagging": "PutBucketTagging",
    "GetBucketAccelerateConfiguration": "GetAccelerateConfiguration",
    "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
    "PutObjectLockConfiguration": "PutBucketObjectLockConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "GetBucketReplication": "GetReplicationConfiguration",
    "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "GetBucketCors": "GetBucketCORS",
    "HeadObject": "GetObject",
    "GetBucketInventoryConfiguration": "GetInventoryConfiguration",
    "ListBucketInventoryConfigurations": "GetInventoryConfiguration",
    "GetBucketAnalyticsConfiguration": "GetAnalyticsConfiguration",
    "ListBucketAnalyticsConfigurations": "GetAnalyticsConfiguration",
    "GetBucketMetricsConfiguration": "GetMetricsConfiguration",
    "ListBucketMetricsConfigurations": "GetMetricsConfiguration",
    "GetBucketIntelligentTieringConfiguration": "GetIntelligentTieringConfiguration",
    "ListBucketIntelligentTieringConfigurations": "GetIntelligentTieringConfiguration",
}
# Operations that need a tagging action too when the request carries tags.
_TAGGING_ACTIONS = {
    ("iam", "CreateRole"): "iam:TagRole",
    ("iam", "CreateUser"): "iam:TagUser",
    ("iam", "CreatePolicy"): "iam:TagPolicy",
    ("cur", "PutReportDefinition"): "cur:TagResource",
}
# IAM's service prefix where it is not the request's signing name.
_IAM_PREFIXES = {"partnercentral-account": "partnercentral"}
_SIGNING_REGION = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/")
_IAM_RESOURCE_PARAMS = (("RoleName", "role"), ("UserName", "user"), ("GroupName", "group"))


@functools.cache
def _s3_operations():
    """S3's operations as (method, path shape, query constraints, name), from botocore's model."""
    model = botocore.session.get_session().get_service_model("s3")
    operations = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path, _, query = http["requestUri"].partition("?")
        shape = "service" if path.strip("/") == "" else "object" if "{Key+}" in path else "bucket"
        constraints = {}
        for item in filter(None, query.split("&")):
            key, _, value = item.partition("=")
            if key != "x-id":  # x-id only repeats the operation's name
                constraints[key] = value or None
        operations.append((http["method"], shape, constraints, name))
    return operations


def s3_operation(method: str, path: str, query: str) -> str | None:
    """The S3 operation of a path-style REST request: the one whose constraints match the most query keys."""
    parts = [part for part in path.split("/", 2)[1:] if part]
    shape = "service" if not parts else "object" if len(parts) > 1 else "bucket"
    params = parse_qs(query, keep_blank_values=True)
    best = None
    for op_method, op_shape, constraints, name in _s3_operations():
        if op_method != method or op_shape != shape:
            continue
        matches = all(key in params and (value is None or value in params[key]) for key, value in constraints.items())
        if matches and (best is None or len(constraints) > best[0]):
            best = (len(constraints), name)
    return best[1] if best else None


def s3_action(method: str, path: str, query: str) -> str | None:
    operation = s3_operation(method, path, query)
    return None if operation is None else "s3:" + _S3_ACTIONS.get(operation, operation)


def s3_resource(path: str) -> str:
    parts = [unquote(part) for part in path.split("/", 2)[1:] if part]
    return "arn:aws:s3:::" + "/".join(parts) if parts else "*"


def _params(environ: dict, body: bytes) -> dict:
    """The request's parameters: form-encoded (query protocol) or JSON, flattened one level for the names used."""
    content_type = environ.get("CONTENT_TYPE", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    if "json" in content_type and body:
        try:
            payload = json.loads(body)
        except ValueError:
            return {}
        return payload if isinstance(payload, dict) else {}
    return {}


def _iam_entity_arn(account_id: str, kind: str, name: str, path: str | None) -> str:
    if path is None and kind == "role":
        path = _existing_role_path(account_id, name)
    return f"arn:aws:iam::{account_id}:{kind}{path or '/'}{name}"


def _existing_role_path(account_id: str, name: str) -> str | None:
    # A role's ARN holds its path, which only CreateRole's request says: ask moto for an existing role's.
    from moto.iam.models import iam_backends

    try:
        return iam_backends[account_id]["aws"].get_role(name).path
    except Exception:  # noqa: BLE001 - any failure means "not known here": the default path is assumed
        return None


def _iam(operation: str, params: dict, account_id: str) -> tuple[str, dict]:
    context = {}
    if "PolicyArn" in params and operation in ("AttachRolePolicy", "AttachUserPolicy", "AttachGroupPolicy"):
        context["iam:PolicyARN"] = params["PolicyArn"]
    for param, kind in _IAM_RESOURCE_PARAMS:
        if param in params:
            return _iam_entity_arn(account_id, kind, params[param], params.get("Path")), context
    if "PolicyArn" in params:
        return params["PolicyArn"], context
    return "*", context


def _cur(params: dict, account_id: str) -> str:
    name = params.get("ReportName") or (params.get("ReportDefinition") or {}).get("ReportName")
    if not name and params.get("ResourceArn"):
        return params["ResourceArn"]
    return f"arn:aws:cur:us-east-1:{account_id}:definition/{name}" if name else "*"


def _trail(name: str, environ: dict, account_id: str) -> str:
    if name.startswith("arn:"):
        return name
    region = _SIGNING_REGION.search(environ.get("HTTP_AUTHORIZATION", ""))
    return f"arn:aws:cloudtrail:{region.group(1) if region else 'us-east-1'}:{account_id}:trail/{name}"


def _partnercentral(operation: str, params: dict, account_id: str) -> tuple[str, dict]:
    context = {"partnercentral:Catalog": params["Catalog"]} if params.get("Catalog") else {}
    identifier = params.get("Identifier")
    if not identifier:
        return "*", context
    if identifier.startswith("arn:"):
        return identifier, context
    catalog = params.get("Catalog", "AWS")
    return f"arn:aws:partnercentral:us-east-1:{account_id}:catalog/{catalog}/partner/{identifier}", context


def _sso(params: dict) -> str:
    # Most sso actions name the instance and the permission set: the log keeps the narrower one.
    for key in ("PermissionSetArn", "ResourceArn", "InstanceArn"):
        if params.get(key):
            return params[key]
    return "*"


def describe(service: str, operation: str, environ: dict, body: bytes, account_id: str) -> dict:
    """``{"actions": [...], "resource": ARN or "*", "context": {condition key: value}}`` for one request."""
    try:
        return _describe(service, operation, environ, body, account_id)
    except Exception:  # noqa: BLE001 - the call log must never break a call; "*" fails any scoped check
        return {"actions": [f"{_IAM_PREFIXES.get(service, service)}:{operation}"], "resource": "*", "context": {}}


def _describe(service: str, operation: str, environ: dict, body: bytes, account_id: str) -> dict:
    params = _params(environ, body)
    context: dict = {}
    if service == "s3":
        action = s3_action(
            environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/"), environ.get("QUERY_STRING", "")
        )
        actions = [action or f"s3:{operation}"]
        resource = s3_resource(environ.get("PATH_INFO", "/"))
        if actions == ["s3:ListAllMyBuckets"]:
            resource = "*"
    else:
        actions = [f"{_IAM_PREFIXES.get(service, service)}:{operation}"]
        if service == "iam":
            resource, context = _iam(operation, params, account_id)
        elif service == "sts" and operation == "AssumeRole":
            resource = params.get("RoleArn", "*")
        elif service == "cur" and operation != "DescribeReportDefinitions":
            resource = _cur(params, account_id)
        elif service == "cloudtrail" and params.get("Name"):
            resource = _trail(params["Name"], environ, account_id)
        elif service == "partnercentral-account":
            resource, context = _partnercentral(operation, params, account_id)
        elif service == "sso":
            resource = _sso(params)
        elif service == "identitystore" and params.get("IdentityStoreId"):
            resource = f"arn:aws:identitystore::{account_id}:identitystore/{params['IdentityStoreId']}"
        else:
            resource = "*"
    extra = _TAGGING_ACTIONS.get((service, operation))
    if extra and any(key == "Tags" or re.match(r"Tags\.member\.\d+\.Key$", key) for key in params):
        actions.append(extra)
    return {"actions": actions, "resource": resource, "context": context}
