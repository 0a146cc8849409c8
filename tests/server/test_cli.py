"""The `samen-server` command line: seed-demo, user add, and import hygiene."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import requests

from tests.academy_database import snapshot
from tests.contract import validate
from tests.server.api import assert_error, login
from tests.server_process import LiveServer, run_cli, server_command, start_server


def _snapshot(data_dir: Path) -> tuple[dict[str, list[str]], dict[str, tuple[str, int]]]:
    """Every row of the database and every media file's hash and mtime."""
    rows = snapshot(data_dir)
    files = {
        path.relative_to(data_dir).as_posix(): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
        )
        for root in ("media", "podcasts")
        for path in sorted((data_dir / root).rglob("*"))
        if path.is_file()
    }
    return rows, files


def test_seed_demo_twice_changes_nothing(tmp_path: Path) -> None:
    first = run_cli("seed-demo", "--data", str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert "seeded" in first.stdout
    before = _snapshot(tmp_path)
    assert before[1], "no media files were generated"

    second = run_cli("seed-demo", "--data", str(tmp_path))
    assert second.returncode == 0, second.stderr
    assert "nothing changed" in second.stdout
    assert _snapshot(tmp_path) == before


def _add_user(
    data_dir: Path, *args: str, password: str = "correct horse"
) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "user", "add", "--data", str(data_dir), *args, "--password-stdin", stdin=password + "\n"
    )


def test_user_add_creates_an_account_that_survives_a_restart(
    empty_server: LiveServer,
) -> None:
    added = _add_user(
        empty_server.data_dir, "teacher", "--role", "moderator", "--display-name", "Juf Ria"
    )
    assert added.returncode == 0, added.stderr
    reply = login(empty_server, "teacher", "correct horse")
    assert reply.status_code == 200, reply.text
    user = reply.json()["user"]
    assert (user["display_name"], user["role"]) == ("Juf Ria", "moderator")
    token = reply.json()["token"]

    empty_server.stop()
    empty_server.start()
    me = requests.get(
        f"{empty_server.url}/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "teacher"


def test_empty_server_has_no_demo_content(empty_server: LiveServer) -> None:
    assert_error(login(empty_server, "demo"), 401, "invalid_credentials")


def test_user_add_refuses_bad_input_with_one_clear_line(tmp_path: Path) -> None:
    assert _add_user(tmp_path, "sam", "--role", "learner").returncode == 0

    duplicate = _add_user(tmp_path, "sam", "--role", "learner")
    assert duplicate.returncode != 0
    assert duplicate.stderr.strip() == "samen-server: error: user 'sam' already exists"

    short = _add_user(tmp_path, "kim", "--role", "learner", password="short")
    assert short.returncode != 0
    assert "password too short" in short.stderr

    bad_name = _add_user(tmp_path, "no spaces", "--role", "learner")
    assert bad_name.returncode != 0
    assert "invalid user name" in bad_name.stderr

    bad_role = _add_user(tmp_path, "kim", "--role", "teacher")
    assert bad_role.returncode != 0
    assert "invalid choice: 'teacher'" in bad_role.stderr

    no_password = _add_user(tmp_path, "kim", "--role", "learner", password="")
    assert no_password.returncode != 0
    assert "no password" in no_password.stderr

    for result in (duplicate, short, bad_name, bad_role, no_password):
        assert "Traceback" not in result.stderr


def test_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    result = run_cli("seed-demo", "--data", str(not_a_dir))
    assert result.returncode != 0
    assert "not a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_importing_the_server_creates_nothing(tmp_path: Path) -> None:
    code = (
        "import server, server.app, server.cli, server.models, server.content.demo\n"
        "from server.app import create_app\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_server_never_imports_qt_or_desktop() -> None:
    code = (
        "import sys, server.app, server.cli, server.content.demo\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'desktop'})\n"
        "print(bad)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_seed_demo_without_ffmpeg_or_espeak_falls_back(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path / "no-tools")}  # hides /usr/bin/ffmpeg etc.
    result = run_cli("seed-demo", "--data", str(tmp_path / "academy"), env=env)
    assert result.returncode == 0, result.stderr
    assert "warning: espeak-ng not found" in result.stderr
    assert "warning: ffmpeg not found" in result.stderr
    assert "Traceback" not in result.stderr
    media = tmp_path / "academy" / "media" / "samen-leren"
    assert (media / "audio" / "les-1.wav").is_file()
    assert not (media / "video").exists()

    server = start_server(tmp_path / "academy", seed_demo=False)
    try:
        token = login(server).json()["token"]
        reply = requests.get(
            f"{server.url}/v1/courses/samen-leren",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert reply.status_code == 200
        validate("CourseDetail", reply.json())
        types = {item["content_type"] for item in reply.json()["media"]}
        assert types == {"image/png", "audio/wav"}
    finally:
        server.stop()


def test_a_database_that_cannot_be_reached_is_one_line_without_its_password(
    tmp_path: Path,
) -> None:
    # Nothing listens on port 9 of loopback: the driver fails at once.
    url = "postgresql+psycopg://academy:s3cret@127.0.0.1:9/samen"
    env = {**os.environ, "SAMEN_DATABASE_URL": url}
    result = subprocess.run(
        server_command("seed-demo", "--data", str(tmp_path / "academy")),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("samen-server: error: cannot use the database postgresql")
    assert "127.0.0.1:9/samen" in lines[0]
    assert "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr
