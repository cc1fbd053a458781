"""Two places where moto spends seconds of CPU per account that the sandbox never needs; ``install`` patches both.

The answers stay moto's own: only the work is cut.

* ``get_account_id_from`` (which account an access key belongs to, on every call's way in) looks in the IAM
  backend of every partition of every account (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-eusc): it builds
  the five partitions an account never uses, each loading every AWS managed policy. Here it looks only in the IAM
  backends that exist, the only ones that can hold a key.
* Each new IAM backend parses moto's table of AWS managed policies (about 1,600, one JSON text) and serialises
  every policy document again. Here the table is parsed once per server; each backend still gets policies of its
  own (their attachment counts and versions are per account), made from the same immutable values.

Measured (2 cores, MOTO_IAM_LOAD_MANAGED_POLICIES=true): an account's IAM backend 0.16 -> 0.03 CPU-s; a small
organization (3 accounts) and a read in each service 5.4-6.9 -> 0.7-0.9 CPU-s of the server.
"""

from __future__ import annotations

import datetime
import functools
import json

from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam import models as iam_models


def install() -> None:
    iam_models.get_account_id_from = account_id_from  # moto's responses look it up there on each call
    iam_models.IAMBackend._init_aws_policies = _init_aws_policies


def account_id_from(access_key: str) -> str:
    """The account whose IAM holds the access key; moto's default account when none does (as moto answers)."""
    for account_id, account in list(iam_models.iam_backends.items()):
        for backend in list(dict.values(account)):  # dict's own: AccountSpecificBackend[...] builds the backend
            if access_key in backend.access_keys:
                return account_id
    return DEFAULT_ACCOUNT_ID


@functools.cache
def _aws_policies() -> list[tuple]:
    """moto's AWS managed policies, as AWSManagedPolicy.from_data reads them: name, default version, path,
    document (as JSON text), created, updated."""
    return [
        (
            name,
            data.get("DefaultVersionId"),
            data.get("Path"),
            json.dumps(data.get("Document")),
            datetime.datetime.fromisoformat(data["CreateDate"]),
            datetime.datetime.fromisoformat(data["UpdateDate"]),
        )
        for name, data in json.loads(iam_models.aws_managed_policies_data).items()
    ]


def _init_aws_policies(self) -> list:
    # moto's IAMBackend._init_aws_policies, from the table parsed once.
    if not iam_models.load_iam_aws_managed_policies():
        return []
    return [
        iam_models.AWSManagedPolicy(
            name,
            account_id=self.account_id,
            region=self.region_name,
            default_version_id=version,
            path=path,
            document=document,
            create_date=created,
            update_date=updated,
        )
        for name, version, path, document, created, updated in _aws_policies()
    ]
