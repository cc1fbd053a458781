#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: doit_readiness_info
short_description: Read what DoiT onboarding needs to know about an organization's management account
version_added: 0.3.0
description:
  - Everything the C(diatonic.partnercentral.doit_onboarding) role reads before its first write, in one module
    run. Only reads; never reports a change.
  - Fails, before anything else is read, when the credentials do not belong to O(expected_account_id) or the
    account is not the management account of an AWS organization (C(sts:GetCallerIdentity),
    C(organizations:DescribeOrganization)), and when a policy of O(managed_policies) does not exist or cannot be
    looked up (C(iam:GetPolicy)). The message says why and what to do.
  - Reads the root user's MFA (C(iam:GetAccountSummary)) and the IAM users with C(AdministratorAccess), directly
    or through a group (C(iam:ListEntitiesForPolicy), C(iam:GetGroup)).
  - Reads the evidence of DoiT's billing steps - the payment instruments (C(payments:ListPaymentInstruments)), the
    tax registrations of the consolidated billing family (C(tax:ListTaxRegistrations)) and the transfers of the
    organization's billing to another organization (C(organizations:ListOutboundResponsibilityTransfers), type
    C(BILLING)). A read that AWS refuses, that stays throttled past the retries, or that the installed botocore
    cannot make (it has no such API) does not fail the module - its facts are null and RV(payment_instruments_error),
    RV(tax_registrations_error) or RV(billing_transfers_error) say why, starting with C(access denied),
    C(throttled), C(not available) or C(error).
  - The P(diatonic.partnercentral.doit_result#filter) filter judges what this module read, with the role's
    variables, into DoiT's checklist records.
author:
  - Diatonic platform engineering (@diatonic)
options:
  expected_account_id:
    description:
      - The 12-digit account ID the credentials must belong to. Catches a wrong profile or role before anything
        else is read.
    type: str
  managed_policies:
    description:
      - Managed policies (names of AWS managed policies, or ARNs) that must exist; one that does not stops the
        module.
    type: list
    elements: str
    default: []
notes:
  - Supports check mode; it makes the same read calls in both modes.
  - Needs C(sts:GetCallerIdentity), C(organizations:DescribeOrganization), C(iam:GetAccountSummary),
    C(iam:ListEntitiesForPolicy) and C(iam:GetGroup); C(iam:GetPolicy) for O(managed_policies); and for the billing
    evidence C(payments:ListPaymentInstruments), C(tax:ListTaxRegistrations) and
    C(organizations:ListOutboundResponsibilityTransfers).
  - The payments API is in botocore 1.44.8 and newer, the Tax Settings API in 1.34.119 and newer; with an older
    botocore that evidence is reported as not available, with the version to upgrade to.
extends_documentation_fragment:
  - diatonic.partnercentral.controller
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: What DoiT onboarding needs to know about the management account
  diatonic.partnercentral.doit_readiness_info:
    expected_account_id: "313476888312"
    managed_policies: [AWSBillingReadOnlyAccess, AWSOrganizationsReadOnlyAccess]
  register: readiness

- name: Show the payment instruments, or why they could not be read
  ansible.builtin.debug:
    msg: "{{ readiness.payment_instruments | default(readiness.payment_instruments_error, true) }}"
"""

RETURN = r"""
account_id:
  description: The account the credentials belong to.
  returned: always
  type: str
  sample: "313476888312"
caller_arn:
  description: ARN of the identity the credentials belong to.
  returned: always
  type: str
membership:
  description: V(management), V(member), V(standalone), or V(unknown) when the organization could not be read.
  returned: always
  type: str
  sample: management
organization:
  description: The account's organization, as M(diatonic.partnercentral.org_member_check) returns it.
  returned: always
  type: dict
  contains:
    id:
      description: Organization ID.
      type: str
    arn:
      description: Organization ARN.
      type: str
    feature_set:
      description: V(ALL) or V(CONSOLIDATED_BILLING).
      type: str
    management_account_id:
      description: The organization's management account.
      type: str
    management_account_arn:
      description: ARN of the management account.
      type: str
    management_account_email:
      description: The root user's e-mail address of the management account.
      type: str
records:
  description:
    - The records of the checks that can stop the module (C(preflight.account_id), C(preflight.membership),
      C(preflight.managed_policies)), in the shape of C(schemas/report-1.json)'s records.
  returned: always
  type: list
  elements: dict
managed_policies:
  description: The policies of O(managed_policies) found and missing; null when none was given.
  returned: always
  type: dict
  contains:
    available:
      description: The policies found.
      type: list
      elements: dict
    missing:
      description: The policies that do not exist, each with C(name) and C(arn).
      type: list
      elements: dict
root:
  description: What iam:GetAccountSummary says about the root user; null when it could not be read.
  returned: always
  type: dict
  contains:
    mfa_enabled:
      description: Whether the root user has MFA.
      type: bool
    password_present:
      description: Whether the root user has a password; null where IAM does not report it.
      type: bool
    access_keys_present:
      description: Whether the root user has access keys.
      type: bool
root_error:
  description: Why the root user's MFA could not be read; null when it was.
  returned: always
  type: str
administrators:
  description: Who has C(AdministratorAccess), as M(diatonic.partnercentral.iam_policy_entities_info) returns it.
  returned: always
  type: dict
  contains:
    all_users:
      description: Every user the policy reaches, directly or through a group, sorted.
      type: list
      elements: str
      sample: [alice, org-admin]
payment_instruments:
  description: The account's payment instruments; null when they could not be read.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Instrument ID.
      type: str
    arn:
      description: Instrument ARN.
      type: str
    payment_method:
      description: V(CARD), V(PAY_BY_INVOICE), V(SEPA_BANK_ACCOUNT) and so on.
      type: str
    status:
      description: V(ACTIVE), V(PENDING_SETUP), V(SETUP_IN_PROGRESS) or V(INVALID).
      type: str
    created:
      description: When it was added (ISO 8601).
      type: str
    updated:
      description: When it last changed (ISO 8601).
      type: str
payment_instruments_error:
  description: Why the payment instruments could not be read; null when they were.
  returned: always
  type: str
  sample: "not available: this botocore (1.44.5) has no payments API: upgrade botocore to 1.44.8 or newer"
tax_registrations:
  description: The tax registration of each account of the consolidated billing family; null when not read.
  returned: always
  type: list
  elements: dict
  contains:
    account_id:
      description: The account.
      type: str
    registration_type:
      description: V(VAT), V(GST) and so on; null without a registration.
      type: str
    status:
      description: V(Verified), V(Pending), V(Deleted) or V(Rejected); null without a registration.
      type: str
    country:
      description: ISO 3166 alpha-2 code of the registration's jurisdiction; null without a registration.
      type: str
    state:
      description: State or region of the jurisdiction, where it has one.
      type: str
    legal_name:
      description: The registered legal name.
      type: str
    address_country:
      description: Country code of the account's tax address (else of its address).
      type: str
tax_registrations_error:
  description: Why the tax registrations could not be read; null when they were.
  returned: always
  type: str
billing_transfers:
  description: Transfers, and invitations to transfer, the organization's billing to another organization.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Transfer ID.
      type: str
    status:
      description: V(REQUESTED), V(ACCEPTED), V(DECLINED), V(CANCELED), V(EXPIRED) or V(WITHDRAWN).
      type: str
    target_account_id:
      description: The management account the billing is transferred to.
      type: str
    target_email:
      description: Its e-mail address.
      type: str
    started:
      description: When the transfer starts (ISO 8601).
      type: str
    ended:
      description: When it ends, if it does (ISO 8601).
      type: str
    handshake_id:
      description: The handshake to accept or decline, for an invitation.
      type: str
    active:
      description: Whether the transfer is accepted and has not ended.
      type: bool
billing_transfers_error:
  description: Why the billing transfers could not be read; null when they were.
  returned: always
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import partition_for_region
from ansible_collections.diatonic.partnercentral.plugins.module_utils.doit_readiness import BILLING_REGIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.doit_readiness import GateError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.doit_readiness import billing_api_problems
from ansible_collections.diatonic.partnercentral.plugins.module_utils.doit_readiness import check_readiness
from ansible_collections.diatonic.partnercentral.plugins.module_utils.managed_policies import validate_policy_references
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import backoff


def main():
    argument_spec = dict(
        expected_account_id=dict(type="str"),
        managed_policies=dict(type="list", elements="str", default=[]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problems = validate_policy_references(module.params["managed_policies"])
    problem = account_id_problem(module.params["expected_account_id"])
    if problem:
        problems.append(problem)
    if problems:
        module.fail_json(msg="Invalid options, nothing was read: " + "; ".join(problems), problems=problems)

    partition = partition_for_region(module.region)
    missing = billing_api_problems(partition)
    clients = {name: module.client(name, retry_decorator=backoff()) for name in ("sts", "organizations", "iam")}
    for service, region in BILLING_REGIONS.items():
        if not missing[_FACT_OF[service]]:  # a client of a service botocore lacks cannot even be made
            clients[service] = module.client(service, region=region, retry_decorator=backoff())
    try:
        result = check_readiness(
            clients,
            expected_account_id=module.params["expected_account_id"],
            managed_policies=module.params["managed_policies"],
            partition=partition,
            problems=missing,
        )
    except GateError as e:
        module.fail_json(msg=e.message, **e.result)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, **result)


# The billing fact each billing-only service is read for.
_FACT_OF = {"payments": "payment_instruments", "taxsettings": "tax_registrations"}


if __name__ == "__main__":
    main()
