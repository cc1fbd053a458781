"""Fault injection in front of the sandbox's AWS APIs: what production AWS does to a run, on demand.

The sandbox server puts a ``FaultInjector`` between the network and every AWS API it serves (moto and the
stand-ins). It is off until configured through the control endpoint::

    POST /_sandbox/faults   {"throttle": 0.2, "server_error": 0.05, "lose_reply": 0.05, "latency_ms": 20,
                             "seed": 7, "services": ["iam"], "operations": ["CreateRole"]}
    GET /_sandbox/faults    the configuration and what was injected so far (counts and the last faults)
    DELETE /_sandbox/faults  off again, counts cleared

Each AWS request, when it matches ``services`` and ``operations`` (both optional: every request by default),
draws once from a seeded random generator:

- ``throttle``: the fraction answered with the service's own throttling error, in its wire format, before
  the API sees the request: ``Throttling`` (IAM, STS; query protocol, HTTP 400), ``SlowDown`` (S3, HTTP 503),
  ``ThrottlingException`` (JSON protocol services such as Organizations, CloudTrail, CUR, Config; HTTP 400),
  ``TooManyRequestsException`` (REST-JSON services, HTTP 429);
- ``server_error``: the fraction answered ``InternalFailure`` / ``ServiceUnavailable`` (HTTP 500 / 503) before
  the API sees the request;
- ``lose_reply``: the fraction of WRITE requests that the API carries out (the change is committed) but whose
  reply is lost: the caller gets an HTTP 500 instead, as when a reply goes missing after AWS acted. A retried
  create then meets its own resource (``EntityAlreadyExists``, ``DuplicateReportNameException``);
- ``latency_ms``: added to every matching request.

A fraction of 1.0 with ``operations`` makes a persistent failure of those calls. The random draws are
reproducible for a given seed and sequence of requests.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid

_QUERY_PROTOCOL = {"iam", "sts", "ec2", "sns", "sqs", "rds", "cloudformation", "elasticloadbalancing"}
_REST_XML = {"s3"}


def _protocol(service: str, environ: dict) -> str:
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    if service in _REST_XML:
        return "rest-xml"
    if service in _QUERY_PROTOCOL or environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return "query"
    return "rest-json"


# (HTTP status, error code) per fault kind and protocol.
_THROTTLING = {
    "query": ("400 Bad Request", "Throttling"),
    "rest-xml": ("503 Slow Down", "SlowDown"),
    "json": ("400 Bad Request", "ThrottlingException"),
    "rest-json": ("429 Too Many Requests", "TooManyRequestsException"),
}
_SERVER_ERROR = {
    "query": ("500 Internal Server Error", "InternalFailure"),
    "rest-xml": ("503 Service Unavailable", "ServiceUnavailable"),
    "json": ("500 Internal Server Error", "InternalFailure"),
    "rest-json": ("500 Internal Server Error", "InternalServerException"),
}
_MESSAGES = {
    "Throttling": "Rate exceeded",
    "SlowDown": "Please reduce your request rate.",
    "ThrottlingException": "Rate exceeded",
    "TooManyRequestsException": "Too many requests",
    "InternalFailure": "The request processing has failed because of an unknown error, exception or failure.",
    "ServiceUnavailable": "Service is unable to handle request.",
    "InternalServerException": "An internal error occurred.",
}


def error_response(start_response, protocol: str, status: str, code: str):
    """An AWS error in the protocol's wire format, as botocore parses it."""
    message = _MESSAGES.get(code, code)
    request_id = str(uuid.uuid4())
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
    elif protocol == "rest-json":
        body = json.dumps({"message": message}).encode()
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    elif protocol == "rest-xml":
        body = (
            f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        headers = [("Content-Type", "application/xml")]
    else:
        kind = "Receiver" if status.startswith("5") else "Sender"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    headers += [("x-amzn-RequestId", request_id), ("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]


class ConfigError(ValueError):
    pass


_FRACTIONS = ("throttle", "server_error", "lose_reply")
_KEYS = {*_FRACTIONS, "latency_ms", "seed", "services", "operations"}


class FaultInjector:
    """Decides, per AWS request, whether and how it fails. Thread-safe; off until ``configure``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._config: dict = {}
        self._random = random.Random(0)
        self._injected: dict[str, int] = {}
        self._recent: list[dict] = []

    def configure(self, config: dict) -> dict:
        unknown = set(config) - _KEYS
        if unknown:
            raise ConfigError(f"unknown fault settings {sorted(unknown)}; known: {sorted(_KEYS)}")
        for key in _FRACTIONS:
            value = config.get(key, 0)
            if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ConfigError(f"{key} must be a fraction from 0 to 1, got {value!r}")
        if sum(config.get(key, 0) for key in ("throttle", "server_error")) > 1:
            raise ConfigError("throttle and server_error add up to more than 1")
        with self._lock:
            self._config = dict(config)
            self._random = random.Random(config.get("seed", 0))
            self._injected = {}
            self._recent = []
        return self.snapshot()

    def clear(self) -> None:
        self.configure({})

    def snapshot(self) -> dict:
        with self._lock:
            return {"config": dict(self._config), "injected": dict(self._injected), "recent": list(self._recent)}

    def _matches(self, service: str, operation: str) -> bool:
        services = self._config.get("services")
        operations = self._config.get("operations")
        return (not services or service in services) and (not operations or operation in operations)

    def _note(self, kind: str, service: str, operation: str) -> None:
        self._injected[kind] = self._injected.get(kind, 0) + 1
        self._recent = [*self._recent[-49:], {"fault": kind, "service": service, "operation": operation}]

    def decide(self, service: str, operation: str, write: bool) -> str | None:
        """``throttle``, ``server_error``, ``lose_reply`` or None (answer normally), after the latency."""
        with self._lock:
            if not self._config or not self._matches(service, operation):
                return None
            latency = self._config.get("latency_ms", 0)
            draw = self._random.random()
            throttle = self._config.get("throttle", 0)
            server_error = self._config.get("server_error", 0)
            lose = self._config.get("lose_reply", 0)
            if draw < throttle:
                fault = "throttle"
            elif draw < throttle + server_error:
                fault = "server_error"
            elif write and self._random.random() < lose:
                fault = "lose_reply"
            else:
                fault = None
            if fault:
                self._note(fault, service, operation)
        if latency:
            time.sleep(latency / 1000)
        return fault


def respond(app, environ, start_response, service: str, fault: str | None):
    """Answer the request through ``app``, or with ``fault`` (from ``FaultInjector.decide``)."""
    if fault is None:
        return app(environ, start_response)
    protocol = _protocol(service, environ)
    if fault == "throttle":
        return error_response(start_response, protocol, *_THROTTLING[protocol])
    if fault == "server_error":
        return error_response(start_response, protocol, *_SERVER_ERROR[protocol])
    # lose_reply: the API acts and commits; its answer is thrown away.
    answer = app(environ, lambda *args, **kwargs: lambda data: None)
    for _chunk in answer:
        pass
    if hasattr(answer, "close"):
        answer.close()
    return error_response(start_response, protocol, *_SERVER_ERROR[protocol])
