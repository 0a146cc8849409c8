"""The error envelope: every 4xx/5xx body is ``{"error": {"code": ..., "message": ...}}``.

The ``code`` is stable; the ``message`` is in the request's language (:mod:`server.language`,
sent back as ``Content-Language``). Handlers run on uvicorn's event loop; :class:`ApiError`
may be raised from any endpoint thread (its message already translated there).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from server.language import N_, _, current, negotiate, use

_log = logging.getLogger(__name__)

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


# Sentences for errors Starlette raises itself, whose own detail is an English phrase.
_STATUS_MESSAGES = {
    400: N_("The request is not one the academy can read."),
    401: N_("Log in to continue."),
    403: N_("You may not do this."),
    404: N_("Not found."),
    405: N_("This address does not take that kind of request."),
    409: N_("This conflicts with what the academy has."),
    413: N_("This is more than the academy takes at once."),
    416: N_("That part of the file does not exist."),
    429: N_("Too many requests; try again a little later."),
}


def not_found(message: str | None = None) -> ApiError:
    return ApiError(404, "not_found", message or _("Not found."))


def unauthorized(message: str | None = None) -> ApiError:
    # RFC 6750: a 401 names the scheme the client should use.
    return ApiError(
        401, "unauthorized", message or _("Log in to continue."), {"WWW-Authenticate": "Bearer"}
    )


def envelope(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The error body, saying which language its message is in."""
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={"Content-Language": current(), **(headers or {})},
    )


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return envelope(exc.status, exc.code, exc.message, exc.headers)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, EdgeError):
        code = exc.code
        message = exc.detail if isinstance(exc.detail, str) and exc.detail else code
    else:
        code = _STATUS_CODES.get(exc.status_code, f"http_{exc.status_code}")
        known = _STATUS_MESSAGES.get(exc.status_code)
        if known is not None:
            message = _(known)
        else:
            message = exc.detail if isinstance(exc.detail, str) and exc.detail else code
    return envelope(exc.status_code, code, message, exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    # The field paths and pydantic's phrases are for a developer; the sentence is translated.
    detail = "; ".join(problems)
    message = _("The request is not one the academy can read ({detail}).").format(detail=detail)
    return envelope(400, "invalid_request", message if detail else _("Invalid request."))


async def _unhandled(request: Request, _exc: Exception) -> JSONResponse:
    # Starlette re-raises after this handler, so uvicorn still logs the full traceback, and
    # then closes the connection. "Connection: close" says so first: h11 ends the connection
    # after this response and no client sends its next request on a socket about to close.
    # This handler runs outside the language middleware: it negotiates for itself.
    with use(negotiate(request.headers.get("accept-language"))):
        return envelope(
            500, "internal", _("Something went wrong on the server."), {"Connection": "close"}
        )


async def _client_gone(request: Request, _exc: Exception) -> Response:
    # The client hung up before its request's body arrived (a laptop closed, its own timeout):
    # nothing was applied and nobody reads an answer. The client sends it again (exactly
    # once: the academy keeps what it applied). One line for the operator, not a traceback.
    _log.info("client went away during %s %s", request.method, request.url.path)
    return Response(status_code=400, headers={"Connection": "close"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unhandled)
