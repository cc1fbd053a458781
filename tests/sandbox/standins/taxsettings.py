"""Stand-in for Tax Settings' ``ListTaxRegistrations`` (botocore service ``taxsettings``, signing name ``tax``).

moto lacks the API. Tax Settings speaks REST-JSON: ``POST /ListTaxRegistrations`` with a JSON body, errors named
in ``x-amzn-ErrorType`` with the status their shape gives (see _common.rest_json_service).

An account's tax registrations are set through ``POST /_sandbox/state``::

    {"account_id": "123456789012",
     "tax_registrations": [{"taxRegistration": {"registrationId": "DE123456789", "registrationType": "VAT",
                                                "legalName": "Example GmbH", "status": "Verified",
                                                "jurisdiction": {"countryCode": "DE"}}}]}

Each entry is an ``AccountDetails`` of the model (``accountId`` defaults to the account posted for; list other
accounts of the organization in the management account's list, as the management account sees them). The list
replaces the account's earlier one and must pass botocore's model. Default: no registration.
``maxResults`` 1 to 1000 with ``nextToken`` paging.
"""

from __future__ import annotations

import base64
import copy

import state

from ._common import ServiceError
from ._common import check_output
from ._common import rest_json_service

SERVICE = "taxsettings"


def _registrations(account_id: str, value):
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise state.StateError("tax_registrations must be a list of AccountDetails objects")
    details = [{"accountId": account_id, **copy.deepcopy(entry)} for entry in value]
    try:
        check_output(SERVICE, "ListTaxRegistrations", {"accountDetails": details})
    except Exception as error:  # noqa: BLE001 - botocore's validation error says what is wrong
        raise state.StateError(f"tax_registrations: {error}") from None
    return details


state.register("tax_registrations", [], _registrations)


def list_tax_registrations(account_id: str, params: dict) -> dict:
    details = state.get(account_id)["tax_registrations"]
    offset = 0
    if params.get("nextToken"):
        try:
            offset = int(base64.b64decode(params["nextToken"].encode()).decode())
        except ValueError:
            raise ServiceError("ValidationException", "The nextToken is not valid", errorCode="InvalidInput") from None
    size = params.get("maxResults") or 1000
    result = {"accountDetails": details[offset : offset + size]}
    if offset + size < len(details):
        result["nextToken"] = base64.b64encode(str(offset + size).encode()).decode()
    return result


serve = rest_json_service(SERVICE, {"ListTaxRegistrations": list_tax_registrations})
