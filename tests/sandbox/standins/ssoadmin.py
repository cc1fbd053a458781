"""What moto's IAM Identity Center admin API (sso-admin, signing name ``sso``) lacks; moto serves the rest.

moto keeps the instance, permission sets, their policies and account assignments (its permission set ARNs are
made AWS's shape, ``arn:aws:sso:::permissionSet/ssoins-.../ps-...``, which botocore's model requires). This
stand-in serves, on moto's data in the same process:

* ``ProvisionPermissionSet`` / ``DescribePermissionSetProvisioningStatus`` / ``ListPermissionSetProvisioningStatus``:
  provisioning is asynchronous as in AWS. ProvisionPermissionSet answers ``IN_PROGRESS`` with a request ID;
  DescribePermissionSetProvisioningStatus answers ``IN_PROGRESS`` for the first ``provisioning_reads`` reads of
  that request (default 1) and then ``SUCCEEDED``, or ``FAILED`` with a ``FailureReason`` when the permission set
  holds more managed and customer managed policies than the IAM role quota (``role_policy_quota``, default 10,
  AWS's default PoliciesPerRole) or when ``provisioning_failure`` is set. A second provisioning of a permission
  set while one is in progress is a ``ConflictException``. ``AWS_ACCOUNT`` needs a ``TargetId``;
  ``ALL_PROVISIONED_ACCOUNTS`` reprovisions where it is already provisioned. A request ID unknown to the instance
  is a ``ResourceNotFoundException``;
* ``ListAccountsForProvisionedPermissionSet`` / ``ListPermissionSetsProvisionedToAccount``: the accounts each
  permission set was provisioned to successfully (moto's own answer ignores the target account), with the
  ``ProvisioningStatus`` filter: a change to what the set grants (UpdatePermissionSet, attaching or detaching a
  managed or customer managed policy, the inline policy, the permissions boundary) makes its provisioned copies
  ``LATEST_PERMISSION_SET_NOT_PROVISIONED`` until it is provisioned to them again;
* ``TagResource`` / ``UntagResource`` / ``ListTagsForResource`` for permission sets (on the tags moto keeps from
  CreatePermissionSet; at most 50 tags per permission set);
* ``ListInstances``: moto's instance of the calling account and region, or none when Identity Center is not
  enabled for the account;
* ``CreateAccountAssignment`` / ``DescribeAccountAssignmentCreationStatus``: the assignment is made in moto (once;
  a repeated one is not duplicated) and answered ``IN_PROGRESS``, then ``SUCCEEDED`` after ``provisioning_reads``
  status reads, like provisioning; it provisions the permission set to the account, as AWS does. Deletion stays
  moto's (SUCCEEDED at once).

Settings, per calling account (the one holding the instance: the management account or the delegated
administrator), through ``POST /_sandbox/state``::

    {"account_id": "123456789012",
     "identity_center": {"enabled": true, "provisioning_reads": 1, "role_policy_quota": 10,
                         "provisioning_failure": null}}

Each member is optional; a posted value changes only the members it names. ``"identity_center": false`` is
short for ``{"enabled": false}``.
"""

from __future__ import annotations

import copy
import datetime
import threading
import uuid

import state

from ._common import ServiceError
from ._common import current_request
from ._common import json_service

SERVICE = "sso-admin"
MAX_TAGS = 50
_DEFAULTS = {"enabled": True, "provisioning_reads": 1, "role_policy_quota": 10, "provisioning_failure": None}

_lock = threading.Lock()
# (account, region) -> request ID -> {"status": {...}, "reads_left": n}
_requests: dict[tuple[str, str], dict[str, dict]] = {}
# (account, region) -> permission set ARN -> target account -> the permission set's version provisioned there
_provisioned: dict[tuple[str, str], dict[str, dict[str, int]]] = {}


def _settings(account_id: str, value) -> dict:
    if isinstance(value, bool):
        value = {"enabled": value}
    if not isinstance(value, dict):
        raise state.StateError("identity_center must be a JSON object (or true/false: enabled or not)")
    unknown = set(value) - set(_DEFAULTS)
    if unknown:
        raise state.StateError(f"identity_center: unknown keys {sorted(unknown)}; allowed: {sorted(_DEFAULTS)}")
    if not isinstance(value.get("enabled", True), bool):
        raise state.StateError("identity_center.enabled must be true or false")
    for key in ("provisioning_reads", "role_policy_quota"):
        number = value.get(key, 0)
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise state.StateError(f"identity_center.{key} must be a whole number, 0 or more")
    failure = value.get("provisioning_failure")
    if failure is not None and not isinstance(failure, str):
        raise state.StateError("identity_center.provisioning_failure must be a string or null")
    return {**state.get(account_id)["identity_center"], **value}


state.register("identity_center", dict(_DEFAULTS), _settings)


def _permission_set_arn(instance_arn: str) -> str:
    # AWS: arn:aws:sso:::permissionSet/ssoins-<16>/ps-<16>. moto makes instance/ssoins-<16>/ps-<16>, which
    # botocore's model (and so every request naming it) refuses.
    from moto.moto_api._internal import mock_random

    instance_id = instance_arn.rsplit("/", 1)[-1]
    partition = instance_arn.split(":")[1]
    return f"arn:{partition}:sso:::permissionSet/{instance_id}/ps-{mock_random.get_random_hex(16)}"


# moto's calls that change what a permission set grants: after one, the accounts it was provisioned to hold an
# outdated copy until it is provisioned again (ProvisioningStatus LATEST_PERMISSION_SET_NOT_PROVISIONED).
_CHANGES = (
    "update_permission_set",
    "put_inline_policy_to_permission_set",
    "delete_inline_policy_from_permission_set",
    "attach_managed_policy_to_permission_set",
    "detach_managed_policy_from_permission_set",
    "attach_customer_managed_policy_reference_to_permission_set",
    "detach_customer_managed_policy_reference_from_permission_set",
    "put_permissions_boundary_to_permission_set",
    "delete_permissions_boundary_from_permission_set",
)


def version_of(permission_set) -> int:
    return getattr(permission_set, "_sandbox_version", 0)


def _counting_changes(method):
    def changed(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        instance_arn = kwargs.get("instance_arn", args[0] if args else None)
        arn = kwargs.get("permission_set_arn", args[1] if len(args) > 1 else None)
        permission_set = self._find_permission_set(instance_arn, arn)
        permission_set._sandbox_version = version_of(permission_set) + 1
        return result

    return changed


def _install() -> None:
    from moto.ssoadmin import models

    models.PermissionSet.generate_id = staticmethod(_permission_set_arn)
    backend = models.SSOAdminBackend
    for name in _CHANGES:
        method = getattr(backend, name, None)
        if method is not None and not getattr(method, "_sandbox_counting", False):
            wrapped = _counting_changes(method)
            wrapped._sandbox_counting = True
            setattr(backend, name, wrapped)


_install()


def _backend():
    from moto.ssoadmin.models import ssoadmin_backends

    request = current_request()
    return ssoadmin_backends[request.account_id][request.region]


def _key() -> tuple[str, str]:
    request = current_request()
    return request.account_id, request.region


def _instance(instance_arn: str):
    for instance in _backend().instances:
        if instance.instance_arn == instance_arn:
            return instance
    raise ServiceError("ResourceNotFoundException", f"Instance {instance_arn} does not exist")


def _permission_set(instance_arn: str, permission_set_arn: str):
    _instance(instance_arn)
    for permission_set in _backend().permission_sets:
        if permission_set.permission_set_arn == permission_set_arn and permission_set.instance_arn == instance_arn:
            return permission_set
    raise ServiceError("ResourceNotFoundException", f"Could not find PermissionSet with ARN {permission_set_arn}")


def _permission_set_by_arn(arn: str):
    for permission_set in _backend().permission_sets:
        if permission_set.permission_set_arn == arn:
            return permission_set
    raise ServiceError("ResourceNotFoundException", f"Resource {arn} does not exist")


# --- provisioning ----------------------------------------------------------------


def _failure_of(permission_set, settings: dict) -> str | None:
    if settings["provisioning_failure"]:
        return settings["provisioning_failure"]
    policies = len(permission_set.managed_policies) + len(permission_set.customer_managed_policies)
    if policies > settings["role_policy_quota"]:
        return (
            "Received a 409 status error: Cannot exceed quota for PoliciesPerRole: "
            f"{settings['role_policy_quota']} (the permission set has {policies} managed policies)"
        )
    return None


def provision_permission_set(account_id: str, params: dict) -> dict:
    permission_set = _permission_set(params["InstanceArn"], params["PermissionSetArn"])
    arn = permission_set.permission_set_arn
    key = _key()
    if params["TargetType"] == "AWS_ACCOUNT":
        if "TargetId" not in params:
            raise ServiceError("ValidationException", "TargetId is required when TargetType is AWS_ACCOUNT")
        targets = {params["TargetId"]}
    else:
        with _lock:
            targets = set(_provisioned.get(key, {}).get(arn, {}))
    settings = state.get(account_id)["identity_center"]
    failure = _failure_of(permission_set, settings)
    with _lock:
        pending = _requests.setdefault(key, {})
        if any(r["status"]["PermissionSetArn"] == arn and r["reads_left"] > 0 for r in pending.values()):
            raise ServiceError(
                "ConflictException",
                f"PermissionSet {arn} is being provisioned by another request; wait for it to complete",
            )
        status = {
            "Status": "IN_PROGRESS",
            "RequestId": str(uuid.uuid4()),
            "PermissionSetArn": arn,
            "CreatedDate": datetime.datetime.now(datetime.UTC),
        }
        if params["TargetType"] == "AWS_ACCOUNT":
            status["AccountId"] = params["TargetId"]
        final = {"Status": "FAILED", "FailureReason": failure} if failure else {"Status": "SUCCEEDED"}
        pending[status["RequestId"]] = {"status": status, "final": final, "reads_left": settings["provisioning_reads"]}
        if not failure:
            provisioned = _provisioned.setdefault(key, {}).setdefault(arn, {})
            provisioned.update(dict.fromkeys(targets, version_of(permission_set)))
    if not failure:
        instance = _instance(params["InstanceArn"])
        if permission_set not in instance.provisioned_permission_sets:
            instance.provisioned_permission_sets.append(permission_set)
    return {"PermissionSetProvisioningStatus": _status_now(pending[status["RequestId"]], read=False)}


def _status_now(request: dict, read: bool) -> dict:
    """The request's status; a read counts towards its completion."""
    if request["reads_left"] <= 0:
        return {**request["status"], **request["final"]}
    if read:
        request["reads_left"] -= 1
    return dict(request["status"])


def describe_permission_set_provisioning_status(account_id: str, params: dict) -> dict:
    _instance(params["InstanceArn"])
    with _lock:
        request = _requests.get(_key(), {}).get(params["ProvisionPermissionSetRequestId"])
        if request is None:
            raise ServiceError(
                "ResourceNotFoundException",
                f"Provisioning request {params['ProvisionPermissionSetRequestId']} does not exist",
            )
        return {"PermissionSetProvisioningStatus": _status_now(request, read=True)}


def list_permission_set_provisioning_status(account_id: str, params: dict) -> dict:
    _instance(params["InstanceArn"])
    wanted = (params.get("Filter") or {}).get("Status")
    with _lock:
        statuses = [_status_now(request, read=False) for request in _requests.get(_key(), {}).values()]
    return {
        "PermissionSetsProvisioningStatus": [
            {"Status": s["Status"], "RequestId": s["RequestId"], "CreatedDate": s["CreatedDate"]}
            for s in statuses
            if wanted in (None, s["Status"])
        ]
    }


def _current(permission_set_arn: str, version: int, wanted: str | None) -> bool:
    """Whether a provisioned copy passes the ProvisioningStatus filter."""
    if wanted is None:
        return True
    latest = version == version_of(_permission_set_by_arn(permission_set_arn))
    return latest == (wanted == "LATEST_PERMISSION_SET_PROVISIONED")


def list_accounts_for_provisioned_permission_set(account_id: str, params: dict) -> dict:
    _permission_set(params["InstanceArn"], params["PermissionSetArn"])
    wanted = params.get("ProvisioningStatus")
    with _lock:
        provisioned = dict(_provisioned.get(_key(), {}).get(params["PermissionSetArn"], {}))
    accounts = [a for a, version in provisioned.items() if _current(params["PermissionSetArn"], version, wanted)]
    return {"AccountIds": sorted(accounts)}


def list_permission_sets_provisioned_to_account(account_id: str, params: dict) -> dict:
    _instance(params["InstanceArn"])
    wanted = params.get("ProvisioningStatus")
    with _lock:
        provisioned = {arn: dict(targets) for arn, targets in _provisioned.get(_key(), {}).items()}
    arns = [
        arn
        for arn, targets in provisioned.items()
        if params["AccountId"] in targets and _current(arn, targets[params["AccountId"]], wanted)
    ]
    return {"PermissionSets": sorted(arns)}


# --- account assignments ------------------------------------------------------------

_assignments: dict[tuple[str, str], dict[str, dict]] = {}  # (account, region) -> request ID -> creation request


def reset() -> None:
    with _lock:
        _requests.clear()
        _provisioned.clear()
        _assignments.clear()


state.on_reset(reset)


def create_account_assignment(account_id: str, params: dict) -> dict:
    """Assign through moto (once: AWS keeps no duplicate), answered IN_PROGRESS like provisioning; the permission
    set is provisioned to the account as part of it, as AWS does."""
    permission_set = _permission_set(params["InstanceArn"], params["PermissionSetArn"])
    backend = _backend()
    fields = {
        "instance_arn": params["InstanceArn"],
        "target_id": params["TargetId"],
        "target_type": params["TargetType"],
        "permission_set_arn": params["PermissionSetArn"],
        "principal_type": params["PrincipalType"],
        "principal_id": params["PrincipalId"],
    }
    try:
        backend._find_account(**fields)
    except Exception:  # noqa: BLE001 - moto's ResourceNotFoundException: not assigned yet
        backend.create_account_assignment(**fields)
    settings = state.get(account_id)["identity_center"]
    key = _key()
    status = {
        "Status": "IN_PROGRESS",
        "RequestId": str(uuid.uuid4()),
        "TargetId": params["TargetId"],
        "TargetType": params["TargetType"],
        "PermissionSetArn": params["PermissionSetArn"],
        "PrincipalType": params["PrincipalType"],
        "PrincipalId": params["PrincipalId"],
        "CreatedDate": datetime.datetime.now(datetime.UTC),
    }
    with _lock:
        _assignments.setdefault(key, {})[status["RequestId"]] = {
            "status": status,
            "final": {"Status": "SUCCEEDED"},
            "reads_left": settings["provisioning_reads"],
        }
        provisioned = _provisioned.setdefault(key, {}).setdefault(params["PermissionSetArn"], {})
        provisioned.setdefault(params["TargetId"], version_of(permission_set))
        request = _assignments[key][status["RequestId"]]
    return {"AccountAssignmentCreationStatus": _status_now(request, read=False)}


def describe_account_assignment_creation_status(account_id: str, params: dict) -> dict:
    _instance(params["InstanceArn"])
    with _lock:
        request = _assignments.get(_key(), {}).get(params["AccountAssignmentCreationRequestId"])
        if request is None:
            raise ServiceError(
                "ResourceNotFoundException",
                f"Account assignment request {params['AccountAssignmentCreationRequestId']} does not exist",
            )
        return {"AccountAssignmentCreationStatus": _status_now(request, read=True)}


# --- tags and instances -----------------------------------------------------------


def tag_resource(account_id: str, params: dict) -> dict:
    permission_set = _permission_set_by_arn(params["ResourceArn"])
    with _lock:
        merged = {t["Key"]: t["Value"] for t in permission_set.tags or []}
        merged.update((t["Key"], t["Value"]) for t in params["Tags"])
        if len(merged) > MAX_TAGS:
            raise ServiceError("ServiceQuotaExceededException", f"A permission set can have at most {MAX_TAGS} tags")
        permission_set.tags = [{"Key": k, "Value": v} for k, v in merged.items()]
    return {}


def untag_resource(account_id: str, params: dict) -> dict:
    permission_set = _permission_set_by_arn(params["ResourceArn"])
    with _lock:
        permission_set.tags = [t for t in permission_set.tags or [] if t["Key"] not in params["TagKeys"]]
    return {}


def list_tags_for_resource(account_id: str, params: dict) -> dict:
    permission_set = _permission_set_by_arn(params["ResourceArn"])
    with _lock:
        return {"Tags": copy.deepcopy(list(permission_set.tags or []))}


def list_instances(account_id: str, params: dict) -> dict:
    if not state.get(account_id)["identity_center"]["enabled"]:
        return {"Instances": []}
    instances = []
    for instance in _backend().instances:
        item = {
            "InstanceArn": instance.instance_arn,
            "IdentityStoreId": instance.identity_store_id,
            "OwnerAccountId": instance.account_id,
            "CreatedDate": datetime.datetime.fromtimestamp(instance.created_date, datetime.UTC),
            "Status": instance.status,
        }
        if instance.name:
            item["Name"] = instance.name
        instances.append(item)
    return {"Instances": instances}


serve = json_service(
    SERVICE,
    {
        "ProvisionPermissionSet": provision_permission_set,
        "DescribePermissionSetProvisioningStatus": describe_permission_set_provisioning_status,
        "ListPermissionSetProvisioningStatus": list_permission_set_provisioning_status,
        "ListAccountsForProvisionedPermissionSet": list_accounts_for_provisioned_permission_set,
        "ListPermissionSetsProvisionedToAccount": list_permission_sets_provisioned_to_account,
        "TagResource": tag_resource,
        "UntagResource": untag_resource,
        "ListTagsForResource": list_tags_for_resource,
        "ListInstances": list_instances,
        "CreateAccountAssignment": create_account_assignment,
        "DescribeAccountAssignmentCreationStatus": describe_account_assignment_creation_status,
    },
    only_handlers=True,
)
