# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the read-only checks share: reads retried with back-off, and a failed read told apart.

Reads are retried with retrying.py's back-off. A check whose read fails after
the retries is a record with status ``unknown`` (records.py), never a verdict.
Its evidence says which of these it was, so a person knows what to do next:

- ``throttled``: AWS kept throttling the call (or answered 5xx) past the retries: run again later.
- ``access denied``: the credentials may not make the call: allow it, or check by hand.
- ``not available``: the API could not be reached or does not exist here (endpoint, partition, old botocore).
- ``error``: anything else, with AWS's own code and message.
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import TRANSIENT_ERROR_CODES

THROTTLED = "throttled"
ACCESS_DENIED = "access denied"
NOT_AVAILABLE = "not available"
ERROR = "error"

# Past the retries (retrying.py), these codes mean AWS is throttling or failing for now, not a finding.
THROTTLING_CODES = tuple(TRANSIENT_ERROR_CODES)
ACCESS_DENIED_CODES = (
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "AuthorizationErrorException",
    "Forbidden",
)
NOT_AVAILABLE_CODES = ("UnknownOperationException", "UnsupportedOperation", "InvalidAction", "OptInRequired")


def _exception_of(error):
    # amazon.aws's error handlers wrap the botocore exception in an AnsibleAWSError.
    if isinstance(error, AnsibleAWSError) and error.exception is not None:
        return error.exception
    return error


def failure_kind(error):
    """``throttled``, ``access denied``, ``not available`` or ``error``: why a read failed."""
    error = _exception_of(error)
    if isinstance(error, botocore.exceptions.ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in THROTTLING_CODES or (status or 0) >= 500:
            return THROTTLED
        if code in ACCESS_DENIED_CODES or status == 403:
            return ACCESS_DENIED
        if code in NOT_AVAILABLE_CODES:
            return NOT_AVAILABLE
        return ERROR
    if isinstance(
        error,
        (
            botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.UnknownServiceError,
            botocore.exceptions.UnknownEndpointError,
            botocore.exceptions.NoRegionError,
        ),
    ):
        return NOT_AVAILABLE
    if isinstance(error, (botocore.exceptions.ConnectTimeoutError, botocore.exceptions.ReadTimeoutError)):
        return THROTTLED
    return ERROR


def describe_error(error):
    """AWS's code and message (or the exception's text), in one line."""
    error = _exception_of(error)
    if isinstance(error, botocore.exceptions.ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'error')}: {details.get('Message', '')}".rstrip(": ")
    return str(error) or type(error).__name__


def unchecked_reason(error, call):
    """Why ``call`` (e.g. ``iam:GetAccountSummary``) could not be made, naming the kind of failure first."""
    kind = failure_kind(error)
    detail = describe_error(error)
    if kind == THROTTLED:
        return f"throttled: AWS kept refusing {call} for now, past the retries ({detail})"
    if kind == ACCESS_DENIED:
        return f"access denied: these credentials may not call {call} ({detail})"
    if kind == NOT_AVAILABLE:
        return f"not available: {call} could not be reached from here ({detail})"
    return f"error: {call} failed ({detail})"


def unchecked_remedy(error, call, by_hand):
    """What to do about a check that could not be made: depends on why."""
    kind = failure_kind(error)
    if kind == THROTTLED:
        return (
            f"run again later (AWS throttled or failed the call, nothing is wrong with the account yet), or {by_hand}"
        )
    if kind == ACCESS_DENIED:
        return f"allow {call} for these credentials, or {by_hand}"
    return by_hand


def unchecked(id, phase, title, account, error, call, by_hand, blocking=True):  # pylint: disable=redefined-builtin
    """The ``unknown`` record of a check whose read ``call`` failed with ``error``."""
    return records.unknown(
        id, phase, title, account, unchecked_reason(error, call), unchecked_remedy(error, call, by_hand), blocking
    )


def read_errors():
    """What a read may raise: botocore's errors, and amazon.aws's handlers' wrapping of them."""
    return (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, AnsibleAWSError)
