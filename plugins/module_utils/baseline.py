# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness checks: the check record the preflight modules share, and the security baseline (phase 2).

Every check of the collection's preflight modules is reported the same way,
so that roles and reports can put them side by side::

    {"name": "root_mfa", "status": "fail", "message": "...", "remedy": "..."}

``status`` is ``pass``, ``fail`` (blocks: the account is not ready) or
``warn`` (a problem that does not block, or something that could not be
verified). ``remedy`` says in one line what to do; it is None on a pass.

The baseline checks read first (``read_*``, AWS calls only) and judge after
(``evaluate_*``, pure functions), so the judging is tested without AWS. A
check whose reads fail (access denied, endpoint not reachable) is not passed
silently: it fails when it blocks, and warns otherwise.
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

PASS = "pass"
FAIL = "fail"
WARN = "warn"

CHECKS = ("root_mfa", "console_users_mfa", "cloudtrail", "config_recorder", "password_policy")
DEFAULT_BLOCKING = ("root_mfa", "cloudtrail")

# Password policy requirements (module option names) and the GetAccountPasswordPolicy fields they read.
PASSWORD_POLICY_FIELDS = {
    "minimum_password_length": "MinimumPasswordLength",
    "require_symbols": "RequireSymbols",
    "require_numbers": "RequireNumbers",
    "require_uppercase_characters": "RequireUppercaseCharacters",
    "require_lowercase_characters": "RequireLowercaseCharacters",
    "password_reuse_prevention": "PasswordReusePrevention",
    "max_password_age": "MaxPasswordAge",
}
# The CIS AWS Foundations Benchmark's password length; the character classes are common practice.
DEFAULT_PASSWORD_POLICY = {
    "minimum_password_length": 14,
    "require_symbols": True,
    "require_numbers": True,
    "require_uppercase_characters": True,
    "require_lowercase_characters": True,
    "password_reuse_prevention": None,
    "max_password_age": None,
}

# --- the check record --------------------------------------------------------


def make_check(name, status, message, remedy=None):
    return {"name": name, "status": status, "message": message, "remedy": None if status == PASS else remedy}


def graded(name, ok, message, remedy, blocking):
    """A pass, or a problem that fails when it blocks and warns otherwise."""
    return make_check(name, PASS if ok else (FAIL if blocking else WARN), message, remedy)


def unverified(name, what, error, permission, blocking):
    """A check that could not be made: never a silent pass."""
    return make_check(
        name,
        FAIL if blocking else WARN,
        f"could not check {what}: {describe_error(error)}",
        f"allow {permission} for these credentials, or check it by hand",
    )


def describe_error(error):
    if isinstance(error, botocore.exceptions.ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'error')}: {details.get('Message', '')}".rstrip(": ")
    return str(error) or type(error).__name__


def is_ready(checks):
    return not any(check["status"] == FAIL for check in checks)


def summary_line(checks):
    """``"3 pass, 1 warn, 1 fail"``, in that order, leaving out zeros."""
    counts = [(sum(c["status"] == status for c in checks), status) for status in (PASS, WARN, FAIL)]
    return ", ".join(f"{n} {status}" for n, status in counts if n) or "no checks"


# --- reads -------------------------------------------------------------------


def _read_errors():
    return (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


def read_root_mfa(iam):
    summary = iam.get_account_summary(aws_retry=True)["SummaryMap"]
    return {
        "mfa_enabled": bool(summary.get("AccountMFAEnabled")),
        # Reported by IAM once root credentials can be removed centrally; None where it is not.
        "password_present": None
        if "AccountPasswordPresent" not in summary
        else bool(summary["AccountPasswordPresent"]),
        "access_keys_present": bool(summary.get("AccountAccessKeysPresent")),
    }


def read_console_users(iam):
    """IAM users with a console password, each with whether it has an MFA device.

    There is no bulk call for console passwords other than the credential
    report, which can be hours old; one GetLoginProfile per user, and one
    ListMFADevices per console user, is always current.
    """
    users = iam.get_paginator("list_users").paginate().build_full_result()["Users"]
    console_users = {}
    for user in users:
        name = user["UserName"]
        try:
            iam.get_login_profile(aws_retry=True, UserName=name)
        except is_boto3_error_code("NoSuchEntity"):
            continue
        devices = iam.list_mfa_devices(aws_retry=True, UserName=name)["MFADevices"]
        console_users[name] = bool(devices)
    return {"users": len(users), "console_users": console_users}


def read_trails(cloudtrail):
    """Every trail that applies to this region, with the logging state of the multi-region ones."""
    trails = []
    for trail in cloudtrail.describe_trails(aws_retry=True, includeShadowTrails=True)["trailList"]:
        view = {
            "name": trail["Name"],
            "arn": trail.get("TrailARN"),
            "home_region": trail.get("HomeRegion"),
            "multi_region": bool(trail.get("IsMultiRegionTrail")),
            "organization_trail": bool(trail.get("IsOrganizationTrail")),
            "logging": None,
            "status_error": None,
        }
        if view["multi_region"]:
            try:
                # A trail made in another region (a shadow trail) answers to its ARN only.
                status = cloudtrail.get_trail_status(aws_retry=True, Name=view["arn"] or view["name"])
                view["logging"] = bool(status.get("IsLogging"))
            except _read_errors() as e:
                view["status_error"] = describe_error(e)
        trails.append(view)
    return trails


def read_config_recorders(config):
    statuses = config.describe_configuration_recorder_status(aws_retry=True)["ConfigurationRecordersStatus"]
    return [
        {"name": s["name"], "recording": bool(s.get("recording")), "last_status": s.get("lastStatus")} for s in statuses
    ]


def read_password_policy(iam):
    try:
        return iam.get_account_password_policy(aws_retry=True)["PasswordPolicy"]
    except is_boto3_error_code("NoSuchEntity"):
        return None


# --- judging (pure) ----------------------------------------------------------


def evaluate_root_mfa(root, blocking):
    if root["mfa_enabled"]:
        return make_check("root_mfa", PASS, "the root user has MFA")
    if root["password_present"] is False and not root["access_keys_present"]:
        # A member account whose root credentials were removed with IAM's centralized root access: no one can sign in.
        return make_check("root_mfa", PASS, "the root user has no password and no access keys (root access removed)")
    return graded(
        "root_mfa",
        False,
        "the root user has no MFA device (GetAccountSummary AccountMFAEnabled=0)",
        "sign in as the root user, open Security credentials and assign an MFA device (only a person can do this)",
        blocking,
    )


def evaluate_console_users(found, blocking):
    console_users = found["console_users"]
    without = sorted(name for name, has_mfa in console_users.items() if not has_mfa)
    if not console_users:
        message = "no IAM user has console access"
    elif not without:
        message = f"all {len(console_users)} IAM users with console access have MFA"
    else:
        message = (
            f"{len(without)} of {len(console_users)} IAM users with console access have no MFA: {', '.join(without)}"
        )
    return graded(
        "console_users_mfa",
        not without,
        message,
        "assign each an MFA device (IAM > Users > Security credentials) or delete their console password",
        blocking,
    )


def evaluate_trails(trails, blocking, region=None):
    multi_region = [t for t in trails if t["multi_region"]]
    logging = [t for t in multi_region if t["logging"]]
    if logging:
        names = ", ".join(t["name"] for t in logging)
        return make_check("cloudtrail", PASS, f"multi-region trail logging: {names}")

    unknown = [t for t in multi_region if t["logging"] is None]
    organization = [t for t in unknown if t["organization_trail"]]
    if organization:
        # The organization's trail, run from the management account: its state may not be readable here.
        trail = organization[0]
        return make_check(
            "cloudtrail",
            WARN,
            f"organization trail {trail['name']} applies to this account but its status could not be read "
            f"({trail['status_error']})",
            f"confirm it is logging from the management account: aws cloudtrail get-trail-status --name {trail['arn']}",
        )
    if unknown:
        trail = unknown[0]
        return make_check(
            "cloudtrail",
            FAIL if blocking else WARN,
            f"could not read whether multi-region trail {trail['name']} is logging ({trail['status_error']})",
            "allow cloudtrail:GetTrailStatus for these credentials, or check it by hand",
        )
    if multi_region:
        trail = multi_region[0]
        return graded(
            "cloudtrail",
            False,
            f"multi-region trail {trail['name']} is not logging",
            f"aws cloudtrail start-logging --name {trail['arn'] or trail['name']}",
            blocking,
        )
    single = [t["name"] for t in trails]
    where = f" in {region}" if region else ""
    return graded(
        "cloudtrail",
        False,
        f"no multi-region trail{where} (single-region trails: {', '.join(single)})"
        if single
        else "no CloudTrail trail",
        "create a multi-region trail (or an organization trail from the management account) and start logging it",
        blocking,
    )


def evaluate_config_recorders(recorders, blocking, region=None):
    where = f" in {region}" if region else ""
    recording = [r["name"] for r in recorders if r["recording"]]
    if recording:
        return make_check("config_recorder", PASS, f"AWS Config recorder recording{where}: {', '.join(recording)}")
    if recorders:
        name = recorders[0]["name"]
        return graded(
            "config_recorder",
            False,
            f"AWS Config recorder {name} exists{where} but is not recording",
            f"aws configservice start-configuration-recorder --configuration-recorder-name {name}",
            blocking,
        )
    return graded(
        "config_recorder",
        False,
        f"no AWS Config recorder{where}",
        "set up AWS Config in this region (a delivery channel and a recorder), then start recording",
        blocking,
    )


def password_policy_shortfalls(policy, requirements):
    """What the account's password policy lacks against ``requirements`` (module option names)."""
    policy = policy or {}
    shortfalls = []
    for option, field in PASSWORD_POLICY_FIELDS.items():
        wanted = requirements.get(option)
        if wanted is None or wanted is False:
            continue
        have = policy.get(field)
        if option == "max_password_age":
            if not have or have > wanted:
                shortfalls.append(f"passwords expire after {wanted} days at most (now {have or 'never'})")
        elif wanted is True:
            if not have:
                shortfalls.append(option.replace("_", " "))
        elif (have or 0) < wanted:
            shortfalls.append(f"{option.replace('_', ' ')} {wanted} (now {have or 0})")
    return shortfalls


def _password_policy_command(requirements):
    flags = []
    for option in PASSWORD_POLICY_FIELDS:
        wanted = requirements.get(option)
        if wanted is True:
            flags.append("--" + option.replace("_", "-"))
        elif wanted not in (None, False):
            flags.append(f"--{option.replace('_', '-')} {wanted}")
    return "aws iam update-account-password-policy " + " ".join(flags)


def evaluate_password_policy(policy, blocking, requirements):
    if policy is None:
        return graded(
            "password_policy",
            False,
            "no IAM password policy (IAM's default allows 8-character passwords)",
            _password_policy_command(requirements),
            blocking,
        )
    shortfalls = password_policy_shortfalls(policy, requirements)
    return graded(
        "password_policy",
        not shortfalls,
        "the IAM password policy meets the requirements"
        if not shortfalls
        else "the IAM password policy lacks: " + "; ".join(shortfalls),
        _password_policy_command(requirements),
        blocking,
    )


# --- running the baseline ----------------------------------------------------

# Per check: what it needs (for the "could not check" message) and the permission to ask for.
_NEEDS = {
    "root_mfa": ("root MFA", "iam:GetAccountSummary"),
    "console_users_mfa": ("IAM users", "iam:ListUsers, iam:GetLoginProfile and iam:ListMFADevices"),
    "cloudtrail": ("CloudTrail trails", "cloudtrail:DescribeTrails and cloudtrail:GetTrailStatus"),
    "config_recorder": ("AWS Config recorders", "config:DescribeConfigurationRecorderStatus"),
    "password_policy": ("the password policy", "iam:GetAccountPasswordPolicy"),
}


def run_baseline(module, checks, blocking, password_requirements):
    """Run the named checks in the module's account and region.

    Returns ``(results, facts)``: the check records in the order of
    ``CHECKS``, and what was read, by check name (None when it could not be
    read), plus ``account_id``.
    """
    retry = AWSRetry.jittered_backoff()
    clients = {}

    def client(service):
        if service not in clients:
            clients[service] = module.client(service, retry_decorator=retry)
        return clients[service]

    # Per check: the client it reads with, its read, its judge, and what else the judge needs.
    steps = {
        "root_mfa": ("iam", read_root_mfa, evaluate_root_mfa, {}),
        "console_users_mfa": ("iam", read_console_users, evaluate_console_users, {}),
        "cloudtrail": ("cloudtrail", read_trails, evaluate_trails, {"region": module.region}),
        "config_recorder": ("config", read_config_recorders, evaluate_config_recorders, {"region": module.region}),
        "password_policy": (
            "iam",
            read_password_policy,
            evaluate_password_policy,
            {"requirements": password_requirements},
        ),
    }

    results = []
    facts = {"account_id": None}
    try:
        facts["account_id"] = client("sts").get_caller_identity(aws_retry=True)["Account"]
    except _read_errors():
        pass  # Only reported; the checks say what they could not read.
    for name in CHECKS:
        if name not in checks:
            continue
        service, read, evaluate, extra = steps[name]
        is_blocking = name in blocking
        try:
            found = read(client(service))
        except _read_errors() as e:
            what, permission = _NEEDS[name]
            results.append(unverified(name, what, e, permission, is_blocking))
            facts[name] = None
            continue
        facts[name] = found
        results.append(evaluate(found, is_blocking, **extra))
    return results, facts
