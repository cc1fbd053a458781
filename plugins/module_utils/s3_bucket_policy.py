# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Merge statements into an S3 bucket policy by Sid, leaving every other statement alone.

amazon.aws.s3_bucket's ``policy`` option replaces the whole policy, and
amazon.aws.s3_bucket_info reads any error (AccessDenied included) as "no
policy": together they would overwrite a policy they could not read. Here a
failed read is an error, a missing policy is ``{}``, and a missing bucket is
``None``, so a merge only ever adds or updates the statements it owns.
The write is a plan's call (cur.py, on the engine).
"""

import copy
import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies

from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import retrying

DEFAULT_VERSION = "2012-10-17"


class BucketPolicyError(AnsibleAWSError):
    """Reading or writing a bucket policy failed."""


class BucketPolicyErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = BucketPolicyError


@BucketPolicyErrorHandler.common_error_handler("read the bucket policy")
def read_bucket_policy(client, bucket):
    """The bucket's policy as a dict, ``{}`` when it has none, ``None`` when the bucket does not exist."""
    try:
        document = retrying(client).get_bucket_policy(aws_retry=True, Bucket=bucket)["Policy"]
    except is_boto3_error_code("NoSuchBucketPolicy"):
        return {}
    except is_boto3_error_code("NoSuchBucket"):
        return None
    try:
        return json.loads(document)
    except ValueError as e:
        raise BucketPolicyError(message=f"The policy of bucket {bucket} is not valid JSON", exception=e) from e


def merge_statements(policy, statements):
    """``policy`` with ``statements`` in it: a statement with the same Sid is replaced in place, others appended.

    Statements without a Sid, and statements with other Sids, are kept as they
    are, in their order. The input is not modified.
    """
    merged = copy.deepcopy(policy) if policy else {"Version": DEFAULT_VERSION}
    current = merged.get("Statement", [])
    if isinstance(current, dict):
        current = [current]
    by_sid = {statement["Sid"]: statement for statement in statements}
    result = []
    for statement in current:
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        result.append(copy.deepcopy(by_sid.pop(sid)) if sid in by_sid else statement)
    result.extend(copy.deepcopy(statement) for statement in statements if statement["Sid"] in by_sid)
    merged["Statement"] = result
    return merged


def policy_needs_update(current, wanted):
    """Whether ``wanted`` differs from ``current`` once both are normalised (order, single values, Version)."""
    if not current:
        return True
    return compare_policies(current, wanted, default_version=DEFAULT_VERSION)
