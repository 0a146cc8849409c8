"""The OpenAPI document the academy publishes at /openapi.json, made to say what each operation
really answers: FastAPI's own lists 422 for bad input (this academy answers 400, see
server.errors) and none of the errors the endpoints and their dependencies raise.

Routes and routers declare the errors they raise with ``responses=error_responses(...)``;
every operation that takes input answers 400 (never 422) and every one behind the bearer
scheme 401. :func:`install` makes the app build the document once, on the first request for
it (on uvicorn's event loop).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from server.admission import admitted


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorEnvelope(BaseModel):
    """Every 4xx and 5xx body (the contract's $defs/Error)."""

    error: ErrorDetail


_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}}}

DESCRIPTIONS = {
    400: "The request is malformed: a parameter, header or body this operation does not take.",
    401: "Log in first: the bearer token is missing, unknown or expired.",
    403: "This login may not do this.",
    404: "There is no such thing for this login.",
    409: "This conflicts with what the academy holds now.",
    410: "This is gone (an upload that expired).",
    412: "Uploads need the header Tus-Resumable: 1.0.0.",
    413: "Too large.",
    415: "The Content-Type is not accepted here.",
    416: "The range starts at or after the end of the file.",
    423: "In use on another connection; try again after Retry-After seconds.",
    429: "Too many requests; try again after Retry-After seconds.",
    460: "The upload arrived damaged (checksum mismatch); send it again from offset 0.",
    503: "The academy is being maintained or is busy; try again after Retry-After seconds.",
}
_HEADERS: dict[int, dict[str, Any]] = {423: _RETRY_AFTER, 429: _RETRY_AFTER, 503: _RETRY_AFTER}

# Models that only openapi_extra refers to (bodies read by hand), added to the components.
_EXTRA_MODELS: list[type[BaseModel]] = []


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's or router's ``responses=``: the errors it raises, each with the envelope."""
    return {status: _error(status) for status in statuses}


def file_responses(*statuses: int, ranges: bool = True) -> dict[int | str, dict[str, Any]]:
    """A file route's ``responses=``: the bytes (whole, or a range) and its own errors."""
    body = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    files: dict[int | str, dict[str, Any]] = {200: {"description": "The file.", "content": body}}
    if ranges:
        files[206] = {"description": "The requested range of the file.", "content": body}
    return {**files, **error_responses(*statuses)}


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its JSON body itself (to cap its size)."""
    _EXTRA_MODELS.append(model)
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _error(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
    }
    if status in _HEADERS:
        response["headers"] = _HEADERS[status]
    return response


def _components(*models: type[BaseModel]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        found.update(schema.pop("$defs", {}))
        found[model.__name__] = schema
    return found


def document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document with 400 for 422, 401 where a token is needed, 503 where admission
    control may shed the request, in the envelope."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if admitted({"path": path, "method": method.upper()}):
                responses.setdefault("503", _error(503))  # shed when the academy is full
            if responses.pop("422", None) is not None:
                responses.setdefault("400", _error(400))  # server.errors answers 400
            if operation.get("security"):
                responses.setdefault("401", _error(401))  # the bearer scheme's answer
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas.update(_components(ErrorEnvelope, *_EXTRA_MODELS))
    app.openapi_schema = schema
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        return document(app)

    app.openapi = openapi  # type: ignore[method-assign]
