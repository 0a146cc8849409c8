"""A tiny tus client for the server tests: real requests against a LiveServer, one learner."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.server_process import LiveServer

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def metadata(pairs: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


@dataclass
class TusSession:
    server: LiveServer
    token: str

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **TUS, **extra}

    def create(
        self,
        data: bytes,
        upload_id: str | None = None,
        *,
        length: int | None = None,
        digest: str | None = None,
        content_type: str = "audio/mpeg",
        filename: str = "recording.mp3",
    ) -> requests.Response:
        pairs = {
            "id": upload_id or str(uuid.uuid4()),
            "sha256": digest or sha(data),
            "filename": filename,
            "content_type": content_type,
        }
        return requests.post(
            f"{self.server.url}/v1/uploads",
            headers=self.headers(
                **{
                    "Upload-Length": str(len(data) if length is None else length),
                    "Upload-Metadata": metadata(pairs),
                }
            ),
            timeout=10,
        )

    def new(self, data: bytes, content_type: str = "audio/mpeg") -> str:
        """Create an upload for `data`; returns its id."""
        upload_id = str(uuid.uuid4())
        reply = self.create(data, upload_id, content_type=content_type)
        assert reply.status_code == 201, reply.text
        return upload_id

    def head(self, upload_id: str) -> requests.Response:
        return requests.head(
            f"{self.server.url}/v1/uploads/{upload_id}", headers=self.headers(), timeout=10
        )

    def offset(self, upload_id: str) -> int:
        reply = self.head(upload_id)
        assert reply.status_code == 200, reply.status_code
        return int(reply.headers["Upload-Offset"])

    def patch(
        self,
        upload_id: str,
        offset: int,
        body: bytes | Iterable[bytes],
        content_type: str = OCTETS,
    ) -> requests.Response:
        return requests.patch(
            f"{self.server.url}/v1/uploads/{upload_id}",
            headers=self.headers(**{"Upload-Offset": str(offset), "Content-Type": content_type}),
            data=body,
            timeout=30,
        )

    def delete(self, upload_id: str) -> requests.Response:
        return requests.delete(
            f"{self.server.url}/v1/uploads/{upload_id}", headers=self.headers(), timeout=10
        )


def stored(server: LiveServer, upload_id: str) -> tuple[Path, Path]:
    """The upload's final file and its `.part` in the server's data directory."""
    folder = server.data_dir / "uploads"
    return folder / upload_id, folder / f"{upload_id}.part"
