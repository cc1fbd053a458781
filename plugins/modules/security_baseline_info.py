#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: security_baseline_info
short_description: Check an AWS account's security baseline before Partner Central work (checklist phase 2)
version_added: 0.1.0
description:
  - Checks one account, read-only, and reports each check as a record (the collection's record model, schema
    C(schemas/report-1.json)) with status V(verified), V(failed) or V(unknown), its evidence and a one-line remedy.
  - V(root_mfa) (record C(baseline.root_mfa)) - the root user has MFA (C(iam:GetAccountSummary)); an account whose
    root credentials were removed centrally (no password, no access keys) is verified too.
  - V(console_users_mfa) (C(baseline.console_users_mfa)) - every IAM user with a console password has an MFA device.
  - V(cloudtrail) (C(baseline.cloudtrail)) - a multi-region CloudTrail trail (the account's own, or an organization
    trail) is logging.
  - V(config_recorder) (C(baseline.config_recorder)) - an AWS Config recorder is recording in the region.
  - V(password_policy) (C(baseline.password_policy)) - the IAM password policy meets O(password_policy).
  - A failed check blocks (the account is not ready) when it is listed in O(blocking); otherwise it is a failed
    record with C(blocking=false). A check that cannot be made after the retries is V(unknown), never passed and
    never failed; its evidence says whether AWS throttled the call, denied access, or the API was not available.
  - Reports findings without failing; RV(ready) says whether the account is ready (no blocking record failed or
    unknown). The C(diatonic.partnercentral.baseline) role turns that into a gate.
author:
  - Diatonic platform engineering (@diatonic)
options:
  expected_account_id:
    description:
      - The 12-digit account ID the credentials must belong to. When they belong to another account, the module
        fails before any check, as the checks would describe the wrong account.
    type: str
  checks:
    description: The checks to run.
    type: list
    elements: str
    choices: [root_mfa, console_users_mfa, cloudtrail, config_recorder, password_policy]
    default: [root_mfa, console_users_mfa, cloudtrail, config_recorder, password_policy]
  blocking:
    description:
      - The checks whose failure (or whose check could not be made) makes the account not ready; the others are
        reported with C(blocking=false). Checks that are not in O(checks) are not run, whatever this says.
    type: list
    elements: str
    choices: [root_mfa, console_users_mfa, cloudtrail, config_recorder, password_policy]
    default: [root_mfa, cloudtrail]
  password_policy:
    description:
      - What the IAM password policy must require. A requirement set to null (or V(false)) is not checked.
    type: dict
    default: {}
    suboptions:
      minimum_password_length:
        description: Shortest password allowed, at least.
        type: int
        default: 14
      require_symbols:
        description: Passwords must contain a symbol.
        type: bool
        default: true
      require_numbers:
        description: Passwords must contain a number.
        type: bool
        default: true
      require_uppercase_characters:
        description: Passwords must contain an uppercase letter.
        type: bool
        default: true
      require_lowercase_characters:
        description: Passwords must contain a lowercase letter.
        type: bool
        default: true
      password_reuse_prevention:
        description: Number of previous passwords that cannot be reused, at least.
        type: int
      max_password_age:
        description: Days after which a password expires, at most.
        type: int
notes:
  - The V(cloudtrail) and V(config_recorder) checks look at the module's region; trails of other regions count
    when they are multi-region.
  - Needs C(sts:GetCallerIdentity) (the account of the records; not with O(caller_arn)), C(iam:GetAccountSummary),
    C(iam:ListUsers), C(iam:GetLoginProfile), C(iam:ListMFADevices),
    C(iam:GetAccountPasswordPolicy), C(cloudtrail:DescribeTrails), C(cloudtrail:GetTrailStatus) and
    C(config:DescribeConfigurationRecorderStatus) for the checks it runs.
extends_documentation_fragment:
  - diatonic.partnercentral.controller
  - diatonic.partnercentral.account.caller_arn
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The security baseline, with the default blocking checks (root MFA, a logging trail)
  diatonic.partnercentral.security_baseline_info:
  register: baseline

- name: Stop here when the account is not ready
  ansible.builtin.assert:
    that: baseline.ready
    fail_msg: >-
      {{ baseline.records | selectattr('blocking') | rejectattr('status', 'eq', 'verified')
         | map(attribute='remedy') }}

- name: Make AWS Config and console MFA block too, with a 16-character password policy
  diatonic.partnercentral.security_baseline_info:
    blocking: [root_mfa, cloudtrail, config_recorder, console_users_mfa]
    password_policy:
      minimum_password_length: 16
      password_reuse_prevention: 24
"""

RETURN = r"""
records:
  description:
    - One record per check run, in the order of O(checks)' choices; the shape of C(schemas/report-1.json)'s records.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: C(baseline.<check>).
      type: str
      sample: baseline.cloudtrail
    phase:
      description: The checklist phase, V(2).
      type: str
    title:
      description: What the item is, for a person.
      type: str
      sample: A multi-region CloudTrail trail is logging
    account:
      description: The account checked; null when the credentials' account could not be read.
      type: str
      sample: "210987654321"
    status:
      description: V(verified), V(failed) or V(unknown) (could not be checked).
      type: str
      sample: failed
    blocking:
      description: Whether the check is in O(blocking).
      type: bool
    evidence:
      description: What was seen, or why it could not be checked (throttled, access denied, not available).
      type: str
      sample: multi-region trail org-trail is not logging
    remedy:
      description: What to do about it, in one line; null when verified.
      type: str
      sample: aws cloudtrail start-logging --name arn:aws:cloudtrail:us-east-1:210987654321:trail/org-trail
    who:
      description: Always null here.
      type: str
ready:
  description: Whether no blocking check failed or could not be made.
  returned: always
  type: bool
verdict:
  description: V(ready), V(not_ready) (a blocking check failed) or V(unknown) (a blocking check could not be made).
  returned: always
  type: str
  sample: not_ready
account_id:
  description: The account that was checked (from the credentials).
  returned: always
  type: str
  sample: "210987654321"
region:
  description: The region of the regional checks.
  returned: always
  type: str
  sample: us-east-1
root:
  description: What GetAccountSummary says about the root user; null when not checked or not readable.
  returned: always
  type: dict
  contains:
    mfa_enabled:
      description: Whether the root user has MFA.
      type: bool
    password_present:
      description: Whether the root user has a password; null where IAM does not report it.
      type: bool
    access_keys_present:
      description: Whether the root user has access keys.
      type: bool
console_users:
  description: IAM users with a console password, each with whether it has an MFA device; null when not checked.
  returned: always
  type: dict
  sample: {alice: true, build-bot: false}
trails:
  description: The trails that apply to the region; null when not checked.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Trail name.
      type: str
    arn:
      description: Trail ARN.
      type: str
    home_region:
      description: Region the trail was made in.
      type: str
    multi_region:
      description: Whether the trail covers every region.
      type: bool
    organization_trail:
      description: Whether it is the organization's trail.
      type: bool
    logging:
      description: Whether it is logging; null for single-region trails and when its status could not be read.
      type: bool
    status_error:
      description: Why the status could not be read.
      type: str
config_recorders:
  description: The region's AWS Config recorders; null when not checked.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Recorder name.
      type: str
    recording:
      description: Whether it is recording.
      type: bool
    last_status:
      description: Last recording status (V(SUCCESS), V(FAILURE), V(PENDING)).
      type: str
password_policy:
  description: The account's password policy as IAM returns it; null when there is none or it was not checked.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import CALLER_ARN_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_for_module
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import CHECKS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import DEFAULT_BLOCKING
from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import DEFAULT_PASSWORD_POLICY
from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import run_baseline
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import backoff


def password_policy_problems(requirements):
    """Numbers that cannot be requirements; no AWS call."""
    return [f"password_policy.{k} is {v}" for k, v in requirements.items() if not isinstance(v, bool) and (v or 0) < 0]


def main():
    argument_spec = dict(
        expected_account_id=dict(type="str"),
        **CALLER_ARN_OPTIONS,
        checks=dict(type="list", elements="str", choices=list(CHECKS), default=list(CHECKS)),
        blocking=dict(type="list", elements="str", choices=list(CHECKS), default=list(DEFAULT_BLOCKING)),
        password_policy=dict(
            type="dict",
            default={},
            no_log=False,  # requirements, not a secret
            options=dict(
                minimum_password_length=dict(type="int", default=14, no_log=False),
                require_symbols=dict(type="bool", default=True),
                require_numbers=dict(type="bool", default=True),
                require_uppercase_characters=dict(type="bool", default=True),
                require_lowercase_characters=dict(type="bool", default=True),
                password_reuse_prevention=dict(type="int", no_log=False),
                max_password_age=dict(type="int", no_log=False),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    requirements = {**DEFAULT_PASSWORD_POLICY, **(module.params["password_policy"] or {})}
    problems = password_policy_problems(requirements)
    problem = account_id_problem(module.params["expected_account_id"])
    if problem:
        problems.append(problem)
    if problems:
        module.fail_json(msg="Invalid options, nothing was checked: " + "; ".join(problems), problems=problems)

    # With caller_arn, the account is read from it (account_for_module): no sts:GetCallerIdentity.
    account = account_for_module(module)
    try:
        account_id = account.for_records(module.params["expected_account_id"])
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    services = {"iam", "cloudtrail", "config"}
    clients = {service: module.client(service, retry_decorator=backoff()) for service in services}
    results, facts = run_baseline(
        clients,
        module.params["checks"],
        module.params["blocking"],
        requirements,
        account=account_id,
        region=module.region,
    )
    module.exit_json(
        changed=False,
        **records.judgement(results),
        account_id=account_id,
        region=module.region,
        root=facts.get("root_mfa"),
        console_users=(facts.get("console_users_mfa") or {}).get("console_users"),
        trails=facts.get("cloudtrail"),
        config_recorders=facts.get("config_recorder"),
        password_policy=facts.get("password_policy"),
    )


if __name__ == "__main__":
    main()
