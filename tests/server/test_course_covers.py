"""A course's cover image: imported from course.json, refused when hostile, carried by the
catalogue, the manifest and the media endpoint (docs/course-format.md)."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.contract import validate
from tests.media_factory import picture
from tests.server.api import bearer, login
from tests.server_process import LiveServer, run_cli

PASSWORD = "correct horse"


def _course(**changes: Any) -> dict[str, Any]:
    course: dict[str, Any] = {
        "id": "fietsen",
        "title": "Veilig fietsen",
        "language": "nl",
        "summary": "Voorrang, verlichting en één goede gewoonte.",
        "cover": "images/cover.png",
        "lessons": [{"title": "Voorrang", "body_markdown": "Rechts gaat voor."}],
    }
    course.update(changes)
    return course


def _source(root: Path, course: dict[str, Any]) -> Path:
    (root / "images").mkdir(parents=True)
    shutil.copy(picture(root.parent / "pictures"), root / "images" / "cover.png")
    (root / "course.json").write_text(json.dumps(course, ensure_ascii=False), "utf-8")
    return root


def _import(data_dir: Path, source: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("course", "import", "--data", str(data_dir), str(source))


def _png_header(width: int, height: int) -> bytes:
    """A PNG that states `width`×`height` pixels in a few bytes (a decompression bomb's claim)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + b"\x00" * 64
    )


def test_a_cover_reaches_the_catalogue_the_manifest_and_the_media_endpoint(
    empty_server: LiveServer, tmp_path: Path
) -> None:
    data_dir = empty_server.data_dir
    source = _source(tmp_path / "src", _course())
    result = _import(data_dir, source)
    assert result.returncode == 0, result.stderr
    cover_bytes = (source / "images" / "cover.png").read_bytes()
    assert "added images/cover.png" in result.stdout

    added = run_cli(
        "user", "add", "--data", str(data_dir), "leerling", "--role", "learner",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    token = login(empty_server, "leerling", PASSWORD).json()["token"]

    listed = requests.get(f"{empty_server.url}/v1/courses", headers=bearer(token), timeout=10)
    validate("CourseList", listed.json())
    [summary] = listed.json()["courses"]
    assert summary["cover"]["path"] == "images/cover.png"
    assert summary["cover"]["size"] == len(cover_bytes)
    assert summary["media_bytes"] == len(cover_bytes)
    assert summary["summary"] == "Voorrang, verlichting en één goede gewoonte."

    signed = requests.get(
        f"{empty_server.url}/v1/courses/fietsen/manifest", headers=bearer(token), timeout=10
    ).json()
    validate("SignedManifest", signed)
    assert signed["manifest"]["course"]["cover"] == summary["cover"]
    assert [m["path"] for m in signed["manifest"]["media"]] == ["images/cover.png"]
    assert signed["manifest"]["media"][0]["content_type"] == "image/png"
    body = requests.get(
        f"{empty_server.url}/v1/courses/fietsen/media/images/cover.png",
        headers=bearer(token),
        timeout=10,
    ).content
    assert body == cover_bytes

    # Without a cover the summary has no `cover` key at all (older manifests stay the same),
    # and taking it away is a new version.
    course = _course()
    del course["cover"]
    (source / "course.json").write_text(json.dumps(course), "utf-8")
    assert _import(data_dir, source).returncode == 0
    again = requests.get(f"{empty_server.url}/v1/courses", headers=bearer(token), timeout=10)
    [summary] = again.json()["courses"]
    assert "cover" not in summary
    assert summary["version"] == 2


@pytest.mark.parametrize(
    ("cover", "content", "expected"),
    [
        ("images/cover.png", b"<html>not a picture</html>", "is not a PNG or JPEG image"),
        ("images/cover.png", _png_header(100_000, 100_000), "at most 4096 pixels a side"),
        ("images/cover.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (3 * 1024 * 1024), "at most 2 MB"),
        ("images/cover.gif", b"GIF89a" + b"\x00" * 64, "must be a .png, .jpg or .jpeg file"),
        ("images/cover.jpg", None, "named like a JPEG but holds another kind"),
        ("../cover.png", None, "'..' is not allowed"),
        ("images/missing.png", None, "no such file"),
    ],
)
def test_a_hostile_or_oversized_cover_is_refused_with_one_sentence(
    tmp_path: Path, cover: str, content: bytes | None, expected: str
) -> None:
    source = _source(tmp_path / "src", _course(cover=cover))
    if content is not None:
        (source / cover).write_bytes(content)
    elif cover.endswith(".jpg"):
        shutil.copy(source / "images" / "cover.png", source / cover)  # a PNG in disguise
    result = _import(tmp_path / "data", source)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("samen-server: error: course.json: cover ")
    assert expected in line
    assert not (tmp_path / "data" / "media" / "fietsen").exists()


def test_a_jpeg_cover_is_accepted(tmp_path: Path) -> None:
    source = _source(tmp_path / "src", _course(cover="cover.jpg"))
    shutil.copy(picture(tmp_path / "pictures", "cover.jpg"), source / "cover.jpg")
    result = _import(tmp_path / "data", source)
    assert result.returncode == 0, result.stderr
    assert "added cover.jpg" in result.stdout
