# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every AWS call of the collection retried the same way: jittered back-off with a bounded total wait.

amazon.aws's ``AWSRetry`` only knows some throttling codes (not Organizations'
and CloudTrail's ``ThrottlingException`` or S3's ``SlowDown``), and its
retrying client does not wrap paginators. Here:

- ``backoff()`` is the one retry decorator: AWSRetry.jittered_backoff with the
  codes AWS uses for throttling and passing failures, about a minute and a half
  of waiting at most before the error is reported; the standard
  ``AWS_MAX_ATTEMPTS`` environment variable, when set, bounds it as it bounds
  botocore's own retries.
- ``retrying(client)`` makes any boto3 client (plain, or already wrapped by
  ``module.client(..., retry_decorator=...)``) take ``aws_retry=True``.
- ``paginate(client, name, key, **params)`` reads every page of a paginated
  call, the whole read retried (amazon.aws's paginated_query_with_retries).
"""

import os

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

# Codes AWS answers when a call may succeed if made again a little later; AWSRetry knows some of them already.
TRANSIENT_ERROR_CODES = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "PriorRequestNotComplete",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "Unavailable",
    "InternalFailure",
    "InternalError",
    "InternalServerError",
    "InternalServerException",
]


# AWSRetry's ``retries`` counts every attempt, the first one included.
DEFAULT_ATTEMPTS = 8


def attempts_allowed(environ=None):
    """How many times a call is made before its failure is reported: AWS_MAX_ATTEMPTS when set (the setting that
    bounds every AWS SDK's attempts bounds ours too), else ``DEFAULT_ATTEMPTS``. A value that is not a whole number
    of at least 1 is ignored."""
    value = (os.environ if environ is None else environ).get("AWS_MAX_ATTEMPTS", "")
    try:
        attempts = int(value)
    except ValueError:
        return DEFAULT_ATTEMPTS
    return attempts if attempts >= 1 else DEFAULT_ATTEMPTS


def backoff():
    """The collection's retry decorator: 8 attempts (or AWS_MAX_ATTEMPTS), waiting 1 s doubling to 20 s at most
    between them, jittered (about 90 s in all with 8 attempts)."""
    return AWSRetry.jittered_backoff(
        retries=attempts_allowed(), delay=1, backoff=2.0, max_delay=20, catch_extra_error_codes=TRANSIENT_ERROR_CODES
    )


def retrying(client):
    """``client`` taking ``aws_retry=True`` on each call; a client that already does is returned as it is."""
    if isinstance(client, RetryingBotoClientWrapper):
        return client
    return RetryingBotoClientWrapper(client, backoff())


def paginate(client, paginator_name, result_key=None, **params):
    """Every page of a paginated read, merged (build_full_result); its ``result_key`` member when given.

    A throttled page restarts the whole read after a back-off, so the result is never a partial list.
    """
    raw = client.client if isinstance(client, RetryingBotoClientWrapper) else client
    result = paginated_query_with_retries(raw, paginator_name, retry_decorator=backoff(), **params)
    return result.get(result_key, []) if result_key else result
