# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM Identity Center permission sets for the Partner Central personas (checklist phase 5), on the engine.

Runs from the organization's management account or Identity Center's delegated administrator, against the
organization's Identity Center instance, and provisions each permission set to the Partner Central account.
Entry points take boto3 clients (``sso-admin`` and ``identitystore``), never the module:

``permission_set_problems(permission_sets, target_account_id, max_policies=10)``
    every problem with the declared permission sets, before any AWS call, each with what to do (an eleventh
    managed or customer managed policy among them: IAM's quota of managed policies per role, raised only by a
    quota increase and then ``max_policies``).
``persona_permission_sets(catalog, overrides, groups, tags, session_duration, prefix)``
    one declared permission set per enabled persona of the persona catalog (module_utils/personas.py).
``find_instance(sso, instance_arn=None)``
    the Identity Center instance (ListInstances); IdentityCenterNotEnabled, saying how to enable it, when none.
``converge_permission_sets(sso, identitystore, desired, target_account_id, ...)``
    read, guard, validate, plan, apply (engine.converge): returns ``(changed, results, diff, warnings, found)``.
``records_from_results(results, instance, target_account_id, undeclared)``
    the phase 5 records of a run's results.
``wait_for_request(describe, label, timeout, delay, max_delay, sleep, clock)``
    polls an asynchronous request (provisioning, account assignment) with back-off, bounded by ``timeout``;
    botocore has no waiter for these.
``verify_permission_sets(sso, identitystore, desired, target_account_id, instance_arn=None, max_policies=10)``
    read-only: the phase 5 records (module_utils/records.py) of the declared permission sets, for the
    identity_center role and for validation (phase 8). A read refused is ``unknown``, never a verdict.

A declared permission set is a dict: ``name``, ``state`` (present/absent), ``description``,
``session_duration`` (ISO 8601, ``PT1H``), ``managed_policies`` (names or ARNs), ``customer_managed_policies``
(``name`` or ``/path/name``), ``tags`` (None: left alone) and ``groups`` (Identity Center group display names
assigned to the set on the target account; None: assignments left alone).
"""

import re
import time

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.diatonic.partnercentral.plugins.module_utils import engine
from ansible_collections.diatonic.partnercentral.plugins.module_utils import personas as persona_catalog
from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import ACCOUNT_ID
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import policy_arn
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import policy_reference_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import paginate
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import retrying

PREFIX = "PartnerCentral-"
# IAM's quota "Managed policies per role" (AWS managed and customer managed together); Identity Center makes a role.
DEFAULT_MAX_POLICIES = 10
DEFAULT_SESSION_DURATION = "PT1H"
DEFAULT_TAGS = {"ManagedBy": "diatonic.partnercentral"}
PHASE = "5"

# Identity Center's own patterns and limits (the sso-admin API reference).
_NAME = re.compile(r"[\w+=,.@-]{1,32}", re.ASCII)
_DESCRIPTION = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]{1,700}")
_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?")
_CUSTOMER_POLICY = re.compile(r"(/(?:[\x21-\x7e]+/)?)?([\w+=,.@-]{1,128})", re.ASCII)
_TAG_TEXT = re.compile(r"[\w\s.:/=+@-]*")
SESSION_MIN, SESSION_MAX = 3600, 43200

ENABLE_REMEDY = (
    "IAM Identity Center is not enabled for this organization. It can only be enabled in the console: sign in to "
    "the management account, open IAM Identity Center (https://console.aws.amazon.com/singlesignon), choose Enable "
    "(an organization instance, not an account instance), pick the identity source (the Identity Center directory "
    "or your IdP) and a region (the checklist recommends us-east-1 or us-east-2), then run this again in that region. "
    "From a delegated administrator account, register it first in the management account's Identity Center settings."
)

DESIRED_OPTIONS = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    description=dict(type="str"),
    session_duration=dict(type="str", default=DEFAULT_SESSION_DURATION),
    managed_policies=dict(type="list", elements="str", default=[]),
    customer_managed_policies=dict(type="list", elements="str", default=[]),
    tags=dict(type="dict"),
    groups=dict(type="list", elements="str"),
)


class IdentityCenterError(AnsibleAWSError):
    """An sso-admin or identitystore call failed, or the requested state cannot be reached."""


class IdentityCenterNotEnabled(IdentityCenterError):
    """ListInstances found no Identity Center instance: only the console can enable it."""


class IdentityCenterErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = IdentityCenterError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


# --- validation (no AWS call) ----------------------------------------------


def session_seconds(duration):
    """Seconds of an ISO 8601 duration such as PT1H or PT1H30M; None when it is not one Identity Center takes."""
    match = _DURATION.fullmatch(str(duration or ""))
    if not match or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def iso_duration(seconds):
    """The canonical ISO 8601 form Identity Center answers with (PT1H, PT1H30M)."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
    return text if text != "PT" else "PT0S"


def customer_policy_reference(reference):
    """``{"Name", "Path"}`` of a customer managed policy given as ``name`` or ``/path/name``; None when invalid."""
    match = _CUSTOMER_POLICY.fullmatch(str(reference or ""))
    if not match:
        return None
    return {"Name": match.group(2), "Path": match.group(1) or "/"}


def customer_policy_label(reference):
    return reference["Path"] + reference["Name"]


def permission_set_problems(permission_sets, target_account_id, max_policies=DEFAULT_MAX_POLICIES):
    """Every way the declared permission sets break Identity Center's rules, each naming the set and the fix."""
    problems = []
    if not target_account_id or not ACCOUNT_ID.fullmatch(str(target_account_id)):
        problems.append(
            f"target_account_id {target_account_id!r} must be the Partner Central account's 12-digit ID "
            "(the aws_account_id of the inventory's partnercentral host), in quotes in YAML"
        )
    if not isinstance(max_policies, int) or isinstance(max_policies, bool) or max_policies < 1:
        problems.append(f"max_policies {max_policies!r} must be a positive number of policies")
        max_policies = DEFAULT_MAX_POLICIES
    seen = set()
    for item in permission_sets:
        name = item.get("name") or ""
        if not _NAME.fullmatch(name):
            problems.append(f"permission set name {name!r} must be 1 to 32 letters, digits or +=,.@_- characters")
        if name in seen:
            problems.append(f"permission set {name} is declared twice")
        seen.add(name)
        if (item.get("state") or "present") == "absent":
            continue
        description = item.get("description")
        if description is not None and not _DESCRIPTION.fullmatch(description):
            problems.append(
                f"{name}: description must be 1 to 700 characters of Latin-1 (no emoji or typographic dashes)"
            )
        seconds = session_seconds(item.get("session_duration") or DEFAULT_SESSION_DURATION)
        if seconds is None or not SESSION_MIN <= seconds <= SESSION_MAX:
            problems.append(
                f"{name}: session_duration {item.get('session_duration')!r} must be an ISO 8601 duration from PT1H "
                "to PT12H (PT1H, PT4H, PT1H30M)"
            )
        managed = item.get("managed_policies") or []
        customer = item.get("customer_managed_policies") or []
        for policy in managed:
            problem = policy_reference_problem(policy)
            if problem:
                problems.append(f"{name}: {problem}")
        for reference in customer:
            if customer_policy_reference(reference) is None:
                problems.append(
                    f"{name}: customer managed policy {reference!r} must be a policy name or /path/name "
                    "(the same name must exist in the target account)"
                )
        count = len(set(managed)) + len(set(customer))
        if count > max_policies:
            problems.append(
                f"{name}: {count} managed and customer managed policies declared; a permission set holds at most "
                f"{max_policies} (IAM's quota 'Managed policies per role' in the target account). Remove policies, "
                "or request a quota increase in Service Quotas (IAM, 'Managed policies per role') and then raise "
                "max_policies"
            )
        problems.extend(_tag_problems(name, item.get("tags")))
        for group in item.get("groups") or []:
            if not isinstance(group, str) or not 1 <= len(group) <= 1024:
                problems.append(f"{name}: group {group!r} must be an Identity Center group's display name")
    return problems


def _tag_problems(name, tags):
    if tags is None:
        return []
    if not isinstance(tags, dict):
        return [f"{name}: tags must be a mapping of tag keys to values"]
    problems = []
    if len(tags) > 50:
        problems.append(f"{name}: {len(tags)} tags given; a permission set takes 50")
    for key, value in tags.items():
        key, value = str(key), str(value)
        if not 1 <= len(key) <= 128 or len(value) > 256:
            problems.append(f"{name}: tag {key!r} must have a key of 1 to 128 and a value of at most 256 characters")
        elif key.lower().startswith("aws:"):
            problems.append(f"{name}: tag key {key!r} starts with aws:, which AWS keeps for its own tags")
        elif not (_TAG_TEXT.fullmatch(key) and _TAG_TEXT.fullmatch(value)):
            problems.append(f"{name}: tag {key!r} may hold only letters, digits, spaces and _.:/=+-@")
    return problems


# --- the persona catalog as permission sets (pure) -------------------------------


def persona_permission_sets(
    catalog=None,
    overrides=None,
    groups=None,
    tags=None,
    session_duration=DEFAULT_SESSION_DURATION,
    prefix=PREFIX,
):
    """One permission set per enabled persona of the catalog merged with ``overrides`` (personas.merged_personas).

    ``groups`` maps a persona to the display names of the Identity Center groups assigned to its permission set;
    a persona it does not name has its assignments left alone. A persona ``state: absent`` gives an absent set.
    Raises persona_catalog.PersonaError naming a persona ``groups`` names that is not in the catalog.
    """
    merged = persona_catalog.merged_personas(catalog, overrides)
    groups = groups or {}
    if not isinstance(groups, dict):
        raise persona_catalog.PersonaError("identity_center_groups must map persona names to lists of group names")
    unknown = sorted(set(groups) - set(merged))
    if unknown:
        raise persona_catalog.PersonaError(
            f"identity_center_groups names personas the catalog does not have: {', '.join(unknown)} "
            f"(personas: {', '.join(merged)})"
        )
    sets = []
    for persona, spec in merged.items():
        if not persona_catalog.is_enabled(spec):
            continue
        set_tags = dict(DEFAULT_TAGS if tags is None else tags)
        set_tags.update(spec.get("tags") or {})
        assigned = groups.get(persona)
        sets.append(
            {
                "name": prefix + persona,
                "state": spec.get("state") or "present",
                "description": spec.get("description") or f"Partner Central persona {persona}",
                "session_duration": session_duration,
                "managed_policies": list(spec.get("managed_policies") or []),
                "customer_managed_policies": [],
                "tags": set_tags,
                "groups": None if assigned is None else list(assigned),
            }
        )
    return sets


# --- reads --------------------------------------------------------------------


def _error_code(exception):
    if isinstance(exception, botocore.exceptions.ClientError):
        return exception.response.get("Error", {}).get("Code")
    return None


def find_instance(sso, instance_arn=None):
    """The Identity Center instance: ``{"arn", "identity_store_id", "owner_account_id"}``.

    Raises IdentityCenterNotEnabled (with how to enable it) when ListInstances finds none, and
    IdentityCenterError when ``instance_arn`` is not among them or several are found and none is named.
    """
    instances = _list_instances(sso)
    if not instances:
        raise IdentityCenterNotEnabled(message=ENABLE_REMEDY + " Nothing was changed.")
    found = [i for i in instances if instance_arn is None or i["InstanceArn"] == instance_arn]
    active = [i for i in found if i.get("Status", "ACTIVE") == "ACTIVE"]
    if instance_arn is not None and not found:
        raise IdentityCenterError(
            message=f"instance_arn {instance_arn} is not an Identity Center instance these credentials see "
            f"(ListInstances: {', '.join(i['InstanceArn'] for i in instances)}); nothing was changed"
        )
    if len(active) > 1:
        raise IdentityCenterError(
            message="Several Identity Center instances found ("
            + ", ".join(i["InstanceArn"] for i in active)
            + "): name the organization's one with instance_arn; nothing was changed"
        )
    if not active:
        raise IdentityCenterError(
            message=f"The Identity Center instance {found[0]['InstanceArn']} is {found[0].get('Status')}, not "
            "ACTIVE: wait until it is, then run again; nothing was changed"
        )
    instance = active[0]
    return {
        "arn": instance["InstanceArn"],
        "identity_store_id": instance["IdentityStoreId"],
        "owner_account_id": instance.get("OwnerAccountId"),
    }


@IdentityCenterErrorHandler.list_error_handler("list the Identity Center instances (sso:ListInstances)", [])
def _list_instances(sso):
    return paginate(sso, "list_instances", "Instances")


@IdentityCenterErrorHandler.list_error_handler("list the permission sets (sso:ListPermissionSets)", [])
def _list_permission_set_arns(sso, instance_arn):
    return paginate(sso, "list_permission_sets", "PermissionSets", InstanceArn=instance_arn)


@IdentityCenterErrorHandler.list_error_handler("describe a permission set (sso:DescribePermissionSet)")
def _describe_permission_set(sso, instance_arn, arn):
    response = retrying(sso).describe_permission_set(aws_retry=True, InstanceArn=instance_arn, PermissionSetArn=arn)
    return response["PermissionSet"]


def _read(what, name, read, *args, **kwargs):
    # The error handler says which call failed, not on which permission set: add it.
    try:
        return read(*args, **kwargs)
    except IdentityCenterError as e:
        raise IdentityCenterError(message=f"{e.message} ({what} {name})", exception=e.exception) from e


@IdentityCenterErrorHandler.common_error_handler("read a permission set's policies, tags and provisioning")
def _permission_set_details(sso, instance_arn, arn):
    managed = paginate(
        sso,
        "list_managed_policies_in_permission_set",
        "AttachedManagedPolicies",
        InstanceArn=instance_arn,
        PermissionSetArn=arn,
    )
    customer = paginate(
        sso,
        "list_customer_managed_policy_references_in_permission_set",
        "CustomerManagedPolicyReferences",
        InstanceArn=instance_arn,
        PermissionSetArn=arn,
    )
    tags = paginate(sso, "list_tags_for_resource", "Tags", InstanceArn=instance_arn, ResourceArn=arn)
    return managed, customer, tags


@IdentityCenterErrorHandler.common_error_handler("list the account assignments (sso:ListAccountAssignments)")
def _assignments(sso, instance_arn, arn, account_id):
    return paginate(
        sso,
        "list_account_assignments",
        "AccountAssignments",
        InstanceArn=instance_arn,
        AccountId=account_id,
        PermissionSetArn=arn,
    )


@IdentityCenterErrorHandler.common_error_handler(
    "list the permission sets provisioned to the account (sso:ListPermissionSetsProvisionedToAccount)"
)
def _provisioned_to(sso, instance_arn, account_id, outdated=False):
    params = {"InstanceArn": instance_arn, "AccountId": account_id}
    if outdated:
        params["ProvisioningStatus"] = "LATEST_PERMISSION_SET_NOT_PROVISIONED"
    return set(paginate(sso, "list_permission_sets_provisioned_to_account", "PermissionSets", **params))


def find_group_id(identitystore, identity_store_id, display_name):
    """The group's ID in the identity store (identitystore:GetGroupId by display name), or None when none."""
    try:
        response = retrying(identitystore).get_group_id(
            aws_retry=True,
            IdentityStoreId=identity_store_id,
            AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": display_name}},
        )
    except botocore.exceptions.ClientError as e:
        if _error_code(e) == "ResourceNotFoundException":
            return None
        raise IdentityCenterError(
            message=f"Failed to find the Identity Center group {display_name!r} (identitystore:GetGroupId)",
            exception=e,
        ) from e
    except botocore.exceptions.BotoCoreError as e:
        raise IdentityCenterError(message=f"Failed to find the group {display_name!r}", exception=e) from e
    return response["GroupId"]


@IdentityCenterErrorHandler.list_error_handler("describe a group (identitystore:DescribeGroup)")
def _group_name(identitystore, identity_store_id, group_id):
    response = retrying(identitystore).describe_group(
        aws_retry=True, IdentityStoreId=identity_store_id, GroupId=group_id
    )
    return response.get("DisplayName")


def read_state(sso, identitystore, desired, target_account_id, instance_arn=None, prefix=PREFIX):
    """Everything the plan needs, read once: the instance, every permission set by name (details for the
    declared and the prefixed ones), what is provisioned to the target account, and the declared groups' IDs."""
    sso = retrying(sso)
    instance = find_instance(sso, instance_arn)
    names = {}
    for arn in _list_permission_set_arns(sso, instance["arn"]):
        described = _describe_permission_set(sso, instance["arn"], arn)
        if described is not None:  # deleted between the list and the read
            names[described["Name"]] = described
    declared = {item["name"] for item in desired}
    sets = {}
    provisioned = _provisioned_to(sso, instance["arn"], target_account_id)
    # Which of them are outdated needs a second, filtered list: asked only when a declared set is provisioned, as
    # only those are looked up in it.
    declared_provisioned = {d["PermissionSetArn"] for n, d in names.items() if n in declared} & provisioned
    outdated = (
        _provisioned_to(sso, instance["arn"], target_account_id, outdated=True) if declared_provisioned else set()
    )
    for name, described in names.items():
        if name not in declared:
            continue
        arn = described["PermissionSetArn"]
        managed, customer, tags = _read("permission set", name, _permission_set_details, sso, instance["arn"], arn)
        assignments = _read("permission set", name, _assignments, sso, instance["arn"], arn, target_account_id)
        sets[name] = {
            "name": name,
            "arn": arn,
            "description": described.get("Description"),
            "session_duration": described.get("SessionDuration") or DEFAULT_SESSION_DURATION,
            "managed_policies": sorted(p["Arn"] for p in managed),
            "customer_managed_policies": sorted(customer_policy_label(p) for p in customer),
            "tags": boto3_tag_list_to_ansible_dict(tags),
            "provisioned": arn in provisioned,
            "outdated": arn in outdated,
            "assignments": sorted((a["PrincipalType"], a["PrincipalId"]) for a in assignments),
        }
    groups = {}
    for item in desired:
        for group in item.get("groups") or []:
            if group not in groups:
                groups[group] = find_group_id(identitystore, instance["identity_store_id"], group)
    undeclared = sorted(name for name in names if name.startswith(prefix) and name not in declared)
    return {
        "instance": instance,
        "permission_sets": sets,
        "undeclared": {name: names[name]["PermissionSetArn"] for name in undeclared},
        "groups": groups,
    }


def principal_labels(identitystore, identity_store_id, assignments, groups):
    """A person's name for each assignment: ``group:<display name>`` (one DescribeGroup per unknown group),
    ``user:<id>``."""
    by_id = {group_id: name for name, group_id in groups.items() if group_id}
    labels = {}
    for principal_type, principal_id in assignments:
        if principal_type == "GROUP":
            if principal_id not in by_id:
                by_id[principal_id] = _group_name(identitystore, identity_store_id, principal_id) or principal_id
            labels[(principal_type, principal_id)] = "group:" + by_id[principal_id]
        else:
            labels[(principal_type, principal_id)] = f"{principal_type.lower()}:{principal_id}"
    return labels


# --- planning (pure) ------------------------------------------------------------


def desired_view(item, partition="aws"):
    """A declared permission set with policy ARNs and canonical session duration, for comparing and the diff."""
    return {
        "name": item["name"],
        "state": item.get("state") or "present",
        "description": item.get("description"),
        "session_duration": iso_duration(session_seconds(item.get("session_duration") or DEFAULT_SESSION_DURATION)),
        "managed_policies": sorted({policy_arn(p, partition) for p in item.get("managed_policies") or []}),
        "customer_managed_policies": sorted(
            {customer_policy_label(customer_policy_reference(p)) for p in item.get("customer_managed_policies") or []}
        ),
        "tags": None if item.get("tags") is None else {str(k): str(v) for k, v in item["tags"].items()},
        "groups": None if item.get("groups") is None else sorted(set(item["groups"])),
    }


def set_view(current, labels=None, target_account_id=None):
    """What a reviewer compares in the diff; {} when the permission set does not exist."""
    if not current:
        return {}
    labels = labels or {}
    return {
        "description": current.get("description"),
        "session_duration": current["session_duration"],
        "managed_policies": sorted(current["managed_policies"]),
        "customer_managed_policies": sorted(current["customer_managed_policies"]),
        "tags": dict(current["tags"]),
        # The accounts the set's latest version is on: what a reviewer approves, by account ID.
        "provisioned_to": [target_account_id]
        if current.get("provisioned") and not current.get("outdated")
        else [f"{target_account_id} (an older version)"]
        if current.get("provisioned")
        else [],
        "assignments": sorted(labels.get(a, f"{a[0].lower()}:{a[1]}") for a in current["assignments"]),
    }


def plan_permission_set(
    current,
    desired,
    instance_arn,
    target_account_id,
    groups,
    labels=None,
    purge_policies=False,
    purge_tags=False,
    purge_assignments=False,
):
    """The calls taking ``current`` (read_state's, or None) to ``desired`` (desired_view), and the diff's views.

    A new or changed set is (re)provisioned to the target account; a set someone changed since its last
    provisioning (``outdated``) too. ``groups`` maps display names to group IDs (None: not found; refused
    earlier). The permission set's ARN is ``None`` in the calls of a set to create: apply fills it in.
    """
    name = desired["name"]
    arn = current["arn"] if current else None
    labels = labels or {}
    calls, warnings = [], []
    extra = {"policies": [], "customer_managed_policies": [], "tags": [], "assignments": []}
    ps = {"InstanceArn": instance_arn, "PermissionSetArn": arn}

    if desired["state"] == "absent":
        if current:
            calls.append(("delete_permission_set", dict(ps)))
        return engine.new_plan(
            calls, set_view(current, labels, target_account_id), {}, warnings, extra=extra, name=name, arn=None
        )

    if current is None:
        create = {"InstanceArn": instance_arn, "Name": name, "SessionDuration": desired["session_duration"]}
        if desired["description"]:
            create["Description"] = desired["description"]
        if desired["tags"]:
            create["Tags"] = ansible_dict_to_boto3_tag_list(desired["tags"])
        calls.append(("create_permission_set", create))
        current_view = {
            "description": desired["description"],
            "session_duration": desired["session_duration"],
            "managed_policies": [],
            "customer_managed_policies": [],
            "tags": dict(desired["tags"] or {}),
            "provisioned": False,
            "outdated": False,
            "assignments": [],
        }
    else:
        current_view = dict(current)
        update = {}
        if desired["description"] is not None and desired["description"] != (current.get("description") or None):
            update["Description"] = desired["description"]
        if session_seconds(current["session_duration"]) != session_seconds(desired["session_duration"]):
            update["SessionDuration"] = desired["session_duration"]
        if update:
            calls.append(("update_permission_set", dict(ps, **update)))
            current_view.update(
                description=update.get("Description", current_view.get("description")),
                session_duration=update.get("SessionDuration", current_view["session_duration"]),
            )

    attached = set(current_view["managed_policies"])
    wanted = set(desired["managed_policies"])
    calls.extend(
        ("attach_managed_policy_to_permission_set", dict(ps, ManagedPolicyArn=p)) for p in sorted(wanted - attached)
    )
    extra["policies"] = sorted(attached - wanted)
    if purge_policies:
        calls.extend(
            ("detach_managed_policy_from_permission_set", dict(ps, ManagedPolicyArn=p)) for p in extra["policies"]
        )
    attached_customer = set(current_view["customer_managed_policies"])
    wanted_customer = set(desired["customer_managed_policies"])
    calls.extend(
        (
            "attach_customer_managed_policy_reference_to_permission_set",
            dict(ps, CustomerManagedPolicyReference=customer_policy_reference(p)),
        )
        for p in sorted(wanted_customer - attached_customer)
    )
    extra["customer_managed_policies"] = sorted(attached_customer - wanted_customer)
    if purge_policies:
        calls.extend(
            (
                "detach_customer_managed_policy_reference_from_permission_set",
                dict(ps, CustomerManagedPolicyReference=customer_policy_reference(p)),
            )
            for p in extra["customer_managed_policies"]
        )
    kept_managed = (attached | wanted) - (set(extra["policies"]) if purge_policies else set())
    kept_customer = (attached_customer | wanted_customer) - (
        set(extra["customer_managed_policies"]) if purge_policies else set()
    )
    policy_calls = bool(calls)
    if not purge_policies and (extra["policies"] or extra["customer_managed_policies"]):
        warnings.append(
            f"{name} has policies the configuration does not declare, left attached (set purge_policies to detach "
            f"them): {', '.join(extra['policies'] + extra['customer_managed_policies'])}"
        )

    after_tags = dict(current_view["tags"])
    if desired["tags"] is not None and current is not None:
        to_set, to_unset = compare_aws_tags(current["tags"], desired["tags"], purge_tags=purge_tags)
        tag_target = {"InstanceArn": instance_arn, "ResourceArn": arn}
        if to_set:
            calls.append(("tag_resource", dict(tag_target, Tags=ansible_dict_to_boto3_tag_list(to_set))))
        if to_unset:
            calls.append(("untag_resource", dict(tag_target, TagKeys=sorted(to_unset))))
        after_tags = {k: v for k, v in {**current["tags"], **to_set}.items() if k not in to_unset}
        extra["tags"] = sorted(set(current["tags"]) - set(desired["tags"])) if not purge_tags else []

    # Tags do not reach the accounts' roles; policies and the session duration do, once provisioned again.
    needs_provisioning = policy_calls or not current_view.get("provisioned") or current_view.get("outdated")
    if needs_provisioning:
        calls.append(
            (
                "provision_permission_set",
                dict(ps, TargetId=target_account_id, TargetType="AWS_ACCOUNT"),
            )
        )

    after_assignments = set(current_view["assignments"])
    if desired["groups"] is not None:
        wanted_principals = {("GROUP", groups[g]) for g in desired["groups"] if groups.get(g)}
        assignment = dict(ps, TargetId=target_account_id, TargetType="AWS_ACCOUNT")
        for principal_type, principal_id in sorted(wanted_principals - after_assignments):
            calls.append(
                ("create_account_assignment", dict(assignment, PrincipalType=principal_type, PrincipalId=principal_id))
            )
        undeclared = sorted(after_assignments - wanted_principals)
        extra["assignments"] = [labels.get(a, f"{a[0].lower()}:{a[1]}") for a in undeclared]
        if purge_assignments:
            calls.extend(
                ("delete_account_assignment", dict(assignment, PrincipalType=t, PrincipalId=i)) for t, i in undeclared
            )
            after_assignments -= set(undeclared)
        elif undeclared:
            warnings.append(
                f"{name} is assigned on account {target_account_id} to principals the configuration does not "
                f"declare, left assigned (set purge_assignments to remove them): {', '.join(extra['assignments'])}"
            )
        after_assignments |= wanted_principals
        for group, group_id in groups.items():
            labels.setdefault(("GROUP", group_id), "group:" + group)

    after = {
        "description": desired["description"]
        if desired["description"] is not None
        else current_view.get("description"),
        "session_duration": desired["session_duration"],
        "managed_policies": sorted(kept_managed),
        "customer_managed_policies": sorted(kept_customer),
        "tags": after_tags,
        "provisioned": True,
        "outdated": False,
        "assignments": sorted(after_assignments),
    }
    return engine.new_plan(
        calls,
        set_view(current, labels, target_account_id),
        set_view(after, labels, target_account_id),
        warnings,
        extra=extra,
        name=name,
        arn=arn,
    )


# --- waiting for the asynchronous requests ---------------------------------------


def wait_for_request(describe, label, timeout=300, delay=2, max_delay=30, sleep=time.sleep, clock=time.monotonic):
    """Poll ``describe()`` (returns ``{"Status", "FailureReason"?, ...}``) until the request is done.

    The delay doubles from ``delay`` to ``max_delay``; the wait ends after ``timeout`` seconds with an error
    naming the request (a rerun reads the state back and finishes the work). A FAILED request raises with
    AWS's reason. Returns the last status.
    """
    deadline = clock() + timeout
    wait = delay
    while True:
        status = describe()
        if status.get("Status") == "SUCCEEDED":
            return status
        if status.get("Status") == "FAILED":
            raise IdentityCenterError(
                message=f"{label} failed: {status.get('FailureReason') or 'no reason given'}. Fix the cause "
                "(a customer managed policy missing in the target account, the IAM role quota), then run again"
            )
        remaining = deadline - clock()
        if remaining <= 0:
            raise IdentityCenterError(
                message=f"{label} is still {status.get('Status', 'IN_PROGRESS')} after {timeout} seconds "
                f"(request {status.get('RequestId')}). Identity Center goes on with it: run again later "
                "(the state is read back), or raise the wait (provisioning_timeout)"
            )
        sleep(min(wait, remaining))
        wait = min(wait * 2, max_delay)


def _provision(sso, wait, **params):
    """ProvisionPermissionSet and wait for it. A request for the same set still running (a retry after a lost
    reply, a run killed while provisioning) is waited for, then provisioning is asked again."""
    try:
        response = sso.provision_permission_set(aws_retry=True, **params)
    except botocore.exceptions.ClientError as e:
        if _error_code(e) != "ConflictException" or not _wait_for_running_provisioning(sso, wait, **params):
            raise
        response = sso.provision_permission_set(aws_retry=True, **params)
    status = response["PermissionSetProvisioningStatus"]
    if status.get("Status") == "SUCCEEDED":
        return response

    def describe():
        return _provisioning_status(sso, params["InstanceArn"], status["RequestId"])

    wait(describe if status.get("Status") == "IN_PROGRESS" else (lambda: status), "Provisioning")
    return response


def _provisioning_status(sso, instance_arn, request_id):
    return sso.describe_permission_set_provisioning_status(
        aws_retry=True, InstanceArn=instance_arn, ProvisionPermissionSetRequestId=request_id
    )["PermissionSetProvisioningStatus"]


def _wait_for_running_provisioning(sso, wait, InstanceArn, PermissionSetArn, **_target):
    """Wait for the running provisioning requests of this permission set; whether there was one."""
    running = paginate(
        sso,
        "list_permission_set_provisioning_status",
        "PermissionSetsProvisioningStatus",
        InstanceArn=InstanceArn,
        Filter={"Status": "IN_PROGRESS"},
    )
    found = False
    for request in running:
        status = _provisioning_status(sso, InstanceArn, request["RequestId"])
        if status.get("PermissionSetArn") not in (None, PermissionSetArn):
            continue
        found = True
        if status.get("Status") == "IN_PROGRESS":
            try:
                wait(
                    lambda request_id=request["RequestId"]: _provisioning_status(sso, InstanceArn, request_id),
                    "Provisioning already running",
                )
            except IdentityCenterError:
                pass  # its failure is not this run's: provisioning is asked again
    return found


def _await_assignment(sso, wait, instance_arn, status, kind, what):
    """Wait for the asynchronous account assignment ``kind`` (``creation`` or ``deletion``) whose first ``status``
    AWS answered, unless it is already done; a FAILED answer raises through ``wait``."""
    if status.get("Status") == "SUCCEEDED":
        return
    describe_status = getattr(sso, f"describe_account_assignment_{kind}_status")
    key = f"AccountAssignment{kind.capitalize()}"

    def describe():
        return describe_status(aws_retry=True, InstanceArn=instance_arn, **{f"{key}RequestId": status["RequestId"]})[
            f"{key}Status"
        ]

    wait(describe if status.get("Status") == "IN_PROGRESS" else (lambda: status), what)


def _assign(sso, wait, **params):
    response = sso.create_account_assignment(aws_retry=True, **params)
    status = response["AccountAssignmentCreationStatus"]
    _await_assignment(sso, wait, params["InstanceArn"], status, "creation", "The account assignment")
    return response


def _unassign(sso, wait, **params):
    response = sso.delete_account_assignment(aws_retry=True, **params)
    status = response["AccountAssignmentDeletionStatus"]
    _await_assignment(sso, wait, params["InstanceArn"], status, "deletion", "Removing the account assignment")
    return response


def _create(sso, **params):
    """CreatePermissionSet; a retried create that finds the set made by its own lost first attempt goes on."""
    try:
        return sso.create_permission_set(aws_retry=True, **params)
    except botocore.exceptions.ClientError as e:
        if _error_code(e) != "ConflictException":
            raise
        for arn in paginate(sso, "list_permission_sets", "PermissionSets", InstanceArn=params["InstanceArn"]):
            described = sso.describe_permission_set(
                aws_retry=True, InstanceArn=params["InstanceArn"], PermissionSetArn=arn
            )
            if described["PermissionSet"]["Name"] == params["Name"]:
                return described
        raise


def _idempotent(operation, conflict_codes):
    # A retry after a lost reply finds the policy already attached (ConflictException) or already gone.
    def call(sso, **params):
        try:
            return getattr(sso, operation)(aws_retry=True, **params)
        except botocore.exceptions.ClientError as e:
            if _error_code(e) not in conflict_codes:
                raise
            return {}

    return call


def _delete_set(sso, wait, **params):
    """DeletePermissionSet after removing its assignments on every account it is provisioned to."""
    instance_arn, arn = params["InstanceArn"], params["PermissionSetArn"]
    accounts = paginate(
        sso,
        "list_accounts_for_provisioned_permission_set",
        "AccountIds",
        InstanceArn=instance_arn,
        PermissionSetArn=arn,
    )
    for account_id in accounts:
        for a in paginate(
            sso,
            "list_account_assignments",
            "AccountAssignments",
            InstanceArn=instance_arn,
            AccountId=account_id,
            PermissionSetArn=arn,
        ):
            _unassign(
                sso,
                wait,
                InstanceArn=instance_arn,
                PermissionSetArn=arn,
                TargetId=account_id,
                TargetType="AWS_ACCOUNT",
                PrincipalType=a["PrincipalType"],
                PrincipalId=a["PrincipalId"],
            )
    return sso.delete_permission_set(aws_retry=True, InstanceArn=instance_arn, PermissionSetArn=arn)


def apply_plan(sso, plan, wait):
    """Make the plan's calls in order; a set created here gets its ARN into the calls after the create."""
    sso = retrying(sso)
    state = {"arn": plan["arn"]}

    def bound(operation):
        def call(client, **params):
            if "PermissionSetArn" in params and params["PermissionSetArn"] is None:
                params["PermissionSetArn"] = state["arn"]
            if "ResourceArn" in params and params["ResourceArn"] is None:
                params["ResourceArn"] = state["arn"]
            if operation == "create_permission_set":
                response = _create(client, **params)
                state["arn"] = response["PermissionSet"]["PermissionSetArn"]
                return response
            if operation == "provision_permission_set":
                return _provision(client, wait, **params)
            if operation == "create_account_assignment":
                return _assign(client, wait, **params)
            if operation == "delete_account_assignment":
                return _unassign(client, wait, **params)
            if operation == "delete_permission_set":
                return _delete_set(client, wait, **params)
            if operation.startswith("attach_"):
                return _idempotent(operation, ("ConflictException",))(client, **params)
            if operation.startswith("detach_"):
                return _idempotent(operation, ("ResourceNotFoundException",))(client, **params)
            return getattr(client, operation)(aws_retry=True, **params)

        return call

    operations = {operation: bound(operation) for operation, _params in plan["calls"]}
    engine.apply_calls(sso, plan["calls"], IdentityCenterErrorHandler, f"permission set {plan['name']}", operations)
    return state["arn"]


# --- the whole run ------------------------------------------------------------------


def _missing_groups(state, desired):
    problems = []
    for item in desired:
        if (item.get("state") or "present") != "present":
            continue
        for group in item.get("groups") or []:
            if state["groups"].get(group) is None:
                problems.append(
                    f"{item['name']}: no group named {group!r} in the identity store "
                    f"{state['instance']['identity_store_id']}; create it in IAM Identity Center (Groups) or your "
                    "identity provider first, or correct the name (display names are case-sensitive)"
                )
    return problems, "Identity Center groups not found"


def converge_permission_sets(
    sso,
    identitystore,
    desired,
    target_account_id,
    instance_arn=None,
    partition="aws",
    max_policies=DEFAULT_MAX_POLICIES,
    purge_policies=False,
    purge_tags=False,
    purge_assignments=False,
    purge_permission_sets=False,
    prefix=PREFIX,
    check_mode=False,
    guard=None,
    wait=None,
):
    """Bring the declared permission sets to their state on engine.converge. See the module docstring.

    ``guard(state)`` runs after the reads and before any write (the account guard). ``wait(describe, label)``
    waits for an asynchronous request (default: wait_for_request with its defaults). Returns
    ``(changed, results, diff, warnings, found)``: ``found`` holds the ``instance``, ``undeclared`` (the prefixed
    permission sets the configuration does not declare, name to ARN; deleted only with ``purge_permission_sets``)
    and ``before`` (the results as things were before the run, for the records of a check mode run).
    """
    engine.refuse(permission_set_problems(desired, target_account_id, max_policies), "Invalid permission sets")
    sso = retrying(sso)
    views = [desired_view(item, partition) for item in desired]
    wait = wait or wait_for_request
    labels = {}

    def read():
        state = read_state(sso, identitystore, desired, target_account_id, instance_arn, prefix)
        every = set()
        for current in state["permission_sets"].values():
            every.update(current["assignments"])
        labels.update(principal_labels(identitystore, state["instance"]["identity_store_id"], every, state["groups"]))
        return state

    def plan(state):
        plans = [
            plan_permission_set(
                state["permission_sets"].get(view["name"]),
                view,
                state["instance"]["arn"],
                target_account_id,
                state["groups"],
                labels,
                purge_policies=purge_policies,
                purge_tags=purge_tags,
                purge_assignments=purge_assignments,
            )
            for view in views
        ]
        if purge_permission_sets:
            for name, arn in state["undeclared"].items():
                ps = {"InstanceArn": state["instance"]["arn"], "PermissionSetArn": arn}
                plans.append(
                    engine.new_plan([("delete_permission_set", ps)], {"arn": arn}, {}, name=name, arn=arn, extra={})
                )
        return plans

    state, plans, applied = engine.converge(
        read,
        plan,
        lambda p: apply_plan(sso, p, wait),
        guard=guard,
        validate=lambda state: _missing_groups(state, desired),
        check_mode=check_mode,
    )

    results, warnings = [], []
    for view, each, arn in zip(views, plans, applied):
        warnings.extend(each["warnings"])
        results.append(_result(view, each, arn, each["after"], target_account_id))
    undeclared = dict(state["undeclared"])
    if undeclared and not purge_permission_sets:
        warnings.append(
            f"Permission sets named {prefix}* that the configuration does not declare, left in place (set "
            f"purge_permission_sets to delete them): {', '.join(sorted(undeclared))}"
        )
    diff = engine.keyed_diff((each["name"], each) for each in plans)
    # What is there now, for the records of a check mode run (which changed nothing).
    before = [_result(view, each, each["arn"], each["before"], target_account_id) for view, each in zip(views, plans)]
    return (
        any(p["calls"] for p in plans),
        results,
        diff,
        warnings,
        {"instance": state["instance"], "undeclared": undeclared, "before": before},
    )


def _result(view, plan, arn, shown, target_account_id):
    """One permission set's result: ``shown`` is the plan's after view (or its before view: as it is now)."""
    exists = bool(shown)
    return {
        "name": view["name"],
        "state": view["state"],
        "arn": None if view["state"] == "absent" or not exists else (arn or plan["arn"]),
        "changed": bool(plan["calls"]),
        "description": shown.get("description"),
        "session_duration": shown.get("session_duration"),
        "managed_policies": shown.get("managed_policies", []),
        "customer_managed_policies": shown.get("customer_managed_policies", []),
        "tags": shown.get("tags", {}),
        "provisioned_to_target": shown.get("provisioned_to") == [target_account_id],
        "assignments": shown.get("assignments", []),
        "groups": view["groups"],
        "policies_match": exists
        and set(view["managed_policies"]) <= set(shown.get("managed_policies", []))
        and set(view["customer_managed_policies"]) <= set(shown.get("customer_managed_policies", [])),
        "extra_policies": plan["extra"].get("policies", []) + plan["extra"].get("customer_managed_policies", []),
        "extra_tags": plan["extra"].get("tags", []),
        "extra_assignments": plan["extra"].get("assignments", []),
    }


# --- records (read-only; phase 5 of the checklist) ---------------------------------


TITLES = {
    "enabled": "IAM Identity Center enabled",
    "permission_sets": "Permission sets created for each persona, with their managed policies",
    "provisioned": "Permission sets provisioned to the Partner Central account",
    "assignments": "Groups assigned to the permission sets on the Partner Central account",
    "test_users": "Test users assigned to groups sign in through the AWS access portal",
}


def _record(item, account, status, evidence=None, remedy=None, blocking=True):
    return records.make_record(
        f"identity_center.{item}", PHASE, TITLES[item], account, status, evidence, remedy, blocking
    )


def _policy_names(result):
    names = [p.rsplit("/", 1)[-1] for p in result["managed_policies"] + result["customer_managed_policies"]]
    return ", ".join(names) or "no policy"


def records_from_results(results, instance, target_account_id, undeclared=None):
    """The phase 5 records of a run's results (converge_permission_sets' or verify's), for the target account."""
    present = [r for r in results if r["state"] == "present"]
    out = [
        _record(
            "enabled",
            target_account_id,
            records.VERIFIED,
            f"sso:ListInstances: {instance['arn']} (identity store {instance['identity_store_id']}, "
            f"owner {instance.get('owner_account_id')})",
        )
    ]
    missing = [r["name"] for r in present if not r.get("arn")]
    wrong = [r["name"] for r in present if r.get("arn") and not r.get("policies_match")]
    evidence = "; ".join(f"{r['name']}: {_policy_names(r)}" for r in present)
    extras = [f"{r['name']}: {', '.join(r['extra_policies'])}" for r in present if r.get("extra_policies")]
    if extras:
        evidence += "; undeclared policies left attached: " + "; ".join(extras)
    if undeclared:
        evidence += f"; not declared (left in place): {', '.join(sorted(undeclared))}"
    problems = []
    if missing:
        problems.append(f"missing: {', '.join(missing)}")
    if wrong:
        problems.append(f"persona policies not attached: {', '.join(wrong)}")
    out.append(
        _record(
            "permission_sets",
            target_account_id,
            records.FAILED if problems else records.VERIFIED,
            ("; ".join(problems) + " - " if problems else "") + evidence,
            "Run playbooks/identity_center.yml (diatonic.partnercentral.identity_center role) to create them and "
            "attach the persona policies",
        )
    )
    unprovisioned = [r["name"] for r in present if not r["provisioned_to_target"]]
    out.append(
        _record(
            "provisioned",
            target_account_id,
            records.FAILED if unprovisioned else records.VERIFIED,
            (
                f"not provisioned (or outdated) on {target_account_id}: {', '.join(unprovisioned)}"
                if unprovisioned
                else f"sso:ListPermissionSetsProvisionedToAccount {target_account_id}: "
                + ", ".join(r["name"] for r in present)
            ),
            f"Run playbooks/identity_center.yml: it provisions each permission set to {target_account_id} and waits "
            "for Identity Center to finish",
        )
    )
    declared = [r for r in present if r.get("groups") is not None]
    if not declared:
        out.append(
            _record(
                "assignments",
                target_account_id,
                records.MANUAL,
                "no group declared (identity_center_groups)",
                "Assign the Identity Center groups of each persona to its PartnerCentral-<Persona> permission set "
                f"on account {target_account_id} (IAM Identity Center > AWS accounts), or declare them in "
                "identity_center_groups and run playbooks/identity_center.yml",
                blocking=False,
            )
        )
    else:
        unassigned = [
            f"{r['name']} <- {g}" for r in declared for g in r["groups"] if f"group:{g}" not in r["assignments"]
        ]
        out.append(
            _record(
                "assignments",
                target_account_id,
                records.FAILED if unassigned else records.VERIFIED,
                (
                    f"not assigned: {', '.join(unassigned)}"
                    if unassigned
                    else "; ".join(f"{r['name']}: {', '.join(r['assignments'])}" for r in declared)
                ),
                "Create the groups in IAM Identity Center (or your IdP) and run playbooks/identity_center.yml",
            )
        )
    out.append(
        records.manual(
            "identity_center.test_users",
            PHASE,
            TITLES["test_users"],
            target_account_id,
            "Add a test user to each persona's group, sign in through the AWS access portal, choose the "
            f"PartnerCentral-<Persona> role on account {target_account_id} and open Partner Central in the console",
            who="customer",
        )
    )
    return out


def not_enabled_records(target_account_id, reason=ENABLE_REMEDY):
    """Identity Center not enabled: enabled failed with how to enable it; the rest could not be checked."""
    out = [_record("enabled", target_account_id, records.FAILED, "sso:ListInstances found no instance", reason)]
    for item in ("permission_sets", "provisioned", "assignments"):
        out.append(
            records.unknown(
                f"identity_center.{item}",
                PHASE,
                TITLES[item],
                target_account_id,
                "IAM Identity Center is not enabled",
                "Enable IAM Identity Center first (see identity_center.enabled)",
            )
        )
    return out


def unknown_records(target_account_id, reason):
    """Every phase 5 item could not be checked (access denied, throttled past the retries)."""
    return [
        records.unknown(
            f"identity_center.{item}",
            PHASE,
            TITLES[item],
            target_account_id,
            reason,
            "Give the credentials the read actions of policies/identity_center.json and run again",
        )
        for item in ("enabled", "permission_sets", "provisioned", "assignments")
    ]


def verify_permission_sets(
    sso,
    identitystore,
    desired,
    target_account_id,
    instance_arn=None,
    max_policies=DEFAULT_MAX_POLICIES,
    partition="aws",
    prefix=PREFIX,
):
    """Read-only: the phase 5 records of the declared permission sets (exists, exact policies, provisioned to
    ``target_account_id`` and not outdated, groups assigned). No write call, ever.

    For validation (phase 8): ``desired`` as persona_permission_sets gives it. A refused or failing read gives
    ``unknown`` records with the reason; Identity Center not enabled gives ``identity_center.enabled`` failed.
    """
    problems = permission_set_problems(desired, target_account_id, max_policies)
    if problems:
        return unknown_records(
            target_account_id if ACCOUNT_ID.fullmatch(str(target_account_id or "")) else None,
            "invalid declaration: " + "; ".join(problems),
        )
    try:
        state = read_state(retrying(sso), identitystore, desired, target_account_id, instance_arn, prefix)
        every = set()
        for current in state["permission_sets"].values():
            every.update(current["assignments"])
        labels = principal_labels(identitystore, state["instance"]["identity_store_id"], every, state["groups"])
    except IdentityCenterNotEnabled:
        return not_enabled_records(target_account_id)
    except IdentityCenterError as e:
        return unknown_records(target_account_id, e.message)
    results = []
    for item in desired:
        view = desired_view(item, partition)
        current = state["permission_sets"].get(view["name"])
        extra = {
            "policies": sorted(set(current["managed_policies"]) - set(view["managed_policies"])) if current else [],
            "customer_managed_policies": sorted(
                set(current["customer_managed_policies"]) - set(view["customer_managed_policies"])
            )
            if current
            else [],
        }
        seen = {"calls": [], "arn": current["arn"] if current else None, "extra": extra}
        results.append(
            _result(view, seen, seen["arn"], set_view(current, labels, target_account_id), target_account_id)
        )
    return records_from_results(results, state["instance"], target_account_id, state["undeclared"])
