"""OpenAPI helpers: request bodies that the services validate themselves (so that schema and
database problems are answered together) are documented from their Pydantic models here, with
the error answers and response headers every operation shares."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from oms.core.wire import ConflictOut, ErrorOut

REF = "#/components/schemas/{model}"

# `response=` entries for the error answers of a channel-scoped write.
ERROR_RESPONSES: dict[int, type[BaseModel]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ConflictOut,
    413: ErrorOut,
    415: ErrorOut,
    422: ErrorOut,
}

WARNING_HEADER = {
    "Warning": {
        "description": 'Present when the request was accepted with reservations: `299 oms "<text>"` '
        "for each unknown field ignored and for totals that do not add up.",
        "schema": {"type": "string"},
    }
}
REPLAYED_HEADER = {
    "Idempotent-Replayed": {
        "description": "`true` when the answer is the one given to an earlier identical request.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


# Every model named as a body by json_body: the document defines each (add_body_schemas), so
# no operation can refer to a body schema that is not there.
_BODIES: dict[str, type[BaseModel]] = {}


def json_body(model: type[BaseModel], description: str = "") -> dict[str, Any]:
    """`openapi_extra` for an operation whose JSON body is `model` (defined by add_body_schemas)."""
    _BODIES[model.__name__] = model
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}},
        }
    }


def response_headers(headers: dict[str, Any], *statuses: int) -> dict[str, Any]:
    """`openapi_extra` documenting `headers` on the answers with `statuses`."""
    # Ninja keys responses by int; a str key would be a second, clashing entry.
    return {"responses": {status: {"headers": headers} for status in statuses}}


# The answers any operation may give, all with the one error body: a bad parameter or body, no
# or an unknown key, a channel the key may not see, an unknown path object; for a write, a
# conflict with stored state; and for a body, one that is too large or not JSON.
_COMMON_ERRORS = {
    400: "Bad Request: the request is invalid; `errors` lists every problem.",
    401: "Unauthorized: no API key, or an unknown one.",
    403: "Forbidden: the key may not do this (writing the catalog needs the shared grant).",
    404: "Not Found: the channel (or one the key is not granted) or the object does not exist.",
    429: "Too Many Requests: the key's rate limit is exhausted; retry after Retry-After seconds.",
}
_WRITE_ERRORS = {
    409: "Conflict: the request collides with stored state (a duplicate, an object in use).",
}
_BODY_ERRORS = {
    413: "Content Too Large: the body is over OMS_MAX_BODY_BYTES.",
    415: "Unsupported Media Type: the body is not application/json.",
}
# Routes taking an Idempotency-Key (oms/idempotency/http.py documents the header parameter).
_IDEMPOTENCY_KEY = "Idempotency-Key"
_KEY_ERRORS = {
    422: "Unprocessable Content: the Idempotency-Key was already used for a different request.",
}
# Answers only a request with a key may get (a route without one answers none of them).
_UNAUTHENTICATED = {401, 403, 429}


def add_error_responses(schema: dict[str, Any]) -> None:
    """Document the error answers every operation shares, where the operation does not itself."""
    add_component_schemas(schema, [ErrorOut])
    error = {"content": {"application/json": {"schema": {"$ref": REF.format(model=ErrorOut.__name__)}}}}
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            expected = dict(_COMMON_ERRORS)
            if method in {"post", "put", "patch", "delete"}:
                expected |= _WRITE_ERRORS
            if method in {"post", "put", "patch"}:
                expected |= _BODY_ERRORS
            if any(p.get("name") == _IDEMPOTENCY_KEY for p in operation.get("parameters", [])):
                expected |= _KEY_ERRORS
            for status, description in expected.items():
                if status in _UNAUTHENTICATED and not operation.get("security"):
                    continue
                if str(status) not in responses and status not in responses:
                    responses[str(status)] = {"description": description, **error}


def add_component_schemas(schema: dict[str, Any], models: list[type[BaseModel]]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in models:
        definition = model.model_json_schema(ref_template=REF)
        components.update(definition.pop("$defs", {}))
        components[model.__name__] = definition


def add_body_schemas(schema: dict[str, Any]) -> None:
    """Define every request body json_body named."""
    add_component_schemas(schema, list(_BODIES.values()))
