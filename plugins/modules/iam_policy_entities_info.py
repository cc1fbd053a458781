#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_policy_entities_info
short_description: List the IAM users, groups and roles a managed policy is attached to
version_added: 0.1.0
description:
  - Lists the users, groups and roles of the account that a managed policy is attached to
    (C(iam:ListEntitiesForPolicy)), and every user the policy reaches, directly or as a member of one of those
    groups (C(iam:GetGroup)).
  - Answers questions such as "does an IAM user with AdministratorAccess exist?" without changing anything; the
    C(diatonic.partnercentral.doit_onboarding) role uses it for DoiT's readiness step.
  - Only reads, so it runs the same in check mode and never reports a change.
author:
  - Diatonic platform engineering (@diatonic)
options:
  policy:
    description:
      - The managed policy, by name for an AWS managed policy (V(AdministratorAccess)) or by full ARN.
    type: str
    required: true
notes:
  - Supports check mode; it makes the same read calls in both modes.
  - Needs C(iam:ListEntitiesForPolicy) and C(iam:GetGroup).
extends_documentation_fragment:
  - diatonic.partnercentral.controller
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Who has administrator access?
  diatonic.partnercentral.iam_policy_entities_info:
    policy: AdministratorAccess
  register: administrators

- name: Require an IAM user with administrator access
  ansible.builtin.assert:
    that: administrators.all_users | length > 0
    fail_msg: No IAM user has AdministratorAccess, directly or through a group.
"""

RETURN = r"""
policy_arn:
  description: ARN of the policy.
  returned: always
  type: str
  sample: arn:aws:iam::aws:policy/AdministratorAccess
users:
  description: Users the policy is attached to directly, sorted.
  returned: always
  type: list
  elements: str
  sample: [org-admin]
groups:
  description: Groups the policy is attached to, sorted.
  returned: always
  type: list
  elements: str
  sample: [Admins]
roles:
  description: Roles the policy is attached to, sorted.
  returned: always
  type: list
  elements: str
  sample: [OrganizationAccountAccessRole]
group_members:
  description: The members of each group in RV(groups).
  returned: always
  type: dict
  sample: {Admins: [alice, bob]}
all_users:
  description: Every user the policy reaches, directly or through a group, sorted.
  returned: always
  type: list
  elements: str
  sample: [alice, bob, org-admin]
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import partition_for_region
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import policy_arn
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policy_entities import read_policy_entities
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policy_entities import validate_policy
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import backoff


def main():
    module = AnsibleAWSModule(argument_spec=dict(policy=dict(type="str", required=True)), supports_check_mode=True)
    problem = validate_policy(module.params["policy"])
    if problem:
        module.fail_json(msg=problem)

    partition = partition_for_region(module.region)
    client = module.client("iam", retry_decorator=backoff())
    try:
        entities = read_policy_entities(client, policy_arn(module.params["policy"], partition))
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, **entities)


if __name__ == "__main__":
    main()
