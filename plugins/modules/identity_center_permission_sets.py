#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: identity_center_permission_sets
short_description: Converge IAM Identity Center permission sets, provisioned and assigned on one account
version_added: 0.3.0
description:
  - Brings IAM Identity Center permission sets to their declared state (description, session duration, AWS managed
    and customer managed policies, tags), provisions each to the account O(target_account_id) (the Partner Central
    account) and assigns the Identity Center groups given by display name to it on that account.
  - Runs with credentials of the organization's management account or of Identity Center's delegated
    administrator. The instance is found with C(sso:ListInstances), or named with O(instance_arn).
  - Everything is read and checked before the first write; a permission set with more than O(max_policies)
    managed and customer managed policies, or a group that does not exist, fails the task with nothing changed.
  - Provisioning and account assignments are asynchronous in Identity Center; the module waits for each request
    (C(DescribePermissionSetProvisioningStatus), C(DescribeAccountAssignmentCreationStatus)), polling with
    back-off for at most O(provisioning_timeout) seconds.
  - When Identity Center is not enabled (C(ListInstances) finds no instance), the task fails saying so and how to
    enable it; only the console can.
  - Nothing undeclared is removed unless a C(purge_*) option says so; it is reported instead (RV(permission_sets),
    RV(undeclared_permission_sets) and warnings).
author:
  - Diatonic platform engineering (@diatonic)
options:
  permission_sets:
    description: The permission sets to converge.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the permission set (1 to 32 letters, digits or C(+=,.@_-)), such as
            V(PartnerCentral-AllianceLead).
        type: str
        required: true
      state:
        description:
          - V(present) creates or updates the permission set; V(absent) removes its account assignments and
            deletes it.
        type: str
        default: present
        choices: [present, absent]
      description:
        description: Description of the permission set. When not given, an existing description is left as it is.
        type: str
      session_duration:
        description: How long a session lasts, as an ISO 8601 duration from V(PT1H) to V(PT12H).
        type: str
        default: PT1H
      managed_policies:
        description: AWS managed policies, by name (V(ReadOnlyAccess)) or ARN.
        type: list
        elements: str
        default: []
      customer_managed_policies:
        description:
          - Customer managed policies, by name or C(/path/name). A policy of that name must exist in the target
            account, or provisioning fails.
        type: list
        elements: str
        default: []
      tags:
        description: Tags the permission set must have. When not given, its tags are left as they are.
        type: dict
      groups:
        description:
          - Display names of the Identity Center groups assigned to the permission set on O(target_account_id).
          - When not given, the permission set's assignments are left as they are.
        type: list
        elements: str
  target_account_id:
    description:
      - The account the permission sets are provisioned to and assigned on (the Partner Central account).
    type: str
    required: true
  instance_arn:
    description:
      - The ARN of the Identity Center instance. When not given, the one C(sso:ListInstances) returns.
    type: str
  max_policies:
    description:
      - Most managed and customer managed policies a permission set may have together. Identity Center makes an
        IAM role of each permission set in each account, and IAM allows 10 managed policies per role unless the
        quota was raised in Service Quotas; raise this only after raising that quota in the target account.
    type: int
    default: 10
  purge_policies:
    description: Detach managed and customer managed policies a listed permission set has but does not declare.
    type: bool
    default: false
  purge_tags:
    description: Remove tags a listed permission set has but does not declare in O(permission_sets[].tags).
    type: bool
    default: false
  purge_assignments:
    description:
      - Remove assignments on O(target_account_id) of a listed permission set to users or groups it does not
        declare in O(permission_sets[].groups).
    type: bool
    default: false
  purge_permission_sets:
    description:
      - Delete the permission sets whose name starts with O(prefix) that O(permission_sets) does not list (their
        account assignments first). When V(false), they are reported in RV(undeclared_permission_sets).
    type: bool
    default: false
  prefix:
    description: The name prefix of the permission sets this task owns, for O(purge_permission_sets) and reporting.
    type: str
    default: PartnerCentral-
  provisioning_timeout:
    description:
      - Longest wait, in seconds, for one asynchronous request (provisioning, an account assignment). Past it, the
        task fails naming the request; Identity Center goes on with it, and a rerun finishes the work.
    type: int
    default: 300
  provisioning_delay:
    description: First wait between two polls of a request, in seconds; it doubles up to 30 seconds.
    type: float
    default: 2
notes:
  - Supports check mode and diff mode. The diff is keyed by permission set name and lists only the sets that
    change, each with its description, session duration, policies, tags, provisioning and assignments.
  - Needs the actions of the collection's C(policies/identity_center.json).
extends_documentation_fragment:
  - diatonic.partnercentral.account
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The Alliance Lead's permission set, provisioned to the Partner Central account
  diatonic.partnercentral.identity_center_permission_sets:
    permission_sets:
      - name: PartnerCentral-AllianceLead
        description: Alliance Lead - full Partner Central and AWS Marketplace seller access
        session_duration: PT4H
        managed_policies: [AWSPartnerCentralFullAccess, AWSMarketplaceSellerFullAccess]
        tags:
          ManagedBy: diatonic.partnercentral
        groups: [partnercentral-alliance-leads]
    target_account_id: "210987654321"
    expected_account_id: "123456789012"
  register: permission_sets
"""

RETURN = r"""
instance_arn:
  description: The Identity Center instance the permission sets are in.
  returned: always
  type: str
  sample: arn:aws:sso:::instance/ssoins-1234567890abcdef
identity_store_id:
  description: The identity store of the instance, where the groups are.
  returned: always
  type: str
  sample: d-1234567890
permission_sets:
  description: Each permission set after the run (as it would be, in check mode), in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the permission set.
      type: str
    state:
      description: The requested state.
      type: str
    arn:
      description: ARN of the permission set; null in check mode for a set not created yet, or once deleted.
      type: str
    changed:
      description: Whether this permission set was (or would be) changed.
      type: bool
    description:
      description: Description of the permission set.
      type: str
    session_duration:
      description: Session duration, ISO 8601.
      type: str
    managed_policies:
      description: ARNs of the AWS managed policies of the permission set, sorted.
      type: list
      elements: str
    customer_managed_policies:
      description: Customer managed policies of the permission set, as C(/path/name), sorted.
      type: list
      elements: str
    tags:
      description: Tags of the permission set.
      type: dict
    provisioned_to_target:
      description: Whether the set's latest version is provisioned to O(target_account_id).
      type: bool
    assignments:
      description:
        - Principals the set is assigned to on O(target_account_id), as C(group:<display name>) or C(user:<id>).
      type: list
      elements: str
    groups:
      description: The declared group display names, or null when assignments are left alone.
      type: list
      elements: str
    policies_match:
      description: Whether every declared policy is attached.
      type: bool
    extra_policies:
      description: Policies attached but not declared, left attached.
      type: list
      elements: str
    extra_tags:
      description: Tag keys present but not declared, left in place.
      type: list
      elements: str
    extra_assignments:
      description: Principals assigned on O(target_account_id) but not declared, left assigned.
      type: list
      elements: str
undeclared_permission_sets:
  description: Permission sets named O(prefix)* that O(permission_sets) does not list, name to ARN (left in place).
  returned: always
  type: dict
  sample: {PartnerCentral-OldTeam: "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-0123456789abcdef"}
records:
  description:
    - The checklist's phase 5 items for O(target_account_id), in the collection's record model (schema
      C(schemas/report-1.json)) - C(identity_center.enabled), C(identity_center.permission_sets),
      C(identity_center.provisioned), C(identity_center.assignments), C(identity_center.test_users).
    - After the run; in check mode, as things are now.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import EXPECTED_ACCOUNT_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_for_module
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.engine import PlanError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.identity_center import DEFAULT_MAX_POLICIES
from ansible_collections.diatonic.partnercentral.plugins.module_utils.identity_center import DESIRED_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.identity_center import PREFIX
from ansible_collections.diatonic.partnercentral.plugins.module_utils.identity_center import IdentityCenterNotEnabled
from ansible_collections.diatonic.partnercentral.plugins.module_utils.identity_center import converge_permission_sets
from ansible_collections.diatonic.partnercentral.plugins.module_utils.identity_center import not_enabled_records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.identity_center import permission_set_problems
from ansible_collections.diatonic.partnercentral.plugins.module_utils.identity_center import records_from_results
from ansible_collections.diatonic.partnercentral.plugins.module_utils.identity_center import wait_for_request
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import backoff


def main():
    argument_spec = dict(
        permission_sets=dict(type="list", elements="dict", required=True, options=DESIRED_OPTIONS),
        target_account_id=dict(type="str", required=True),
        instance_arn=dict(type="str"),
        max_policies=dict(type="int", default=DEFAULT_MAX_POLICIES),
        purge_policies=dict(type="bool", default=False),
        purge_tags=dict(type="bool", default=False),
        purge_assignments=dict(type="bool", default=False),
        purge_permission_sets=dict(type="bool", default=False),
        prefix=dict(type="str", default=PREFIX),
        provisioning_timeout=dict(type="int", default=300),
        provisioning_delay=dict(type="float", default=2),
        **EXPECTED_ACCOUNT_OPTIONS,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    desired = params["permission_sets"]
    target = params["target_account_id"]
    expected_account_id = params["expected_account_id"]

    problems = permission_set_problems(desired, target, params["max_policies"])
    problems += [p for p in [account_id_problem(expected_account_id)] if p]
    if params["provisioning_timeout"] < 1 or params["provisioning_delay"] <= 0:
        problems.append("provisioning_timeout and provisioning_delay must be positive numbers of seconds")
    if problems:
        module.fail_json(msg="Invalid permission sets, nothing was changed: " + "; ".join(problems), problems=problems)

    account = account_for_module(module)

    def wait(describe, label):
        return wait_for_request(
            describe, label, timeout=params["provisioning_timeout"], delay=params["provisioning_delay"]
        )

    try:
        changed, results, diff, warnings, found = converge_permission_sets(
            module.client("sso-admin", retry_decorator=backoff()),
            module.client("identitystore", retry_decorator=backoff()),
            desired,
            target,
            instance_arn=params["instance_arn"],
            partition=account.partition,
            max_policies=params["max_policies"],
            purge_policies=params["purge_policies"],
            purge_tags=params["purge_tags"],
            purge_assignments=params["purge_assignments"],
            purge_permission_sets=params["purge_permission_sets"],
            prefix=params["prefix"],
            check_mode=module.check_mode,
            guard=lambda _state: account.require(expected_account_id),
            wait=wait,
        )
    except IdentityCenterNotEnabled as e:
        module.fail_json(msg=e.message, records=not_enabled_records(target), identity_center_enabled=False)
    except PlanError as e:
        module.fail_json(msg=e.message, problems=e.problems)
    except AnsibleAWSError as e:
        # A call that failed (named, with the permission set), or the credentials' account refused.
        module.fail_json_aws_error(e)

    for warning in warnings:
        module.warn(warning)
    shown = found["before"] if module.check_mode else results
    module.exit_json(
        changed=changed,
        instance_arn=found["instance"]["arn"],
        identity_store_id=found["instance"]["identity_store_id"],
        permission_sets=results,
        undeclared_permission_sets=found["undeclared"],
        records=records_from_results(shown, found["instance"], target, found["undeclared"]),
        diff=diff,
    )


if __name__ == "__main__":
    main()
