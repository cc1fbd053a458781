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
from ansible_collections.diatonic.partnercentral.plugins.module_utils.payments import PAYMENT_METHODS

PREFIX = "doit_onboarding_"
PLAYBOOK = "doit_onboarding"
# Every record id onboarding_result can produce, in checklist order (phase doit-1, doit-2, doit-3), for the
# readiness report's catalog (checklist.py) to map DoiT's steps onto.
RECORD_IDS = (
    "doit.management_account",
    "doit.admin_user",
    "doit.admin_user_credentials",
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
    "doit.report_delivery",
)

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

# What DoiT's help pages ask of the Cost and Usage Report (a legacy report): hourly line items, with resource IDs
# and split cost allocation data, as GZIP-compressed CSV or as Parquet.
DOIT_TIME_UNIT = "HOURLY"
DOIT_SCHEMA_ELEMENTS = ("RESOURCES", "SPLIT_COST_ALLOCATION_DATA")
DOIT_COMPRESSIONS = ("GZIP", "Parquet")
_COUNTRY = re.compile(r"[A-Z]{2}")

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


def _doit_report_problems(settings):
    """Where the declared report is not what DoiT reads; off with report_enforce_doit_requirements: false."""
    if settings.get("report_enforce_doit_requirements") is False:
        return []
    problems = []
    switch = f"or set {PREFIX}report_enforce_doit_requirements: false if DoiT asked you for another report"
    time_unit = settings.get("report_time_unit")
    if time_unit is not None and time_unit != DOIT_TIME_UNIT:
        problems.append(
            f"{PREFIX}report_time_unit is {_text(time_unit)}; DoiT reads hourly reports: set HOURLY, {switch}"
        )
    elements = settings.get("report_schema_elements") or []
    lacking = [element for element in DOIT_SCHEMA_ELEMENTS if element not in elements]
    if lacking:
        problems.append(
            f"{PREFIX}report_schema_elements lacks {', '.join(lacking)}; DoiT needs resource IDs and split cost "
            f"allocation data: add {', '.join(lacking)}, {switch}"
        )
    compression = settings.get("report_compression")
    if compression is not None and compression not in DOIT_COMPRESSIONS:
        problems.append(
            f"{PREFIX}report_compression is {_text(compression)}; DoiT reads GZIP-compressed CSV or Parquet: set "
            f"GZIP (or {PREFIX}report_format and {PREFIX}report_compression Parquet), {switch}"
        )
    return problems


def _evidence_settings_problems(settings):
    """The values the API evidence is compared with (empty: the item is left to a person)."""
    problems = []
    method = settings.get("payment_method")
    if not _blank(method) and method not in PAYMENT_METHODS:
        problems.append(f"{PREFIX}payment_method {_text(method)} must be one of {', '.join(PAYMENT_METHODS)}, or empty")
    country = settings.get("tax_country")
    if not _blank(country) and not _COUNTRY.fullmatch(str(country)):
        problems.append(
            f"{PREFIX}tax_country {_text(country)} must be a two-letter ISO 3166 country code in capitals "
            "(US, IL, GB...), or empty"
        )
    target = settings.get("billing_transfer_account_id")
    if not _blank(target) and not _ACCOUNT_ID.fullmatch(str(target)):
        problems.append(
            f"{PREFIX}billing_transfer_account_id {_text(str(target))} must be a 12-digit AWS account ID in quotes, "
            "or empty"
        )
    email = settings.get("root_email")
    if not _blank(email) and "@" not in str(email):
        problems.append(f"{PREFIX}root_email {_text(email)} is not an e-mail address")
    return problems


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
    problems += _doit_report_problems(settings)
    problems += _evidence_settings_problems(settings)
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
        observed = dict(observed)
        # doit_readiness_info reads in one module what org_member_check, security_baseline_info and
        # iam_policy_entities_info read before: the same facts, under the keys those modules' results had.
        self.facts = observed.get("readiness") or None
        if self.facts:
            error = self.facts.get("root_error")
            observed.setdefault("organization", {"organization": self.facts.get("organization")})
            observed.setdefault(
                "root", {"root": self.facts.get("root"), "checks": [{"message": error}] if error else []}
            )
            observed.setdefault("administrators", self.facts.get("administrators") or {})
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
        self._spp()

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
        self._payment_method()
        self._tax_profile()
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
        self._report_delivery()

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

    # --- the API evidence of DoiT's billing steps (doit_readiness_info) ---

    def _unread(self, id, phase, title, error, action, by_hand, who, blocking):  # pylint: disable=redefined-builtin
        """An item whose read failed: unknown, with why (doit_readiness_info's ``*_error``) and what to do."""
        error = error or f"{action} was not read"
        if error.startswith("access denied"):
            remedy = f"allow {action} for these credentials, or {by_hand}"
        elif error.startswith("throttled"):
            remedy = f"run again later (AWS throttled or failed the call), or {by_hand}"
        elif "upgrade botocore" in error:
            remedy = f"upgrade botocore on the controller ({error.split('upgrade botocore ', 1)[1]}), or {by_hand}"
        else:
            remedy = by_hand
        self.add(id, phase, title, records.UNKNOWN, f"could not check: {error}", remedy, who, blocking=blocking)

    def _spp(self):
        title = "Organization onboarded to the Solution Provider Program"
        step = "onboard the organization to the Solution Provider Program in the AWS Channel Management dashboard"
        by_hand = "confirm with DoiT that the organization is onboarded to SPP"
        expected = str(self.settings.get("billing_transfer_account_id") or "")
        call = "organizations:ListOutboundResponsibilityTransfers"
        if self.facts is None:
            self.manual("spp", 2, title, step, "DoiT")
            return
        transfers = self.facts.get("billing_transfers")
        if transfers is None:
            error = self.facts.get("billing_transfers_error")
            self._unread("spp", 2, title, error, call, by_hand, "DoiT", blocking=bool(expected))
            return

        def matches(transfer):
            return not expected or transfer.get("target_account_id") == expected

        def named(transfer):
            email = f" ({transfer['target_email']})" if transfer.get("target_email") else ""
            return f"{transfer.get('target_account_id')}{email}, transfer {transfer.get('id')}"

        active = [t for t in transfers if t.get("active")]
        invited = [t for t in transfers if t.get("status") == "REQUESTED" and matches(t)]
        mine = [t for t in active if matches(t)]
        if mine:
            since = f" since {mine[0]['started']}" if mine[0].get("started") else ""
            self.add(
                "spp",
                2,
                title,
                records.VERIFIED,
                f"the billing of organization {self._organization_id()} is transferred to {named(mine[0])}{since} "
                f"({call})",
            )
        elif invited:
            handshake = invited[0].get("handshake_id")
            self.add(
                "spp",
                2,
                title,
                records.FAILED,
                f"a billing transfer to {named(invited[0])} waits for this organization to accept it ({call})",
                "accept the billing transfer invitation in the AWS Organizations console of the management account"
                + (f" (aws organizations accept-handshake --handshake-id {handshake})" if handshake else ""),
                "customer",
            )
        elif active:
            self.add(
                "spp",
                2,
                title,
                records.FAILED,
                f"the billing of organization {self._organization_id()} is transferred to {named(active[0])}, "
                f"not to {expected} ({call})",
                f"{step}; check {PREFIX}billing_transfer_account_id with DoiT",
                "DoiT",
            )
        elif expected:
            self.add(
                "spp",
                2,
                title,
                records.FAILED,
                f"no billing transfer of organization {self._organization_id()} to {expected} ({call})",
                step,
                "DoiT",
            )
        else:
            self.manual(
                "spp",
                2,
                title,
                step,
                "DoiT",
                evidence=f"no billing transfer of organization {self._organization_id()} to another organization "
                f"({call}); SPP onboarding may not use one: {by_hand}, or set {PREFIX}billing_transfer_account_id "
                "to verify it",
            )

    def _organization_id(self):
        return (self.get("organization").get("organization") or {}).get("id")

    def _payment_method(self):
        title = "Payment method replaced with DoiT's"
        step = "replace the payment method with DoiT's (Billing console > Payment preferences)"
        by_hand = "confirm it in the Billing console (Payment preferences)"
        expected = self.settings.get("payment_method") or ""
        call = "payments:ListPaymentInstruments"
        if self.facts is None:
            self.manual("payment_method", 3, title, step, "DoiT")
            return
        instruments = self.facts.get("payment_instruments")
        if instruments is None:
            error = self.facts.get("payment_instruments_error")
            self._unread("payment_method", 3, title, error, call, by_hand, "DoiT", blocking=bool(expected))
            return
        listed = (
            ", ".join(f"{i.get('payment_method')} {i.get('status')} ({i.get('id')})" for i in instruments)
            or "no payment instrument"
        )
        if not expected:
            self.manual(
                "payment_method",
                3,
                title,
                step,
                "DoiT",
                evidence=f"payment instruments of {self.account}: {listed} ({call}); set {PREFIX}payment_method "
                "to the kind DoiT sets up to verify it",
            )
            return
        found = [i for i in instruments if i.get("payment_method") == expected and i.get("status") == "ACTIVE"]
        self.add(
            "payment_method",
            3,
            title,
            records.VERIFIED if found else records.FAILED,
            f"{'an' if found else 'no'} ACTIVE {expected} payment instrument on {self.account}; "
            f"its payment instruments: {listed} ({call})",
            step,
            "DoiT",
        )

    def _tax_profile(self):
        title = "Tax profile set to the country of DoiT's billing profile"
        step = "set the tax profile to the country of DoiT's billing profile (Billing console > Tax settings)"
        by_hand = "confirm it in the Billing console (Tax settings)"
        expected = self.settings.get("tax_country") or ""
        call = "tax:ListTaxRegistrations"
        if self.facts is None:
            self.manual("tax_profile", 3, title, step, "DoiT")
            return
        registrations = self.facts.get("tax_registrations")
        if registrations is None:
            error = self.facts.get("tax_registrations_error")
            self._unread("tax_profile", 3, title, error, call, by_hand, "DoiT", blocking=bool(expected))
            return
        mine = next((r for r in registrations if r.get("account_id") == self.account), {})
        if mine.get("country"):
            country = mine["country"]
            seen = (
                f"the tax registration of {self.account} is in {country} "
                f"({mine.get('registration_type')}, {mine.get('status')})"
            )
            usable = mine.get("status") not in ("Deleted", "Rejected")
        elif mine.get("address_country"):
            country = mine["address_country"]
            seen = f"{self.account} has no tax registration; its tax address is in {country}"
            usable = True
        else:
            country = None
            seen = f"{self.account} has no tax registration and no tax address"
            usable = False
        if not expected:
            self.manual(
                "tax_profile",
                3,
                title,
                step,
                "DoiT",
                evidence=f"{seen} ({call}); set {PREFIX}tax_country to the country of DoiT's billing profile "
                "to verify it",
            )
            return
        ok = usable and country == expected
        if country == expected and not usable:
            step = f"the registration in {country} is {mine.get('status')}: correct it with AWS (Tax settings)"
        self.add(
            "tax_profile",
            3,
            title,
            records.VERIFIED if ok else records.FAILED,
            f"{seen}{'' if ok else f', expected {expected}'} ({call})",
            step,
            "DoiT",
        )

    def _report_delivery(self):
        name = self.settings.get("report_name")
        bucket = self.settings.get("bucket_name")
        title = f"Cost and Usage Report {name} is delivered to the bucket"
        call = "cur:DescribeReportDefinitions ReportStatus"
        report = self.get("report")
        if "delivery" not in report:
            return  # a cur_report result of 0.2 (no delivery): no record rather than a wrong one
        delivery = report.get("delivery") or {}
        status = delivery.get("last_status")
        wait = "run the playbook again after AWS's next delivery (AWS updates the report within 24 hours)"
        if not report.get("delivery"):
            made = "would be created by this run" if self.check_mode else "was created by this run"
            self.add(
                "report_delivery",
                3,
                title,
                records.UNKNOWN,
                f"not delivered yet: report {name} {made}",
                wait,
                "DoiT",
                blocking=False,
            )
        elif status == "SUCCESS":
            self.add(
                "report_delivery",
                3,
                title,
                records.VERIFIED,
                f"AWS last delivered report {name} to s3://{bucket} at {delivery.get('last_delivery')} ({call} "
                "lastStatus SUCCESS)",
            )
        elif status in ("ERROR_PERMISSIONS", "ERROR_NO_BUCKET"):
            problem = (
                f"the policy of bucket {bucket} did not let billingreports.amazonaws.com write"
                if status == "ERROR_PERMISSIONS"
                else f"bucket {bucket} did not exist"
            )
            evidence = (
                f"AWS's last delivery of report {name} failed with {status} at {delivery.get('last_delivery')}: "
                f"{problem} ({call})"
            )
            fixed = self._is_fixed_by_this_run(status)
            if fixed:
                self.add(
                    "report_delivery",
                    3,
                    title,
                    records.UNKNOWN,
                    f"{evidence}; {fixed}",
                    wait,
                    "DoiT",
                    blocking=False,
                )
            else:
                self.add(
                    "report_delivery",
                    3,
                    title,
                    records.FAILED,
                    evidence,
                    f"let billingreports.amazonaws.com write to s3://{bucket} (the bucket policy this role merges; "
                    "no bucket policy statement or SCP may deny it), then wait for AWS's next delivery",
                    "DoiT",
                )
        else:
            self.add(
                "report_delivery",
                3,
                title,
                records.UNKNOWN,
                f"not delivered yet: AWS has not delivered report {name} ({call} has no lastStatus)",
                wait,
                "DoiT",
                blocking=False,
            )

    def _is_fixed_by_this_run(self, status):
        """What this run changed that the failed delivery's cause may have been, in words; None when nothing."""
        policy_changed = bool((self.get("report").get("bucket_policy") or {}).get("changed"))
        bucket_changed = _is_changed(self.get("bucket")) or bool(self.check_mode and self.observed.get("bucket_plan"))
        if status == "ERROR_PERMISSIONS" and policy_changed:
            return f"this run {'would merge' if self.check_mode else 'merged'} the delivery statements into it"
        if status == "ERROR_NO_BUCKET" and bucket_changed:
            return f"this run {'would create or update' if self.check_mode else 'created or updated'} the bucket"
        return None


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
