# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The account guard every write module of the collection takes (module_utils/accounts.py).
    DOCUMENTATION = r"""
options:
  expected_account_id:
    description:
      - The 12-digit ID of the AWS account this task may write to. When the credentials act in another account,
        the task fails before any write, in check mode too, with a message naming both accounts.
      - The account is read from the ARN of a resource the task reads anyway when there is one, else with one
        C(sts:GetCallerIdentity) call.
      - The collection's roles set it to the host's C(aws_account_id), so that a play that forgets to pass the
        host's credentials can never write to the wrong account.
      - When not given, the account is not checked.
    type: str
"""

    # The caller the credentials role already proved, which the collection's read modules take instead of asking
    # sts:GetCallerIdentity (module_utils/accounts.py, CALLER_ARN_OPTIONS).
    CALLER_ARN = r"""
options:
  caller_arn:
    description:
      - The ARN of the identity the credentials belong to, as the C(diatonic.partnercentral.credentials) role proved
        it (C(credentials_proven_arn), the C(arn) that M(diatonic.partnercentral.account_credentials) returns for
        the assumed role or the profile's identity). The account is read from it and no C(sts:GetCallerIdentity) is
        made.
      - Give it only for the credentials the module uses; it decides the account the module describes and checks
        against O(expected_account_id). An ARN that names no account is ignored, and the account is asked.
    type: str
    version_added: 0.3.0
"""
