"""The error envelope: every 4xx/5xx body is ``{"error": {"code": ..., "message": ...}}``.

Handlers run on uvicorn's event loop; :class:`ApiError` may be raised from any endpoint thread.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

# Codes for errors Starlette raises itself (unknown route, wrong method, ...).
_STATUS_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    416: "range_not_satisfiable",
    429: "too_many_requests",
}


class ApiError(Exception):
    """An expected failure with a stable machine-readable code for the client."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


class EdgeError(StarletteHTTPException):
    """An :class:`ApiError` for where only an HTTPException gets through: raised while a body
    is read, as FastAPI turns any other exception there into a generic 400."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, message)
        self.code = code


def not_found(message: str = "Not found.") -> ApiError:
    return ApiError(404, "not_found", message)


def unauthorized(message: str = "Log in to continue.") -> ApiError:
    # RFC 6750: a 401 names the scheme the client should use.
    return ApiError(401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})


def envelope(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return envelope(exc.status, exc.code, exc.message, exc.headers)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, EdgeError):
        code = exc.code
    else:
        code = _STATUS_CODES.get(exc.status_code, f"http_{exc.status_code}")
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else code
    return envelope(exc.status_code, code, message, exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return envelope(400, "invalid_request", "; ".join(problems) or "Invalid request.")


async def _unhandled(_request: Request, _exc: Exception) -> JSONResponse:
    # Starlette re-raises after this handler, so uvicorn still logs the full traceback, and
    # then closes the connection. "Connection: close" says so first: h11 ends the connection
    # after this response and no client sends its next request on a socket about to close.
    return envelope(500, "internal", "Something went wrong on the server.", {"Connection": "close"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unhandled)
