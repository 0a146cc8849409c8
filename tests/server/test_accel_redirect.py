"""`samen-server run --accel-redirect PREFIX`: after its own access check the academy answers
course media and podcast episodes with X-Accel-Redirect for nginx to send, and refuses what it
refused before; with Debian's nginx installed, a real nginx in front serves a Range request
from the internal location (and never lets a client ask for it directly)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text

from tests.academy_database import engine_for, on_postgresql
from tests.server.api import assert_error, bearer, token_for
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer, copy_academy, free_port, start_server

COURSE, CLOSED = "learning-together", "samen-leren"


@pytest.fixture(scope="module")
def behind_nginx(
    seeded_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The demo academy with --accel-redirect /internal/ and the course CLOSED closed; two
    workers on PostgreSQL."""
    data_dir = tmp_path_factory.mktemp("accel") / "data"
    copy_academy(seeded_template, data_dir)
    with engine_for(data_dir) as engine, engine.begin() as connection:
        connection.execute(
            text("UPDATE courses SET enrolment = 'closed' WHERE id = :id"), {"id": CLOSED}
        )
    workers = ("--workers", "2") if on_postgresql() else ()
    server = start_server(
        data_dir, seed_demo=False, extra_args=("--accel-redirect", "/internal/", *workers)
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def learner(behind_nginx: LiveServer) -> str:
    return token_for(behind_nginx, add_learner(behind_nginx))


def _media(server: LiveServer, token: str, course: str, kind: str) -> dict[str, Any]:
    reply = requests.get(f"{server.url}/v1/courses/{course}", headers=bearer(token), timeout=10)
    assert reply.status_code == 200, reply.text
    item: dict[str, Any] = next(m for m in reply.json()["media"] if m["content_type"] == kind)
    return item


def test_allowed_media_is_handed_to_nginx_with_its_type_and_no_body(
    behind_nginx: LiveServer, learner: str
) -> None:
    video = _media(behind_nginx, learner, COURSE, "video/mp4")
    url = f"{behind_nginx.url}/v1/courses/{COURSE}/media/{video['path']}"
    reply = requests.get(url, headers=bearer(learner), timeout=10)
    assert reply.status_code == 200
    assert reply.headers["X-Accel-Redirect"] == f"/internal/media/{COURSE}/{video['path']}"
    assert reply.headers["Content-Type"] == "video/mp4"
    assert reply.headers["Cache-Control"] == "private, no-cache"
    assert reply.content == b""


def test_refused_media_gets_no_redirect(behind_nginx: LiveServer, learner: str) -> None:
    base = f"{behind_nginx.url}/v1/courses"
    outside = requests.get(f"{base}/{CLOSED}/media/images/feedback.png", headers=bearer(learner),
                           timeout=10)  # fmt: skip
    assert_error(outside, 403, "forbidden")
    unlisted = requests.get(f"{base}/{COURSE}/media/../samen.db", headers=bearer(learner),
                            timeout=10)  # fmt: skip
    assert unlisted.status_code == 404
    no_token = requests.get(f"{base}/{COURSE}/media/anything.mp4", timeout=10)
    assert_error(no_token, 401, "unauthorized")
    for reply in (outside, unlisted, no_token):
        assert "X-Accel-Redirect" not in reply.headers


def test_podcast_episodes_are_handed_to_nginx(behind_nginx: LiveServer) -> None:
    feed = requests.get(f"{behind_nginx.url}/v1/podcasts/academy/feed.xml", timeout=10).text
    prefix = f"{behind_nginx.url}/v1/podcasts/academy/episodes/"
    file = feed.split(prefix, 1)[1].split('"', 1)[0]
    reply = requests.get(prefix + file, timeout=10)
    assert reply.status_code == 200
    assert reply.headers["X-Accel-Redirect"] == f"/internal/podcasts/academy/{file}"
    assert reply.headers["Content-Type"].startswith("audio/")
    assert reply.content == b""
    missing = requests.get(prefix + "no-such-episode.mp3", timeout=10)
    assert missing.status_code == 404 and "X-Accel-Redirect" not in missing.headers


_NGINX_CONF = """
worker_processes 1;
{user}
error_log {tmp}/error.log warn;
pid {tmp}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{academy};
            proxy_set_header Host $http_host;
        }}
        location /internal/ {{
            internal;
            alias {data}/;
        }}
    }}
}}
"""


@pytest.fixture(scope="module")
def nginx(behind_nginx: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else ""
    )
    if not binary:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    tmp = tmp_path_factory.mktemp("nginx")
    port = free_port()
    # As root nginx's workers would run as nobody, who may not read the private data directory.
    user = "user root;" if Path("/proc/self").owner() == "root" else ""
    conf = tmp / "nginx.conf"
    conf.write_text(
        _NGINX_CONF.format(
            user=user, tmp=tmp, port=port, academy=behind_nginx.port, data=behind_nginx.data_dir
        )
    )
    with (tmp / "stderr.log").open("wb") as err:
        process = subprocess.Popen(
            [binary, "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"{url}/v1/health", timeout=1)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp / "stderr.log").read_text()) from None
            time.sleep(0.05)  # test helper only: wait for nginx to listen
    yield url
    process.terminate()
    process.wait(10)


def test_nginx_sends_the_bytes_of_a_range_the_academy_allowed(
    nginx: str, behind_nginx: LiveServer, learner: str
) -> None:
    video = _media(behind_nginx, learner, COURSE, "video/mp4")
    on_disk = (behind_nginx.data_dir / "media" / COURSE / video["path"]).read_bytes()
    url = f"{nginx}/v1/courses/{COURSE}/media/{video['path']}"
    for _twice in range(4):  # more than one connection: on PostgreSQL two workers answer
        part = requests.get(url, headers={**bearer(learner), "Range": "bytes=100-199"}, timeout=10)
        assert part.status_code == 206
        assert part.content == on_disk[100:200]
        assert part.headers["Content-Range"] == f"bytes 100-199/{len(on_disk)}"
        assert part.headers["Content-Type"] == "video/mp4"
        assert "X-Accel-Redirect" not in part.headers
    whole = requests.get(url, headers=bearer(learner), timeout=10)
    assert whole.status_code == 200 and whole.content == on_disk
    refused = requests.get(f"{nginx}/v1/courses/{CLOSED}/media/images/feedback.png",
                           headers=bearer(learner), timeout=10)  # fmt: skip
    assert_error(refused, 403, "forbidden")
    # The internal location is nginx's alone: asked for directly, it does not exist.
    direct = requests.get(f"{nginx}/internal/media/{COURSE}/{video['path']}", timeout=10)
    assert direct.status_code == 404
