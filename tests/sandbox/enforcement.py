"""IAM enforcement in the sandbox: moto's, made closer to AWS's, and extended to the stand-ins.

Moto enforces IAM policies once ``POST /moto-api/reset-auth`` (body: a number N) has let N calls through: from
then on every call must come from an IAM user's or an assumed role's keys, and the caller's policies must allow
the action. ``install`` adjusts two things where moto differs from AWS:

* moto names the resource of few calls (an existing role, a bucket, the role to assume) and passes ``"*"`` for
  the others, which a statement scoped to an ARN pattern would never match: a resource moto cannot name is
  taken to match every pattern, so actions are enforced everywhere and resources where moto knows them (the
  resource scoping of every call is checked against the call log instead, see iam_actions.py);
* moto names an S3 request's action after its own table (``HeadBucket``, ``ListBucket`` for
  GetBucketEncryption): the action is the one AWS checks (iam_actions.s3_action);
* moto refuses in IAM's XML whatever the service: a JSON-protocol service (CloudTrail, Config, Organizations)
  refuses with its own ``AccessDeniedException``, as AWS does.

The stand-ins (standins/: CUR, Free Tier, Partner Central Account, Payments, Tax Settings, and the operations
they add to CloudTrail, Organizations and Identity Center) are not moto: ``standin_denial`` runs moto's
evaluation of the caller's policies for them, with the IAM action iam_actions.py names (``partnercentral:``,
``tax:``, ``sso:``...), so they refuse what AWS would, in their own wire format. moto's own STS denials of
AssumeRole are recorded in CloudTrail's event history by the server (server.py, standins/cloudtrail.py).
"""

from __future__ import annotations

import functools
from urllib.parse import unquote

import botocore.session
import iam_actions
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError
from moto.iam import access_control
from werkzeug.exceptions import HTTPException

# moto's IAM error codes, as the JSON-protocol services (the stand-ins') word them.
_JSON_CODES = {
    "AccessDenied": "AccessDeniedException",
    "InvalidClientTokenId": "UnrecognizedClientException",
    "SignatureDoesNotMatch": "InvalidSignatureException",
}


def install() -> None:
    statement = access_control.IAMPolicyStatement
    if getattr(statement, "_sandbox_installed", False):
        return
    original_matches = statement._check_element_matches

    def check_element_matches(self, element, value):
        if element == "Resource" and value == "*":
            return True
        return original_matches(self, element, value)

    statement._check_element_matches = check_element_matches
    statement._sandbox_installed = True

    original_init = access_control.S3IAMRequest.__init__

    def s3_request_init(self, account_id, method, path, data, body, headers, action):
        original_init(self, account_id, method, path, data, body, headers, action)
        raw_path, _, query = path.partition("?")
        real = iam_actions.s3_action(method, unquote(raw_path), query)
        if real:
            self._action = real

    access_control.S3IAMRequest.__init__ = s3_request_init

    original_denied = access_control.IAMRequest._raise_access_denied

    def raise_access_denied(self):
        if _json_protocol(self._service):
            raise JsonRESTError(
                "AccessDeniedException", f"User: {self._access_key.arn} is not authorized to perform: {self._action}"
            )
        original_denied(self)

    access_control.IAMRequest._raise_access_denied = raise_access_denied


@functools.cache
def _json_protocol(service: str) -> bool:
    try:
        return botocore.session.get_session().get_service_model(service).metadata["protocol"] == "json"
    except Exception:  # noqa: BLE001 - a signing name botocore does not know: moto's own answer stands
        return False


def enforcing() -> bool:
    """Whether moto enforces IAM now; counts the call as moto does while it does not yet."""
    if ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT:
        return True
    ActionAuthenticatorMixin.request_count += 1
    return False


def _headers(environ: dict) -> dict:
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers[name] = environ[key]
    return headers


def standin_denial(environ: dict, body: bytes, service: str, operation: str, account_id: str):
    """``None`` when the caller may make this stand-in call, else ``(code, message)`` as the service words it."""
    if not enforcing():
        return None
    query = environ.get("QUERY_STRING", "")
    path = environ.get("PATH_INFO", "/") + ("?" + query if query else "")
    authorization = iam_actions.describe(service, operation, environ, body, account_id)
    try:
        request = access_control.IAMRequest(
            account_id=account_id,
            method=environ.get("REQUEST_METHOD", "POST"),
            path=path,
            data={},
            body=body,
            headers=_headers(environ),
            action=operation,
        )
        request.check_signature()
        for action in authorization["actions"]:
            request._action = action
            request.check_action_permitted(authorization["resource"])
    except HTTPException as error:
        code = getattr(error, "error_type", "AccessDenied")
        return _JSON_CODES.get(code, code), getattr(error, "message", str(error))
    return None
