"""Stand-ins for AWS APIs moto lacks, keyed by the service's signing name.

Each is a WSGI-style callable ``(environ, start_response, *, body, operation,
account_id)`` that validates the request against botocore's service model and
answers in the service's wire format.
"""

from .cur import serve as cur_serve
from .freetier import serve as freetier_serve

STANDINS: dict = {}
STANDINS["cur"] = cur_serve
STANDINS["freetier"] = freetier_serve
