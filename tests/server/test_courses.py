"""Catalogue, course manifests and media downloads (ETag, Range, manifest-only paths)."""

from __future__ import annotations

import hashlib
import http.client
import json
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.contract import validate
from tests.server.api import assert_error, bearer, token_for
from tests.server_process import LiveServer, run_cli


@pytest.fixture(scope="module")
def token(live_server: LiveServer) -> str:
    return token_for(live_server)


def _detail(server: LiveServer, token: str, course_id: str) -> dict[str, Any]:
    reply = requests.get(f"{server.url}/v1/courses/{course_id}", headers=bearer(token), timeout=10)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    validate("CourseDetail", body)
    return body


def test_catalogue_lists_the_dutch_and_english_demo_courses(
    live_server: LiveServer, token: str
) -> None:
    reply = requests.get(f"{live_server.url}/v1/courses", headers=bearer(token), timeout=10)
    assert reply.status_code == 200
    body = reply.json()
    validate("CourseList", body)
    languages = {course["id"]: course["language"] for course in body["courses"]}
    assert languages == {"samen-leren": "nl", "learning-together": "en"}
    for course in body["courses"]:
        assert course["lesson_count"] == 3
        assert course["media_bytes"] > 0


@pytest.mark.parametrize("course_id", ["samen-leren", "learning-together"])
def test_course_detail_is_a_complete_manifest(
    live_server: LiveServer, token: str, course_id: str
) -> None:
    body = _detail(live_server, token, course_id)
    assert [lesson["position"] for lesson in body["lessons"]] == [1, 2, 3]
    media = {item["path"]: item for item in body["media"]}
    for lesson in body["lessons"]:
        assert set(lesson["media"]) <= media.keys()
    types = {item["content_type"] for item in body["media"]}
    assert {"image/png", "audio/mpeg", "video/mp4"} <= types
    exercises = [ex for lesson in body["lessons"] for ex in lesson["exercises"]]
    assert {ex["kind"] for ex in exercises} == {"open", "multiple_choice", "reflection"}
    assert any(ex["peer_review"] for ex in exercises)
    assert any(ex["supporter_allowed"] for ex in exercises)
    choice = next(ex for ex in exercises if ex["kind"] == "multiple_choice")
    assert sum(option["correct"] for option in choice["options"]) == 1
    assert all(option["feedback"] for option in choice["options"])
    assert body["course"]["media_bytes"] == sum(item["size"] for item in body["media"])


def test_unknown_course_is_not_found(live_server: LiveServer, token: str) -> None:
    reply = requests.get(
        f"{live_server.url}/v1/courses/no-such-course", headers=bearer(token), timeout=10
    )
    assert_error(reply, 404, "not_found")


def test_media_has_sha256_etag_and_supports_ranges(live_server: LiveServer, token: str) -> None:
    body = _detail(live_server, token, "learning-together")
    video = next(item for item in body["media"] if item["content_type"] == "video/mp4")
    url = f"{live_server.url}/v1/courses/learning-together/media/{video['path']}"

    full = requests.get(url, headers=bearer(token), timeout=10)
    assert full.status_code == 200
    assert full.headers["ETag"] == f'"{video["sha256"]}"'
    assert full.headers["Content-Type"] == "video/mp4"
    assert len(full.content) == video["size"]
    assert hashlib.sha256(full.content).hexdigest() == video["sha256"]

    part = requests.get(url, headers={**bearer(token), "Range": "bytes=100-199"}, timeout=10)
    assert part.status_code == 206
    assert part.content == full.content[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{video['size']}"

    # Resuming: If-Range with the current ETag continues, a stale one restarts from zero.
    resume = requests.get(
        url,
        headers={**bearer(token), "Range": "bytes=1000-", "If-Range": full.headers["ETag"]},
        timeout=10,
    )
    assert resume.status_code == 206
    assert resume.content == full.content[1000:]
    stale = requests.get(
        url, headers={**bearer(token), "Range": "bytes=1000-", "If-Range": '"0000"'}, timeout=10
    )
    assert stale.status_code == 200
    assert stale.content == full.content


def test_media_needs_a_token(live_server: LiveServer) -> None:
    reply = requests.get(
        f"{live_server.url}/v1/courses/samen-leren/media/images/feedback.png", timeout=10
    )
    assert_error(reply, 401, "unauthorized")


@pytest.mark.parametrize(
    "path",
    [
        "../samen.db",
        "..%2F..%2Fsamen.db",
        "%2e%2e/%2e%2e/samen.db",
        "images/../images/feedback.png",
        "images/not-listed.png",
        "server.stderr.log",
    ],
)
def test_only_manifest_paths_are_served(live_server: LiveServer, token: str, path: str) -> None:
    # http.client sends the path byte for byte (requests would normalise the dot segments).
    connection = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=10)
    try:
        connection.request("GET", f"/v1/courses/samen-leren/media/{path}", headers=bearer(token))
        response = connection.getresponse()
        status, body = response.status, response.read()
    finally:
        connection.close()
    assert status == 404, body
    assert b'"not_found"' in body


def _media_url(server: LiveServer, token: str, content_type: str) -> tuple[str, dict[str, Any]]:
    body = _detail(server, token, "learning-together")
    item = next(item for item in body["media"] if item["content_type"] == content_type)
    return f"{server.url}/v1/courses/learning-together/media/{item['path']}", item


def test_media_head_answers_the_headers_without_a_body(live_server: LiveServer, token: str) -> None:
    url, item = _media_url(live_server, token, "audio/mpeg")
    head = requests.head(url, headers=bearer(token), timeout=10)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["ETag"] == f'"{item["sha256"]}"'
    assert head.headers["Accept-Ranges"] == "bytes"
    assert head.headers["Content-Length"] == str(item["size"])
    assert head.headers["Content-Type"] == "audio/mpeg"

    ranged = requests.head(url, headers={**bearer(token), "Range": "bytes=10-"}, timeout=10)
    assert ranged.status_code == 206
    assert ranged.content == b""
    assert ranged.headers["Content-Range"] == f"bytes 10-{item['size'] - 1}/{item['size']}"

    assert requests.head(f"{url}.nope", headers=bearer(token), timeout=10).status_code == 404
    assert requests.head(url, timeout=10).status_code == 401


def test_media_resumes_from_an_offset(live_server: LiveServer, token: str) -> None:
    url, item = _media_url(live_server, token, "image/png")
    full = requests.get(url, headers=bearer(token), timeout=10)
    assert full.status_code == 200
    assert full.headers["Accept-Ranges"] == "bytes"

    offset = item["size"] // 3
    tail = requests.get(url, headers={**bearer(token), "Range": f"bytes={offset}-"}, timeout=10)
    assert tail.status_code == 206
    assert tail.headers["ETag"] == full.headers["ETag"]
    assert tail.headers["Content-Range"] == f"bytes {offset}-{item['size'] - 1}/{item['size']}"
    assert tail.headers["Content-Length"] == str(item["size"] - offset)
    assert full.content[:offset] + tail.content == full.content
    assert hashlib.sha256(full.content[:offset] + tail.content).hexdigest() == item["sha256"]

    last = requests.get(
        url,
        headers={
            **bearer(token),
            "Range": f"bytes={item['size'] - 1}-",
            "If-Range": tail.headers["ETag"],
        },
        timeout=10,
    )
    assert last.status_code == 206
    assert last.content == full.content[-1:]


def test_a_range_past_the_end_is_416_unless_the_etag_is_stale(
    live_server: LiveServer, token: str
) -> None:
    url, item = _media_url(live_server, token, "image/png")
    for headers in ({}, {"If-Range": f'"{item["sha256"]}"'}):
        reply = requests.get(
            url, headers={**bearer(token), "Range": f"bytes={item['size']}-", **headers}, timeout=10
        )
        assert_error(reply, 416, "range_not_satisfiable")
        assert reply.headers["Content-Range"] == f"bytes */{item['size']}"
    stale = requests.get(
        url,
        headers={**bearer(token), "Range": f"bytes={item['size']}-", "If-Range": '"00"'},
        timeout=10,
    )
    assert stale.status_code == 200
    assert len(stale.content) == item["size"]


def _peak_rss_kib(server: LiveServer) -> int:
    assert server._process is not None
    status = Path(f"/proc/{server._process.pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_large_media_is_streamed_not_loaded(empty_server: LiveServer, tmp_path: Path) -> None:
    size = 96 * 1024 * 1024
    source = tmp_path / "big"
    source.mkdir()
    with (source / "film.mp4").open("wb") as stream:  # sparse: quick to make, 96 MiB to serve
        stream.seek(size - 1)
        stream.write(b"\x01")
    (source / "course.json").write_text(
        json.dumps(
            {
                "id": "groot",
                "title": "Groot",
                "language": "nl",
                "lessons": [{"title": "Film", "body_markdown": "", "media": ["film.mp4"]}],
            }
        )
    )
    imported = run_cli("course", "import", "--data", str(empty_server.data_dir), str(source))
    assert imported.returncode == 0, imported.stderr
    added = run_cli(
        "user", "add", "--data", str(empty_server.data_dir), "kijker", "--role", "learner",
        "--password-stdin", stdin="correct horse\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    token = token_for(empty_server, "kijker", "correct horse")
    url = f"{empty_server.url}/v1/courses/groot/media/film.mp4"
    assert requests.get(url, headers={**bearer(token), "Range": "bytes=0-9"}, timeout=10).ok
    before = _peak_rss_kib(empty_server)

    digest, received = hashlib.sha256(), 0
    with requests.get(url, headers=bearer(token), stream=True, timeout=30) as reply:
        assert reply.status_code == 200
        for chunk in reply.iter_content(1 << 20):
            digest.update(chunk)
            received += len(chunk)
    assert received == size
    expected = hashlib.sha256()
    expected.update(bytes(size - 1))
    expected.update(b"\x01")
    assert f'"{digest.hexdigest()}"' == reply.headers["ETag"] == f'"{expected.hexdigest()}"'
    grown_mib = (_peak_rss_kib(empty_server) - before) / 1024
    assert grown_mib < 32, f"the server's peak memory grew by {grown_mib:.0f} MiB"
