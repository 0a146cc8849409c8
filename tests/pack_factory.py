"""Signed course packs made by tests: a throwaway academy key, a manifest, a zip or folder."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from desktop.domain.account import AcademyKey
from desktop.sync.manifests import canonical

FILES = {"images/a.png": b"\x89PNG fake image " * 100, "audio/b.mp3": b"ID3 fake audio " * 300}


class Academy:
    def __init__(self) -> None:
        self.private = Ed25519PrivateKey.generate()
        raw = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key = AcademyKey(
            key_id=hashlib.sha256(raw).hexdigest()[:16],
            public_key=base64.b64encode(raw).decode(),
        )

    def signed(
        self,
        files: dict[str, bytes],
        version: int = 1,
        issued_at: str = "2026-11-24T12:00:00+00:00",
        title: str = "Cursus",
        lesson_language: str | None = None,
    ) -> dict[str, Any]:
        manifest: dict[str, Any] = {
            "format": "samen-course/1",
            "issued_at": issued_at,
            "course": {
                "id": "c1",
                "version": version,
                "title": title,
                "language": "nl",
                "summary": "",
                "lesson_count": 1,
                "media_bytes": sum(len(b) for b in files.values()),
            },
            "lessons": [
                {
                    "id": "c1-1",
                    "position": 1,
                    "title": "Les",
                    "body_markdown": "# Hoi",
                    "exercises": [],
                    "media": list(files),
                }
            ],
            "media": [
                {
                    "path": p,
                    "size": len(b),
                    "sha256": hashlib.sha256(b).hexdigest(),
                    "content_type": "application/octet-stream",
                }
                for p, b in files.items()
            ],
        }
        if lesson_language is not None:  # a lesson in another language than the course's
            manifest["lessons"][0]["language"] = lesson_language
        signature = self.private.sign(canonical(manifest))
        return {
            "manifest": manifest,
            "signature": base64.b64encode(signature).decode(),
            "key_id": self.key.key_id,
        }


def write_zip(
    path: Path, signed: Any, files: dict[str, bytes], extra: dict[str, bytes] | None = None
) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(signed))
        for name, data in files.items():
            archive.writestr("media/" + name, data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def write_folder(path: Path, signed: Any, files: dict[str, bytes]) -> Path:
    (path / "media").mkdir(parents=True)
    (path / "manifest.json").write_text(json.dumps(signed))
    for name, data in files.items():
        target = path / "media" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return path
