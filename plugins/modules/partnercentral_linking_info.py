#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: partnercentral_linking_info
short_description: Report the evidence that an AWS account is linked to Partner Central (checklist phase 6)
version_added: 0.2.0
description:
  - Reads, from the account linked to Partner Central (or the one meant to be), what AWS shows once the Alliance
    Lead has linked it, and reports each item as a record of phase 6 (the collection's record model, schema
    C(schemas/report-1.json)). It only reads and never reports a change.
  - C(linking.cloud_admin_role) - the cloud admin role AWS creates while linking (C(PartnerCentralRoleForCloudAdmin*))
    exists, trusts C(partnercentral-account-management.amazonaws.com) and has the AWS managed policy
    C(PartnerCentralAccountManagementUserRoleAssociation) attached (C(iam:ListRoles), C(iam:ListAttachedRolePolicies)).
  - C(linking.partner) - the C(partnercentral-account) API (endpoint in us-east-1, whatever O(region) says) lists a
    partner in O(catalog) (C(ListPartners)), read with C(GetPartner) (id, legal name, ARN).
  - C(linking.alliance_lead) - the partner's alliance lead contact (C(GetAllianceLeadContact)); the e-mail address
    is shown masked.
  - C(linking.cloud_admin_assigned) and C(linking.confirmation) - V(manual), as no public API shows them; each
    says what a person does and how they confirm it (C(confirm)).
  - No public API links an account; a missing cloud admin role or partner is V(failed) with that step as remedy.
    Where the credentials are refused, AWS throttles past the retries, or this botocore lacks the
    C(partnercentral-account) API (botocore older than 1.41.6), the item is V(unknown) with the reason, never
    V(failed) or V(verified).
author:
  - Diatonic platform engineering (@diatonic)
options:
  expected_account_id:
    description:
      - The 12-digit account ID the credentials must belong to. When they belong to another account, the module
        fails before any check, as the records would describe the wrong account.
    type: str
  catalog:
    description:
      - The Partner Central catalog to ask, V(AWS) (production) or V(Sandbox) (Partner Central's test catalog).
    type: str
    default: AWS
    choices: [AWS, Sandbox]
notes:
  - Needs C(sts:GetCallerIdentity) (the account of the records; not with O(caller_arn)), C(iam:ListRoles),
    C(iam:ListAttachedRolePolicies), C(partnercentral:ListPartners), C(partnercentral:GetPartner) and
    C(partnercentral:GetAllianceLeadContact).
  - Partner Central may refuse credentials that IAM allows (an account that is not linked, or a user that is not
    mapped); the items it answers are then V(unknown) with its reason.
extends_documentation_fragment:
  - diatonic.partnercentral.controller
  - diatonic.partnercentral.account.caller_arn
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Is the Partner Central account linked?
  diatonic.partnercentral.partnercentral_linking_info:
    expected_account_id: "{{ aws_account_id }}"
  register: linking

- name: Show the partner Partner Central knows for this account
  ansible.builtin.debug:
    msg: "{{ linking.partner.legal_name }} ({{ linking.partner.id }})"
  when: linking.partner
"""

RETURN = r"""
records:
  description:
    - One record per item - C(linking.cloud_admin_role), C(linking.partner), C(linking.alliance_lead),
      C(linking.cloud_admin_assigned), C(linking.confirmation) - in the shape of C(schemas/report-1.json)'s records.
      The manual ones carry C(confirm), how a person confirms the step is done.
  returned: always
  type: list
  elements: dict
  sample:
    - id: linking.partner
      phase: "6"
      title: Partner Central knows a partner for this account
      account: "210987654321"
      status: verified
      blocking: true
      evidence: "GetPartner (AWS catalog): partner-a210987654321 'Example Corp' (arn:aws:partnercentral:...)"
      remedy: null
      who: null
ready:
  description: Whether no blocking item failed or could not be checked.
  returned: always
  type: bool
verdict:
  description: V(ready), V(not_ready) (a blocking item failed) or V(unknown) (a blocking item could not be checked).
  returned: always
  type: str
account_id:
  description: The account that was checked (from the credentials); null when it could not be read.
  returned: always
  type: str
  sample: "210987654321"
catalog:
  description: The catalog asked.
  returned: always
  type: str
  sample: AWS
cloud_admin_roles:
  description: The C(PartnerCentralRoleForCloudAdmin*) roles found; null when they could not be read.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Role name.
      type: str
    arn:
      description: Role ARN.
      type: str
    trusts_service:
      description: Whether an Allow statement of its trust policy names the Partner Central service principal.
      type: bool
    managed_policies:
      description: ARNs of its managed policies.
      type: list
      elements: str
partner:
  description: The partner C(GetPartner) returned; null when none was found or it could not be read.
  returned: always
  type: dict
  contains:
    id:
      description: Partner id.
      type: str
      sample: partner-a210987654321
    arn:
      description: Partner ARN.
      type: str
    legal_name:
      description: The partner's legal name.
      type: str
    catalog:
      description: The catalog it is in.
      type: str
    display_name:
      description: The profile's display name.
      type: str
alliance_lead:
  description: The alliance lead contact; null when none was found or it could not be read.
  returned: always
  type: dict
  contains:
    name:
      description: First and last name.
      type: str
    business_title:
      description: Business title.
      type: str
    email:
      description: E-mail address, masked (first letter and domain).
      type: str
      sample: a***@example.com
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils import linking
from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import CALLER_ARN_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_for_module
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import backoff


def main():
    argument_spec = dict(
        expected_account_id=dict(type="str"),
        **CALLER_ARN_OPTIONS,
        catalog=dict(type="str", default="AWS", choices=list(linking.CATALOGS)),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problem = account_id_problem(module.params["expected_account_id"])
    if problem:
        module.fail_json(msg=f"Invalid options, nothing was checked: {problem}", problems=[problem])

    account = account_for_module(module)
    try:
        account_id = account.for_records(module.params["expected_account_id"])
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    # An old botocore lacks the API: its items are unknown, the IAM evidence is still read.
    partnercentral = None
    if module.botocore_at_least(linking.BOTOCORE_VERSION):
        partnercentral = module.client(linking.SERVICE, region=linking.REGION, retry_decorator=backoff())
    found, facts = linking.linking_records(
        module.client("iam", retry_decorator=backoff()),
        partnercentral,
        catalog=module.params["catalog"],
        account=account_id,
        partition=account.partition,
        botocore_version=botocore.__version__,
    )
    module.exit_json(
        changed=False,
        **records.judgement(found),
        account_id=account_id,
        catalog=module.params["catalog"],
        **facts,
    )


if __name__ == "__main__":
    main()
