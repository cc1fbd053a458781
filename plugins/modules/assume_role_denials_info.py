#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: assume_role_denials_info
short_description: Find denied AssumeRole calls on the Partner Central roles in CloudTrail (checklist phase 8)
version_added: 0.2.0
description:
  - Reads CloudTrail's event history (C(cloudtrail:LookupEvents), event name C(AssumeRole)) of one account and
    region over the last O(window_hours) hours, and reports every C(AssumeRole) on a role whose name starts with
    O(role_prefix) that ended in an access-denied error - after the migration, the sign of a user who cannot get
    into Partner Central.
  - One record, C(validation.assume_role_denials) (phase 8), in the collection's record model (schema
    C(schemas/report-1.json)) - V(failed) with the denials as evidence, V(verified) when the whole window was read
    and none was found, V(unknown) when the read failed (throttled past the retries, access denied) or stopped at
    O(max_pages) with more events left and no denial among those read.
  - LookupEvents allows two calls a second per account and region. Every call, retries included, keeps to
    O(calls_per_second); a throttled call backs off (about a minute and a half at most) and is made again; pages are
    read one by one, so a throttled page does not restart the read.
  - It only reads and never reports a change.
author:
  - Diatonic platform engineering (@diatonic)
options:
  expected_account_id:
    description:
      - The 12-digit account ID the credentials must belong to. When they belong to another account, the module
        fails before any call to CloudTrail.
    type: str
  window_hours:
    description:
      - How many hours back from now to read, from 1 to 2160 (CloudTrail's event history keeps 90 days).
    type: int
    default: 24
  role_prefix:
    description: Only roles whose name starts with this count.
    type: str
    default: PartnerCentralRoleFor
  max_pages:
    description:
      - Read at most this many pages of 50 events. When CloudTrail has more and none of those read was denied, the
        record is V(unknown) (narrow O(window_hours) or raise this).
    type: int
    default: 200
  calls_per_second:
    description: The most LookupEvents calls a second, above 0 and at most 2 (CloudTrail's limit).
    type: float
    default: 2
notes:
  - STS logs C(AssumeRole) in the region of the endpoint that was called; the global endpoint's calls are in
    us-east-1, the collection's default region.
  - Needs C(sts:GetCallerIdentity) (the account of the record; not with O(caller_arn)) and C(cloudtrail:LookupEvents).
extends_documentation_fragment:
  - diatonic.partnercentral.controller
  - diatonic.partnercentral.account.caller_arn
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Denied AssumeRole calls on the Partner Central roles since yesterday
  diatonic.partnercentral.assume_role_denials_info:
    expected_account_id: "{{ aws_account_id }}"
    window_hours: 24
  register: denials

- name: Name each denied role and who was refused
  ansible.builtin.debug:
    msg: "{{ denials.denials | map(attribute='role_name') | zip(denials.denials | map(attribute='principal')) }}"
"""

RETURN = r"""
records:
  description: The record C(validation.assume_role_denials), in the shape of C(schemas/report-1.json)'s records.
  returned: always
  type: list
  elements: dict
  sample:
    - id: validation.assume_role_denials
      phase: "8"
      title: No denied AssumeRole on the Partner Central roles
      account: "210987654321"
      status: failed
      blocking: true
      evidence: "1 denied AssumeRole call(s) on PartnerCentralRoleFor* roles in us-east-1 ..."
      remedy: "for each role: check that its trust policy trusts only ..."
      who: null
ready:
  description: Whether the record is neither failed nor unknown.
  returned: always
  type: bool
verdict:
  description: V(ready), V(not_ready) (denials found) or V(unknown) (the history could not be fully read).
  returned: always
  type: str
account_id:
  description: The account read (from the credentials); null when it could not be read.
  returned: always
  type: str
region:
  description: The region whose event history was read.
  returned: always
  type: str
  sample: us-east-1
start_time:
  description: Start of the window read (ISO 8601, UTC).
  returned: always
  type: str
end_time:
  description: End of the window read (ISO 8601, UTC).
  returned: always
  type: str
events_read:
  description: How many AssumeRole events were read.
  returned: always
  type: int
complete:
  description: Whether the whole window was read (false when O(max_pages) stopped the read, or it failed).
  returned: always
  type: bool
denials:
  description: Every denied AssumeRole on a matching role, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    event_id:
      description: CloudTrail's event ID.
      type: str
    event_time:
      description: When the call was made (ISO 8601).
      type: str
    role_arn:
      description: The role that was to be assumed.
      type: str
    role_name:
      description: Its name.
      type: str
    principal:
      description: Who called (the caller's ARN, or the AWS service that called on its behalf).
      type: str
    source_ip:
      description: Where the call came from (an address, or an AWS service's name).
      type: str
    error_code:
      description: The error code (C(AccessDenied)...).
      type: str
    error_message:
      description: The error message.
      type: str
    region:
      description: The region the event was logged in.
      type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils import cloudtrail
from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import CALLER_ARN_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_for_module
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem


def main():
    argument_spec = dict(
        expected_account_id=dict(type="str"),
        **CALLER_ARN_OPTIONS,
        window_hours=dict(type="int", default=24),
        role_prefix=dict(type="str", default=cloudtrail.ROLE_PREFIX),
        max_pages=dict(type="int", default=200),
        calls_per_second=dict(type="float", default=float(cloudtrail.CALLS_PER_SECOND)),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    problems = cloudtrail.option_problems(
        params["window_hours"], params["max_pages"], params["calls_per_second"], params["role_prefix"]
    )
    problems += [p for p in [account_id_problem(params["expected_account_id"])] if p]
    if problems:
        module.fail_json(msg="Invalid options, nothing was checked: " + "; ".join(problems), problems=problems)

    account = account_for_module(module)
    try:
        account_id = account.for_records(params["expected_account_id"])
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    region = module.region or "us-east-1"
    found, facts = cloudtrail.denial_records(
        # No retries but cloudtrail.py's own, which keep to the pace (botocore's would not).
        module.client("cloudtrail", region=region, config={"retries": {"total_max_attempts": 1}}),
        params["window_hours"],
        params["max_pages"],
        region,
        role_prefix=params["role_prefix"],
        account=account_id,
        pacer=cloudtrail.Pacer(params["calls_per_second"]),
    )
    module.exit_json(
        changed=False,
        **records.judgement(found),
        account_id=account_id,
        region=region,
        **facts,
    )


if __name__ == "__main__":
    main()
