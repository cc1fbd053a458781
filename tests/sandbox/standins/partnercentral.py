"""Stand-in for the Partner Central Account API's reads (signing name ``partnercentral-account``), which moto lacks.

Serves ``ListPartners``, ``GetPartner`` and ``GetAllianceLeadContact`` from the sandbox state of the calling
account, set through ``POST /_sandbox/state`` with the key ``partner_central``::

    {"account_id": "111122223333",
     "partner_central": {"linked": true, "catalog": "AWS", "partner_id": "partner-abcdefghij123",
                         "legal_name": "Example Corp", "created_at": "2026-01-15T10:00:00Z",
                         "alliance_lead": {"FirstName": "Ada", "LastName": "Lovelace",
                                           "Email": "ada@example.com", "BusinessTitle": "Alliance Lead"},
                         "access_denied": false}}

Every member is optional and the value replaces the account's earlier ``partner_central`` as a whole. An account
is not linked until ``linked`` is true: ``ListPartners`` then lists nothing and the Get calls answer
``ResourceNotFoundException`` (Reason ``PARTNER_NOT_FOUND``). A linked account's partner lives in one catalog
(``AWS`` by default; the other is ``Sandbox``): asking the other catalog finds nothing. ``partner_id`` defaults to
one made from the account ID, ``legal_name`` to ``Partner <account ID>``, ``alliance_lead`` to a contact named
Alliance Lead (``null``: none recorded, GetAllianceLeadContact answers ResourceNotFoundException).
``access_denied: true`` makes every call answer ``AccessDeniedException`` (Reason ``ACCESS_DENIED``), as Partner
Central does for credentials it refuses, whatever IAM allows. Under IAM enforcement the caller also needs
``partnercentral:<Operation>`` (enforcement.py).

The API has one endpoint, in us-east-1: a request signed for another region is refused
(``UnrecognizedClientException``) instead of answered, so that a client in the wrong region fails in tests as it
would against AWS. Catalogs other than ``AWS`` and ``Sandbox`` are a ``ValidationException``. Requests are
validated against botocore's model and answered in the JSON 1.0 wire format (see _common).
"""

from __future__ import annotations

import datetime

import state

from ._common import ServiceError
from ._common import check_output
from ._common import current_request
from ._common import json_service

SERVICE = "partnercentral-account"
REGION = "us-east-1"
CATALOGS = ("AWS", "Sandbox")
_KEYS = {"linked", "catalog", "partner_id", "legal_name", "created_at", "alliance_lead", "access_denied"}
_DEFAULT_CREATED = "2025-12-01T00:00:00Z"


def default_partner_id(account_id: str) -> str:
    return "partner-a" + account_id  # partner- and 13 letters or digits, as the model's PartnerId pattern wants


def partner_arn(account_id: str, catalog: str, partner_id: str) -> str:
    return f"arn:aws:partnercentral:{REGION}:{account_id}:catalog/{catalog}/partner/{partner_id}"


def _settings(account_id: str, value) -> dict:
    """The posted ``partner_central`` value, checked and completed with its defaults."""
    if not isinstance(value, dict):
        raise state.StateError("partner_central must be a JSON object")
    unknown = set(value) - _KEYS
    if unknown:
        raise state.StateError(f"partner_central: unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    for flag in ("linked", "access_denied"):
        if not isinstance(value.get(flag, False), bool):
            raise state.StateError(f"partner_central.{flag} must be true or false")
    if value.get("catalog", "AWS") not in CATALOGS:
        raise state.StateError(f"partner_central.catalog must be one of {CATALOGS}")
    settings = {
        "linked": False,
        "access_denied": False,
        "catalog": "AWS",
        "partner_id": default_partner_id(account_id),
        "legal_name": f"Partner {account_id}",
        "created_at": _DEFAULT_CREATED,
        "alliance_lead": {
            "FirstName": "Alliance",
            "LastName": "Lead",
            "Email": f"alliance-lead+{account_id}@example.com",
            "BusinessTitle": "Alliance Lead",
        },
        **value,
    }
    # What the API would answer must pass its own model: refuse now what it could never send.
    try:
        check_output(SERVICE, "GetPartner", _partner(account_id, settings))
        if settings["alliance_lead"] is not None:
            check_output(SERVICE, "GetAllianceLeadContact", _alliance_lead(account_id, settings))
    except Exception as error:  # noqa: BLE001 - botocore's validation error says what is wrong
        raise state.StateError(f"partner_central: {error}") from None
    return settings


state.register("partner_central", {"linked": False, "access_denied": False}, _settings)


def _summary(account_id: str, settings: dict) -> dict:
    return {
        "Catalog": settings["catalog"],
        "Arn": partner_arn(account_id, settings["catalog"], settings["partner_id"]),
        "Id": settings["partner_id"],
        "LegalName": settings["legal_name"],
        "CreatedAt": datetime.datetime.fromisoformat(settings["created_at"].replace("Z", "+00:00")),
    }


def _partner(account_id: str, settings: dict) -> dict:
    return {
        **_summary(account_id, settings),
        "Profile": {
            "DisplayName": settings["legal_name"],
            "Description": f"{settings['legal_name']} builds on AWS.",
            "WebsiteUrl": "https://www.example.com",
            "LogoUrl": "https://www.example.com/logo.png",
            "PrimarySolutionType": "CONSULTING_SERVICES",
            "IndustrySegments": ["COMPUTER_SOFTWARE"],
            "TranslationSourceLocale": "en-US",
        },
    }


def _alliance_lead(account_id: str, settings: dict) -> dict:
    summary = _summary(account_id, settings)
    return {
        "Catalog": summary["Catalog"],
        "Arn": summary["Arn"],
        "Id": summary["Id"],
        "AllianceLeadContact": dict(settings["alliance_lead"]),
    }


def _checked(account_id: str, params: dict) -> dict:
    """The account's settings, after what the service refuses before it looks for a partner."""
    if current_request().region != REGION:
        raise ServiceError(
            "UnrecognizedClientException",
            f"The Partner Central Account API is served in {REGION} only; this request was signed for "
            f"{current_request().region}",
        )
    settings = state.get(account_id)["partner_central"]
    if settings.get("access_denied"):
        raise ServiceError(
            "AccessDeniedException",
            "You do not have sufficient access to perform this action.",
            Reason="ACCESS_DENIED",
        )
    if params["Catalog"] not in CATALOGS:
        raise ServiceError(
            "ValidationException",
            f"Catalog {params['Catalog']} is not valid: use AWS or Sandbox",
            Reason="REQUEST_VALIDATION_FAILED",
        )
    return settings


def _found(account_id: str, params: dict) -> dict:
    settings = _checked(account_id, params)
    identifier = params["Identifier"]
    if (
        settings.get("linked")
        and settings["catalog"] == params["Catalog"]
        and identifier in (settings["partner_id"], partner_arn(account_id, settings["catalog"], settings["partner_id"]))
    ):
        return settings
    raise ServiceError(
        "ResourceNotFoundException", f"Partner {identifier} was not found", status=400, Reason="PARTNER_NOT_FOUND"
    )


def list_partners(account_id: str, params: dict) -> dict:
    settings = _checked(account_id, params)
    if settings.get("linked") and settings["catalog"] == params["Catalog"]:
        return {"PartnerSummaryList": [_summary(account_id, settings)]}
    return {"PartnerSummaryList": []}


def get_partner(account_id: str, params: dict) -> dict:
    return _partner(account_id, _found(account_id, params))


def get_alliance_lead_contact(account_id: str, params: dict) -> dict:
    settings = _found(account_id, params)
    if settings["alliance_lead"] is None:
        raise ServiceError(
            "ResourceNotFoundException",
            f"Partner {params['Identifier']} has no alliance lead contact",
            Reason="PARTNER_NOT_FOUND",
        )
    return _alliance_lead(account_id, settings)


serve = json_service(
    SERVICE,
    {
        "ListPartners": list_partners,
        "GetPartner": get_partner,
        "GetAllianceLeadContact": get_alliance_lead_contact,
    },
)
