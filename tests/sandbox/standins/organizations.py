"""Stand-in for Organizations' ``ListOutboundResponsibilityTransfers`` (moto lacks it); moto serves the rest.

An organization's outbound responsibility transfers (type ``BILLING``: the organization's billing handed to
another organization, such as a reseller's) are set per management account through ``POST /_sandbox/state``::

    {"account_id": "123456789012",
     "responsibility_transfers": [{"Name": "Billing to DoiT", "Status": "ACCEPTED",
                                   "Target": {"ManagementAccountId": "999988887777",
                                              "ManagementAccountEmail": "billing@reseller.example"},
                                   "StartTimestamp": "2026-01-01T00:00:00Z"}]}

The list replaces the account's earlier one. Members left out get what AWS would show: ``Id`` (``rt-`` and 12
characters), ``Arn`` (``arn:aws:organizations::<management>:transfer/<org id>/billing/outbound/<id>``), ``Type``
``BILLING``, ``Status`` ``ACCEPTED``, ``Source`` (this organization's management account and e-mail); each entry
must then pass botocore's model of ``ResponsibilityTransfer`` (an unknown Status is refused). The account must be an
organization's management account when the state is posted.

The call answers as AWS does: from an account outside any organization ``AWSOrganizationsNotInUseException``,
from a member account ``AccessDeniedException``; ``MaxResults`` 1 to 20 with ``NextToken`` paging.
"""

from __future__ import annotations

import base64
import copy
import hashlib

import state

from ._common import ServiceError
from ._common import check_output
from ._common import json_service
from ._common import parse_time

SERVICE = "organizations"
PAGE_SIZE = 20


def _organization(account_id: str):
    """The organization ``account_id`` manages, or the error the API answers for it."""
    from moto.organizations.models import organizations_backends

    backend = organizations_backends[account_id]["aws"]
    if backend.org is not None:
        return backend.org
    if account_id in organizations_backends.master_accounts:
        raise ServiceError(
            "AccessDeniedException",
            "You don't have permissions to access this resource: call it from the organization's management account",
        )
    raise ServiceError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")


def _complete(account_id: str, organization, entry: dict, index: int) -> dict:
    transfer_id = entry.get("Id") or "rt-" + hashlib.sha1(f"{account_id}/{index}".encode()).hexdigest()[:12]
    full = {
        "Id": transfer_id,
        "Arn": f"arn:aws:organizations::{account_id}:transfer/{organization.id}/billing/outbound/{transfer_id}",
        "Type": "BILLING",
        "Status": "ACCEPTED",
        "Source": {"ManagementAccountId": account_id, "ManagementAccountEmail": organization.master_account_email},
        **copy.deepcopy(entry),
    }
    for key in ("StartTimestamp", "EndTimestamp"):
        if key in full:
            full[key] = parse_time(full[key])
    return full


def _transfers(account_id: str, value):
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise state.StateError("responsibility_transfers must be a list of ResponsibilityTransfer objects")
    try:
        organization = _organization(account_id)
    except ServiceError:
        raise state.StateError(
            "responsibility_transfers: the account must be an organization's management account (org_role)"
        ) from None
    try:
        transfers = [_complete(account_id, organization, entry, i) for i, entry in enumerate(value)]
        check_output(SERVICE, "ListOutboundResponsibilityTransfers", {"ResponsibilityTransfers": transfers})
    except Exception as error:  # noqa: BLE001 - botocore's validation error says what is wrong
        raise state.StateError(f"responsibility_transfers: {error}") from None
    return [{**t, **{k: t[k].isoformat() for k in ("StartTimestamp", "EndTimestamp") if k in t}} for t in transfers]


state.register("responsibility_transfers", [], _transfers)


def list_outbound_responsibility_transfers(account_id: str, params: dict) -> dict:
    _organization(account_id)
    transfers = [
        {**t, **{k: parse_time(t[k]) for k in ("StartTimestamp", "EndTimestamp") if k in t}}
        for t in state.get(account_id)["responsibility_transfers"]
        if t["Type"] == params["Type"]
    ]
    offset = 0
    if params.get("NextToken"):
        try:
            offset = int(base64.urlsafe_b64decode(params["NextToken"].encode()).decode())
        except ValueError:
            raise ServiceError("InvalidInputException", "The NextToken is not valid") from None
    size = params.get("MaxResults") or PAGE_SIZE
    result = {"ResponsibilityTransfers": transfers[offset : offset + size]}
    if offset + size < len(transfers):
        result["NextToken"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
    return result


def _before(operation: str, params: dict) -> None:
    # Organizations words a request outside the model's constraints as InvalidInputException with a Reason.
    if params.get("Type", "BILLING") != "BILLING":
        raise ServiceError("InvalidInputException", "Type must be BILLING", Reason="INVALID_ENUM")
    maximum = params.get("MaxResults")
    if isinstance(maximum, int) and maximum > PAGE_SIZE:
        raise ServiceError(
            "InvalidInputException", f"MaxResults must be at most {PAGE_SIZE}", Reason="MAX_VALUE_EXCEEDED"
        )


serve = json_service(
    SERVICE,
    {"ListOutboundResponsibilityTransfers": list_outbound_responsibility_transfers},
    only_handlers=True,
    before=_before,
)
