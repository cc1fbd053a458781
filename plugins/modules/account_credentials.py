# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done on the controller by the action plugin of the same name (plugins/action/account_credentials.py).

DOCUMENTATION = r"""
---
module: account_credentials
short_description: Resolve one AWS account's credentials on the controller and prove they are that account's
version_added: 0.3.0
description:
  - Checks O(account_id) and O(role_arn) first and fails, with no AWS call, when the account ID is not 12 digits,
    the role ARN is not a role ARN, or the role is in another account.
  - With O(role_arn), assumes the role (C(sts:AssumeRole)), from O(profile) when it is set, else from the
    environment's credential chain; the answer names the assumed identity, so no other call is made.
  - Without O(role_arn), asks C(sts:GetCallerIdentity) whose credentials O(profile) (or the environment's credential
    chain) holds.
  - Fails, naming both accounts, unless the identity belongs to O(account_id).
  - Returns the connection options every AWS module of the host should get (RV(connection), for
    C(module_defaults)), holding exactly one credential source. The result is never shown by any callback
    (it holds the assumed role's keys).
  - Runs in the controller's own process (an action plugin), so it costs no module execution per account. The
    collection's C(credentials) role is the usual way to use it.
  - Every call is retried with jittered back-off on throttling and passing server errors, up to C(AWS_MAX_ATTEMPTS)
    attempts (8 when unset).
  - Connection settings come from O(profile), O(region) and the standard C(AWS_*) environment variables
    (C(AWS_ACCESS_KEY_ID), C(AWS_SECRET_ACCESS_KEY), C(AWS_SESSION_TOKEN), C(AWS_PROFILE), C(AWS_ENDPOINT_URL),
    C(AWS_CA_BUNDLE), C(AWS_CONFIG_FILE), C(AWS_SHARED_CREDENTIALS_FILE)), as boto3 reads them. The task's
    C(environment) keyword (of the play, its blocks or the task) applies while it calls AWS, as it would to a module.
options:
  account_id:
    description: The 12-digit ID of the account the credentials must belong to.
    type: str
    required: true
  role_arn:
    description:
      - The role to assume in O(account_id), such as its C(OrganizationAccountAccessRole).
      - Empty to use O(profile) or the environment's credentials as they are.
    type: str
    default: ""
  role_session_name:
    description: The assumed role's session name, as CloudTrail shows it (2 to 64 letters, digits or C(+=,.@_-)).
    type: str
    default: diatonic-partnercentral
  duration_seconds:
    description: Lifetime of the assumed role's credentials, from 900 to 43200 seconds (the role's maximum applies).
    type: int
    default: 3600
  profile:
    description: AWS profile to use, or to assume O(role_arn) from. Empty for the environment's credential chain.
    type: str
    default: ""
  region:
    description: The region of the STS endpoint and of the returned connection options.
    type: str
    default: us-east-1
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Assuming a role or asking who the caller is changes nothing in AWS; it runs in check mode too.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: all
    details: Runs on the controller, whatever host the task runs for.
notes:
  - "Least privilege: C(sts:AssumeRole) on O(role_arn) for the source credentials, or C(sts:GetCallerIdentity)
    (which needs no permission)."
author:
  - Diatonic platform engineering (@diatonic)
"""

EXAMPLES = r"""
- name: Assume the account's OrganizationAccountAccessRole and prove it is the account's
  diatonic.partnercentral.account_credentials:
    account_id: "{{ aws_account_id }}"
    role_arn: "arn:aws:iam::{{ aws_account_id }}:role/OrganizationAccountAccessRole"
  register: account

- name: List the account's roles with those credentials
  amazon.aws.iam_role_info:
  module_defaults:
    group/amazon.aws.aws: "{{ account.connection }}"
"""

RETURN = r"""
account_id:
  description: The account the credentials were proven to belong to (O(account_id)).
  returned: success
  type: str
  sample: "210987654321"
arn:
  description: Whom the credentials act as (the assumed role's session, or C(sts:GetCallerIdentity)'s answer).
  returned: success
  type: str
  sample: arn:aws:sts::210987654321:assumed-role/OrganizationAccountAccessRole/diatonic-partnercentral
connection:
  description:
    - The connection options for every AWS module of the host (amazon.aws's C(region), C(access_key),
      C(secret_key), C(session_token), C(profile)), with exactly one credential source; the others are empty strings
      so that amazon.aws does not fill them in from C(AWS_PROFILE) or C(AWS_ACCESS_KEY_ID).
    - The assumed role's keys with O(role_arn); the profile with O(profile) alone; only C(region) otherwise.
  returned: success
  type: dict
  sample:
    region: us-east-1
    access_key: ASIA...
    secret_key: "..."
    session_token: "..."
    profile: ""
"""
