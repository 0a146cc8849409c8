"""tus 1.0.0 constants and the middleware that stamps ``Tus-Resumable`` on every reply under
/v1/uploads (errors from authentication and validation included). The middleware runs on
uvicorn's event loop.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,termination"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
PREFIX = "/v1/uploads"
CHECKSUM_MISMATCH = 460  # the status the tus checksum extension gives a failed checksum


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
