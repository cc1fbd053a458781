"""Stand-in for the AWS Payments API's ``ListPaymentInstruments`` (signing name ``payments``), which moto lacks.

botocore models this API from 1.44.8 on; with an older botocore ``serve`` is None and the sandbox does not serve
it (a client could not call it either).

An account's payment instruments are set through ``POST /_sandbox/state``::

    {"account_id": "123456789012",
     "payment_instruments": [{"paymentMethod": "CARD", "status": "ACTIVE"},
                             {"paymentMethod": "SEPA_BANK_ACCOUNT", "status": "INVALID"}]}

The list replaces the account's earlier one; ``[]`` means no payment method. Left out, ``id`` and ``arn``
(``arn:aws:payments::<account>:payment-instrument:<id>``) are made up and ``status`` is ``ACTIVE``; each entry
must pass botocore's model of ``PaymentInstrumentSummary``. An account has one active card until told otherwise,
as AWS asks for one at sign-up. ``maxResults`` 1 to 25 with ``nextToken`` paging; answers in JSON 1.0.
"""

from __future__ import annotations

import base64
import copy
import hashlib

import botocore.exceptions
import state

from ._common import ServiceError
from ._common import check_output
from ._common import json_service
from ._common import service_model

SERVICE = "payments"
PAGE_SIZE = 25


def _model_available() -> bool:
    try:
        service_model(SERVICE)
    except botocore.exceptions.UnknownServiceError:
        return False
    return True


def _complete(account_id: str, entry: dict, index: int) -> dict:
    instrument_id = entry.get("id") or "pi-" + hashlib.sha1(f"{account_id}/{index}".encode()).hexdigest()[:16]
    return {
        "id": instrument_id,
        "arn": f"arn:aws:payments::{account_id}:payment-instrument:{instrument_id}",
        "status": "ACTIVE",
        **copy.deepcopy(entry),
    }


def default_instruments(account_id: str) -> list[dict]:
    return [_complete(account_id, {"paymentMethod": "CARD"}, 0)]


def _instruments(account_id: str, value):
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise state.StateError("payment_instruments must be a list of PaymentInstrumentSummary objects")
    instruments = [_complete(account_id, entry, i) for i, entry in enumerate(value)]
    if _model_available():
        try:
            check_output(SERVICE, "ListPaymentInstruments", {"paymentInstrumentSummaries": instruments})
        except Exception as error:  # noqa: BLE001 - botocore's validation error says what is wrong
            raise state.StateError(f"payment_instruments: {error}") from None
    return instruments


# None until set: the account's default card is made with its own account ID when read.
state.register("payment_instruments", None, _instruments)


def list_payment_instruments(account_id: str, params: dict) -> dict:
    instruments = state.get(account_id)["payment_instruments"]
    if instruments is None:
        instruments = default_instruments(account_id)
    offset = 0
    if params.get("nextToken"):
        try:
            offset = int(base64.urlsafe_b64decode(params["nextToken"].encode()).decode())
        except ValueError:
            raise ServiceError("ValidationException", "The nextToken is not valid", reason="other") from None
    size = params.get("maxResults") or PAGE_SIZE
    result = {"paymentInstrumentSummaries": instruments[offset : offset + size]}
    if offset + size < len(instruments):
        result["nextToken"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
    return result


serve = json_service(SERVICE, {"ListPaymentInstruments": list_payment_instruments}) if _model_available() else None
