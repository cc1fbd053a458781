#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: identity_center_permission_sets_info
short_description: Verify IAM Identity Center permission sets without changing them (checklist phases 5 and 8)
version_added: 0.3.0
description:
  - Reads the permission sets that M(diatonic.partnercentral.identity_center_permission_sets) would converge, with
    the same options, and reports how they stand as records of phase 5 (C(identity_center.enabled),
    C(identity_center.permission_sets), C(identity_center.provisioned), C(identity_center.assignments),
    C(identity_center.test_users)) in the collection's record model (schema C(schemas/report-1.json)).
  - It never writes, in check mode or not, and never reports a change. Identity Center not enabled makes
    C(identity_center.enabled) V(failed) (enabling it is console-only) and the others V(unknown); a refused or
    failing read makes every item V(unknown) with the reason.
  - Runs with credentials of the organization's management account or of Identity Center's delegated
    administrator; the records name O(target_account_id), the Partner Central account.
author:
  - Diatonic platform engineering (@diatonic)
options:
  permission_sets:
    description:
      - The permission sets to verify, as given to M(diatonic.partnercentral.identity_center_permission_sets) (the
        filter C(diatonic.partnercentral.persona_permission_sets) makes them from the persona catalog).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the permission set, such as V(PartnerCentral-AllianceLead).
        type: str
        required: true
      state:
        description: V(present) the permission set must exist, V(absent) it must not.
        type: str
        default: present
        choices: [present, absent]
      description:
        description: Description of the permission set.
        type: str
      session_duration:
        description: How long a session lasts, as an ISO 8601 duration from V(PT1H) to V(PT12H).
        type: str
        default: PT1H
      managed_policies:
        description: AWS managed policies it must have, by name or ARN.
        type: list
        elements: str
        default: []
      customer_managed_policies:
        description: Customer managed policies it must have, by name or C(/path/name).
        type: list
        elements: str
        default: []
      tags:
        description: Tags the permission set must have.
        type: dict
      groups:
        description: Display names of the Identity Center groups that must be assigned to it on O(target_account_id).
        type: list
        elements: str
  target_account_id:
    description: The account the permission sets must be provisioned to and assigned on (the Partner Central account).
    type: str
    required: true
  instance_arn:
    description: The Identity Center instance; when not given, the one C(sso:ListInstances) finds.
    type: str
  max_policies:
    description: Most managed and customer managed policies on one permission set (IAM's role quota, 10 by default).
    type: int
    default: 10
  prefix:
    description: Permission sets whose name starts with this and that are not declared are reported as extras.
    type: str
    default: PartnerCentral-
  expected_account_id:
    description:
      - The 12-digit account ID the credentials must belong to (the management account or the delegated
        administrator). When they belong to another account, the module fails before any check.
    type: str
notes:
  - Needs the read actions of C(policies/identity_center.json) (C(sso:ListInstances), C(sso:ListPermissionSets),
    C(sso:DescribePermissionSet), C(sso:ListPermissionSetsProvisionedToAccount),
    C(sso:ListManagedPoliciesInPermissionSet), C(sso:ListCustomerManagedPolicyReferencesInPermissionSet),
    C(sso:ListTagsForResource),
    C(sso:ListAccountAssignments), C(identitystore:GetGroupId), C(identitystore:DescribeGroup)).
  - With O(expected_account_id), needs C(sts:GetCallerIdentity) too (not with O(caller_arn)).
extends_documentation_fragment:
  - diatonic.partnercentral.controller
  - diatonic.partnercentral.account.caller_arn
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Verify the persona permission sets from the management account
  diatonic.partnercentral.identity_center_permission_sets_info:
    permission_sets: "{{ none | diatonic.partnercentral.persona_permission_sets }}"
    target_account_id: "210987654321"
  register: permission_sets
"""

RETURN = r"""
records:
  description: The records of phase 5, in the shape of C(schemas/report-1.json)'s records.
  returned: always
  type: list
  elements: dict
ready:
  description: Whether no blocking record failed or is unknown.
  returned: always
  type: bool
verdict:
  description: V(ready), V(not_ready) or V(unknown).
  returned: always
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import CALLER_ARN_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import EXPECTED_ACCOUNT_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_for_module
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.identity_center import DEFAULT_MAX_POLICIES
from ansible_collections.diatonic.partnercentral.plugins.module_utils.identity_center import DESIRED_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.identity_center import PREFIX
from ansible_collections.diatonic.partnercentral.plugins.module_utils.identity_center import verify_permission_sets
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import backoff


def main():
    argument_spec = dict(
        permission_sets=dict(type="list", elements="dict", required=True, options=DESIRED_OPTIONS),
        target_account_id=dict(type="str", required=True),
        instance_arn=dict(type="str"),
        max_policies=dict(type="int", default=DEFAULT_MAX_POLICIES),
        prefix=dict(type="str", default=PREFIX),
        **EXPECTED_ACCOUNT_OPTIONS,
        **CALLER_ARN_OPTIONS,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    problem = account_id_problem(params["expected_account_id"])
    if problem:
        module.fail_json(msg=f"Invalid options, nothing was checked: {problem}", problems=[problem])

    account = account_for_module(module)
    try:
        account.require(params["expected_account_id"])
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    # Invalid declarations and failed reads come back as unknown records, not as a failure.
    found = verify_permission_sets(
        module.client("sso-admin", retry_decorator=backoff()),
        module.client("identitystore", retry_decorator=backoff()),
        params["permission_sets"],
        params["target_account_id"],
        instance_arn=params["instance_arn"],
        max_policies=params["max_policies"],
        partition=account.partition,
        prefix=params["prefix"],
    )
    module.exit_json(changed=False, **records.judgement(found))


if __name__ == "__main__":
    main()
