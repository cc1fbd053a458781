# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Converge a set of IAM roles in one account, with their managed and inline policies, on the engine.

The steps run on engine.converge, so nothing is written before everything is known:

0. ``role_problems`` (options) and ``desired_role_problems`` (the documents
   built from them: trust and inline policies) refuse bad input before any call.
1. ``read_role`` fetches each role's state with amazon.aws's IAM reads
   (GetRole, ListAttachedRolePolicies, ListRolePolicies; GetRolePolicy for
   each inline policy the role has, none when it has none).
2. The account guard (accounts.Account) learns the account from a role's ARN
   (or one sts:GetCallerIdentity) and refuses another one.
3. ``missing_policies`` looks up only the managed policies that are not
   already attached somewhere; a missing one refuses the whole run.
4. ``plan_role`` is pure: current and desired state in, the write calls and
   the before/after views out. Check mode stops here.
5. ``apply_plan`` makes the write calls.

Desired state is a dict with ``name``, ``state``, ``trust_policy``,
``managed_policies`` (ARNs, or None to leave attachments alone),
``inline_policies`` (name -> document; undeclared ones are reported, and
deleted only with purge_inline_policies), ``description``, ``path``,
``max_session_duration`` and ``tags`` (None leaves that attribute alone).
"""

import json
import re
import time
import unicodedata

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible.module_utils.six.moves.urllib.parse import unquote
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.iam import AnsibleIAMError
from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_iam_managed_policy_by_arn
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_iam_role
from ansible_collections.amazon.aws.plugins.module_utils.iam import list_iam_role_attached_policies
from ansible_collections.amazon.aws.plugins.module_utils.iam import list_iam_role_policies
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.diatonic.partnercentral.plugins.module_utils import engine
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_of_arn
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import INLINE_POLICIES_MAX_CHARACTERS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import document_size
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import inline_policy_name_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import load_policy_document
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import policy_arn
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import policy_document_problems
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import policy_reference_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import backoff
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import paginate
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import retrying

# IAM's own patterns; re.ASCII because IAM's \w is ASCII only.
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
_ROLE_PATH = re.compile(r"/|/[\x21-\x7e]+/")  # IAM: printable ASCII, no spaces
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
    path=None,
    description=None,
    max_session_duration=None,
    trust_policy=None,
    managed_policies=[],
    inline_policies={},
    tags={},
)


class RoleError(AnsibleIAMError):
    """An IAM call failed, or the requested state cannot be reached."""


class RoleErrorHandler(IAMErrorHandler):
    _CUSTOM_EXCEPTION = RoleError


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
    problems.extend(inline_policies_problems(name, role.get("inline_policies")))
    return problems


def inline_policies_problems(role_name, inline_policies):
    """Names and documents of a role's declared inline policies checked against IAM's grammar and size."""
    if inline_policies is None:
        return []
    if not isinstance(inline_policies, dict):
        return [f"{role_name}: inline_policies must be a dict of policy name to policy document"]
    problems = []
    total = 0
    for policy_name, document in inline_policies.items():
        problem = inline_policy_name_problem(policy_name)
        if problem:
            problems.append(f"{role_name}: {problem}")
        label = f"{role_name}: inline policy {policy_name}"
        found = policy_document_problems(document, label, kind="identity")
        problems.extend(found)
        if not found:
            total += document_size(load_policy_document(document, label)[0])
    if total > INLINE_POLICIES_MAX_CHARACTERS:
        problems.append(
            f"{role_name}: the inline policies hold {total} characters (without white space); IAM allows "
            f"{INLINE_POLICIES_MAX_CHARACTERS} per role: move statements to a customer managed policy"
        )
    return problems


def _is_tag_text(text):
    # IAM's tag pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]*: letters, space separators and numbers of any script.
    return all(ch.isalnum() or unicodedata.category(ch).startswith("Z") or ch in "_.:/=+-@" for ch in text)


def desired_role(role, trust, partition):
    """The desired state ``plan_role`` takes, from one role's options (validated) and its trust policy."""
    policies = role.get("managed_policies")
    inline = role.get("inline_policies") or {}
    return {
        "name": role["name"],
        "state": role.get("state") or "present",
        "trust_policy": trust,
        "managed_policies": None if policies is None else sorted({policy_arn(p, partition) for p in policies}),
        "inline_policies": {name: load_policy_document(document, name)[0] for name, document in inline.items()},
        "description": role.get("description"),
        "path": role.get("path"),
        "max_session_duration": role.get("max_session_duration"),
        "tags": role.get("tags"),
    }


def desired_role_problems(desired):
    """The documents a desired role holds, checked against IAM's grammar (no AWS call)."""
    if desired["state"] == "absent":
        return []
    name = desired["name"]
    problems = policy_document_problems(desired["trust_policy"], f"{name}: trust policy", kind="trust")
    return problems + inline_policies_problems(name, desired.get("inline_policies"))


# --- reads (amazon.aws's IAM reads, each retried) ----------------------------


def _read(what, name, read, *args):
    # amazon.aws's reads say what failed, not on which role: add it.
    try:
        return read(*args)
    except AnsibleIAMError as e:
        raise RoleError(message=f"{e.message} ({what} {name})", exception=e.exception) from e


@RoleErrorHandler.list_error_handler("get an inline role policy")
def _get_role_policy(client, name, policy_name):
    response = retrying(client).get_role_policy(aws_retry=True, RoleName=name, PolicyName=policy_name)
    return _policy_document(response["PolicyDocument"])


def _policy_document(document):
    # IAM returns documents URL-encoded over the wire; boto3 usually
    # decodes them, but not every endpoint does.
    if isinstance(document, str):
        return json.loads(unquote(document))
    return document


def read_role(client, name):
    """The role as it is, with its managed and inline policies, or None when it does not exist."""
    role = _read("role", name, get_iam_role, client, name)
    if role is None:
        return None
    attached = _read("role", name, list_iam_role_attached_policies, client, name)
    inline = {}
    for policy_name in sorted(_read("role", name, list_iam_role_policies, client, name)):
        document = _get_role_policy(client, name, policy_name)
        if document is not None:  # deleted between the list and the read
            inline[policy_name] = document
    return {
        "name": role["RoleName"],
        "arn": role["Arn"],
        "role_id": role["RoleId"],
        "path": role["Path"],
        "description": role.get("Description", ""),
        "max_session_duration": role.get("MaxSessionDuration", 3600),
        "tags": boto3_tag_list_to_ansible_dict(role.get("Tags", [])),
        "trust_policy": _policy_document(role["AssumeRolePolicyDocument"]),
        "managed_policies": sorted(p["PolicyArn"] for p in attached),
        "inline_policies": inline,
    }


def get_managed_policy(client, arn):
    """GetPolicy's Policy, or None when IAM has no managed policy with this ARN."""
    try:
        return get_iam_managed_policy_by_arn(client, arn)
    except AnsibleIAMError as e:
        if _error_code(e.exception) == "NoSuchEntity":
            return None
        raise RoleError(message=f"Failed to look up managed policy {arn}", exception=e.exception) from e


def _error_code(exception):
    if isinstance(exception, botocore.exceptions.ClientError):
        return exception.response.get("Error", {}).get("Code")
    return None


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
        "inline_policies": dict(sorted(role.get("inline_policies", {}).items())),
        "tags": dict(role["tags"]),
    }


def _inline_policy_calls(name, current, wanted, purge):
    """Put what is missing or different, delete what is undeclared only with ``purge``. Returns (calls, extra, kept)."""
    calls = []
    kept = dict(current)
    for policy_name, document in sorted(wanted.items()):
        if policy_name not in current or compare_policies(current[policy_name], document, default_version="2008-10-17"):
            calls.append(
                (
                    "put_role_policy",
                    {"RoleName": name, "PolicyName": policy_name, "PolicyDocument": json.dumps(document)},
                )
            )
            kept[policy_name] = document
    extra = sorted(set(current) - set(wanted))
    if purge:
        for policy_name in extra:
            calls.append(("delete_role_policy", {"RoleName": name, "PolicyName": policy_name}))
            del kept[policy_name]
    return calls, extra, kept


def plan_role(current, desired, purge_policies=False, purge_tags=False, purge_inline_policies=False):
    """Work out the calls that take ``current`` to ``desired``.

    Returns an engine plan: ``calls`` (a list of (operation, kwargs) in
    order), ``before`` and ``after`` views, ``extra_policies`` (attached but
    not declared), ``extra_inline_policies`` (inline policies not declared,
    left in place unless purged) and ``warnings``. Raises RoleError for a
    state IAM cannot reach.
    """
    name = desired["name"]
    calls = []
    warnings = []
    extra = []
    wanted_inline = desired.get("inline_policies") or {}

    if desired["state"] == "absent":
        if current:
            calls.append(("delete_role", {"RoleName": name, "PolicyArns": list(current["managed_policies"])}))
        return engine.new_plan(calls, role_view(current), {}, warnings, extra_policies=[], extra_inline_policies=[])

    wanted_policies = desired["managed_policies"]
    if current is None:
        after = {
            "name": name,
            "path": desired["path"] or "/",
            "description": desired["description"] or "",
            "max_session_duration": desired["max_session_duration"] or 3600,
            "trust_policy": desired["trust_policy"],
            "managed_policies": sorted(wanted_policies or []),
            "inline_policies": dict(wanted_inline),
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
        calls.extend(_inline_policy_calls(name, {}, wanted_inline, False)[0])
        return engine.new_plan(calls, {}, role_view(after), warnings, extra_policies=[], extra_inline_policies=[])

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

    inline_calls, extra_inline, after["inline_policies"] = _inline_policy_calls(
        name, current.get("inline_policies", {}), wanted_inline, purge_inline_policies
    )
    calls.extend(inline_calls)
    if extra_inline and not purge_inline_policies:
        warnings.append(
            f"{name} has inline policies the configuration does not declare, left in place "
            f"(set purge_inline_policies to delete them): {', '.join(extra_inline)}"
        )

    if desired["tags"] is not None:
        to_set, to_unset = compare_aws_tags(current["tags"], desired["tags"], purge_tags=purge_tags)
        if to_set:
            calls.append(("tag_role", {"RoleName": name, "Tags": ansible_dict_to_boto3_tag_list(to_set)}))
        if to_unset:
            calls.append(("untag_role", {"RoleName": name, "TagKeys": sorted(to_unset)}))
        after["tags"] = {k: v for k, v in {**current["tags"], **to_set}.items() if k not in to_unset}

    return engine.new_plan(
        calls,
        role_view(current),
        role_view(after),
        warnings,
        extra_policies=extra if not purge_policies else [],
        extra_inline_policies=extra_inline if not purge_inline_policies else [],
    )


# --- writes ----------------------------------------------------------------


def _create_role(client, **params):
    """CreateRole; when a retried create finds the role made by its own lost first attempt, read it and go on."""
    try:
        return client.create_role(aws_retry=True, **params)
    except is_boto3_error_code("EntityAlreadyExists"):
        role = get_iam_role(client, params["RoleName"])
        if role is None:
            raise
        return {"Role": role}


def _delete_role(client, RoleName, PolicyArns):
    # IAM refuses to delete a role that still has anything attached.
    for arn in PolicyArns:
        client.detach_role_policy(aws_retry=True, RoleName=RoleName, PolicyArn=arn)
    for policy_name in paginate(client, "list_role_policies", "PolicyNames", RoleName=RoleName):
        client.delete_role_policy(aws_retry=True, RoleName=RoleName, PolicyName=policy_name)
    for profile in paginate(client, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=RoleName):
        client.remove_role_from_instance_profile(
            aws_retry=True, RoleName=RoleName, InstanceProfileName=profile["InstanceProfileName"]
        )
    try:
        client.delete_role(aws_retry=True, RoleName=RoleName)
    except is_boto3_error_code("NoSuchEntity"):
        pass


def _wait_for_role(client, name, attempts=30, delay=1):
    """Return once GetRole sees the new role: IAM is eventually consistent, and policies attach only then.

    Not botocore's role_exists waiter: it gives up at the first throttled or 5xx answer, leaving a role with no
    policies. Each GetRole here is retried with back-off; the wait as a whole is bounded and names the role.
    """
    for attempt in range(attempts):
        if get_iam_role(client, name) is not None:
            return
        if attempt + 1 < attempts:
            time.sleep(delay)
    raise RoleError(
        message=f"IAM did not show the new role {name} within {attempts * delay} seconds of creating it; "
        "run again: the role is read back and completed"
    )


def apply_plan(client, plan):
    """Make the plan's write calls, in order. Returns CreateRole's Role when the role was made."""
    client = retrying(client)
    created = {}

    def after_call(operation, params, response):
        if operation == "create_role":
            created.update(response["Role"])
            _wait_for_role(client, params["RoleName"])

    resource = next((params["RoleName"] for _operation, params in plan["calls"]), "the role")
    engine.apply_calls(
        client,
        plan["calls"],
        RoleErrorHandler,
        f"role {resource}",
        operations={"create_role": _create_role, "delete_role": _delete_role},
        after_call=after_call,
    )
    return created or None


# --- the whole run ---------------------------------------------------------


def iam_client(module):
    return module.client("iam", retry_decorator=backoff())


def converge_roles(
    client,
    desired,
    purge_policies=False,
    purge_tags=False,
    purge_inline_policies=False,
    check_mode=False,
    account=None,
    expected_account_id=None,
    redact=None,
):
    """Bring roles (``desired_role`` dicts) of one account to their desired state, on engine.converge.

    Checks every document before any call; reads every role and checks every
    managed policy, and the account when ``expected_account_id`` is given
    (``account``: an accounts.Account), before the first write. ``redact``
    (view -> view) hides secrets in the diff and results. Returns
    ``(changed, results, diff, warnings)``; ``results`` holds one dict per
    role, in the order given, with every key of ``ABSENT_ROLE_VIEW``.
    """
    client = retrying(client)
    redact = redact or (lambda view: view)
    engine.refuse([p for role in desired for p in desired_role_problems(role)], "Invalid role policies")

    def read():
        return {role["name"]: read_role(client, role["name"]) for role in desired}

    def guard(current):
        if expected_account_id is None:
            return
        for role in current.values():
            if role:
                account.note_arn(role["arn"])
        account.require(expected_account_id)

    def validate(current):
        missing = missing_policies(client, desired, current)
        users = {
            arn: [r["name"] for r in desired if r["state"] == "present" and arn in (r["managed_policies"] or [])]
            for arn in missing
        }
        problems = [f"{arn} (wanted by {', '.join(users[arn])})" for arn in missing]
        if problems:
            problems[-1] += ". Check the policy names, or create the customer managed policies first"
        return problems, "Managed policies not found"

    def plan(current):
        return [
            plan_role(
                current[role["name"]],
                role,
                purge_policies=purge_policies,
                purge_tags=purge_tags,
                purge_inline_policies=purge_inline_policies,
            )
            for role in desired
        ]

    current, plans, applied = engine.converge(
        read, plan, lambda p: apply_plan(client, p), guard=guard, validate=validate, check_mode=check_mode
    )

    results = []
    warnings = []
    for role, plan, created in zip(desired, plans, applied):
        before = current[role["name"]]
        warnings.extend(plan["warnings"])
        if role["state"] == "absent":
            arn = role_id = None
        elif before:
            arn, role_id = before["arn"], before["role_id"]
        else:  # created now, or only planned in check mode (no ARN yet)
            arn, role_id = (created or {}).get("Arn"), (created or {}).get("RoleId")
        result = dict(ABSENT_ROLE_VIEW, **redact(plan["after"]))
        result.update(
            name=role["name"],
            state=role["state"],
            changed=bool(plan["calls"]),
            arn=arn,
            role_id=role_id,
            extra_policies=plan["extra_policies"],
            extra_inline_policies=plan["extra_inline_policies"],
        )
        results.append(result)

    diff = engine.keyed_diff(
        (r["name"], dict(p, before=redact(p["before"]), after=redact(p["after"]))) for r, p in zip(desired, plans)
    )
    return any(p["calls"] for p in plans), results, diff, warnings


# --- read-only verification (no write, no plan) --------------------------------


def role_findings(current, desired):
    """How one role as read (``read_role``) differs from its desired state (``desired_role``); pure.

    Returns a dict: ``exists``, ``should_exist``, ``trust_ok`` (the trust policy is exactly the desired one),
    ``missing_policies`` and ``extra_policies`` (ARNs; none when the desired state leaves attachments alone),
    ``extra_inline_policies`` (names; none are declared on a role that declares none).
    """
    should_exist = desired["state"] == "present"
    if not current or not should_exist:
        return {
            "exists": bool(current),
            "should_exist": should_exist,
            "trust_ok": None,
            "missing_policies": [],
            "extra_policies": [],
            "extra_inline_policies": [],
        }
    wanted = desired["managed_policies"]
    attached = set(current["managed_policies"])
    declared_inline = set(desired.get("inline_policies") or {})
    return {
        "exists": True,
        "should_exist": True,
        "trust_ok": not compare_policies(
            current["trust_policy"], desired["trust_policy"], default_version="2012-10-17"
        ),
        "missing_policies": [] if wanted is None else sorted(set(wanted) - attached),
        "extra_policies": [] if wanted is None else sorted(attached - set(wanted)),
        "extra_inline_policies": sorted(set(current.get("inline_policies") or {}) - declared_inline),
    }


def account_id_from(results):
    """The account the roles live in, read from their ARNs (no extra call)."""
    for result in results:
        account_id = account_of_arn(result.get("arn"))
        if account_id:
            return account_id
    return None
