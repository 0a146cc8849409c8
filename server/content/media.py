"""Course media on disk: safe paths, content types and checksums.

Used by the media and podcast endpoints (worker threads) and the demo seed (main thread).
Behind nginx (`--accel-redirect PREFIX`), :func:`file_response` answers an allowed file with
X-Accel-Redirect and no body: nginx then sends the bytes (Range included) from its internal
location PREFIX, which maps to the data directory (docs/server.md).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from starlette.responses import FileResponse, Response

from server.config import ServerConfig

# The contract's MediaFile.path: relative, slash-separated, no empty or dot-only segments.
_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]+$")

_CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".mp4": "video/mp4",
    ".png": "image/png",
    ".md": "text/markdown",
}


def is_safe_relative_path(path: str) -> bool:
    parts = path.split("/")
    return all(_SEGMENT.match(part) and part not in {".", ".."} for part in parts)


def resolve_under(root: Path, relative: str) -> Path | None:
    """``root/relative`` if it stays inside root, else None (defence in depth after the DB)."""
    if not is_safe_relative_path(relative):
        return None
    root = root.resolve()
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root):
        return None
    return candidate


def content_type_for(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return _CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileFacts:
    size: int
    sha256: str
    content_type: str


def describe(path: Path) -> FileFacts:
    return FileFacts(
        size=path.stat().st_size, sha256=sha256_of(path), content_type=content_type_for(path.name)
    )


def strong_etag(sha256: str) -> str:
    return f'"{sha256}"'


def file_response(
    config: ServerConfig, path: Path, media_type: str, headers: dict[str, str]
) -> Response:
    """The file at ``path`` (under the data directory), after the caller's access check."""
    if config.accel_redirect is None:
        return FileResponse(path, media_type=media_type, headers=headers)
    inside = path.relative_to(config.data_dir.resolve()).as_posix()
    # nginx keeps Content-Type and Cache-Control from this answer and sets its own ETag.
    redirect = {"X-Accel-Redirect": config.accel_redirect + quote(inside)}
    return Response(media_type=media_type, headers={**headers, **redirect})
