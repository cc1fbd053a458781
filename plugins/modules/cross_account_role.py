#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cross_account_role
short_description: Manage an IAM role that another AWS account assumes with an external ID
version_added: 0.1.0
description:
  - Creates, updates or deletes an IAM role whose trust policy allows exactly one other AWS account to assume it,
    and only with an external ID, as a third party such as DoiT needs on a management account.
  - The trust policy is not an option, it is always the O(trusted_account_id)'s root principal with
    C(sts:AssumeRole) under a C(sts:ExternalId) condition. A trust policy that has drifted is put back.
  - Every option is checked before any AWS call, and every managed policy is looked up before any write.
  - Check mode and diff show the trust policy, managed and inline policies, description, path, session duration
    and tags before and after, for a role that does not exist yet too; the external ID is masked in all output,
    the one given and any other found on the role.
  - Every policy document (the trust policy and O(inline_policies)) is checked against IAM's grammar before any
    AWS call, naming the policy and statement that is wrong.
  - Managed policies attached by someone else are reported and left attached unless O(purge_policies=true).
    Inline policies not in O(inline_policies) are reported and left in place unless O(purge_inline_policies=true).
  - With O(expected_account_id), the module refuses to write to any other account.
author:
  - Diatonic platform engineering (@diatonic)
options:
  name:
    description:
      - Name of the role, for example V(doitintl_cmp).
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the role, V(absent) deletes it after detaching its managed policies,
        deleting its inline policies and removing it from instance profiles.
    type: str
    default: present
    choices: [present, absent]
  trusted_account_id:
    description:
      - The 12-digit ID of the AWS account allowed to assume the role. Required when O(state=present).
    type: str
  external_id:
    description:
      - The external ID the trusted account must present (C(sts:ExternalId)). Required when O(state=present).
      - 2 to 1224 letters, digits or C(+=,.@:/-) characters. Never shown in output.
    type: str
  inline_policies:
    description:
      - Inline policies the role must have, policy name to policy document (a dict, or its JSON text).
      - A policy missing or different (compared as IAM does, ignoring order) is put; inline policies not listed
        here are left in place and reported, unless O(purge_inline_policies=true).
      - Each document is checked before any AWS call (Version, Statement, each statement's Effect, Action and
        Resource); together they must stay within IAM's 10,240 characters per role.
    type: dict
extends_documentation_fragment:
  - diatonic.partnercentral.iam_role
  - diatonic.partnercentral.account
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Role DoiT's Cloud Management Platform assumes
  diatonic.partnercentral.cross_account_role:
    name: doitintl_cmp
    trusted_account_id: "{{ doit_account_id }}"
    external_id: "{{ doit_external_id }}"
    managed_policies: [AWSBillingReadOnlyAccess]
    inline_policies:
      doitintl_cmp:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: [ce:Get*, cur:DescribeReportDefinitions]
            Resource: "*"
    tags:
      ManagedBy: diatonic.partnercentral
    expected_account_id: "{{ aws_account_id }}"
"""

RETURN = r"""
role:
  description: The role after the run (as it would be, in check mode). The external ID is masked.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the role.
      type: str
      sample: doitintl_cmp
    arn:
      description: ARN of the role; null in check mode for a role not created yet, or once deleted.
      type: str
      sample: arn:aws:iam::313476888312:role/doitintl_cmp
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
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils import cross_account
from ansible_collections.diatonic.partnercentral.plugins.module_utils import iam_roles
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import EXPECTED_ACCOUNT_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_for_module
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem


def main():
    argument_spec = dict(
        iam_roles.ROLE_OPTIONS,
        **EXPECTED_ACCOUNT_OPTIONS,
        trusted_account_id=dict(type="str"),
        external_id=dict(type="str", no_log=True),
        inline_policies=dict(type="dict"),
        purge_policies=dict(type="bool", default=False),
        purge_inline_policies=dict(type="bool", default=False),
        purge_tags=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["trusted_account_id", "external_id"])],
        supports_check_mode=True,
    )
    params = module.params
    found = cross_account.problems(params)
    found += [p for p in [account_id_problem(params["expected_account_id"])] if p]
    if found:
        module.fail_json(msg="Invalid cross-account role, nothing was changed: " + "; ".join(found), problems=found)

    account = account_for_module(module)
    partition = account.partition
    trust = cross_account.trust_policy(partition, params["trusted_account_id"], params["external_id"])
    role = {key: params[key] for key in (*iam_roles.ROLE_OPTIONS, "inline_policies")}
    try:
        changed, results, diff, warnings = iam_roles.converge_roles(
            iam_roles.iam_client(module),
            [iam_roles.desired_role(role, trust, partition)],
            purge_policies=params["purge_policies"],
            purge_inline_policies=params["purge_inline_policies"],
            purge_tags=params["purge_tags"],
            check_mode=module.check_mode,
            account=account,
            expected_account_id=params["expected_account_id"],
            redact=cross_account.redactor(params["external_id"]),
        )
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=changed, role=results[0], diff=diff)


if __name__ == "__main__":
    main()
