#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: partnercentral_role
short_description: Manage one AWS Partner Central persona IAM role
version_added: 0.1.0
description:
  - Creates, updates or deletes an IAM role that AWS Partner Central in the AWS Console can map users to.
  - Partner Central only offers roles whose name starts with C(PartnerCentralRoleFor) and whose trust policy
    trusts the C(partnercentral-account-management.amazonaws.com) service principal. The module enforces both
    rules; the trust policy is not an option, and a trust policy that has drifted is put back.
  - Every option is checked before any AWS call, and every managed policy is looked up before any write, so a
    bad name or a missing policy fails without leaving a half-made role.
  - Managed policies attached by someone else are reported in RV(role.extra_policies) and in a warning, and left
    attached unless O(purge_policies=true).
  - Partner Central roles get their permissions from managed policies only. An inline policy found on the role is
    drift, reported in RV(role.extra_inline_policies) and in a warning, and deleted only with
    O(purge_inline_policies=true).
  - With O(expected_account_id), the module refuses to write to any other account.
  - To converge several roles of one account in a single call, use M(diatonic.partnercentral.partnercentral_roles).
author:
  - Diatonic platform engineering (@diatonic)
options:
  name:
    description:
      - Name of the role. Must start with C(PartnerCentralRoleFor), for example C(PartnerCentralRoleForAllianceLead).
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the role, V(absent) deletes it.
      - Deleting first detaches the role's managed policies, deletes its inline policies and removes it from
        instance profiles, as IAM requires.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - diatonic.partnercentral.iam_role
  - diatonic.partnercentral.account
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Alliance Lead role with full Partner Central and Marketplace seller access
  diatonic.partnercentral.partnercentral_role:
    name: PartnerCentralRoleForAllianceLead
    description: Alliance Lead - full Partner Central and AWS Marketplace seller access
    managed_policies:
      - AWSPartnerCentralFullAccess
      - AWSMarketplaceSellerFullAccess
    tags:
      ManagedBy: diatonic.partnercentral
    expected_account_id: "210987654321"

- name: Read-only role, detaching anything else attached to it
  diatonic.partnercentral.partnercentral_role:
    name: PartnerCentralRoleForReadOnly
    managed_policies:
      - arn:aws:iam::aws:policy/ReadOnlyAccess
    purge_policies: true

- name: Remove a persona that is no longer used
  diatonic.partnercentral.partnercentral_role:
    name: PartnerCentralRoleForMarketing
    state: absent
"""

RETURN = r"""
role:
  description: The role after the run (as it would be, in check mode).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the role.
      type: str
      sample: PartnerCentralRoleForAllianceLead
    arn:
      description: ARN of the role; null in check mode for a role that does not exist yet, or after deletion.
      type: str
      sample: arn:aws:iam::210987654321:role/PartnerCentralRoleForAllianceLead
    role_id:
      description: Stable ID of the role.
      type: str
      sample: AROAEXAMPLEEXAMPLE1234
    state:
      description: The requested state.
      type: str
      sample: present
    changed:
      description: Whether this role was (or in check mode would be) changed.
      type: bool
    path:
      description: Path of the role.
      type: str
      sample: /
    description:
      description: Description of the role.
      type: str
    max_session_duration:
      description: Longest session for the role, in seconds.
      type: int
      sample: 3600
    trust_policy:
      description: The role's trust policy.
      type: dict
    managed_policies:
      description: ARNs of the managed policies attached to the role, sorted.
      type: list
      elements: str
      sample: [arn:aws:iam::aws:policy/AWSPartnerCentralFullAccess]
    extra_policies:
      description: ARNs of attached managed policies that were not declared and were left attached.
      type: list
      elements: str
      sample: []
    inline_policies:
      description: The role's inline policies, name to policy document.
      type: dict
    extra_inline_policies:
      description: Names of inline policies on the role that were not declared and were left in place.
      type: list
      elements: str
    tags:
      description: Tags of the role.
      type: dict
      sample: {ManagedBy: diatonic.partnercentral}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import EXPECTED_ACCOUNT_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_for_module
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import ROLE_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import iam_client
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import converge_roles
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import validate_roles


def main():
    argument_spec = dict(
        ROLE_OPTIONS,
        **EXPECTED_ACCOUNT_OPTIONS,
        purge_policies=dict(type="bool", default=False),
        purge_inline_policies=dict(type="bool", default=False),
        purge_tags=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    role = {key: module.params[key] for key in ROLE_OPTIONS}
    expected_account_id = module.params["expected_account_id"]

    problems = validate_roles([role]) + [p for p in [account_id_problem(expected_account_id)] if p]
    if problems:
        module.fail_json(
            msg="Invalid Partner Central role, nothing was changed: " + "; ".join(problems), problems=problems
        )

    account = account_for_module(module)
    try:
        changed, results, diff, warnings = converge_roles(
            iam_client(module),
            [role],
            account.partition,
            check_mode=module.check_mode,
            account=account,
            expected_account_id=expected_account_id,
            purge_policies=module.params["purge_policies"],
            purge_inline_policies=module.params["purge_inline_policies"],
            purge_tags=module.params["purge_tags"],
        )
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=changed, role=results[0], diff=diff)


if __name__ == "__main__":
    main()
