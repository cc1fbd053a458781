"""What every JSON-protocol stand-in shares: request validation and the wire format.

A stand-in declares its handlers and gets a callable with the registry's
signature ``(environ, start_response, *, body, operation, account_id)``::

    serve = json_service("cur", {"PutReportDefinition": put_report_definition, ...})

Each request is checked the way the AWS service checks it, before its handler
runs:

* the operation must exist in botocore's model of the service
  (``UnknownOperationException`` otherwise);
* the body must be a JSON object (``SerializationException``);
* the input must match the operation's input shape: botocore's own client-side
  validation (required members, types, minimums) and then the constraints
  botocore leaves to the server (enums, maximum lengths and sizes, patterns,
  matched against the whole value as AWS does), each reported as AWS words it
  in a ``ValidationException``.

A handler takes ``(account_id, params)`` and returns the output as a dict, or
raises ``ServiceError(code, message)`` with one of the operation's error
codes. Its output is validated against the operation's output shape too, so a
stand-in cannot answer with something the real service never sends.

Answers use the JSON protocol of the service's model (``application/x-amz-json-1.0``
or ``1.1``), errors as ``{"__type": code, "message": ...}`` with the status
AWS uses (400 for client errors, 500 for faults); timestamps travel as the
model says (``to_wire``). ``rest_json_service`` does the same for a REST-JSON
service whose operations take a JSON body (Tax Settings), with its errors in
``x-amzn-ErrorType``. A stand-in may serve only some operations of a service
(``only_handlers``) and leave the others to moto. Handlers that need the
caller's region or keys call ``current_request()``.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
import threading
import uuid
from typing import NamedTuple

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.serialize import JSONSerializer
from botocore.utils import parse_to_aware_datetime
from botocore.validate import validate_parameters


class ServiceError(Exception):
    """An error answer: the AWS error code, its message, HTTP status and any other members of the error shape."""

    def __init__(self, code: str, message: str, status: int = 400, **members):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.members = members


@functools.cache
def service_model(service: str):
    return botocore.session.get_session().get_service_model(service)


def _full_match(pattern: str, value: str) -> bool:
    """Whether the whole value matches a model pattern; ``\\p{L}``-style classes need the ``regex`` module, and
    a pattern neither module understands is not checked rather than refused."""
    try:
        return bool(re.fullmatch(pattern, value, re.DOTALL))
    except re.error:
        pass
    try:
        import regex
    except ImportError:
        return True
    try:
        return bool(regex.fullmatch(pattern, value, regex.DOTALL))
    except regex.error:
        return True


def _camel(name: str) -> str:
    # AWS names members in validation messages the way its Java models do: reportDefinition.reportName.
    return name[:1].lower() + name[1:]


def _constraint_errors(value, shape, path: str) -> list[str]:
    """The server-side constraints botocore's client does not check: enum, max, pattern."""
    errors: list[str] = []
    if value is None:
        return errors
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                member_path = f"{path}.{_camel(name)}" if path else _camel(name)
                errors.extend(_constraint_errors(value[name], member, member_path))
    elif kind == "list" and isinstance(value, list):
        maximum = shape.metadata.get("max")
        if maximum is not None and len(value) > maximum:
            errors.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must have length less than or equal to {maximum}"
            )
        for index, item in enumerate(value, 1):
            errors.extend(_constraint_errors(item, shape.member, f"{path}.{index}.member"))
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            errors.extend(_constraint_errors(key, shape.key, f"{path}.{key}.key"))
            errors.extend(_constraint_errors(item, shape.value, f"{path}.{key}.value"))
    elif kind == "string" and isinstance(value, str):
        enum = shape.enum
        if enum and value not in enum:
            errors.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(enum)}]"
            )
        maximum = shape.metadata.get("max")
        if maximum is not None and len(value) > maximum:
            errors.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must have length less than or equal to {maximum}"
            )
        pattern = shape.metadata.get("pattern")
        if pattern and not _full_match(pattern, value):
            errors.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {pattern}"
            )
    elif kind in ("integer", "long") and isinstance(value, int):
        maximum = shape.metadata.get("max")
        if maximum is not None and value > maximum:
            errors.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must have value less than or equal to {maximum}"
            )
    return errors


def validate_input(service: str, operation: str, params: dict) -> None:
    """Raise ServiceError(ValidationException) when ``params`` would not pass AWS's validation."""
    shape = service_model(service).operation_model(operation).input_shape
    if shape is None:
        return
    try:
        validate_parameters(params, shape)
    except ParamValidationError as exc:
        raise ServiceError("ValidationException", str(exc.kwargs.get("report", exc))) from exc
    errors = _constraint_errors(params, shape, "")
    if errors:
        count = len(errors)
        raise ServiceError(
            "ValidationException",
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(errors),
        )


def validate_output(service: str, operation: str, output: dict) -> None:
    shape = service_model(service).operation_model(operation).output_shape
    if shape is not None:
        validate_parameters(output, shape)


def check_output(service: str, operation: str, output: dict) -> None:
    """Raise ValueError when the service could never answer ``output``: its model's types and required members
    (botocore) and its enums, lengths and patterns. Stand-ins check the state tests post with it."""
    validate_output(service, operation, output)
    shape = service_model(service).operation_model(operation).output_shape
    errors = _constraint_errors(output, shape, "") if shape is not None else []
    if errors:
        raise ValueError("; ".join(errors))


def to_wire(service: str, operation: str, output: dict) -> dict:
    """The output as the service's JSON body carries it: timestamps as the model says (epoch seconds by default,
    or the member's timestampFormat), blobs in base64; handlers may return datetimes."""
    shape = service_model(service).operation_model(operation).output_shape
    if shape is None:
        return {}
    body: dict = {}
    _SERIALIZER._serialize(body, output, shape)
    return body


_SERIALIZER = JSONSerializer()


# --- the request being served -------------------------------------------------


class Request(NamedTuple):
    """What a handler may need beyond its parameters: where and by whom the call was made."""

    account_id: str
    region: str
    access_key: str
    environ: dict


_current = threading.local()
_SIGNING = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/")


def request_of(environ: dict, account_id: str) -> Request:
    match = _SIGNING.search(environ.get("HTTP_AUTHORIZATION", ""))
    access_key, region = (match.group(1), match.group(2)) if match else ("", "us-east-1")
    return Request(account_id, region, access_key, environ)


def current_request() -> Request:
    """The request the calling handler serves (set by the stand-in around each handler call)."""
    return _current.request


# --- wire format --------------------------------------------------------------


def _content_type(service: str) -> str:
    return "application/x-amz-json-" + service_model(service).metadata.get("jsonVersion", "1.1")


def respond(start_response, service: str, payload: dict, status: str = "200 OK", headers=()):
    data = json.dumps(payload).encode()
    start_response(
        status,
        [
            ("Content-Type", _content_type(service)),
            ("Content-Length", str(len(data))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
            *headers,
        ],
    )
    return [data]


_REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 429: "Too Many Requests"}


def _status_line(status: int) -> str:
    return f"{status} {_REASONS.get(status, 'Internal Server Error' if status >= 500 else 'Error')}"


def respond_error(start_response, service: str, error: ServiceError):
    """A JSON-protocol error: ``{"__type": code, "message": ...}`` plus the members the error shape adds."""
    payload = {"__type": error.code, "message": error.message, **error.members}
    return respond(start_response, service, payload, _status_line(error.status))


def respond_rest_json_error(start_response, service: str, error: ServiceError):
    """A REST-JSON error: the code in ``x-amzn-ErrorType``, the status the error shape names, a JSON body."""
    payload = {"message": error.message, **error.members}
    if error.code == "AccessDeniedException" and error.status == 400:
        error.status = 403  # REST services refuse access with 403
    data = json.dumps(payload).encode()
    start_response(
        _status_line(error.status),
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
            ("x-amzn-ErrorType", error.code),
        ],
    )
    return [data]


# --- stand-ins ----------------------------------------------------------------


class Standin:
    """One service's stand-in as the server's registry holds it (see standins/__init__.py).

    ``operations``: the operations it serves; None for the whole service. The server sends the others to moto,
    so a stand-in can add what moto lacks to a service moto otherwise serves.
    """

    def __init__(self, service: str, serve, error, operations=None, operation_of=None):
        self.service = service
        self.serve = serve
        self.error = error
        self.operations = frozenset(operations) if operations is not None else None
        self.operation_of = operation_of

    def __call__(self, environ, start_response, *, body: bytes, operation: str, account_id: str):
        return self.serve(environ, start_response, body=body, operation=operation, account_id=account_id)

    def serves(self, operation: str) -> bool:
        return self.operations is None or operation in self.operations


def _run_handler(service, operation, handler, params, environ, account_id, before):
    _current.request = request_of(environ, account_id)
    try:
        if before is not None:
            before(operation, params)
        validate_input(service, operation, params)
        output = handler(account_id, params) or {}
    finally:
        _current.request = None
    validate_output(service, operation, output)
    return to_wire(service, operation, output)


def json_service(service: str, handlers: dict, *, only_handlers: bool = False, before=None) -> Standin:
    """The registry entry for a JSON-protocol service served by ``handlers`` (operation name -> function).

    ``only_handlers``: serve just these operations and leave the service's others to moto. ``before``:
    ``(operation, params)`` checks that run ahead of the model's validation, for what the service refuses with
    its own error code rather than a ValidationException (CloudTrail's InvalidMaxResultsException).
    """
    operations = set(service_model(service).operation_names)
    unknown = set(handlers) - operations
    if unknown:
        raise ValueError(f"{service} has no operations {sorted(unknown)}")

    def serve(environ, start_response, *, body: bytes, operation: str, account_id: str):
        try:
            if operation not in operations:
                raise ServiceError("UnknownOperationException", f"Unknown operation {operation}")
            handler = handlers.get(operation)
            if handler is None:
                raise ServiceError(
                    "InternalFailure", f"The sandbox does not implement {service} {operation}", status=500
                )
            try:
                params = json.loads(body or b"{}")
            except ValueError as exc:
                raise ServiceError("SerializationException", f"Request body is not valid JSON: {exc}") from exc
            if not isinstance(params, dict):
                raise ServiceError("SerializationException", "Request body must be a JSON object")
            output = _run_handler(service, operation, handler, params, environ, account_id, before)
        except ServiceError as error:
            return respond_error(start_response, service, error)
        return respond(start_response, service, output)

    def error(start_response, service_error: ServiceError):
        return respond_error(start_response, service, service_error)

    return Standin(service, serve, error, operations=set(handlers) if only_handlers else None)


def rest_json_service(service: str, handlers: dict) -> Standin:
    """The registry entry for a REST-JSON service whose operations take their input from the JSON body
    (POST to a fixed path, as Tax Settings' do). The operation is found from the request's method and path."""
    model = service_model(service)
    routes = {}
    for name in model.operation_names:
        http = model.operation_model(name).http
        routes[(http["method"], http["requestUri"].split("?")[0])] = name
    unknown = set(handlers) - set(model.operation_names)
    if unknown:
        raise ValueError(f"{service} has no operations {sorted(unknown)}")

    def operation_of(method: str, path: str) -> str | None:
        return routes.get((method, path))

    def serve(environ, start_response, *, body: bytes, operation: str, account_id: str):
        try:
            name = operation_of(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/"))
            if name is None:
                raise ServiceError("UnknownOperationException", "The requested operation does not exist", 404)
            handler = handlers.get(name)
            if handler is None:
                raise ServiceError(
                    "InternalServerException", f"The sandbox does not implement {service} {name}", status=500
                )
            try:
                params = json.loads(body or b"{}")
            except ValueError as exc:
                raise ServiceError("SerializationException", f"Request body is not valid JSON: {exc}") from exc
            if not isinstance(params, dict):
                raise ServiceError("SerializationException", "Request body must be a JSON object")
            output = _run_handler(service, name, handler, params, environ, account_id, None)
        except ServiceError as error:
            return respond_rest_json_error(start_response, service, error)
        data = json.dumps(output).encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(data))),
                ("x-amzn-RequestId", str(uuid.uuid4())),
            ],
        )
        return [data]

    def error(start_response, service_error: ServiceError):
        return respond_rest_json_error(start_response, service, service_error)

    return Standin(service, serve, error, operation_of=operation_of)


def parse_time(value) -> datetime.datetime:
    """A timestamp as a request carries it (epoch seconds or ISO 8601), as an aware datetime."""
    return parse_to_aware_datetime(value)
