"""The depth guard: JSON request bodies nested deeper than MAX_JSON_DEPTH are refused with 400
``too_deep`` before any parser sees them (a parser recurses once per level: a body 2,000 levels
deep raised RecursionError and answered 500).

:class:`DepthScan` counts brackets outside strings as the bytes arrive, without recursion and
without holding the body; :class:`BodyDepthGuard` is a pure ASGI middleware (on uvicorn's event
loop) that runs every chunk of a JSON body (or one with no Content-Type, which the endpoints
also parse as JSON) through a scan on its way to the endpoint. Other bodies (tus uploads,
forms) pass untouched.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import EdgeError
from server.language import _
from server.wire_limits import MAX_JSON_DEPTH

# The only bytes that change the state: brackets, quotes and the backslash that escapes a quote.
_SPECIAL = re.compile(rb'["\\\[\]{}]')
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_QUOTE = ord('"')
_BACKSLASH = ord("\\")


class DepthScan:
    """How deep a JSON text is nested so far; :meth:`feed` it the body chunk by chunk."""

    def __init__(self, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.max_depth = max_depth
        self.depth = 0
        self._in_string = False
        self._escaped_at_start = False  # a backslash ended the previous chunk inside a string

    def feed(self, chunk: bytes) -> bool:
        """False as soon as the nesting goes deeper than ``max_depth``."""
        skip = 0 if self._escaped_at_start else -1
        self._escaped_at_start = False
        for match in _SPECIAL.finditer(chunk):
            at = match.start()
            if at == skip:
                continue  # the byte after a backslash inside a string
            byte = chunk[at]
            if self._in_string:
                if byte == _BACKSLASH:
                    skip = at + 1
                    self._escaped_at_start = skip == len(chunk)
                elif byte == _QUOTE:
                    self._in_string = False
            elif byte == _QUOTE:
                self._in_string = True
            elif byte in _OPEN:
                self.depth += 1
                if self.depth > self.max_depth:
                    return False
            elif byte in _CLOSE:
                self.depth = max(0, self.depth - 1)  # unbalanced: the parser refuses it later
        return True


def too_deep(max_depth: int = MAX_JSON_DEPTH) -> EdgeError:
    message = _("The JSON body is nested more than {depth} levels deep.").format(depth=max_depth)
    return EdgeError(400, "too_deep", message)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media_type: bytes = value.split(b";", 1)[0].strip().lower()
            return media_type == b"application/json" or media_type.endswith(b"+json")
    return True  # no Content-Type: FastAPI and the push endpoint read the body as JSON


class BodyDepthGuard:
    """Scans JSON request bodies as the endpoint reads them; too deep: raises :func:`too_deep`
    from the endpoint's read, which the error handlers answer as 400 with the envelope."""

    def __init__(self, app: ASGIApp, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        scan = DepthScan(self.max_depth)

        async def scanned() -> Message:
            message = await receive()
            if message["type"] == "http.request" and not scan.feed(message.get("body", b"")):
                raise too_deep(self.max_depth)
            return message

        await self.app(scope, scanned, send)
