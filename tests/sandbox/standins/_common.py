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
AWS uses (400 for client errors, 500 for faults).
"""

from __future__ import annotations

import functools
import json
import re
import uuid

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters


class ServiceError(Exception):
    """An error answer: the AWS error code, its message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@functools.cache
def service_model(service: str):
    return botocore.session.get_session().get_service_model(service)


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
        if pattern and not re.fullmatch(pattern, value, re.DOTALL):
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


def _content_type(service: str) -> str:
    return "application/x-amz-json-" + service_model(service).metadata.get("jsonVersion", "1.1")


def respond(start_response, service: str, payload: dict, status: str = "200 OK"):
    data = json.dumps(payload).encode()
    start_response(
        status,
        [
            ("Content-Type", _content_type(service)),
            ("Content-Length", str(len(data))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ],
    )
    return [data]


def respond_error(start_response, service: str, error: ServiceError):
    reason = {400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}.get(error.status, "Error")
    payload = {"__type": error.code, "message": error.message}
    return respond(start_response, service, payload, f"{error.status} {reason}")


def json_service(service: str, handlers: dict):
    """The registry callable for a JSON-protocol service served by ``handlers`` (operation name -> function)."""
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
            validate_input(service, operation, params)
            output = handler(account_id, params) or {}
            validate_output(service, operation, output)
        except ServiceError as error:
            return respond_error(start_response, service, error)
        return respond(start_response, service, output)

    return serve
