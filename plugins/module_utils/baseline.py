# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The security baseline of checklist phase 2, as records (records.py) of one account.

Each check reads first (``read_*``: AWS calls only, entry points take boto3
clients) and judges after (``evaluate_*``: pure functions returning one
record), so that the judging is tested without AWS. A record is ``verified``
or ``failed``; a failed check blocks (the account is not ready) when it is in
``blocking``, and is a non-blocking ``failed`` otherwise. A check whose read
fails after the retries is ``unknown``, with the reason (throttled, access
denied, not available) and what to do: never a silent pass, never a verdict.

Record ids: ``baseline.root_mfa``, ``baseline.console_users_mfa``,
``baseline.cloudtrail``, ``baseline.config_recorder``,
``baseline.password_policy``; all of phase 2.
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.iam import list_iam_mfa_devices
from ansible_collections.amazon.aws.plugins.module_utils.iam import list_iam_users

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import read_errors
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import unchecked
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import unchecked_reason
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import retrying

PHASE = "2"
CHECKS = ("root_mfa", "console_users_mfa", "cloudtrail", "config_recorder", "password_policy")
DEFAULT_BLOCKING = ("root_mfa", "cloudtrail")
TITLES = {
    "root_mfa": "Root user MFA",
    "console_users_mfa": "MFA for every IAM user with console access",
    "cloudtrail": "A multi-region CloudTrail trail is logging",
    "config_recorder": "AWS Config is recording",
    "password_policy": "IAM password policy",
}

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

# --- records -----------------------------------------------------------------


def record_id(check):
    return f"baseline.{check}"


def _judged(check, account, ok, evidence, remedy, blocking):
    return records.judged(record_id(check), PHASE, TITLES[check], account, ok, evidence, remedy, blocking)


def _unknown(check, account, reason, remedy, blocking):
    return records.unknown(record_id(check), PHASE, TITLES[check], account, reason, remedy, blocking)


# One error handler per service; IAM's is amazon.aws's.
class CloudTrailError(AnsibleAWSError):
    pass


class CloudTrailErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = CloudTrailError


class ConfigError(AnsibleAWSError):
    pass


class ConfigErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = ConfigError


# --- reads (each retried with back-off; errors raised through the service's handler) ---------------------


@IAMErrorHandler.common_error_handler("read the account summary (iam:GetAccountSummary)")
def read_root_mfa(iam):
    summary = retrying(iam).get_account_summary(aws_retry=True)["SummaryMap"]
    return {
        "mfa_enabled": bool(summary.get("AccountMFAEnabled")),
        # Reported by IAM once root credentials can be removed centrally; None where it is not.
        "password_present": None
        if "AccountPasswordPresent" not in summary
        else bool(summary["AccountPasswordPresent"]),
        "access_keys_present": bool(summary.get("AccountAccessKeysPresent")),
    }


@IAMErrorHandler.common_error_handler("read the IAM users and their MFA devices")
def read_console_users(iam):
    """IAM users with a console password, each with whether it has an MFA device.

    There is no bulk call for console passwords other than the credential
    report, which can be hours old; one GetLoginProfile per user, and one
    ListMFADevices per console user, is always current.
    """
    iam = retrying(iam)
    users = list_iam_users(iam)  # amazon.aws's reads: every page, retried with back-off
    console_users = {}
    for user in users:
        name = user["UserName"]
        try:
            iam.get_login_profile(aws_retry=True, UserName=name)
        except is_boto3_error_code("NoSuchEntity"):
            continue
        console_users[name] = bool(list_iam_mfa_devices(iam, user=name))
    return {"users": len(users), "console_users": console_users}


@CloudTrailErrorHandler.common_error_handler("describe the trails (cloudtrail:DescribeTrails)")
def read_trails(cloudtrail):
    """Every trail that applies to this region, with the logging state of the multi-region ones."""
    cloudtrail = retrying(cloudtrail)
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
            except read_errors() as e:
                view["status_error"] = unchecked_reason(e, "cloudtrail:GetTrailStatus")
        trails.append(view)
    return trails


@ConfigErrorHandler.common_error_handler(
    "read the configuration recorders (config:DescribeConfigurationRecorderStatus)"
)
def read_config_recorders(config):
    statuses = retrying(config).describe_configuration_recorder_status(aws_retry=True)["ConfigurationRecordersStatus"]
    return [
        {"name": s["name"], "recording": bool(s.get("recording")), "last_status": s.get("lastStatus")} for s in statuses
    ]


@IAMErrorHandler.common_error_handler("read the password policy (iam:GetAccountPasswordPolicy)")
def read_password_policy(iam):
    try:
        return retrying(iam).get_account_password_policy(aws_retry=True)["PasswordPolicy"]
    except is_boto3_error_code("NoSuchEntity"):
        return None


# --- judging (pure) ----------------------------------------------------------


def evaluate_root_mfa(root, blocking, account=None):
    if root["mfa_enabled"]:
        return _judged(
            "root_mfa", account, True, "the root user has MFA (GetAccountSummary AccountMFAEnabled=1)", None, blocking
        )
    if root["password_present"] is False and not root["access_keys_present"]:
        # A member account whose root credentials were removed with IAM's centralized root access: no one can sign in.
        return _judged(
            "root_mfa",
            account,
            True,
            "the root user has no password and no access keys (root access removed)",
            None,
            blocking,
        )
    return _judged(
        "root_mfa",
        account,
        False,
        "the root user has no MFA device (GetAccountSummary AccountMFAEnabled=0)",
        "sign in as the root user, open Security credentials and assign an MFA device (only a person can do this)",
        blocking,
    )


def evaluate_console_users(found, blocking, account=None):
    console_users = found["console_users"]
    without = sorted(name for name, has_mfa in console_users.items() if not has_mfa)
    if not console_users:
        evidence = f"no IAM user has console access ({found['users']} IAM users)"
    elif not without:
        evidence = f"all {len(console_users)} IAM users with console access have MFA"
    else:
        evidence = (
            f"{len(without)} of {len(console_users)} IAM users with console access have no MFA: {', '.join(without)}"
        )
    return _judged(
        "console_users_mfa",
        account,
        not without,
        evidence,
        "assign each an MFA device (IAM > Users > Security credentials) or delete their console password",
        blocking,
    )


def evaluate_trails(trails, blocking, region=None, account=None):
    multi_region = [t for t in trails if t["multi_region"]]
    logging = [t for t in multi_region if t["logging"]]
    if logging:
        names = ", ".join(t["name"] for t in logging)
        return _judged("cloudtrail", account, True, f"multi-region trail logging: {names}", None, blocking)

    unread = [t for t in multi_region if t["logging"] is None]
    organization = [t for t in unread if t["organization_trail"]]
    if organization:
        # The organization's trail, run from the management account: its state may not be readable here, and an
        # organization trail is most likely logging. Not a verdict, and it does not block.
        trail = organization[0]
        return _unknown(
            "cloudtrail",
            account,
            f"organization trail {trail['name']} applies to this account but its status could not be read here "
            f"({trail['status_error']})",
            f"confirm it is logging from the management account: aws cloudtrail get-trail-status --name {trail['arn']}",
            blocking=False,
        )
    if unread:
        trail = unread[0]
        return _unknown(
            "cloudtrail",
            account,
            f"whether multi-region trail {trail['name']} is logging ({trail['status_error']})",
            "allow cloudtrail:GetTrailStatus for these credentials, or check it by hand",
            blocking,
        )
    if multi_region:
        trail = multi_region[0]
        return _judged(
            "cloudtrail",
            account,
            False,
            f"multi-region trail {trail['name']} is not logging",
            f"aws cloudtrail start-logging --name {trail['arn'] or trail['name']}",
            blocking,
        )
    single = [t["name"] for t in trails]
    where = f" in {region}" if region else ""
    return _judged(
        "cloudtrail",
        account,
        False,
        f"no multi-region trail{where} (single-region trails: {', '.join(single)})"
        if single
        else "no CloudTrail trail",
        "create a multi-region trail (or an organization trail from the management account) and start logging it",
        blocking,
    )


def evaluate_config_recorders(recorders, blocking, region=None, account=None):
    where = f" in {region}" if region else ""
    recording = [r["name"] for r in recorders if r["recording"]]
    if recording:
        return _judged(
            "config_recorder",
            account,
            True,
            f"AWS Config recorder recording{where}: {', '.join(recording)}",
            None,
            blocking,
        )
    if recorders:
        name = recorders[0]["name"]
        return _judged(
            "config_recorder",
            account,
            False,
            f"AWS Config recorder {name} exists{where} but is not recording",
            f"aws configservice start-configuration-recorder --configuration-recorder-name {name}",
            blocking,
        )
    return _judged(
        "config_recorder",
        account,
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


def evaluate_password_policy(policy, blocking, requirements, account=None):
    if policy is None:
        return _judged(
            "password_policy",
            account,
            False,
            "no IAM password policy (IAM's default allows 8-character passwords)",
            _password_policy_command(requirements),
            blocking,
        )
    shortfalls = password_policy_shortfalls(policy, requirements)
    return _judged(
        "password_policy",
        account,
        not shortfalls,
        "the IAM password policy meets the requirements"
        if not shortfalls
        else "the IAM password policy lacks: " + "; ".join(shortfalls),
        _password_policy_command(requirements),
        blocking,
    )


# --- running the baseline ----------------------------------------------------

# Per check: the client it reads with, its read, its judge, and the calls it makes (for "could not check").
_STEPS = {
    "root_mfa": ("iam", read_root_mfa, evaluate_root_mfa, "iam:GetAccountSummary"),
    "console_users_mfa": (
        "iam",
        read_console_users,
        evaluate_console_users,
        "iam:ListUsers, iam:GetLoginProfile and iam:ListMFADevices",
    ),
    "cloudtrail": ("cloudtrail", read_trails, evaluate_trails, "cloudtrail:DescribeTrails"),
    "config_recorder": (
        "config",
        read_config_recorders,
        evaluate_config_recorders,
        "config:DescribeConfigurationRecorderStatus",
    ),
    "password_policy": ("iam", read_password_policy, evaluate_password_policy, "iam:GetAccountPasswordPolicy"),
}
_REGIONAL = ("cloudtrail", "config_recorder")


def run_baseline(clients, checks, blocking, password_requirements, account=None, region=None):
    """Run the named checks in one account and region.

    ``clients`` maps ``iam``, ``cloudtrail`` and ``config`` to boto3 clients
    (only those the checks need); ``account`` is the account they act in, for
    the records. Returns ``(records, facts)``: one record per check, in the
    order of ``CHECKS``, and what was read, by check name (None when it could
    not be read).
    """
    results = []
    facts = {}
    for name in CHECKS:
        if name not in checks:
            continue
        service, read, evaluate, calls = _STEPS[name]
        is_blocking = name in blocking
        try:
            found = read(clients[service])
        except read_errors() as e:
            facts[name] = None
            results.append(
                unchecked(
                    record_id(name), PHASE, TITLES[name], account, e, calls, "check it by hand", blocking=is_blocking
                )
            )
            continue
        facts[name] = found
        extra = {"requirements": password_requirements} if name == "password_policy" else {}
        if name in _REGIONAL:
            extra["region"] = region
        results.append(evaluate(found, is_blocking, account=account, **extra))
    return results, facts
