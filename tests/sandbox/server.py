"""Local AWS sandbox: moto's server plus small stand-ins for APIs moto lacks.

Run ``python tests/sandbox/server.py --port N``; it serves on 127.0.0.1:N in
the foreground until stopped. Point boto3 at it with ``AWS_ENDPOINT_URL``.

Besides the AWS APIs it serves a control surface under ``/_sandbox/``:

* ``POST /_sandbox/state`` sets what no AWS API can set, for one account:
  ``{"account_id": "111122223333", "root_mfa": true, "plan": "FREE",
  "org_role": "member", "name": "Dev", "email": "dev@example.com"}``; every
  key but ``account_id`` is optional. ``org_role`` places the account in the
  sandbox organization with that exact ID (``management`` creates the
  organization), which AWS's CreateAccount cannot do. ``"unreachable": true``
  refuses every sts:AssumeRole of a role in that account (AccessDenied), as
  for an account without the role the caller expects. The stand-ins add keys
  of their own (each documented in its module under standins/):
  ``partner_central`` (partnercentral.py), ``cloudtrail_events`` and
  ``lookup_events_per_second`` (cloudtrail.py), ``identity_center``
  (ssoadmin.py), ``payment_instruments`` (payments.py), ``tax_registrations``
  (taxsettings.py), ``responsibility_transfers`` (organizations.py). A value
  the real API could never answer is refused (HTTP 400, naming the problem).
* Stand-ins (standins/) serve what moto lacks, validated against botocore's
  model and answered in the service's wire format: Cost and Usage Reports,
  Free Tier, the Partner Central Account API's reads, Payments and Tax
  Settings reads, and single operations of services moto otherwise serves
  (CloudTrail LookupEvents, Organizations ListOutboundResponsibilityTransfers,
  Identity Center provisioning status, tags, instances). moto's STS is
  corrected where it assumes what AWS refuses: a role whose trust lets in only
  services (the Partner Central roles) is refused, and every refused
  AssumeRole is recorded in CloudTrail's event history as AWS records it.
* ``GET /_sandbox/state`` shows every account's state.
* ``POST /_sandbox/reset`` makes the sandbox what a newly started one is, without the seconds of CPU a start
  costs (importing moto, loading its backends): moto's backends emptied (every account, organization, role...),
  IAM enforcement off, every account's state and each stand-in's own state gone (their ``state.on_reset``), no
  faults, an empty call log. It answers 500 naming any stand-in state still held afterwards (``state.leftovers``:
  a stand-in that forgot to register its reset). The tests reset one server between test files.
* ``GET /_sandbox/calls`` lists every AWS call served since the last
  ``DELETE /_sandbox/calls``, each as ``{"service", "operation", "account_id",
  "write", "fault"}``: tests use it to prove check mode writes nothing and the
  benchmark to count calls (``fault``: what faults.py injected, or null).
* ``POST``/``GET``/``DELETE /_sandbox/faults`` injects throttling, 5xx answers,
  lost replies after a committed write, and latency (see faults.py).
* Each call in the log also says the IAM authorization it needs (``actions``,
  ``resource``, ``context``: see iam_actions.py). ``POST /moto-api/reset-auth``
  turns moto's IAM enforcement on (body ``0``) or off (``inf``); it is not an
  AWS call and is not logged; enforcement covers the stand-ins too (enforcement.py).

moto_speedups.py cuts two costs moto has per account (an IAM backend for every partition, the AWS managed policies
parsed again for each) without changing what moto answers.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import threading
import uuid
from urllib.parse import parse_qs

# Moto reads this when it builds an account's IAM backend: AWS managed
# policies (ReadOnlyAccess, AWSPartnerCentral*, ...) must exist as in AWS.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import enforcement  # noqa: E402
import faults  # noqa: E402
import iam_actions  # noqa: E402
import moto_speedups  # noqa: E402
import standins  # noqa: E402
import state  # noqa: E402
from moto import settings as moto_settings  # noqa: E402
from moto.core.base_backend import BackendDict  # noqa: E402
from moto.core.base_backend import backend_lock  # noqa: E402
from moto.core.model_instances import reset_model_data  # noqa: E402
from moto.core.responses import ActionAuthenticatorMixin  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402
from moto.moto_server.werkzeug_app import create_backend_app  # noqa: E402
from standins import cloudtrail as cloudtrail_standin  # noqa: E402
from standins._common import ServiceError  # noqa: E402
from standins._common import request_of  # noqa: E402
from werkzeug.serving import run_simple  # noqa: E402

_SIGNING = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_READ_PREFIXES = ("Get", "List", "Describe", "Head", "Lookup", "Search", "Check", "Query", "Select", "Generate")
# STS hands out credentials and says who the caller is: nothing is changed.
_READ_OPERATIONS = {"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "GetCallerIdentity"}


# IAM enforcement as the server started (moto reads INITIAL_NO_AUTH_ACTION_COUNT, default: never enforced).
_INITIAL_NO_AUTH_ACTION_COUNT = moto_settings.INITIAL_NO_AUTH_ACTION_COUNT


def is_write(operation: str) -> bool:
    return not (operation.startswith(_READ_PREFIXES) or operation in _READ_OPERATIONS)


class CallLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[dict] = []

    def add(self, call: dict) -> None:
        with self._lock:
            self._calls.append(call)

    def snapshot(self) -> list[dict]:
        with self._lock:
            return list(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


def _operation(environ: dict, body: bytes, service: str) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0]
    if body and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    method = environ.get("REQUEST_METHOD", "GET")
    named = standins.operation_name(service, method, environ.get("PATH_INFO", "/"))
    if named:
        return named
    # Other REST services (S3): the method and path stand for the operation.
    return {"GET": "Get", "HEAD": "Head"}.get(method, method.capitalize()) + ":" + environ.get("PATH_INFO", "/")


class SandboxApp:
    def __init__(self) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.calls = CallLog()
        self.faults = faults.FaultInjector()
        enforcement.install()
        moto_speedups.install()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox/"):
            return self._control(environ, start_response, path)
        if path.startswith("/moto-api/"):
            return self.moto(environ, start_response)

        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)

        match = _SIGNING.search(environ.get("HTTP_AUTHORIZATION", ""))
        access_key, service = (match.group(1), match.group(3)) if match else ("", "unknown")
        operation = _operation(environ, body, service)
        account_id = state.account_for_access_key(access_key)
        write = is_write(operation)
        fault = self.faults.decide(service, operation, write)
        self.calls.add(
            {
                "service": service,
                "operation": operation,
                "account_id": account_id,
                "write": write,
                "fault": fault,
                **iam_actions.describe(service, operation, environ, body, account_id),
            }
        )

        standin = standins.route(service, operation, environ)
        if standin is not None:

            def api(environ, start_response):
                denial = enforcement.standin_denial(environ, body, service, operation, account_id)
                if denial:
                    return standin.error(start_response, ServiceError(*denial))
                return standin(environ, start_response, body=body, operation=operation, account_id=account_id)

        elif service == "sts" and operation == "AssumeRole":

            def api(environ, start_response):
                return _assume_role(self.moto, environ, start_response, body, access_key, account_id)

        else:
            api = self.moto
        return faults.respond(api, environ, start_response, service, fault)

    def _control(self, environ, start_response, path):
        method = environ["REQUEST_METHOD"]
        try:
            if path == "/_sandbox/state" and method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                payload = json.loads(environ["wsgi.input"].read(length) or b"{}")
                result = state.apply(payload)
            elif path == "/_sandbox/state" and method == "GET":
                result = state.snapshot()
            elif path == "/_sandbox/calls" and method == "GET":
                result = self.calls.snapshot()
            elif path == "/_sandbox/calls" and method == "DELETE":
                self.calls.clear()
                result = {}
            elif path == "/_sandbox/faults" and method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                result = self.faults.configure(json.loads(environ["wsgi.input"].read(length) or b"{}"))
            elif path == "/_sandbox/faults" and method == "GET":
                result = self.faults.snapshot()
            elif path == "/_sandbox/faults" and method == "DELETE":
                self.faults.clear()
                result = {}
            elif path == "/_sandbox/reset" and method == "POST":
                result = self.reset()
            elif path == "/_sandbox/health":
                result = {"status": "ok"}
            else:
                return _json(start_response, "404 Not Found", {"error": f"no control endpoint {method} {path}"})
        except (state.StateError, faults.ConfigError) as exc:
            return _json(start_response, "400 Bad Request", {"error": str(exc)})
        except ResetError as exc:
            return _json(start_response, "500 Internal Server Error", {"error": str(exc)})
        return _json(start_response, "200 OK", result)

    def reset(self) -> dict:
        """The sandbox as newly started (``POST /_sandbox/reset``)."""
        with backend_lock:
            # What moto's own /moto-api/reset does, minus rebuilding each backend before dropping it (an IAM
            # backend loads every AWS managed policy: seconds for an organization's accounts).
            for backend in BackendDict._instances:
                backend.clear()
                # S3's bucket namespace is shared by every account and kept beside its backends (S3Backend.reset
                # would forget its buckets there one by one): a name used before the reset is free again.
                getattr(backend, "bucket_accounts", {}).clear()
            BackendDict._instances.clear()
            reset_model_data()
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = _INITIAL_NO_AUTH_ACTION_COUNT
        ActionAuthenticatorMixin.request_count = 0
        state.reset()
        self.faults.clear()
        self.calls.clear()
        left = state.leftovers()
        if left:
            raise ResetError(f"state kept after the reset (register its reset with state.on_reset): {left}")
        return {}


class ResetError(RuntimeError):
    """Stand-in state survived a reset."""


_STS_DENIAL = """<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>\
<Code>AccessDenied</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"""


def _service_only_trust(role_arn: str) -> bool:
    """Whether the role exists and its trust lets in no AWS principal (only services, such as Partner Central's
    partnercentral-account-management.amazonaws.com): AWS refuses every user and role that tries to assume it.
    moto does not evaluate trust policies at all."""
    from moto.iam.models import iam_backends

    parts = role_arn.split(":")
    if len(parts) < 6 or not parts[5].startswith("role/") or parts[4] not in iam_backends:
        return False  # an account moto has no IAM for yet has no roles (and building it costs seconds)
    try:
        role = iam_backends[parts[4]]["aws"].get_role(parts[5].rsplit("/", 1)[-1])
        statements = json.loads(role.assume_role_policy_document).get("Statement", [])
    except Exception:  # noqa: BLE001 - a role moto does not know, or an unreadable trust: moto decides
        return False
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        principal = statement.get("Principal")
        if statement.get("Effect") == "Allow" and (principal == "*" or "AWS" in (principal or {})):
            return False
    return True


def _assume_role(moto, environ, start_response, body, access_key, account_id):
    """sts:AssumeRole through moto, refused where AWS refuses it and moto does not (a role only services may
    assume; any role of an account set ``unreachable``, as one without the role the caller expects), with each
    refusal recorded in CloudTrail's event history as AWS records it (standins/cloudtrail.py)."""
    params = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    role_arn = params.get("RoleArn", "")
    region = request_of(environ, account_id).region
    role_account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
    if _service_only_trust(role_arn) or (role_account and state.get(role_account)["unreachable"]):
        caller = cloudtrail_standin.caller_identity(access_key, account_id)["arn"]
        message = f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
        cloudtrail_standin.record_denied_assume_role(account_id, access_key, role_arn, region, message)
        data = _STS_DENIAL.format(message=message, request_id=uuid.uuid4()).encode()
        start_response("403 Forbidden", [("Content-Type", "text/xml"), ("Content-Length", str(len(data)))])
        return [data]
    answer = {}

    def keep_status(status, headers, exc_info=None):
        answer["status"] = status
        return start_response(status, headers, exc_info)

    chunks = list(moto(environ, keep_status))
    if answer.get("status", "").startswith("403"):
        text = b"".join(chunks).decode("utf-8", "replace")
        found = re.search(r"<Message>(.*?)</Message>", text, re.DOTALL)
        message = found.group(1) if found else "Access denied"
        cloudtrail_standin.record_denied_assume_role(account_id, access_key, role_arn, region, message)
    return chunks


def _json(start_response, status, payload):
    data = json.dumps(payload, default=str).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    print(f"sandbox: serving AWS on http://{args.host}:{args.port}", flush=True)
    run_simple(args.host, args.port, SandboxApp(), threaded=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
