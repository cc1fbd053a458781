#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: user_mapping
short_description: Map the users of a Partner Central export to the persona IAM roles (checklist phase 7)
version_added: 0.3.0
description:
  - Reads the user export a person downloads from Partner Central (the migration widget's C(Download users), a
    CSV file on the host the module runs on), tells active from inactive users, and maps each active user to a
    C(PartnerCentralRoleFor*) IAM role by their current (legacy) Partner Central role, or by their e-mail.
  - The export may spell its headers in any usual way (C(Email), C(E-mail address), C(email_address); C(Role),
    "Role(s)", C(Current role); C(Last Login), C(Last sign-in); C(Name), or C(First name) and C(Last name)), be
    UTF-8 with or without a byte order mark (or UTF-16 with one), and be comma, semicolon, tab or bar delimited.
    Blank lines are skipped and empty trailing columns ignored.
  - A malformed export fails the task naming every bad line and what is wrong with it (a missing column, an
    unreadable date, an empty or repeated e-mail, a row with more fields than the header, bytes that are not
    UTF-8).
  - The mapping fails the task, naming every problem at once, when an active user has no mapping, when nobody is
    mapped to the Alliance Lead role, or when a mapped role does not exist in the account, does not trust
    exactly C(partnercentral-account-management.amazonaws.com), or is the cloud admin role
    (C(PartnerCentralRoleForCloudAdmin*), created by linking) given to a user who is not a Cloud Admin.
  - Only reads (C(iam:GetRole), and C(iam:ListRoles) for the cloud admin role) and writes nothing. The caller
    writes RV(csv) and RV(mapping) out for the person who enters them in Partner Central (the association of a
    user with a role, C(AssociatePartnerUser), has no public API); the C(diatonic.partnercentral.user_mapping)
    role does.
  - Returns the phase's records (the collection's record model, schema C(schemas/report-1.json)) -
    C(user_mapping.export), C(user_mapping.inactive_users), C(user_mapping.active_users_mapped),
    C(user_mapping.alliance_lead), C(user_mapping.roles_exist) and C(user_mapping.console_entry) (manual) - also
    when it fails.
author:
  - Diatonic platform engineering (@diatonic)
options:
  export:
    description:
      - Path of the user export (CSV) on the host the module runs on. A relative path is taken from the module's
        working directory; the role passes an absolute one.
    type: path
    required: true
  inactive_after_days:
    description: A user whose last login is more than this many days before O(reference_date) is inactive.
    type: int
    default: 90
  reference_date:
    description:
      - The day activity is judged on, as YYYY-MM-DD. Empty, today (UTC). Give it to make a run reproducible.
    type: str
  day_first:
    description:
      - How to read a numeric date that could be either (03/04/2026). V(true) day first, V(false) month first.
      - When not given, as the export's unambiguous dates are written, and month first when none is; an export
        mixing both fails naming the lines. C(DD.MM.YYYY) is always day first.
    type: bool
  role_rules:
    description:
      - Legacy Partner Central role to IAM role, merged over the defaults (the checklist's mapping template -
        C(Cloud Admin) to the cloud admin role C(PartnerCentralRoleForCloudAdmin*), C(Alliance Lead) and C(Admin)
        to C(PartnerCentralRoleForAllianceLead), C(ACE Manager), C(ACE User) and C(Opportunity Mgr) to
        C(PartnerCentralRoleForACEManager), C(Marketing) to C(PartnerCentralRoleForMarketing), C(Channel) to
        C(PartnerCentralRoleForChannelManager), C(Channel Approver) to C(PartnerCentralRoleForChannelApprover),
        C(Solutions) and C(Technical Staff) to C(PartnerCentralRoleForTechnical), C(Read Only) to
        C(PartnerCentralRoleForReadOnly); see the role's README for the whole list).
      - A value is a role name, a persona (V(ACEManager) means C(PartnerCentralRoleForACEManager)), a role ARN,
        V(exclude) (such users are left out on purpose), or null (removes the default rule).
      - Legacy roles match whatever their case, spaces and punctuation. A user with several legacy roles gets the
        role of the first rule that matches, defaults first, then new rules in the order given.
    type: dict
    default: {}
  replace_role_rules:
    description: Use O(role_rules) alone, without the defaults.
    type: bool
    default: false
  user_overrides:
    description:
      - E-mail address to IAM role (as in O(role_rules)), or V(exclude). Wins over the rules, and keeps an inactive
        user mapped. An address not in the export is warned about.
    type: dict
    default: {}
  alliance_lead_role:
    description: The role an active user must be mapped to (a role name, or a persona such as V(AllianceLead)).
    type: str
    default: PartnerCentralRoleForAllianceLead
  check_roles:
    description:
      - Check each mapped role in the account (exists, trusts exactly Partner Central's service principal). When
        V(false), no AWS call is made and the C(user_mapping.roles_exist) record is V(skipped).
    type: bool
    default: true
  expected_account_id:
    description:
      - The 12-digit ID of the Partner Central account, which the records name. When a mapped role read belongs
        to another account, the task fails (the credentials act in the wrong account).
    type: str
  output:
    description: Where the caller writes the mapping, named in the manual record's step. The module writes nothing.
    type: str
notes:
  - Supports check mode (it only reads).
  - Needs C(iam:GetRole) and C(iam:ListRoles) (policy C(policies/user_mapping.json)), unless O(check_roles=false).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Map the exported users with the checklist's rules
  diatonic.partnercentral.user_mapping:
    export: /home/me/partner-central-users.csv
    expected_account_id: "210987654321"
  register: mapping

- name: Standard users get read-only access, one person is the Alliance Lead, a trainee is left out
  diatonic.partnercentral.user_mapping:
    export: /home/me/partner-central-users.csv
    inactive_after_days: 60
    reference_date: "2026-11-26"
    role_rules:
      Standard User: ReadOnly
    user_overrides:
      drew@example.com: PartnerCentralRoleForAllianceLead
      trainee@example.com: exclude
  register: mapping

- name: Write the mapping for the person who enters it in Partner Central
  ansible.builtin.copy:
    content: "{{ mapping.csv }}"
    dest: /home/me/user_mapping.csv
    mode: "0644"
"""

RETURN = r"""
records:
  description: The records of phase 7, in the shape of C(schemas/report-1.json)'s records; returned on failure too.
  returned: always
  type: list
  elements: dict
  sample:
    - id: user_mapping.active_users_mapped
      phase: "7"
      title: Every active user is mapped to an IAM role
      account: "210987654321"
      status: failed
      blocking: true
      evidence: "Jane Roe <jane@example.com> (line 4, Standard User) has no IAM role: ..."
      remedy: add rules (user_mapping_role_rules) or overrides (user_mapping_user_overrides) for the users named
      who: null
problems:
  description: Every problem found, one line each; the task fails when there is any. Returned on failure too.
  returned: always
  type: list
  elements: str
mapping:
  description:
    - One row per user of the export - users to map first (by role, then e-mail), then those excluded. The
      columns of RV(csv).
  returned: success
  type: list
  elements: dict
  contains:
    email:
      description: The user's e-mail, as in the export.
      type: str
    name:
      description: The user's name, as in the export (empty when it has none).
      type: str
    current_roles:
      description: The user's legacy Partner Central roles, separated by C(; ).
      type: str
    last_login:
      description: The last login as YYYY-MM-DD; null when the user never logged in.
      type: str
    status:
      description: V(active) or V(inactive).
      type: str
    action:
      description: V(map) (enter the role in Partner Central) or V(exclude) (leave the user unmapped on purpose).
      type: str
    iam_role:
      description: The role to give the user (the cloud admin role under its full name when it exists).
      type: str
    iam_role_arn:
      description: The role's ARN; null when the roles were not checked.
      type: str
    reason:
      description: Why - the legacy role whose rule matched, the e-mail override, or inactivity.
      type: str
csv:
  description: RV(mapping) as CSV text (UTF-8), a header line then one line per user.
  returned: success
  type: str
summary:
  description: How many users the export holds, active, inactive, mapped and excluded.
  returned: always
  type: dict
  sample: {users: 12, active: 9, inactive: 3, mapped: 8, excluded: 4, unmapped: 0}
roles:
  description:
    - Each mapped role as found in the account - its full name, ARN, and what is wrong with it (null when usable).
  returned: always
  type: dict
  sample:
    PartnerCentralRoleForCloudAdmin*:
      role: PartnerCentralRoleForCloudAdmin-ab12cd
      arn: arn:aws:iam::210987654321:role/PartnerCentralRoleForCloudAdmin-ab12cd
      problem: null
      unknown: null
account_id:
  description: The Partner Central account (O(expected_account_id), or the account of the roles read).
  returned: always
  type: str
reference_date:
  description: The day activity was judged on.
  returned: always
  type: str
  sample: "2026-11-26"
"""

import os

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils import user_mapping as um
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import EXPECTED_ACCOUNT_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_of_arn
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import iam_client


def _option_problems(params):
    problems = [p for p in [account_id_problem(params["expected_account_id"])] if p]
    if params["inactive_after_days"] < 0:
        problems.append(f"inactive_after_days {params['inactive_after_days']} must be 0 or more")
    try:
        reference = um.parse_reference_date(params["reference_date"])
    except ValueError as e:
        problems.append(str(e))
        reference = None
    try:
        um.effective_rules(params["role_rules"], params["replace_role_rules"])
    except um.RuleError as e:
        problems.extend(e.problems)
    try:
        um.effective_overrides(params["user_overrides"])
    except um.RuleError as e:
        problems.extend(e.problems)
    lead_role, problem = um.role_name(params["alliance_lead_role"], "alliance_lead_role")
    if problem or lead_role == um.EXCLUDE:
        problems.append(problem or "alliance_lead_role cannot be exclude")
    return reference, problems


def _users(path, day_first):
    """The export's users, and every problem that keeps it from being read (naming the lines)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as e:
        return [], [f"it cannot be read ({e.strerror}): download it from Partner Central and give its path"]
    try:
        return um.read_export(data, day_first), []
    except um.ExportError as e:
        return [], e.problems


def main():
    argument_spec = dict(
        export=dict(type="path", required=True),
        inactive_after_days=dict(type="int", default=um.DEFAULT_INACTIVE_AFTER_DAYS),
        reference_date=dict(type="str"),
        day_first=dict(type="bool"),
        role_rules=dict(type="dict", default={}),
        replace_role_rules=dict(type="bool", default=False),
        user_overrides=dict(type="dict", default={}),
        alliance_lead_role=dict(type="str", default=um.ALLIANCE_LEAD_ROLE),
        check_roles=dict(type="bool", default=True),
        output=dict(type="str"),
        **EXPECTED_ACCOUNT_OPTIONS,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    account = params["expected_account_id"]
    path = os.path.abspath(params["export"])
    name = os.path.basename(path)

    reference, problems = _option_problems(params)
    if problems:
        module.fail_json(
            msg="Invalid user mapping options, nothing was read: " + "; ".join(problems), problems=problems
        )

    users, problems = _users(path, params["day_first"])
    if problems:
        module.fail_json(
            msg=f"The user export {path} cannot be used, nothing was written: " + "; ".join(problems),
            problems=problems,
            records=um.export_failed_records(account, name, problems),
            summary={},
            roles={},
            account_id=account,
            reference_date=reference.isoformat(),
        )

    users = um.classify(users, reference, params["inactive_after_days"])
    plan = um.plan_mapping(
        users,
        params["role_rules"],
        params["user_overrides"],
        replace_rules=params["replace_role_rules"],
        alliance_lead_role=params["alliance_lead_role"],
    )
    checked = {}
    if params["check_roles"]:
        try:
            checked = um.check_roles(iam_client(module), um.mapped_role_names(plan["rows"]))
        except AnsibleAWSError as e:
            module.fail_json_aws_error(e)
        for found in checked.values():
            role_account = account_of_arn(found["arn"])
            if account and role_account and role_account != account:
                module.fail_json(
                    msg=f"The mapped roles were read in AWS account {role_account}, but the Partner Central account "
                    f"is {account} (expected_account_id): use credentials of account {account}. Nothing was written."
                )
            account = account or role_account
    plan = um.apply_role_checks(plan, checked)
    records = um.mapping_records(
        account, name, plan, reference, params["inactive_after_days"], params["check_roles"], params["output"]
    )
    problems = um.problem_messages(plan)
    for warning in plan["warnings"]:
        module.warn(warning)
    for reason in plan.get("unknown_roles", []):
        module.warn(f"could not check a mapped role: {reason}")
    result = dict(
        records=records,
        problems=problems,
        summary=um.summary(plan["rows"]),
        roles=checked,
        account_id=account,
        reference_date=reference.isoformat(),
    )
    if problems:
        module.fail_json(
            msg=f"The mapping of {name} has {len(problems)} problems, nothing was written: " + "; ".join(problems),
            **result,
        )
    rows = um.mapping_rows(plan)
    module.exit_json(changed=False, mapping=rows, csv=um.mapping_csv(rows), **result)


if __name__ == "__main__":
    main()
