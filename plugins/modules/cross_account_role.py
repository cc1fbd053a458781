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
  - Check mode and diff show the trust policy, managed policies, description, path, session duration and tags
    before and after; the external ID is masked in all output.
  - Managed policies attached by someone else are reported and left attached unless O(purge_policies=true).
    Inline policies are not managed here (use M(amazon.aws.iam_policy)).
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
extends_documentation_fragment:
  - diatonic.partnercentral.iam_role
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
    tags:
      ManagedBy: diatonic.partnercentral
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
    tags:
      description: Tags of the role.
      type: dict
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils import iam_roles

_ACCOUNT_ID = re.compile(r"\d{12}")
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)


def trust_policy(partition, trusted_account_id, external_id):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{trusted_account_id}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ],
    }


def problems(params):
    found = [] if params["name"] else ["name must not be empty"]
    found += iam_roles.role_problems(params)
    if params["state"] == "present":
        if not _ACCOUNT_ID.fullmatch(params["trusted_account_id"] or ""):
            found.append("trusted_account_id must be the trusted AWS account's 12-digit ID")
        if not _EXTERNAL_ID.fullmatch(params["external_id"] or ""):
            found.append("external_id must be 2 to 1224 letters, digits or +=,.@:/- characters")
    return found


def main():
    argument_spec = dict(
        iam_roles.ROLE_OPTIONS,
        trusted_account_id=dict(type="str"),
        external_id=dict(type="str", no_log=True),
        purge_policies=dict(type="bool", default=False),
        purge_tags=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["trusted_account_id", "external_id"])],
        supports_check_mode=True,
    )
    params = module.params
    found = problems(params)
    if found:
        module.fail_json(msg="Invalid cross-account role, nothing was changed: " + "; ".join(found), problems=found)

    partition = iam_roles.partition_for_region(module.region)
    trust = trust_policy(partition, params["trusted_account_id"], params["external_id"])
    role = {key: params[key] for key in iam_roles.ROLE_OPTIONS}
    try:
        changed, results, diff, warnings = iam_roles.converge_roles(
            iam_roles.iam_client(module),
            [iam_roles.desired_role(role, trust, partition)],
            purge_policies=params["purge_policies"],
            purge_tags=params["purge_tags"],
            check_mode=module.check_mode,
        )
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=changed, role=results[0], diff=diff)


if __name__ == "__main__":
    main()
