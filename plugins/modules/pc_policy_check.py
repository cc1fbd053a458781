#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: pc_policy_check
short_description: Confirm that the IAM managed policies a Partner Central configuration needs exist
version_added: 0.1.0
description:
  - Looks up each managed policy a configuration needs (checklist phase 3.1) and returns which are available and
    which are missing. Fails when any is missing, or cannot be attached to a role, unless O(report_only) is set.
  - One C(iam:GetPolicy) per policy, instead of paging through every AWS managed policy as
    C(aws iam list-policies --scope AWS) does.
  - Reports the result as one record, C(preflight.managed_policies) (the collection's record model, schema
    C(schemas/report-1.json)) - V(verified), V(failed), or V(unknown) when a look-up could not be made after the
    retries (throttled, access denied), which is never taken for a pass or a fail.
  - Only reads, so it runs the same in check mode and never reports a change.
author:
  - Diatonic platform engineering (@diatonic)
options:
  expected_account_id:
    description:
      - The 12-digit account ID the credentials must belong to; the module fails before any look-up when they
        belong to another account. Customer managed policies given by name are looked up in the credentials'
        account.
    type: str
  policies:
    description:
      - Managed policies to look up, by AWS managed policy name (such as V(AWSPartnerCentralFullAccess)) or by full
        ARN (for customer managed policies, or AWS managed policies under a path).
      - Defaults to the AWS managed policies the migration checklist lists in phase 3.1
        (V(AWSPartnerCentralFullAccess), V(AWSPartnerCentralOpportunityManagement),
        V(AWSPartnerCentralMarketingManagement), V(AWSPartnerCentralChannelManagement),
        V(AWSPartnerCentralChannelHandshakeApprovalManagement),
        V(PartnerCentralAccountManagementUserRoleAssociation)).
    type: list
    elements: str
  additional_policies:
    description:
      - More policies to look up besides O(policies), for example those of the
        C(diatonic.partnercentral.personas) role's catalog.
    type: list
    elements: str
    default: []
  report_only:
    description:
      - Report missing policies in RV(missing) and RV(records) instead of failing.
    type: bool
    default: false
notes:
  - Supports check mode; it makes the same read calls in both modes.
  - Needs C(iam:GetPolicy), and C(sts:GetCallerIdentity) for the record's account (not with O(caller_arn)).
extends_documentation_fragment:
  - diatonic.partnercentral.controller
  - diatonic.partnercentral.account.caller_arn
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The checklist's Partner Central managed policies exist (phase 3.1)
  diatonic.partnercentral.pc_policy_check:

- name: The checklist's policies and those of two personas, without failing
  diatonic.partnercentral.pc_policy_check:
    additional_policies:
      - AWSMarketplaceSellerFullAccess
      - arn:aws:iam::210987654321:policy/PartnerCentralReporting
    report_only: true
  register: policies

- name: Show what is missing
  ansible.builtin.debug:
    msg: "{{ policies.missing | map(attribute='name') }}"
"""

RETURN = r"""
available:
  description: The policies that exist, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Policy name.
      type: str
      sample: AWSPartnerCentralFullAccess
    arn:
      description: Policy ARN.
      type: str
      sample: arn:aws:iam::aws:policy/AWSPartnerCentralFullAccess
    path:
      description: Policy path.
      type: str
    default_version_id:
      description: The policy version in use.
      type: str
      sample: v3
    attachable:
      description: Whether the policy can be attached to a role.
      type: bool
    attachment_count:
      description: How many identities in this account the policy is attached to.
      type: int
missing:
  description: The policies IAM does not have, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Policy name.
      type: str
      sample: AWSPartnerCentralChannelManagement
    arn:
      description: The ARN that was looked up.
      type: str
records:
  description:
    - One record, C(preflight.managed_policies) (phase V(3)), in the shape of C(schemas/report-1.json)'s records.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: V(preflight.managed_policies).
      type: str
    phase:
      description: V(3).
      type: str
    title:
      description: What the item is, for a person.
      type: str
    account:
      description: The account the policies were looked up in.
      type: str
    status:
      description: V(verified), V(failed) or V(unknown).
      type: str
    blocking:
      description: Always true.
      type: bool
    evidence:
      description: The policies found, or those missing or not attachable, or why they could not be looked up.
      type: str
    remedy:
      description: What to do about it, in one line; null when verified.
      type: str
    who:
      description: Always null here.
      type: str
ready:
  description: Whether every policy was seen to exist and can be attached.
  returned: always
  type: bool
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import CALLER_ARN_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_for_module
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.managed_policies import CHECKLIST_POLICIES
from ansible_collections.diatonic.partnercentral.plugins.module_utils.managed_policies import check_policies
from ansible_collections.diatonic.partnercentral.plugins.module_utils.managed_policies import validate_policy_references
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import backoff


def main():
    argument_spec = dict(
        expected_account_id=dict(type="str"),
        **CALLER_ARN_OPTIONS,
        policies=dict(type="list", elements="str"),
        additional_policies=dict(type="list", elements="str", default=[]),
        report_only=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    base = module.params["policies"]
    policies = list(CHECKLIST_POLICIES if base is None else base) + module.params["additional_policies"]

    problems = validate_policy_references(policies)
    if not policies:
        problems.append("no policy to look up: give policies or additional_policies")
    problem = account_id_problem(module.params["expected_account_id"])
    if problem:
        problems.append(problem)
    if problems:
        module.fail_json(msg="Invalid policies, nothing was looked up: " + "; ".join(problems), problems=problems)

    account = account_for_module(module)
    try:
        account_id = account.for_records(module.params["expected_account_id"])
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    iam = module.client("iam", retry_decorator=backoff())
    available, missing, record = check_policies(iam, policies, account.partition, account_id)

    ready = record["status"] == records.VERIFIED
    result = dict(changed=False, available=available, missing=missing, records=[record], ready=ready)
    if not ready and not module.params["report_only"]:
        module.fail_json(msg=f"{record['evidence']}. Fix: {record['remedy']}.", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
