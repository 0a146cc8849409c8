"""A small web host on loopback for podcast tests: serves given bytes at given paths with
ETag / Last-Modified, conditional GET (304), Range and If-Range, like a real podcast host.
One thread per request; `requests_seen` records (method, path, selected headers)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass
class Resource:
    body: bytes
    content_type: str = "application/octet-stream"
    etag: str = ""  # sent as is (quotes included); "" for none
    last_modified: str = ""
    send_length: bool = True  # False: no Content-Length, the body ends with the connection
    status: int = 200


class WebHost:
    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.requests_seen: list[tuple[str, str, dict[str, str]]] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                wanted = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() in ("range", "if-range", "if-none-match", "if-modified-since")
                }
                host.requests_seen.append(("GET", self.path, wanted))
                resource = host.resources.get(self.path)
                if resource is None:
                    self._reply(404, b"not found", "text/plain")
                    return
                if resource.status != 200:
                    self._reply(resource.status, b"no", "text/plain")
                    return
                validators = {resource.etag, resource.last_modified} - {""}
                match = self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
                if match and match in validators:
                    self._reply(304, b"", resource.content_type, resource)
                    return
                body = resource.body
                wanted_range = self.headers.get("Range", "")
                if_range = self.headers.get("If-Range")
                if wanted_range.startswith("bytes=") and (not if_range or if_range in validators):
                    start = int(wanted_range[6:].split("-")[0])
                    if start >= len(body):
                        extra = {"Content-Range": f"bytes */{len(body)}"}
                        self._reply(416, b"", resource.content_type, resource, extra)
                        return
                    if start < len(body):
                        extra = {"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"}
                        self._reply(206, body[start:], resource.content_type, resource, extra)
                        return
                self._reply(200, body, resource.content_type, resource)

            def _reply(
                self,
                status: int,
                body: bytes,
                content_type: str,
                resource: Resource | None = None,
                extra: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if resource is not None and resource.etag:
                    self.send_header("ETag", resource.etag)
                if resource is not None and resource.last_modified:
                    self.send_header("Last-Modified", resource.last_modified)
                self.send_header("Accept-Ranges", "bytes")
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                if resource is None or resource.send_length or status == 304:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def put(self, path: str, body: bytes, content_type: str, **options: object) -> str:
        """Serve `body` at `path` (with a fresh ETag unless given); returns the full URL."""
        options.setdefault("etag", '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
        options.setdefault("last_modified", formatdate(usegmt=True))
        self.resources[path] = Resource(body, content_type, **options)  # type: ignore[arg-type]
        return self.url(path)

    def __enter__(self) -> WebHost:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
