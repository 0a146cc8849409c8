"""tus 1.0.0 constants, the tus headers the OpenAPI document shows, and the middleware that
stamps ``Tus-Resumable`` on every reply under /v1/uploads (errors from authentication and
validation included). The middleware runs on uvicorn's event loop.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,termination"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
PREFIX = "/v1/uploads"
CHECKSUM_MISMATCH = 460  # the status the tus checksum extension gives a failed checksum


def _header(description: str, kind: str = "string", required: bool = True) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": {"type": kind}}


# The tus headers of each reply, for the OpenAPI document.
TUS_HEADERS = {"Tus-Resumable": _header(f"Always {TUS_VERSION}.")}
DISCOVERY_HEADERS = {
    **TUS_HEADERS,
    "Tus-Version": _header("The tus versions spoken."),
    "Tus-Extension": _header("The tus extensions supported."),
    "Tus-Max-Size": _header("The largest upload, in bytes.", "integer"),
}
_EXPIRES = _header("When an unfinished upload is removed (HTTP date).", required=False)
CREATED_HEADERS = {
    **TUS_HEADERS,
    "Location": _header("The new upload's URL."),
    "Upload-Offset": _header("Bytes received so far.", "integer"),
    "Upload-Expires": _EXPIRES,
}
STATE_HEADERS = {
    **TUS_HEADERS,
    "Upload-Offset": _header("Bytes received so far.", "integer"),
    "Upload-Length": _header("The upload's size in bytes.", "integer"),
    "Upload-Expires": _EXPIRES,
}
PATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {OFFSET_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}


class TusHeaders:
    """Pure ASGI (no BaseHTTPMiddleware): PATCH bodies keep streaming untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"tus-resumable", TUS_VERSION.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, stamped)
