"""Local AWS sandbox: moto's server plus small stand-ins for APIs moto lacks.

Run ``python tests/sandbox/server.py --port N``; it serves on 127.0.0.1:N in
the foreground until stopped. Point boto3 at it with ``AWS_ENDPOINT_URL``.

Besides the AWS APIs it serves a control surface under ``/_sandbox/``:

* ``POST /_sandbox/state`` sets what no AWS API can set, for one account:
  ``{"account_id": "111122223333", "root_mfa": true, "plan": "FREE",
  "org_role": "member", "name": "Dev", "email": "dev@example.com"}``; every
  key but ``account_id`` is optional. ``org_role`` places the account in the
  sandbox organization with that exact ID (``management`` creates the
  organization), which AWS's CreateAccount cannot do.
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
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import threading
from urllib.parse import parse_qs

# Moto reads this when it builds an account's IAM backend: AWS managed
# policies (ReadOnlyAccess, AWSPartnerCentral*, ...) must exist as in AWS.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import enforcement  # noqa: E402
import faults  # noqa: E402
import iam_actions  # noqa: E402
import state  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402
from moto.moto_server.werkzeug_app import create_backend_app  # noqa: E402
from standins import STANDINS  # noqa: E402
from standins._common import ServiceError  # noqa: E402
from standins._common import respond_error  # noqa: E402
from werkzeug.serving import run_simple  # noqa: E402

_SIGNING = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_READ_PREFIXES = ("Get", "List", "Describe", "Head", "Lookup", "Search", "Check", "Query", "Select", "Generate")
# STS hands out credentials and says who the caller is: nothing is changed.
_READ_OPERATIONS = {"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "GetCallerIdentity"}


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
    # REST services (S3): the method and path stand for the operation.
    method = environ.get("REQUEST_METHOD", "GET")
    return {"GET": "Get", "HEAD": "Head"}.get(method, method.capitalize()) + ":" + environ.get("PATH_INFO", "/")


class SandboxApp:
    def __init__(self) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.calls = CallLog()
        self.faults = faults.FaultInjector()
        enforcement.install()

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

        standin = STANDINS.get(service)
        if standin is not None:

            def api(environ, start_response):
                denial = enforcement.standin_denial(environ, body, service, operation, account_id)
                if denial:
                    return respond_error(start_response, service, ServiceError(*denial))
                return standin(environ, start_response, body=body, operation=operation, account_id=account_id)

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
            elif path == "/_sandbox/health":
                result = {"status": "ok"}
            else:
                return _json(start_response, "404 Not Found", {"error": f"no control endpoint {method} {path}"})
        except (state.StateError, faults.ConfigError) as exc:
            return _json(start_response, "400 Bad Request", {"error": str(exc)})
        return _json(start_response, "200 OK", result)


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
