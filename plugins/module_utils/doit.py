# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""DoiT onboarding of an organization's management account: what the doit_onboarding role computes.

Pure pieces, no AWS call, used by the role through the collection's ``doit_*`` filters (plugins/filter/doit.py):

- ``variable_problems``: every problem with the role's variables, before the first AWS call, each naming
  the variable. The rules of IAM and of Cost and Usage Reports come from iam_roles and cur (the ones the
  modules apply), so a bad value is refused before the first write instead of by the last module.
- ``bucket_plan``: what amazon.aws.s3_bucket (which has no check mode) would change on the report bucket.
- ``onboarding_result``: DoiT's onboarding steps as records (records.py), one per checklist item, and what
  this run changed (or would change, in check mode); ``report`` gathers the accounts' records into the JSON
  report (records.make_report).

The external ID DoiT gives is a secret: nothing here ever puts it in a message, a record or a change.
"""

import json
import re

try:
    import botocore
    import botocore.session
except ImportError:
    pass  # The modules report a missing botocore; the filters need it only for the region check.

from ansible_collections.diatonic.partnercentral.plugins.module_utils import cur
from ansible_collections.diatonic.partnercentral.plugins.module_utils import iam_policies
from ansible_collections.diatonic.partnercentral.plugins.module_utils import iam_roles
from ansible_collections.diatonic.partnercentral.plugins.module_utils import records

PREFIX = "doit_onboarding_"
PLAYBOOK = "doit_onboarding"

_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_CUSTOMER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,46}")
# IAM's patterns (re.ASCII: IAM's \w is ASCII only).
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
_USER_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
# S3's bucket naming rules for general purpose buckets.
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

# cur_report's option names, as the role's variables name them, for cur's messages.
_REPORT_VARIABLES = (
    (re.compile(r"^name "), PREFIX + "report_name "),
    (re.compile(r"\bchange name\b"), "change " + PREFIX + "report_name"),
    (re.compile(r"\badditional_artifacts\b"), PREFIX + "report_artifacts"),
    (re.compile(r"\badditional_schema_elements\b"), PREFIX + "report_schema_elements"),
    (re.compile(r"\breport_versioning\b"), PREFIX + "report_versioning"),
    (re.compile(r"\bs3_prefix\b"), PREFIX + "report_prefix"),
    (re.compile(r"\bs3_bucket\b"), PREFIX + "bucket_name"),
    (re.compile(r"\bs3_region\b"), PREFIX + "bucket_region"),
    (re.compile(r"(?<![\w.])format\b"), PREFIX + "report_format"),
    (re.compile(r"(?<![\w.])compression\b"), PREFIX + "report_compression"),
    (re.compile(r"\bchange tags\b|\bfrom tags\b"), lambda m: m.group(0).replace("tags", PREFIX + "tags")),
)

BUCKET_ENCRYPTION = "AES256"
PUBLIC_ACCESS_BLOCK = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _text(value):
    """A variable's value as text for a message (JSON, so quotes and emoji stay readable)."""
    return json.dumps(value, ensure_ascii=False)


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


# --- the variables, before any AWS call ---------------------------------------


def parse_policy(value, label):
    """An inline policy variable as a dict: a dict as given, JSON text parsed (never YAML: text is data).

    Returns ``(document, problems)``; nothing given (None, "" or {}) is ``{}``, no policy.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}, []
    return iam_policies.load_policy_document(value, label)


def _external_id_problem(external_id):
    # The value is a secret: say what is wrong with it, never what it is.
    name = PREFIX + "external_id"
    if _blank(external_id):
        return f"{name} is not set: give the external ID DoiT provided for your roles"
    if not isinstance(external_id, str):
        return f"{name} must be a string: quote it"
    if not 2 <= len(external_id) <= 1224:
        return f"{name} has {len(external_id)} characters; AWS accepts 2 to 1224"
    if not _EXTERNAL_ID.fullmatch(external_id):
        return f"{name} holds characters AWS does not accept in an external ID: use only letters, digits and _+=,.@:/-"
    return None


def _bucket_name_problem(bucket):
    name = PREFIX + "bucket_name"
    lowercase_hint = f"give {PREFIX}customer_id in lowercase, or set {name}"
    if not isinstance(bucket, str) or not _BUCKET_NAME.fullmatch(bucket) or ".." in bucket:
        return (
            f"{name} {_text(bucket)} is not a valid S3 bucket name (3 to 63 lowercase letters, digits, dots or "
            f"hyphens, starting and ending with a letter or digit): {lowercase_hint}"
        )
    if _IP_ADDRESS.fullmatch(bucket) or ".-" in bucket or "-." in bucket:
        return f"{name} {_text(bucket)} is not a valid S3 bucket name (no IP address, no '.-' or '-.'): change it"
    reserved = [p for p in _BUCKET_RESERVED_PREFIXES if bucket.startswith(p)]
    reserved += [s for s in _BUCKET_RESERVED_SUFFIXES if bucket.endswith(s)]
    if reserved:
        return f"{name} {_text(bucket)} uses {reserved[0]!r}, which S3 keeps for itself: change it"
    return None


def known_regions():
    """Every region in the installed botocore's endpoint data, of every partition."""
    session = botocore.session.get_session()
    regions = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("s3", partition_name=partition))
    return regions


def _region_problem(region):
    name = PREFIX + "bucket_region"
    if not isinstance(region, str) or not region:
        return f"{name} must be an AWS region such as us-east-1"
    try:
        regions = known_regions()
    except NameError:  # no botocore: the modules will say so
        return None
    if region not in regions:
        return (
            f"{name} {_text(region)} is not an AWS region (botocore {botocore.__version__} knows none by that "
            "name): give a region such as us-east-1, or update botocore if the region is new"
        )
    return None


def _report_problems(settings):
    """cur_report's own checks (cur.py), on the report the role asks for, naming the role's variables."""

    def text(key):
        return None if settings.get(key) is None else str(settings[key])

    options = {
        "name": text("report_name"),
        "s3_bucket": text("bucket_name"),
        "s3_prefix": text("report_prefix"),
        "s3_region": text("bucket_region"),
        "additional_schema_elements": settings.get("report_schema_elements") or [],
        "additional_artifacts": settings.get("report_artifacts") or [],
        "tags": settings.get("tags") or {},
    }
    try:
        regions = cur.s3_regions()
    except NameError:
        regions = None
    found = cur.validate_options(options, known_regions=regions)
    found += cur.combination_problems(
        {
            "format": settings.get("report_format"),
            "compression": settings.get("report_compression"),
            "additional_artifacts": options["additional_artifacts"],
            "report_versioning": settings.get("report_versioning"),
            "s3_prefix": options["s3_prefix"],
        }
    )
    messages = []
    for message in found:
        if message.startswith("s3_bucket "):
            continue  # the bucket name has S3's stricter rules, checked above
        for pattern, replacement in _REPORT_VARIABLES:
            message = pattern.sub(replacement, message)
        messages.append(message)
    return messages


def _role_problems(settings):
    """iam_roles' checks (those cross_account_role applies), naming the role's variables."""
    problems = []
    for role in ("cmp", "awsadmin"):
        variable = f"{PREFIX}{role}_role_name"
        name = settings.get(f"{role}_role_name")
        if _blank(name):
            problems.append(f"{variable} must not be empty")
        else:
            problems += [f"{variable}: {p}" for p in iam_roles.role_problems({"name": str(name)})]
    # role_problems prefixes each message with the role's name: the variable's name stands in for it.
    for key, attribute in (
        ("role_path", "path"),
        ("role_max_session_duration", "max_session_duration"),
        ("tags", "tags"),
    ):
        value = settings.get(key)
        if value is not None:
            problems += iam_roles.role_problems({"name": PREFIX + key, attribute: value})
    for role in ("cmp", "awsadmin"):
        variable = f"{PREFIX}{role}_managed_policies"
        for policy in settings.get(f"{role}_managed_policies") or []:
            problem = iam_policies.policy_reference_problem(str(policy))
            if problem:
                problems.append(f"{variable}: {problem}")
    return problems


def _inline_policy_problems(settings):
    """The inline policies parsed and checked for IAM's grammar (iam_policies, as the role module does)."""
    problems = []
    for role in ("cmp", "awsadmin"):
        variable = f"{PREFIX}{role}_policy"
        document, found = parse_policy(settings.get(f"{role}_policy"), variable)
        if found:
            problems += found
            continue
        if role == "cmp" and not document:
            problems.append(
                f"{variable} is empty: DoiT needs a policy on {settings.get('cmp_role_name')} "
                "(paste the one DoiT publishes)"
            )
            continue
        if not document:
            continue
        problems += iam_policies.policy_document_problems(document, variable)
        size = iam_policies.document_size(document)
        if size > iam_policies.INLINE_POLICIES_MAX_CHARACTERS:
            problems.append(
                f"{variable} has {size} characters without white space; IAM allows "
                f"{iam_policies.INLINE_POLICIES_MAX_CHARACTERS} for a role's inline policies: shorten it, "
                "or move part of it to a managed policy"
            )
        problem = iam_policies.inline_policy_name_problem(settings.get(f"{role}_policy_name"))
        if problem:
            problems.append(f"{PREFIX}{role}_policy_name: {problem}")
    return problems


def variable_problems(settings, external_id=None, account_id=None):
    """Every problem with the role's variables, as messages naming the variable. No AWS call.

    ``settings`` holds the role's variables without their ``doit_onboarding_`` prefix (``customer_id``,
    ``bucket_name``...), all but the external ID, which comes alone and is never repeated in a message.
    ``account_id`` is the host's account, which DoiT's account must not be.
    """
    problems = []
    customer_id = settings.get("customer_id")
    if _blank(customer_id):
        problems.append(
            f"{PREFIX}customer_id is not set: "
            "give the customer ID DoiT assigned you (the {id} of doitintl-awsops-{id})"
        )
    elif not _CUSTOMER_ID.fullmatch(str(customer_id)):
        problems.append(
            f"{PREFIX}customer_id {_text(customer_id)} must be 1 to 47 letters, digits, dots, hyphens or "
            "underscores, starting with a letter or digit"
        )
    trusted = settings.get("trusted_account_id")
    if _blank(trusted):
        problems.append(f"{PREFIX}trusted_account_id is not set: give DoiT's 12-digit AWS account ID, in quotes")
    elif not _ACCOUNT_ID.fullmatch(str(trusted)):
        problems.append(
            f"{PREFIX}trusted_account_id {_text(str(trusted))} must be DoiT's 12-digit AWS account ID, "
            "in quotes so YAML keeps leading zeros"
        )
    elif account_id is not None and str(trusted) == str(account_id):
        problems.append(
            f"{PREFIX}trusted_account_id is this account ({trusted}): it must be DoiT's account, which the roles trust"
        )
    problem = _external_id_problem(external_id)
    if problem:
        problems.append(problem)
    # The names below are made from the customer ID: only worth checking once it is right.
    if not problems:
        problem = _bucket_name_problem(settings.get("bucket_name"))
        if problem:
            problems.append(problem)
    region_problem = _region_problem(settings.get("bucket_region"))
    if region_problem:
        problems.append(region_problem)
    report = _report_problems(settings)
    if problems and not region_problem:
        # Until the customer ID is right, leave out what only repeats it (the report's name).
        report = [p for p in report if not p.startswith(PREFIX + "report_name ")]
    problems += [p for p in report if not (region_problem and p.startswith(PREFIX + "bucket_region "))]
    user = settings.get("admin_user_name")
    if _blank(user) or not _USER_NAME.fullmatch(str(user)):
        problems.append(f"{PREFIX}admin_user_name {_text(user)} must be 1 to 64 letters, digits or _+=,.@- characters")
    problems += _role_problems(settings)
    problems += _inline_policy_problems(settings)
    return problems


def managed_policies_named(settings):
    """Every managed policy the role attaches (AdministratorAccess when it creates the admin user), once each."""
    named = []
    wanted = list(settings.get("cmp_managed_policies") or []) + list(settings.get("awsadmin_managed_policies") or [])
    if settings.get("admin_user_create"):
        wanted.append("AdministratorAccess")
    for policy in wanted:
        if policy not in named:
            named.append(policy)
    return named


# --- the report bucket: what s3_bucket would change --------------------------


def bucket_plan(bucket_info, name, region, tags=None, purge_tags=False):
    """What amazon.aws.s3_bucket would change on the report bucket, one sentence per change.

    ``bucket_info`` is what amazon.aws.s3_bucket_info returned with the public access block, encryption and
    tagging facts. An empty list: the bucket is as declared.
    """
    tags = {str(k): str(v) for k, v in (tags or {}).items()}
    buckets = [b for b in (bucket_info or {}).get("buckets") or [] if b.get("name") == name]
    if not buckets:
        return [f"create bucket {name} in {region}, blocking all public access, encrypted with {BUCKET_ENCRYPTION}"]
    bucket = buckets[0]
    changes = []
    # amazon.aws 11 returns the configurations themselves; older releases wrap them as the S3 API does.
    block = bucket.get("public_access_block") or {}
    block = block.get("PublicAccessBlockConfiguration", block)
    if not all(block.get(setting) for setting in PUBLIC_ACCESS_BLOCK):
        changes.append(f"block all public access to bucket {name}")
    encryption = bucket.get("bucket_encryption") or {}
    rules = encryption.get("ServerSideEncryptionConfiguration", encryption).get("Rules") or []
    algorithms = [(rule.get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm") for rule in rules]
    if algorithms != [BUCKET_ENCRYPTION]:
        changes.append(f"set the default encryption of bucket {name} to {BUCKET_ENCRYPTION}")
    current = {str(k): str(v) for k, v in (bucket.get("bucket_tagging") or {}).items()}
    to_set = {k: v for k, v in tags.items() if current.get(k) != v}
    if to_set:
        changes.append(f"tag bucket {name} with {json.dumps(to_set, sort_keys=True)}")
    to_unset = sorted(set(current) - set(tags)) if purge_tags else []
    if to_unset:
        changes.append(f"remove tags {', '.join(to_unset)} from bucket {name}")
    return changes


# --- the onboarding checklist as records --------------------------------------


def _diff_views(result, name):
    """Before and after of ``name`` in a module's diff ({} for absent), and whether the diff holds it at all."""
    diff = (result or {}).get("diff") or {}
    before = diff.get("before") or {}
    after = diff.get("after") or {}
    return before.get(name) or {}, after.get(name) or {}, name in before or name in after


def _changed_keys(before, after):
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _is_changed(result):
    return bool((result or {}).get("changed"))


def _ran(result):
    return bool(result) and not result.get("skipped")


class _Checklist:
    """Builds the records and the changes of one account's run."""

    def __init__(self, observed):
        self.observed = observed
        self.settings = observed.get("settings") or {}
        self.account = observed.get("account_id")
        self.check_mode = bool(observed.get("check_mode"))
        self.records = []
        self.changes = []

    def get(self, key):
        return self.observed.get(key) or {}

    def add(self, id, phase, title, status, evidence=None, remedy=None, who=None, blocking=True):  # pylint: disable=redefined-builtin
        self.records.append(
            records.make_record(
                f"doit.{id}", f"doit-{phase}", title, self.account, status, evidence, remedy, blocking, who
            )
        )

    def manual(self, id, phase, title, step, who, evidence=None):  # pylint: disable=redefined-builtin
        self.add(id, phase, title, records.MANUAL, evidence, step, who, blocking=False)

    def change(self, text):
        self.changes.append(("Would " if self.check_mode else "") + text)

    def applied(self, id, phase, title, seen, made, would, remedy, who="DoiT"):  # pylint: disable=redefined-builtin
        """An item this run puts in place: verified when it is (or now is), failed in check mode when it would change.

        ``seen`` says what is in place, ``made`` what this run did, ``would`` what check mode found different.
        """
        if would and self.check_mode:
            self.add(id, phase, title, records.FAILED, would, f"{remedy}: run the playbook without --check", who)
        elif would:
            self.add(id, phase, title, records.VERIFIED, f"{made} by this run; {seen}")
        else:
            self.add(id, phase, title, records.VERIFIED, seen)

    # --- step 1: readiness (the customer) ---

    def readiness(self):
        organization = self.get("organization").get("organization") or {}
        self.add(
            "management_account",
            1,
            "The account is the organization's management (payer) account",
            records.VERIFIED,
            f"{self.account} is the management account of organization {organization.get('id')} "
            "(organizations:DescribeOrganization)",
        )
        self._admin_user()
        self._root_email(organization)
        mfa = self._root_mfa_text()
        self.manual(
            "root_mfa_removed",
            1,
            "Root user MFA removed, so DoiT can reset the root password",
            "remove MFA from the root user so DoiT can reset its password (DoiT re-enables it in step 2.2)",
            "customer",
            evidence=f"root user MFA is {mfa} (iam:GetAccountSummary)",
        )
        self.manual(
            "csm_notified",
            1,
            "DoiT customer success manager told that step 1 is complete",
            "tell your DoiT customer success manager that step 1 is complete",
            "customer",
        )

    def _admin_user(self):
        user = self.settings.get("admin_user_name")
        created = self.get("admin_user")
        administrators = list(self.get("administrators").get("all_users") or [])
        title = "An IAM user with AdministratorAccess to manage the organization after onboarding"
        if _ran(created) and _is_changed(created):
            self.change(f"create or update IAM user {user} with AdministratorAccess")
        if _ran(created) and _is_changed(created) and self.check_mode:
            evidence = f"IAM user {user} does not have AdministratorAccess yet"
            if administrators:
                evidence += f"; users that have it: {', '.join(administrators)}"
            self.add(
                "admin_user",
                1,
                title,
                records.FAILED,
                evidence,
                f"create IAM user {user} with AdministratorAccess: run the playbook without --check",
                "customer",
            )
        elif _ran(created) and user not in administrators:
            administrators = sorted(set(administrators) | {user})
            self.add(
                "admin_user",
                1,
                title,
                records.VERIFIED,
                f"IAM user {user} {'created or updated by this run' if _is_changed(created) else 'is in place'} "
                f"with AdministratorAccess; users with it: {', '.join(administrators)}",
            )
        elif administrators:
            self.add(
                "admin_user",
                1,
                title,
                records.VERIFIED,
                f"IAM users with AdministratorAccess on {self.account}, directly or through a group: "
                f"{', '.join(administrators)} (iam:ListEntitiesForPolicy)",
            )
        else:
            self.add(
                "admin_user",
                1,
                title,
                records.FAILED,
                f"no IAM user of {self.account} has AdministratorAccess, directly or through a group "
                "(iam:ListEntitiesForPolicy)",
                "create an IAM user with AdministratorAccess to manage the organization after onboarding "
                f"(or set {PREFIX}admin_user_create: true)",
                "customer",
            )
        if self.settings.get("admin_user_create"):
            self.manual(
                "admin_user_credentials",
                1,
                f"IAM user {user} has a console password and an MFA device",
                f"give IAM user {user} a console password and an MFA device "
                "(IAM console > Users > Security credentials)",
                "customer",
            )

    def _root_email(self, organization):
        title = "Root user e-mail changed to the address DoiT provided"
        expected = self.settings.get("root_email") or ""
        email = organization.get("management_account_email")
        remedy = "change the root user e-mail address to the one DoiT provides (sign in as root > Account settings)"
        if not email:
            self.add(
                "root_email",
                1,
                title,
                records.UNKNOWN,
                "could not check: organizations:DescribeOrganization gave no management account e-mail",
                remedy,
                "customer",
                blocking=bool(expected),
            )
        elif not expected:
            self.manual(
                "root_email",
                1,
                title,
                remedy,
                "customer",
                evidence=f"the root e-mail is {email}; set {PREFIX}root_email to DoiT's address to verify it",
            )
        elif email.lower() == expected.lower():
            self.add(
                "root_email",
                1,
                title,
                records.VERIFIED,
                f"the root e-mail of {self.account} is {email} (organizations:DescribeOrganization)",
            )
        else:
            self.add(
                "root_email",
                1,
                title,
                records.FAILED,
                f"the root e-mail of {self.account} is {email}, expected {expected} "
                "(organizations:DescribeOrganization)",
                remedy,
                "customer",
            )

    def _root_mfa(self):
        root = self.get("root").get("root")
        return None if not root else bool(root.get("mfa_enabled"))

    def _root_mfa_text(self):
        mfa = self._root_mfa()
        if mfa is None:
            return "unknown (" + "; ".join(c.get("message", "") for c in self.get("root").get("checks") or []) + ")"
        return "enabled" if mfa else "not enabled"

    # --- step 2: initial onboarding (DoiT) ---

    def onboarding(self):
        self.manual(
            "root_password_reset", 2, "Root user password reset by DoiT", "reset the root user password", "DoiT"
        )
        mfa = self._root_mfa()
        title = "Root user MFA re-enabled"
        remedy = "re-enable MFA on the root user (DoiT, step 2.2)"
        if mfa is None:
            self.add(
                "root_mfa",
                2,
                title,
                records.UNKNOWN,
                f"could not check: root user MFA is {self._root_mfa_text()}",
                remedy,
                "DoiT",
            )
        elif mfa:
            self.add(
                "root_mfa",
                2,
                title,
                records.VERIFIED,
                f"root user MFA on {self.account} is enabled (iam:GetAccountSummary AccountMFAEnabled=1)",
            )
        else:
            self.add(
                "root_mfa",
                2,
                title,
                records.FAILED,
                f"root user MFA on {self.account} is not enabled (iam:GetAccountSummary AccountMFAEnabled=0)",
                remedy,
                "DoiT",
            )
        self._role("cmp", 2, "cmp_role", "Role for DoiT's Cloud Management Platform")
        self._role("awsadmin", 2, "awsadmin_role", "Role for billing data under the AWS Channel Reseller Program")
        self.manual(
            "spp",
            2,
            "Organization onboarded to the Solution Provider Program",
            "onboard the organization to the Solution Provider Program in the AWS Channel Management dashboard",
            "DoiT",
        )

    def _role(self, role, phase, id, title):  # pylint: disable=redefined-builtin
        name = self.settings.get(f"{role}_role_name")
        result = self.get(f"{role}_role")
        trust = f"trusting DoiT account {self.settings.get('trusted_account_id')} with the external ID condition"
        before, after, in_diff = _diff_views(result, name)
        keys = [k for k in _changed_keys(before, after) if k != "inline_policies"]
        new = in_diff and not before
        changed = _is_changed(result) and (new or bool(keys))
        if changed:
            self.change(f"create role {name}, {trust}" if new else f"update role {name} ({', '.join(keys)}), {trust}")
        view = result.get("role") or {}
        arn = view.get("arn") or name
        # Drift the module reports and leaves in place (no purge_*): said, not judged.
        extras = [f"managed policy {p}" for p in view.get("extra_policies") or []]
        extras += [f"inline policy {p}" for p in view.get("extra_inline_policies") or []]
        left = f"; not declared, left in place: {', '.join(extras)}" if extras else ""
        self.applied(
            id,
            phase,
            f"{title}: {name}",
            seen=f"role {arn} is as declared, {trust}{left}",
            made="created" if new else f"updated ({', '.join(keys)})",
            would=(
                f"role {name} does not exist"
                if new
                else f"role {name} differs from the declaration in {', '.join(keys)}"
            )
            if changed
            else None,
            remedy=f"{'create' if new else 'update'} role {name}",
        )
        self._inline_policy(role, phase, f"{role}_policy", name, result, new)

    def _inline_policy(self, role, phase, id, role_name, role_result, new_role):  # pylint: disable=redefined-builtin
        policy_name = self.settings.get(f"{role}_policy_name")
        declared = self.settings.get(f"{role}_policy")
        title = f"Inline policy {policy_name} of role {role_name}"
        if not declared:
            self.add(id, phase, title, records.SKIPPED, f"{PREFIX}{role}_policy is empty: no inline policy declared")
            return
        # cross_account_role's diff holds the inline policies when the role changes; a role it leaves alone has
        # them as declared. ``cmp_policy``/``awsadmin_policy`` in ``observed``: a task of its own put them.
        before, after = _diff_views(role_result, role_name)[:2]
        if "inline_policies" in before or "inline_policies" in after:
            wanted = (after.get("inline_policies") or {}).get(policy_name)
            current = (before.get("inline_policies") or {}).get(policy_name)
            changed = current != wanted
            missing = current is None
        else:
            changed = _is_changed(self.get(id)) or (self.check_mode and new_role)
            missing = new_role
        if changed:
            self.change(f"put inline policy {policy_name} on role {role_name}")
        self.applied(
            id,
            phase,
            title,
            seen=f"inline policy {policy_name} on role {role_name} is as declared",
            made="put",
            would=(
                f"role {role_name} has no inline policy {policy_name}"
                if missing
                else f"inline policy {policy_name} on role {role_name} differs from the declaration"
            )
            if changed
            else None,
            remedy=f"put inline policy {policy_name} on role {role_name}",
        )

    # --- step 3: account configuration (DoiT) ---

    def configuration(self):
        self.manual(
            "payment_method",
            3,
            "Payment method replaced with DoiT's",
            "replace the payment method with DoiT's (Billing console > Payment preferences)",
            "DoiT",
        )
        self.manual(
            "tax_profile",
            3,
            "Tax profile set to the country of DoiT's billing profile",
            "set the tax profile to the country of DoiT's billing profile (Billing console > Tax settings)",
            "DoiT",
        )
        self.manual(
            "email_verification",
            3,
            "Organization e-mail verification completed",
            "complete the organization e-mail verification that the root e-mail change requires "
            "(AWS Organizations console)",
            "DoiT",
        )
        self._bucket()
        self._bucket_policy()
        self._report()

    def _bucket(self):
        bucket = self.settings.get("bucket_name")
        declared = f"blocking all public access, encrypted with {BUCKET_ENCRYPTION}"
        exists = any(b.get("name") == bucket for b in self.get("bucket_before").get("buckets") or [])
        if self.check_mode:
            plan = self.observed.get("bucket_plan")
            if plan is None:
                plan = bucket_plan(
                    self.get("bucket_before"),
                    bucket,
                    self.settings.get("bucket_region"),
                    self.settings.get("tags"),
                    self.settings.get("purge_tags"),
                )
            for change in plan:
                self.change(change)
            changed = bool(plan)
            would = "; ".join(plan)
        else:
            changed = _is_changed(self.get("bucket"))
            if changed:
                self.change(f"{'update' if exists else 'create'} bucket {bucket}, {declared}")
            would = None
        self.applied(
            "bucket",
            3,
            f"Report bucket {bucket}",
            seen=f"bucket {bucket} exists, {declared}",
            made="updated" if exists else "created",
            would=(
                f"bucket {bucket} differs from the declaration: amazon.aws.s3_bucket would {would}"
                if exists
                else f"bucket {bucket} does not exist"
            )
            if changed
            else None,
            remedy=f"{'update' if exists else 'create'} bucket {bucket}, {declared}",
        )

    def _bucket_policy(self):
        bucket = self.settings.get("bucket_name")
        report = self.get("report")
        changed = bool((report.get("bucket_policy") or {}).get("changed"))
        text = f"the policy of bucket {bucket} lets billingreports.amazonaws.com deliver reports of {self.account} only"
        if changed:
            self.change(
                f"merge the statements that let billingreports.amazonaws.com deliver reports of {self.account} "
                f"into the policy of bucket {bucket}"
            )
        self.applied(
            "bucket_policy",
            3,
            f"Bucket policy of {bucket} lets AWS deliver the report",
            seen=text,
            made="merged",
            would=f"the policy of bucket {bucket} lacks the statements for billingreports.amazonaws.com"
            if changed
            else None,
            remedy=f"merge the billing reports statements into the policy of bucket {bucket}",
        )

    def _report(self):
        name = self.settings.get("report_name")
        report = self.get("report")
        where = f"s3://{self.settings.get('bucket_name')}/{self.settings.get('report_prefix')}"
        before, after, in_diff = _diff_views(report, "report")
        keys = _changed_keys(before, after)
        changed = _is_changed(report) and bool(keys)
        new = in_diff and not before
        if changed:
            self.change(f"{'create' if new else 'update'} Cost and Usage Report {name} ({where})")
        self.applied(
            "report",
            3,
            f"Cost and Usage Report {name}",
            seen=f"Cost and Usage Report {name} delivers {self.settings.get('report_time_unit')} "
            f"{self.settings.get('report_format')} reports to {where}",
            made="created" if new else f"updated ({', '.join(keys)})",
            would=(
                f"Cost and Usage Report {name} does not exist"
                if new
                else f"Cost and Usage Report {name} differs from the declaration in {', '.join(keys)}"
            )
            if changed
            else None,
            remedy=f"{'create' if new else 'update'} Cost and Usage Report {name}",
        )


def onboarding_result(observed):
    """The records of DoiT's onboarding checklist for one account, and what this run changed.

    ``observed`` holds ``account_id``, ``check_mode``, ``settings`` (the role's variables without the prefix,
    never the external ID) and what the role's tasks returned: ``organization`` (org_member_check), ``root``
    (security_baseline_info), ``admin_user`` (amazon.aws.iam_user), ``administrators``
    (iam_policy_entities_info), ``cmp_role`` and ``awsadmin_role`` (cross_account_role), ``cmp_policy`` and
    ``awsadmin_policy`` (amazon.aws.iam_policy, when the role module does not manage inline policies),
    ``bucket_before`` (amazon.aws.s3_bucket_info), ``bucket`` (amazon.aws.s3_bucket) and ``report``
    (cur_report). Returns ``{account_id, check_mode, changes, records}``, records in checklist order.
    """
    checklist = _Checklist(observed)
    checklist.readiness()
    checklist.onboarding()
    checklist.configuration()
    return {
        "account_id": checklist.account,
        "check_mode": checklist.check_mode,
        "changes": checklist.changes,
        "records": checklist.records,
    }


def report(results, generated_at, check_mode, hosts=None):
    """The JSON report (records.make_report's shape) of every account's ``onboarding_result``."""
    found = [record for result in results or [] for record in (result or {}).get("records") or []]
    return records.make_report(PLAYBOOK, found, generated_at, check_mode, hosts)
