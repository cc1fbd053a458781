#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: partnercentral_roles
short_description: Converge a set of AWS Partner Central persona IAM roles in one account
version_added: 0.1.0
description:
  - Brings several Partner Central persona roles of one AWS account to their declared state in a single call,
    with the same rules and options as M(diatonic.partnercentral.partnercentral_role) for each role.
  - All roles are read and all managed policies looked up before the first write, so one bad role or missing
    policy fails the whole set with nothing changed.
  - A converged account costs three read calls per role (GetRole, ListAttachedRolePolicies, ListRolePolicies)
    and no writes.
  - An inline policy found on a listed role is drift, reported in RV(extra_inline_policies) and in a warning,
    and deleted only with O(purge_inline_policies=true).
  - With O(expected_account_id), the module refuses to write to any other account.
  - Roles not listed in O(roles) are never touched; those named C(PartnerCentralRoleFor*) are reported
    (O(report_undeclared)).
author:
  - Diatonic platform engineering (@diatonic)
options:
  roles:
    description:
      - The roles to converge. Each item takes the options of M(diatonic.partnercentral.partnercentral_role)
        that describe one role.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the role. Must start with C(PartnerCentralRoleFor).
        type: str
        required: true
      state:
        description:
          - V(present) creates or updates the role, V(absent) deletes it (after detaching its policies).
        type: str
        default: present
        choices: [present, absent]
      managed_policies:
        description:
          - Managed policies the role must have, by AWS managed policy name or by full ARN.
          - When not given, the role's attached policies are left as they are.
        type: list
        elements: str
        aliases: [policies]
      description:
        description:
          - Description of the role. When not given, an existing description is left as it is.
        type: str
      path:
        description:
          - Path of the role. Defaults to V(/) when the role is created; IAM cannot change it afterwards.
        type: str
      max_session_duration:
        description:
          - Longest session, in seconds, from 3600 to 43200. Defaults to 3600 when the role is created.
        type: int
      tags:
        description:
          - Tags the role must have. When not given, the role's tags are left as they are.
        type: dict
        aliases: [resource_tags]
  purge_policies:
    description:
      - Detach managed policies that are attached to a listed role but not declared for it.
      - When V(false), such policies are left attached and reported in RV(extra_policies).
    type: bool
    default: false
  purge_inline_policies:
    description:
      - Delete inline policies that are on a listed role. Partner Central roles declare none.
      - When V(false), such policies are left in place and reported in RV(extra_inline_policies).
    type: bool
    default: false
  purge_tags:
    description:
      - Remove tags that are on a listed role but not in its O(roles[].tags).
    type: bool
    default: false
  report_undeclared:
    description:
      - List the account's roles (one C(iam:ListRoles) read per 100 roles) and report, in RV(undeclared_roles)
        and a warning, the C(PartnerCentralRoleFor*) roles that O(roles) does not hold. They are never removed.
      - The cloud admin role AWS creates when the account is linked (C(PartnerCentralRoleForCloudAdmin*)) is
        listed but not warned about.
    type: bool
    default: true
notes:
  - Supports check mode and diff mode. The diff is keyed by role name and lists only the roles that change.
extends_documentation_fragment:
  - diatonic.partnercentral.account
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The checklist's Alliance Lead and ACE Manager personas
  diatonic.partnercentral.partnercentral_roles:
    roles:
      - name: PartnerCentralRoleForAllianceLead
        managed_policies: [AWSPartnerCentralFullAccess, AWSMarketplaceSellerFullAccess]
        tags:
          ManagedBy: diatonic.partnercentral
      - name: PartnerCentralRoleForACEManager
        managed_policies: [AWSPartnerCentralOpportunityManagement]
        tags:
          ManagedBy: diatonic.partnercentral
    expected_account_id: "{{ aws_account_id }}"
  register: personas

- name: Show where the roles are
  ansible.builtin.debug:
    msg: "{{ personas.roles | map(attribute='arn') }}"
"""

RETURN = r"""
account_id:
  description:
    - The account the roles are in, read from their ARNs, or from C(sts:GetCallerIdentity) when none exists yet
      and O(expected_account_id) is given; else null when no role exists yet (check mode).
  returned: always
  type: str
  sample: "210987654321"
roles:
  description: Each role after the run (as it would be, in check mode), in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the role.
      type: str
    arn:
      description: ARN of the role; null in check mode for a role not created yet, or once deleted.
      type: str
    role_id:
      description: Stable ID of the role.
      type: str
    state:
      description: The requested state.
      type: str
    changed:
      description: Whether this role was (or would be) changed.
      type: bool
    path:
      description: Path of the role.
      type: str
    description:
      description: Description of the role.
      type: str
    max_session_duration:
      description: Longest session for the role, in seconds.
      type: int
    trust_policy:
      description: The role's trust policy.
      type: dict
    managed_policies:
      description: ARNs of the managed policies attached to the role, sorted.
      type: list
      elements: str
    extra_policies:
      description: ARNs of attached managed policies that were not declared and were left attached.
      type: list
      elements: str
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
extra_policies:
  description: For each role with undeclared managed policies left attached, their ARNs.
  returned: always
  type: dict
  sample: {PartnerCentralRoleForReadOnly: [arn:aws:iam::aws:policy/AdministratorAccess]}
extra_inline_policies:
  description: For each role with inline policies left in place (Partner Central roles declare none), their names.
  returned: always
  type: dict
  sample: {PartnerCentralRoleForReadOnly: [added-by-hand]}
undeclared_roles:
  description:
    - Roles of the account named C(PartnerCentralRoleFor*) that O(roles) does not hold, left in place.
    - Empty when O(report_undeclared=false).
  returned: always
  type: list
  elements: str
  sample: [PartnerCentralRoleForCloudAdmin-ab12cd, PartnerCentralRoleForOldTeam]
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import EXPECTED_ACCOUNT_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_for_module
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import ROLE_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import account_id_from
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import iam_client
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import converge_roles
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import undeclared_roles
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import validate_roles


def main():
    argument_spec = dict(
        roles=dict(type="list", elements="dict", required=True, options=ROLE_OPTIONS),
        **EXPECTED_ACCOUNT_OPTIONS,
        purge_policies=dict(type="bool", default=False),
        purge_inline_policies=dict(type="bool", default=False),
        purge_tags=dict(type="bool", default=False),
        report_undeclared=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    roles = module.params["roles"]
    expected_account_id = module.params["expected_account_id"]

    problems = validate_roles(roles) + [p for p in [account_id_problem(expected_account_id)] if p]
    if problems:
        module.fail_json(
            msg="Invalid Partner Central roles, nothing was changed: " + "; ".join(problems), problems=problems
        )

    account = account_for_module(module)
    try:
        changed, results, diff, warnings = converge_roles(
            iam_client(module),
            roles,
            account.partition,
            check_mode=module.check_mode,
            account=account,
            expected_account_id=expected_account_id,
            purge_policies=module.params["purge_policies"],
            purge_inline_policies=module.params["purge_inline_policies"],
            purge_tags=module.params["purge_tags"],
        )
        undeclared, undeclared_warnings = [], []
        if module.params["report_undeclared"]:
            client = iam_client(module)
            undeclared, undeclared_warnings = undeclared_roles(client, [role["name"] for role in roles])
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    warnings += undeclared_warnings

    for warning in warnings:
        module.warn(warning)
    module.exit_json(
        changed=changed,
        account_id=account_id_from(results) or account.known_account_id,
        roles=results,
        extra_policies={r["name"]: r["extra_policies"] for r in results if r["extra_policies"]},
        extra_inline_policies={r["name"]: r["extra_inline_policies"] for r in results if r["extra_inline_policies"]},
        undeclared_roles=undeclared,
        diff=diff,
    )


if __name__ == "__main__":
    main()
