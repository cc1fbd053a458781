"""Stand-ins for AWS APIs moto lacks, keyed by the service's signing name.

Each is a ``_common.Standin``: a WSGI-style callable ``(environ, start_response, *, body, operation,
account_id)`` that validates the request against botocore's service model and answers in the service's wire
format, with ``error(start_response, ServiceError)`` for answers the server makes on its behalf (IAM denials).
A stand-in serves a whole service, or only the operations moto lacks (``operations``): ``route`` says which
serves a request, None meaning moto.
"""

from __future__ import annotations

from . import cloudtrail
from . import organizations
from . import partnercentral
from . import payments
from . import ssoadmin
from . import taxsettings
from .cur import serve as cur_serve
from .freetier import serve as freetier_serve

STANDINS: dict = {
    "cur": cur_serve,
    "freetier": freetier_serve,
    "partnercentral-account": partnercentral.serve,
    "cloudtrail": cloudtrail.serve,
    "sso": ssoadmin.serve,
    "organizations": organizations.serve,
    "tax": taxsettings.serve,
}
if payments.serve is not None:  # botocore 1.44.8 and later model the Payments API
    STANDINS["payments"] = payments.serve


def route(service: str, operation: str, environ: dict):
    """The stand-in that serves this request, or None when moto does."""
    standin = STANDINS.get(service)
    if standin is None or not standin.serves(operation):
        return None
    if service == "sso" and not environ.get("HTTP_X_AMZ_TARGET", "").startswith("SWBExternalService."):
        return None  # signing name sso is also the portal API's (GetRoleCredentials): not sso-admin
    return standin


def operation_name(service: str, method: str, path: str) -> str | None:
    """The operation of a REST request to a stand-in's service (Tax Settings), or None."""
    standin = STANDINS.get(service)
    if standin is None or standin.operation_of is None:
        return None
    return standin.operation_of(method, path)
