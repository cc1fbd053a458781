# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Converge a set of IAM roles in one account: read, validate, plan, apply.

The work is split so that nothing is written before everything is known:

1. ``read_role`` fetches each role's state (GetRole, ListAttachedRolePolicies).
2. ``missing_policies`` looks up only the managed policies that are not
   already attached somewhere, and the caller refuses to go on if any is
   missing: no role is left half-made.
3. ``plan_role`` is pure: current state and desired state in, the list of
   write calls and the before/after views out. Check mode stops here.
4. ``apply_plan`` makes the write calls.

Desired state is a dict with ``name``, ``state``, ``trust_policy``,
``managed_policies`` (ARNs, or None to leave attachments alone),
``description``, ``path``, ``max_session_duration`` and ``tags`` (None
leaves that attribute alone).
"""

import json
import re
import unicodedata

try:
    import botocore
    import botocore.session
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible.module_utils.six.moves.urllib.parse import unquote
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

# IAM's own patterns; re.ASCII because IAM's \w is ASCII only.
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
_ROLE_PATH = re.compile(r"/|/[\x21-\x7e]+/")  # IAM: printable ASCII, no spaces
_POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(aws|\d{12}):policy/([\w+=,.@-]+/)*[\w+=,.@-]+", re.ASCII)
_POLICY_NAME = re.compile(r"([\w+=,.@-]+/)*[\w+=,.@-]+", re.ASCII)
_DESCRIPTION = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]*")

# The options that describe one role, shared by the role modules.
ROLE_OPTIONS = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    managed_policies=dict(type="list", elements="str", aliases=["policies"]),
    description=dict(type="str"),
    path=dict(type="str"),
    max_session_duration=dict(type="int"),
    tags=dict(type="dict", aliases=["resource_tags"]),
)

# What a role's result holds once it is deleted (or was never there).
ABSENT_ROLE_VIEW = dict(
    path=None, description=None, max_session_duration=None, trust_policy=None, managed_policies=[], tags={}
)


class RoleError(AnsibleAWSError):
    """An IAM call failed, or the requested state cannot be reached."""


class RoleErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = RoleError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NoSuchEntity")


# --- validation (no AWS call) ----------------------------------------------


def role_problems(role):
    """Every way one role's options break IAM's rules, each with what to do about it."""
    name = role.get("name") or ""
    problems = []
    if name and not _ROLE_NAME.fullmatch(name):
        problems.append(f"role name {name!r} must be at most 64 letters, digits or +=,.@_- characters")
    path = role.get("path")
    if path is not None and (len(path) > 512 or not _ROLE_PATH.fullmatch(path)):
        problems.append(f"{name}: path {path!r} must begin and end with / and hold no spaces or non-ASCII characters")
    duration = role.get("max_session_duration")
    if duration is not None and not 3600 <= duration <= 43200:
        problems.append(f"{name}: max_session_duration {duration} must be between 3600 and 43200 seconds")
    description = role.get("description")
    if description is not None and len(description) > 1000:
        problems.append(f"{name}: description is {len(description)} characters; IAM allows 1000")
    if description is not None and not _DESCRIPTION.fullmatch(description):
        problems.append(
            f"{name}: description has characters IAM refuses (only Latin-1 letters, tabs and newlines): "
            "replace dashes such as \u2014 and emoji with plain characters"
        )
    tags = role.get("tags") or {}
    if len(tags) > 50:
        problems.append(f"{name}: {len(tags)} tags given; IAM allows 50 on a role")
    for key, value in tags.items():
        key, value = str(key), str(value)
        if not 1 <= len(key) <= 128 or len(value) > 256:
            problems.append(f"{name}: tag {key!r} must have a key of 1 to 128 and a value of at most 256 characters")
        elif key.lower().startswith("aws:"):
            problems.append(f"{name}: tag key {key!r} starts with aws:, which AWS keeps for its own tags")
        elif not (_is_tag_text(key) and _is_tag_text(value)):
            problems.append(
                f"{name}: tag {key!r} may hold only letters, digits, spaces and _.:/=+-@ in its key and value"
            )
    for policy in role.get("managed_policies") or []:
        problem = policy_reference_problem(policy)
        if problem:
            problems.append(f"{name}: {problem}")
    return problems


def _is_tag_text(text):
    # IAM's tag pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]*: letters, space separators and numbers of any script.
    return all(ch.isalnum() or unicodedata.category(ch).startswith("Z") or ch in "_.:/=+-@" for ch in text)


def policy_reference_problem(policy):
    """Why ``policy`` is neither a managed policy name nor an IAM policy ARN; None when it is one."""
    if policy.startswith("arn:"):
        if not _POLICY_ARN.fullmatch(policy):
            return f"{policy!r} is not an IAM managed policy ARN (arn:aws:iam::aws:policy/NAME)"
    elif not _POLICY_NAME.fullmatch(policy):
        return f"{policy!r} is not a managed policy name; give a name such as ReadOnlyAccess or a full ARN"
    return None


def partition_for_region(region):
    return botocore.session.get_session().get_partition_for_region(region or "us-east-1")


def policy_arn(policy, partition="aws"):
    """A full ARN for a managed policy given by name (AWS managed) or ARN."""
    if policy.startswith("arn:"):
        return policy
    return f"arn:{partition}:iam::aws:policy/{policy}"


def desired_role(role, trust, partition):
    """The desired state ``plan_role`` takes, from one role's options and its trust policy."""
    policies = role.get("managed_policies")
    return {
        "name": role["name"],
        "state": role.get("state") or "present",
        "trust_policy": trust,
        "managed_policies": None if policies is None else sorted({policy_arn(p, partition) for p in policies}),
        "description": role.get("description"),
        "path": role.get("path"),
        "max_session_duration": role.get("max_session_duration"),
        "tags": role.get("tags"),
    }


# --- reads -----------------------------------------------------------------


@RoleErrorHandler.list_error_handler("get role")
def _get_role(client, name):
    return client.get_role(aws_retry=True, RoleName=name)["Role"]


@RoleErrorHandler.common_error_handler("list attached role policies")
def _attached_policy_arns(client, name):
    paginator = client.get_paginator("list_attached_role_policies")
    pages = paginator.paginate(RoleName=name).build_full_result()
    return sorted(p["PolicyArn"] for p in pages["AttachedPolicies"])


def _trust_document(document):
    # IAM returns the document URL-encoded over the wire; boto3 usually
    # decodes it, but not every endpoint does.
    if isinstance(document, str):
        return json.loads(unquote(document))
    return document


def read_role(client, name):
    """The role as it is, or None when it does not exist."""
    role = _get_role(client, name)
    if role is None:
        return None
    return {
        "name": role["RoleName"],
        "arn": role["Arn"],
        "role_id": role["RoleId"],
        "path": role["Path"],
        "description": role.get("Description", ""),
        "max_session_duration": role.get("MaxSessionDuration", 3600),
        "tags": boto3_tag_list_to_ansible_dict(role.get("Tags", [])),
        "trust_policy": _trust_document(role["AssumeRolePolicyDocument"]),
        "managed_policies": _attached_policy_arns(client, name),
    }


@RoleErrorHandler.list_error_handler("look up managed policy")
def get_managed_policy(client, arn):
    """GetPolicy's Policy, or None when IAM has no managed policy with this ARN."""
    return client.get_policy(aws_retry=True, PolicyArn=arn)["Policy"]


def missing_policies(client, desired_roles, current_roles):
    """ARNs that desired roles ask for and that do not exist in this account.

    A policy already attached to a role exists, so only the others are looked
    up, once each: a converged account costs no lookups at all.
    """
    attached = set()
    for current in current_roles.values():
        if current:
            attached.update(current["managed_policies"])
    wanted = []
    for desired in desired_roles:
        if desired["state"] == "present":
            for arn in desired["managed_policies"] or []:
                if arn not in attached and arn not in wanted:
                    wanted.append(arn)
    return [arn for arn in wanted if get_managed_policy(client, arn) is None]


# --- planning (pure) -------------------------------------------------------


def role_view(role):
    """What a reviewer compares in a diff; {} when the role does not exist."""
    if not role:
        return {}
    return {
        "path": role["path"],
        "description": role["description"],
        "max_session_duration": role["max_session_duration"],
        "trust_policy": role["trust_policy"],
        "managed_policies": sorted(role["managed_policies"]),
        "tags": dict(role["tags"]),
    }


def plan_role(current, desired, purge_policies=False, purge_tags=False):
    """Work out the calls that take ``current`` to ``desired``.

    Returns a dict with ``calls`` (a list of (operation, kwargs) in order),
    ``before`` and ``after`` views, ``extra_policies`` (attached but not
    declared) and ``warnings``. Raises RoleError for a state IAM cannot reach.
    """
    name = desired["name"]
    calls = []
    warnings = []
    extra = []

    if desired["state"] == "absent":
        if current:
            calls.append(("delete_role", {"RoleName": name, "PolicyArns": list(current["managed_policies"])}))
        return {"calls": calls, "before": role_view(current), "after": {}, "extra_policies": [], "warnings": warnings}

    wanted_policies = desired["managed_policies"]
    if current is None:
        after = {
            "name": name,
            "path": desired["path"] or "/",
            "description": desired["description"] or "",
            "max_session_duration": desired["max_session_duration"] or 3600,
            "trust_policy": desired["trust_policy"],
            "managed_policies": sorted(wanted_policies or []),
            "tags": dict(desired["tags"] or {}),
        }
        create = {
            "RoleName": name,
            "Path": after["path"],
            "AssumeRolePolicyDocument": json.dumps(desired["trust_policy"]),
            "MaxSessionDuration": after["max_session_duration"],
        }
        if after["description"]:
            create["Description"] = after["description"]
        if after["tags"]:
            create["Tags"] = ansible_dict_to_boto3_tag_list(after["tags"])
        calls.append(("create_role", create))
        calls.extend(("attach_role_policy", {"RoleName": name, "PolicyArn": arn}) for arn in after["managed_policies"])
        return {"calls": calls, "before": {}, "after": role_view(after), "extra_policies": [], "warnings": warnings}

    after = dict(current)
    if desired["path"] is not None and desired["path"] != current["path"]:
        raise RoleError(
            message=(
                f"Role {name} exists with path {current['path']} but path {desired['path']} was requested. "
                f"IAM cannot move a role to another path: set path to {current['path']}, "
                "or delete the role (state: absent) and create it again."
            )
        )

    if compare_policies(current["trust_policy"], desired["trust_policy"], default_version="2012-10-17"):
        calls.append(
            ("update_assume_role_policy", {"RoleName": name, "PolicyDocument": json.dumps(desired["trust_policy"])})
        )
        after["trust_policy"] = desired["trust_policy"]

    update = {}
    if desired["description"] is not None and desired["description"] != current["description"]:
        update["Description"] = after["description"] = desired["description"]
    if (
        desired["max_session_duration"] is not None
        and desired["max_session_duration"] != current["max_session_duration"]
    ):
        update["MaxSessionDuration"] = after["max_session_duration"] = desired["max_session_duration"]
    if update:
        calls.append(("update_role", {"RoleName": name, **update}))

    if wanted_policies is not None:
        attached = set(current["managed_policies"])
        wanted = set(wanted_policies)
        extra = sorted(attached - wanted)
        calls.extend(("attach_role_policy", {"RoleName": name, "PolicyArn": arn}) for arn in sorted(wanted - attached))
        kept = attached | wanted
        if purge_policies:
            calls.extend(("detach_role_policy", {"RoleName": name, "PolicyArn": arn}) for arn in extra)
            kept -= set(extra)
        elif extra:
            warnings.append(
                f"{name} has managed policies the configuration does not declare, left attached "
                f"(set purge_policies to detach them): {', '.join(extra)}"
            )
        after["managed_policies"] = sorted(kept)

    if desired["tags"] is not None:
        to_set, to_unset = compare_aws_tags(current["tags"], desired["tags"], purge_tags=purge_tags)
        if to_set:
            calls.append(("tag_role", {"RoleName": name, "Tags": ansible_dict_to_boto3_tag_list(to_set)}))
        if to_unset:
            calls.append(("untag_role", {"RoleName": name, "TagKeys": sorted(to_unset)}))
        after["tags"] = {k: v for k, v in {**current["tags"], **to_set}.items() if k not in to_unset}

    return {
        "calls": calls,
        "before": role_view(current),
        "after": role_view(after),
        "extra_policies": extra if not purge_policies else [],
        "warnings": warnings,
    }


# --- writes ----------------------------------------------------------------


@RoleErrorHandler.common_error_handler("delete role")
def _delete_role(client, RoleName, PolicyArns):
    # IAM refuses to delete a role that still has anything attached.
    for arn in PolicyArns:
        client.detach_role_policy(aws_retry=True, RoleName=RoleName, PolicyArn=arn)
    for policy_name in client.list_role_policies(aws_retry=True, RoleName=RoleName)["PolicyNames"]:
        client.delete_role_policy(aws_retry=True, RoleName=RoleName, PolicyName=policy_name)
    profiles = client.list_instance_profiles_for_role(aws_retry=True, RoleName=RoleName)["InstanceProfiles"]
    for profile in profiles:
        client.remove_role_from_instance_profile(
            aws_retry=True, RoleName=RoleName, InstanceProfileName=profile["InstanceProfileName"]
        )
    try:
        client.delete_role(aws_retry=True, RoleName=RoleName)
    except is_boto3_error_code("NoSuchEntity"):
        pass


def apply_plan(client, plan):
    """Make the plan's write calls, in order. Returns CreateRole's Role when the role was made."""
    created = None
    for operation, kwargs in plan["calls"]:
        if operation == "delete_role":
            _delete_role(client, **kwargs)
            continue
        try:
            response = getattr(client, operation)(aws_retry=True, **kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise RoleError(
                message=f"Failed to {operation.replace('_', ' ')} on {kwargs['RoleName']}", exception=e
            ) from e
        if operation == "create_role":
            created = response["Role"]
            _wait_for_role(client, kwargs["RoleName"])
    return created


@RoleErrorHandler.common_error_handler("wait for the new role")
def _wait_for_role(client, name):
    # IAM is eventually consistent: attach policies only once GetRole sees the role.
    client.get_waiter("role_exists").wait(RoleName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})


# --- the whole run ---------------------------------------------------------


def iam_client(module):
    return module.client("iam", retry_decorator=AWSRetry.jittered_backoff())


def converge_roles(client, desired, purge_policies=False, purge_tags=False, check_mode=False):
    """Bring roles (``desired_role`` dicts) of one account to their desired state.

    Reads every role and checks every managed policy before the first write.
    Returns ``(changed, results, diff, warnings)``; ``results`` holds one dict
    per role, in the order given, with every key of ``ABSENT_ROLE_VIEW``.
    """
    current = {role["name"]: read_role(client, role["name"]) for role in desired}
    missing = missing_policies(client, desired, current)
    if missing:
        users = {
            arn: [r["name"] for r in desired if r["state"] == "present" and arn in (r["managed_policies"] or [])]
            for arn in missing
        }
        raise RoleError(
            message="Managed policies not found, nothing was changed: "
            + "; ".join(f"{arn} (wanted by {', '.join(users[arn])})" for arn in missing)
            + ". Check the policy names, or create the customer managed policies first."
        )

    plans = [plan_role(current[r["name"]], r, purge_policies=purge_policies, purge_tags=purge_tags) for r in desired]

    results = []
    warnings = []
    for role, plan in zip(desired, plans):
        before = current[role["name"]]
        created = apply_plan(client, plan) if plan["calls"] and not check_mode else None
        warnings.extend(plan["warnings"])
        if role["state"] == "absent":
            arn = role_id = None
        elif before:
            arn, role_id = before["arn"], before["role_id"]
        else:  # created now, or only planned in check mode (no ARN yet)
            arn, role_id = (created or {}).get("Arn"), (created or {}).get("RoleId")
        result = dict(ABSENT_ROLE_VIEW, **plan["after"])
        result.update(
            name=role["name"],
            state=role["state"],
            changed=bool(plan["calls"]),
            arn=arn,
            role_id=role_id,
            extra_policies=plan["extra_policies"],
        )
        results.append(result)

    diff = {
        "before": {r["name"]: p["before"] for r, p in zip(desired, plans) if p["calls"]},
        "after": {r["name"]: p["after"] for r, p in zip(desired, plans) if p["calls"]},
    }
    return any(p["calls"] for p in plans), results, diff, warnings


def account_id_from(results):
    """The account the roles live in, read from their ARNs (no extra call)."""
    for result in results:
        if result.get("arn"):
            return result["arn"].split(":")[4]
    return None
