# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS account and partition the credentials act in, worked out once per module run, and the account guard.

Every write module takes ``expected_account_id`` (doc fragment
``diatonic.partnercentral.account``) and refuses, before any write and in check
mode too, when the credentials act in another account. The account is found as
cheaply as possible: from the ARN of a resource the reads already returned in
the credentials' own account (GetRole's ``Arn``), else with one
sts:GetCallerIdentity, never more than once per run.

API (stable; entry points take boto3 clients, never the module):

``ACCOUNT_ID``
    compiled pattern of a 12-digit account ID (use ``fullmatch``).
``EXPECTED_ACCOUNT_OPTIONS``
    the argument spec entry ``expected_account_id`` (type str, optional).
``CALLER_ARN_OPTIONS``
    the argument spec entry ``caller_arn`` (type str, optional): the ARN of the identity the credentials belong
    to, as whoever made them already proved it (the credentials role's ``credentials_proven_arn``).
``account_id_problem(value, option="expected_account_id")``
    why ``value`` is not a 12-digit account ID, or None (no call). None for None.
``account_of_arn(arn)`` / ``partition_of_arn(arn)``
    the account ID / partition an ARN names (amazon.aws's parse_aws_arn), or None.
``partition_for_region(region)``
    the partition of a region (botocore's endpoint data, no call); ``aws`` for None.
``read_caller_identity(sts)``
    one sts:GetCallerIdentity (retried): ``{"account_id", "partition", "arn", "user_id"}``.
    Raises AccountError.
``Account(sts, region=None)``
    one per module run. ``sts`` is a boto3 STS client or a callable returning one
    (so no STS client is made when no call is needed).

    - ``note_arn(arn)``: learn the account from the ARN of a resource read in the
      credentials' own account (a role by name, say); free.
    - ``account_id``: the account, from a noted ARN or else one GetCallerIdentity.
    - ``identity``: the full caller identity (always GetCallerIdentity, once).
    - ``partition``: from the region when given (no call), else from the identity.
    - ``require(expected_account_id)``: nothing when ``expected_account_id`` is
      None or matches; else raises AccountMismatchError naming both accounts and
      what to fix. Call it after the reads and before the first write.
    - ``for_records(expected_account_id)``: for read-only checks, the account
      their records name, refused as by ``require``; None when it cannot be
      found and nothing was expected.
``account_for_module(module)``
    an ``Account`` for an AnsibleAWSModule (its STS client with the collection's
    retries, made only if needed, and its region); the module's ``caller_arn``
    option, when it has one and it names an account, is noted: no GetCallerIdentity.
``mismatch_message(expected, actual)``
    the refusal's text.
"""

import re

try:
    import botocore.session
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import backoff
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import retrying

ACCOUNT_ID = re.compile(r"\d{12}")

EXPECTED_ACCOUNT_OPTIONS = dict(expected_account_id=dict(type="str"))
CALLER_ARN_OPTIONS = dict(caller_arn=dict(type="str"))


class AccountError(AnsibleAWSError):
    """The credentials' account could not be found out (sts:GetCallerIdentity failed)."""


class AccountMismatchError(AccountError):
    """The credentials act in another account than the one the task must write to."""


class AccountErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AccountError


def account_id_problem(value, option="expected_account_id"):
    """Why ``value`` is not a 12-digit AWS account ID, or None. No AWS call."""
    if value is None or ACCOUNT_ID.fullmatch(str(value)):
        return None
    return f"{option} {str(value)!r} must be a 12-digit AWS account ID, in quotes in YAML so leading zeros stay"


def account_of_arn(arn):
    parsed = parse_aws_arn(arn or "")
    return parsed["account_id"] if parsed and ACCOUNT_ID.fullmatch(parsed["account_id"] or "") else None


def partition_of_arn(arn):
    parsed = parse_aws_arn(arn or "")
    return parsed["partition"] if parsed else None


def partition_for_region(region):
    return botocore.session.get_session().get_partition_for_region(region or "us-east-1")


@AccountErrorHandler.common_error_handler("find out which account the credentials belong to (sts:GetCallerIdentity)")
def read_caller_identity(sts):
    identity = retrying(sts).get_caller_identity(aws_retry=True)
    return {
        "account_id": identity["Account"],
        "partition": partition_of_arn(identity["Arn"]),
        "arn": identity["Arn"],
        "user_id": identity["UserId"],
    }


def mismatch_message(expected, actual):
    return (
        f"The credentials act in AWS account {actual}, but this task must only write to account {expected} "
        f"(expected_account_id): nothing was changed. Use credentials for account {expected} (an aws_profile of "
        f"that account, or aws_assume_role_arn naming a role in it, passed to the task or through module_defaults "
        f"group/diatonic.partnercentral.aws), or correct expected_account_id (the host's aws_account_id) "
        f"if {actual} is the account you meant."
    )


class Account:
    """The account and partition the credentials act in, for one module run. See the module docstring."""

    def __init__(self, sts=None, region=None):
        self._sts = sts
        self._region = region
        self._account_id = None
        self._identity = None

    def _sts_client(self):
        if self._sts is None:
            raise AccountError(message="No STS client to find out which account the credentials belong to")
        if callable(self._sts) and not hasattr(self._sts, "get_caller_identity"):
            self._sts = self._sts()
        return self._sts

    def note_arn(self, arn):
        """Learn the account from the ARN of a resource read in the credentials' own account. Free."""
        if self._account_id is None:
            self._account_id = account_of_arn(arn)

    @property
    def identity(self):
        if self._identity is None:
            self._identity = read_caller_identity(self._sts_client())
            self._account_id = self._identity["account_id"]
        return self._identity

    @property
    def account_id(self):
        if self._account_id is None:
            return self.identity["account_id"]
        return self._account_id

    @property
    def known_account_id(self):
        """The account if already known (no call), else None."""
        return self._account_id

    @property
    def partition(self):
        # The region decides the endpoint, hence the partition: no call needed when it is known.
        if self._region is not None or self._sts is None:
            return partition_for_region(self._region)
        return self.identity["partition"]

    def require(self, expected_account_id):
        """Refuse (AccountMismatchError) when the credentials' account is not ``expected_account_id``."""
        if expected_account_id is None:
            return
        actual = self.account_id
        if actual != str(expected_account_id):
            raise AccountMismatchError(message=mismatch_message(expected_account_id, actual))

    def for_records(self, expected_account_id):
        """The account for a read-only check's records: refused like ``require`` when ``expected_account_id``
        is given; without it, None when the account cannot be found (each check still says what it read)."""
        try:
            self.require(expected_account_id)
            return self.account_id
        except AccountError:
            if expected_account_id is not None:
                raise
            return None


def account_for_module(module):
    """An Account for an AnsibleAWSModule: its region, and its STS client made only when a call is needed."""
    # No region configured: the default one, as for the clients (a partition never costs a call).
    account = Account(lambda: module.client("sts", retry_decorator=backoff()), region=module.region or "us-east-1")
    # Already proven by whoever made the credentials (an assumed role's answer): no sts:GetCallerIdentity. An ARN
    # that names no account is ignored, and the account asked as without it.
    account.note_arn(module.params.get("caller_arn"))
    return account
