# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The options of one IAM role that every role module of the collection shares (module_utils/iam_roles.py).
    DOCUMENTATION = r"""
options:
  managed_policies:
    description:
      - Managed policies the role must have, by name for AWS managed policies (V(ReadOnlyAccess),
        V(AWSPartnerCentralFullAccess)) or by full ARN.
      - When not given, the role's attached policies are left as they are.
      - Every policy is looked up before any write; one that does not exist fails the task with nothing changed.
    type: list
    elements: str
    aliases: [policies]
  purge_policies:
    description:
      - Detach managed policies that are attached to the role but not listed in O(managed_policies).
      - When V(false), such policies are left attached, reported in the result and in a warning.
    type: bool
    default: false
  purge_inline_policies:
    description:
      - Delete inline policies that are on the role but not declared for it.
      - When V(false), such policies are left in place, reported in the result (C(extra_inline_policies)) and in a
        warning (an inline policy added behind the collection's back is drift a reviewer should see).
    type: bool
    default: false
  description:
    description:
      - Description of the role. When not given, an existing description is left as it is.
    type: str
  path:
    description:
      - Path of the role, for example V(/partnercentral/). Defaults to V(/) when the role is created.
      - IAM cannot change the path of an existing role; a different path fails with instructions.
    type: str
  max_session_duration:
    description:
      - Longest session, in seconds, for the role, from 3600 to 43200. Defaults to 3600 when the role is created.
    type: int
  tags:
    description:
      - Tags the role must have. When not given, the role's tags are left as they are.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags that are on the role but not in O(tags).
      - Unlike most amazon.aws modules this defaults to V(false), as the collection never removes what it did
        not declare unless asked.
    type: bool
    default: false
notes:
  - Supports check mode and diff mode. The diff shows the role's trust policy, managed policy ARNs, inline policies
    (name and document), description, path, session duration and tags before and after.
  - Reads with C(iam:GetRole), C(iam:ListAttachedRolePolicies), C(iam:ListRolePolicies), C(iam:GetRolePolicy) (only for
    inline policies the role has) and C(iam:GetPolicy) (only for managed policies not attached yet).
"""
