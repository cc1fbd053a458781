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
  - Only reads, so it runs the same in check mode and never reports a change.
author:
  - Diatonic platform engineering (@diatonic)
options:
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
      - Report missing policies in RV(missing) and RV(checks) instead of failing.
    type: bool
    default: false
notes:
  - Supports check mode; it makes the same read calls in both modes.
  - Needs C(iam:GetPolicy).
extends_documentation_fragment:
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
checks:
  description:
    - One record, named V(managed_policies), with RV(checks[].status) V(pass) or V(fail), in the shape every
      preflight module of the collection uses.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: V(managed_policies).
      type: str
    status:
      description: V(pass) or V(fail).
      type: str
    message:
      description: What was found, in one line.
      type: str
    remedy:
      description: What to do about it, in one line; null on a pass.
      type: str
ready:
  description: Whether every policy exists and can be attached.
  returned: always
  type: bool
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils.baseline import is_ready
from ansible_collections.diatonic.partnercentral.plugins.module_utils.managed_policies import CHECKLIST_POLICIES
from ansible_collections.diatonic.partnercentral.plugins.module_utils.managed_policies import check_policies
from ansible_collections.diatonic.partnercentral.plugins.module_utils.managed_policies import validate_policy_references


def main():
    argument_spec = dict(
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
    if problems:
        module.fail_json(msg="Invalid policies, nothing was looked up: " + "; ".join(problems), problems=problems)

    try:
        available, missing, checks = check_policies(module, policies)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    ready = is_ready(checks)
    result = dict(changed=False, available=available, missing=missing, checks=checks, ready=ready)
    if not ready and not module.params["report_only"]:
        module.fail_json(msg=f"{checks[0]['message']}. Fix: {checks[0]['remedy']}.", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
