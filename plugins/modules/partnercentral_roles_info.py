#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: partnercentral_roles_info
short_description: Verify Partner Central persona IAM roles without changing them (checklist phases 4 and 8)
version_added: 0.2.0
description:
  - Reads the roles that M(diatonic.partnercentral.partnercentral_roles) would converge, with the same options, and
    reports how they stand as records (the collection's record model, schema C(schemas/report-1.json)) instead of
    changing anything. It never writes, in check mode or not, and never reports a change.
  - C(validation.persona_roles) - each role exists (a role declared V(absent) does not) and trusts exactly the
    C(partnercentral-account-management.amazonaws.com) service principal; its evidence lists the roles' ARNs.
  - C(validation.persona_policies) - each role has its declared managed policies.
  - C(validation.persona_extras) (does not block) - managed or inline policies on the roles, and
    C(PartnerCentralRoleFor*) roles in the account, that the configuration does not declare. The cloud admin role
    AWS creates when the account is linked is expected, not an extra.
  - Options are checked as M(diatonic.partnercentral.partnercentral_roles) checks them, before any AWS call. A read
    that fails (access denied, throttled past the retries) makes the three records V(unknown) with the reason.
author:
  - Diatonic platform engineering (@diatonic)
options:
  roles:
    description:
      - The roles to verify, as given to M(diatonic.partnercentral.partnercentral_roles).
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
          - V(present) the role must exist, V(absent) it must not.
        type: str
        default: present
        choices: [present, absent]
      managed_policies:
        description:
          - Managed policies the role must have, by AWS managed policy name or by full ARN. When not given, its
            attached policies are not checked.
        type: list
        elements: str
        aliases: [policies]
      description:
        description: Not verified; accepted so that the same list serves both modules.
        type: str
      path:
        description: Not verified; accepted so that the same list serves both modules.
        type: str
      max_session_duration:
        description: Not verified; accepted so that the same list serves both modules.
        type: int
      tags:
        description: Not verified; accepted so that the same list serves both modules.
        type: dict
        aliases: [resource_tags]
  expected_account_id:
    description:
      - The 12-digit account ID the credentials must belong to. When they belong to another account, the module
        fails before any check.
    type: str
  report_undeclared:
    description:
      - List the account's roles (C(iam:ListRoles)) and count C(PartnerCentralRoleFor*) roles that O(roles) does not
        hold as extras in C(validation.persona_extras).
    type: bool
    default: true
  user_mapping_file:
    description:
      - The mapping CSV that M(diatonic.partnercentral.user_mapping) wrote (C(user_mapping.csv)), on the controller.
        When given, it is read back and every role it maps users to is read in the account; the record
        C(validation.user_mapping) (phase 7) is V(failed) naming each problem (an unmapped user, nobody on the
        Alliance Lead role, a role that does not exist or trusts anything else), V(verified) otherwise.
    type: path
notes:
  - O(user_mapping_file) is read where the module runs; the collection's playbooks run it on the controller.
  - Needs C(sts:GetCallerIdentity) (not with O(caller_arn)), C(iam:GetRole), C(iam:ListAttachedRolePolicies),
    C(iam:ListRolePolicies), C(iam:GetRolePolicy) (for roles with inline policies) and C(iam:ListRoles)
    (O(report_undeclared)).
extends_documentation_fragment:
  - diatonic.partnercentral.controller
  - diatonic.partnercentral.account.caller_arn
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Verify the checklist's persona roles without touching them
  diatonic.partnercentral.partnercentral_roles_info:
    roles: "{{ {} | diatonic.partnercentral.persona_roles }}"
    expected_account_id: "{{ aws_account_id }}"
  register: personas

- name: Stop when a role is missing or has the wrong trust
  ansible.builtin.assert:
    that: personas.ready
    fail_msg: "{{ personas.records | rejectattr('status', 'eq', 'verified') | map(attribute='evidence') }}"
"""

RETURN = r"""
records:
  description:
    - C(validation.persona_roles), C(validation.persona_policies) and C(validation.persona_extras), phase 4, in the
      shape of C(schemas/report-1.json)'s records.
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
account_id:
  description: The account checked (from the credentials); null when it could not be read.
  returned: always
  type: str
roles:
  description: Each declared role as found, in the order given; empty when the roles could not be read.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Role name.
      type: str
    exists:
      description: Whether the role exists.
      type: bool
    arn:
      description: Its ARN; null when it does not exist.
      type: str
    trust_ok:
      description: Whether its trust policy is exactly the Partner Central one; null when it does not exist.
      type: bool
    missing_policies:
      description: Declared managed policies (ARNs) that are not attached.
      type: list
      elements: str
    extra_policies:
      description: Attached managed policies (ARNs) that are not declared.
      type: list
      elements: str
    extra_inline_policies:
      description: Names of its inline policies (none is declared).
      type: list
      elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import CALLER_ARN_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_for_module
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import read_errors
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import unchecked
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import ROLE_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import iam_client
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import role_findings
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import VERIFY_PHASE
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import VERIFY_TITLES
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import validate_roles
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import verify_roles
from ansible_collections.diatonic.partnercentral.plugins.module_utils.validation import mapping_record


def role_views(read):
    views = []
    for desired, current in read:
        found = role_findings(current, desired)
        views.append(
            dict(
                name=desired["name"],
                exists=found["exists"],
                arn=(current or {}).get("arn"),
                trust_ok=found["trust_ok"],
                missing_policies=found["missing_policies"],
                extra_policies=found["extra_policies"],
                extra_inline_policies=found["extra_inline_policies"],
            )
        )
    return views


def main():
    argument_spec = dict(
        roles=dict(type="list", elements="dict", required=True, options=ROLE_OPTIONS),
        expected_account_id=dict(type="str"),
        **CALLER_ARN_OPTIONS,
        report_undeclared=dict(type="bool", default=True),
        user_mapping_file=dict(type="path"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    roles = module.params["roles"]
    problems = validate_roles(roles) + [p for p in [account_id_problem(module.params["expected_account_id"])] if p]
    if problems:
        module.fail_json(msg="Invalid Partner Central roles, nothing was checked: " + "; ".join(problems))

    account = account_for_module(module)
    try:
        account_id = account.for_records(module.params["expected_account_id"])
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    try:
        found, read = verify_roles(
            iam_client(module), roles, account.partition, account_id, module.params["report_undeclared"]
        )
    except read_errors() as e:
        calls = "iam:GetRole, iam:ListAttachedRolePolicies, iam:ListRolePolicies and iam:ListRoles"
        by_hand = "compare the roles in the IAM console of this account with playbooks/personas.yml --check --diff"
        found = [
            unchecked(f"validation.{item}", VERIFY_PHASE, title, account_id, e, calls, by_hand)
            for item, title in VERIFY_TITLES.items()
        ]
        read = []
    if module.params["user_mapping_file"]:
        found.append(mapping_record(iam_client(module), module.params["user_mapping_file"], account_id))
    module.exit_json(
        changed=False,
        **records.judgement(found),
        account_id=account_id,
        roles=role_views(read),
    )


if __name__ == "__main__":
    main()
