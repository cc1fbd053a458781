#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: org_member_check
short_description: Check which AWS account the credentials belong to, its place in AWS Organizations and its plan
version_added: 0.1.0
description:
  - Says who the credentials really are (C(sts:GetCallerIdentity), or O(caller_arn)), the organization the account
    is in and its management account (C(organizations:DescribeOrganization)), whether the account is the management
    account, a member or standalone, and its account plan, V(PAID) or V(FREE) (C(freetier:GetAccountPlanState)).
  - Requires what a phase of the migration needs, and fails with every reason and what to do about it when the
    account does not meet it. Partner Central data is tied to the linked account for good, so the Partner Central
    account must be a member account on the Paid plan; for DoiT onboarding the account must be the management
    account.
  - From the management account, it also lists the organization's accounts and confirms that given accounts are
    ACTIVE members (checklist phase 1.2).
  - When O(expected_account_id) does not match the credentials, nothing else is checked, as it would describe the
    wrong account.
  - Reports every item as a record (the collection's record model, schema C(schemas/report-1.json)) - V(verified),
    V(failed), or V(unknown) when it could not be checked after the retries, with whether AWS throttled the call,
    denied access or the API was not available. An unknown item is never taken for a pass or a fail.
  - Where the Free Tier API cannot be reached or does not answer, the plan is V(unknown), never taken for Paid.
    With O(require_paid_plan) the account is then not ready (RV(verdict) V(unknown)); otherwise the module warns.
  - Only reads, so it runs the same in check mode and never reports a change.
author:
  - Diatonic platform engineering (@diatonic)
options:
  expected_account_id:
    description:
      - The 12-digit account ID the credentials must belong to. Catches a wrong profile or role before anything
        else happens.
    type: str
  membership:
    description:
      - What the account must be in AWS Organizations. V(member) for the Partner Central account, V(management)
        for the DoiT side, V(standalone) for an account outside any organization, V(any) to only report.
    type: str
    choices: [member, management, standalone, any]
    default: any
  expected_management_account_id:
    description:
      - When set, the account's organization must be managed by this account, for example the inventory's
        management account.
    type: str
  require_paid_plan:
    description:
      - Require the account to be on the Paid plan; a Free plan fails. Partner Central can only be linked to an
        account on the Paid plan.
    type: bool
    default: false
  required_members:
    description:
      - Account IDs that must be ACTIVE members of the account's organization (not its management account). Needs
        the management account's credentials, or a delegated administrator's.
    type: list
    elements: str
    default: []
  list_accounts:
    description:
      - Return the organization's accounts in RV(accounts). Needs the management account's credentials, or a
        delegated administrator's.
    type: bool
    default: false
  report_only:
    description:
      - Report failed and unknown items in RV(records) and RV(ready) instead of failing, so that a playbook can
        gather every account's result before it decides.
    type: bool
    default: false
notes:
  - Supports check mode; it makes the same read calls in both modes.
  - Needs C(sts:GetCallerIdentity) (not with O(caller_arn)), C(organizations:DescribeOrganization),
    C(freetier:GetAccountPlanState), and for O(required_members) or O(list_accounts), C(organizations:DescribeAccount)
    or C(organizations:ListAccounts).
  - Needs botocore 1.39.4 or newer, the first to know C(freetier:GetAccountPlanState); with an older botocore the
    module fails before any AWS call, naming the version it needs.
extends_documentation_fragment:
  - diatonic.partnercentral.controller
  - diatonic.partnercentral.account.caller_arn
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The Partner Central account must be a paid member account, reached with the right credentials
  diatonic.partnercentral.org_member_check:
    expected_account_id: "210987654321"
    membership: member
    require_paid_plan: true

- name: From the management account, confirm the Partner Central account is an ACTIVE member
  diatonic.partnercentral.org_member_check:
    membership: management
    required_members: ["210987654321"]
    list_accounts: true
  register: organization

- name: DoiT onboarding needs the organization's management (payer) account
  diatonic.partnercentral.org_member_check:
    profile: payer
    expected_account_id: "313476888312"
    membership: management

- name: Only report, and decide later
  diatonic.partnercentral.org_member_check:
    membership: member
    require_paid_plan: true
    report_only: true
  register: placement

- name: Show what is wrong
  ansible.builtin.debug:
    msg: "{{ placement.records | rejectattr('status', 'eq', 'verified') | map(attribute='evidence') }}"
"""

RETURN = r"""
account_id:
  description: The account the credentials belong to.
  returned: always
  type: str
  sample: "210987654321"
caller_arn:
  description: ARN of the identity the credentials belong to (O(caller_arn) when given).
  returned: always
  type: str
  sample: arn:aws:sts::210987654321:assumed-role/OrganizationAccountAccessRole/diatonic-partnercentral
user_id:
  description: Unique ID of that identity; null when O(caller_arn) was given (no C(sts:GetCallerIdentity)).
  returned: always
  type: str
membership:
  description:
    - V(management), V(member) or V(standalone); V(unknown) when the organization could not be read, or not
      checked because the credentials belong to another account than O(expected_account_id).
  returned: always
  type: str
  sample: member
organization:
  description: The account's organization; null for a standalone account or when it could not be read.
  returned: always
  type: dict
  contains:
    id:
      description: Organization ID.
      type: str
      sample: o-a1b2c3d4e5
    arn:
      description: Organization ARN.
      type: str
    feature_set:
      description: V(ALL) or V(CONSOLIDATED_BILLING).
      type: str
    management_account_id:
      description: The organization's management account.
      type: str
      sample: "313476888312"
    management_account_arn:
      description: ARN of the management account.
      type: str
    management_account_email:
      description: E-mail address of the management account.
      type: str
plan:
  description: The account plan; null when not checked (wrong credentials).
  returned: always
  type: dict
  contains:
    type:
      description: V(PAID), V(FREE), or V(unknown) when the Free Tier API did not tell.
      type: str
      sample: PAID
    status:
      description: V(NOT_STARTED), V(ACTIVE) or V(EXPIRED), as the Free Tier API reports it.
      type: str
    remaining_credits:
      description: Credits left on a Free plan, as C(amount) and C(unit).
      type: dict
    expiration_date:
      description: When a Free plan ends (ISO 8601).
      type: str
    error:
      description: Why the plan is unknown.
      type: str
accounts:
  description: The organization's accounts, when O(list_accounts) is set; null otherwise.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Account ID.
      type: str
    name:
      description: Account name.
      type: str
    email:
      description: Root e-mail address.
      type: str
    state:
      description: V(ACTIVE), V(SUSPENDED), V(PENDING_CLOSURE) and so on.
      type: str
    joined_method:
      description: V(CREATED) or V(INVITED).
      type: str
    joined:
      description: When the account joined (ISO 8601).
      type: str
records:
  description:
    - One record per item checked, in order; the shape of C(schemas/report-1.json)'s records.
    - Ids are C(preflight.account_id), C(preflight.membership), C(preflight.management_account), C(preflight.plan),
      C(preflight.accounts), and C(preflight.organization_member) once per O(required_members) account (its
      RV(records[].account) is that member).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: What was checked.
      type: str
      sample: preflight.membership
    phase:
      description: The checklist phase, V(0) or V(1).
      type: str
    title:
      description: What the item is, for a person.
      type: str
    account:
      description: The account the item applies to.
      type: str
    status:
      description: V(verified), V(failed) or V(unknown).
      type: str
    blocking:
      description: Whether the item stands between the account and ready.
      type: bool
    evidence:
      description: What was seen, or why it could not be checked.
      type: str
    remedy:
      description: What to do about it, in one line; null when verified.
      type: str
    who:
      description: Always null here.
      type: str
  sample:
    - id: preflight.membership
      phase: "0"
      title: The account's place in AWS Organizations
      account: "313476888312"
      status: failed
      blocking: true
      evidence: 313476888312 is the management account of organization o-a1b2c3d4e5, but it must be a member account
      remedy: link Partner Central to a dedicated member account (create one with AWS Organizations), ...
      who: null
verdict:
  description: V(ready), V(not_ready) (a blocking item failed) or V(unknown) (a blocking item could not be checked).
  returned: always
  type: str
ready:
  description: Whether RV(verdict) is V(ready).
  returned: always
  type: bool
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import CALLER_ARN_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.organizations import FREETIER_REGION
from ansible_collections.diatonic.partnercentral.plugins.module_utils.organizations import MEMBERSHIPS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.organizations import check_account
from ansible_collections.diatonic.partnercentral.plugins.module_utils.organizations import validate_options
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import backoff

# The first botocore whose Free Tier service model has GetAccountPlanState (requirements.txt's floor is older).
FREETIER_PLAN_BOTOCORE = "1.39.4"


def problem_text(found):
    """The blocking items that failed, then those that could not be checked, each with what to do."""
    failed = [r for r in found if r["blocking"] and r["status"] == records.FAILED]
    unknown = [r for r in found if r["blocking"] and r["status"] == records.UNKNOWN]
    return " ".join(
        [f"[{r['id']}] {r['evidence']}. Fix: {r['remedy']}." for r in failed]
        + [f"[{r['id']}] {r['evidence']}. Next: {r['remedy']}." for r in unknown]
    )


def main():
    argument_spec = dict(
        expected_account_id=dict(type="str"),
        **CALLER_ARN_OPTIONS,
        membership=dict(type="str", default="any", choices=list(MEMBERSHIPS)),
        expected_management_account_id=dict(type="str"),
        require_paid_plan=dict(type="bool", default=False),
        required_members=dict(type="list", elements="str", default=[]),
        list_accounts=dict(type="bool", default=False),
        report_only=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    problems = validate_options(module.params)
    if problems:
        module.fail_json(msg="Invalid options, nothing was checked: " + "; ".join(problems), problems=problems)
    module.require_botocore_at_least(FREETIER_PLAN_BOTOCORE, reason="to read the account plan (GetAccountPlanState)")

    try:
        result = check_account(
            # Made only when the account must be asked (no caller_arn naming one).
            lambda: module.client("sts", retry_decorator=backoff()),
            module.client("organizations", retry_decorator=backoff()),
            module.client("freetier", retry_decorator=backoff(), region=FREETIER_REGION),
            module.params,
        )
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    found = result["records"]
    for record in found:
        if not record["blocking"] and record["status"] in (records.FAILED, records.UNKNOWN):
            module.warn(f"{record['id']}: {record['evidence']}. {record['remedy']}")

    result.update(changed=False, **records.judgement(found))
    if not result["ready"] and not module.params["report_only"]:
        what = (
            "does not meet the requirements" if result["verdict"] == records.NOT_READY else "could not be fully checked"
        )
        module.fail_json(msg=f"Account {result['account_id']} {what}: {problem_text(found)}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
