"""Field staff's path, with the real `samen` command: download a course, write a pack to a
"USB stick", import it on a laptop while the academy is unreachable, then remove the media."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.cli_runner import SECRET_SERVICE, login_samen, run_samen
from tests.server_process import DEMO_PASSWORD, LiveServer

COURSE = "samen-leren"


def _login(data: Path, url: str, env: dict[str, str]) -> None:
    done = login_samen(data, url, DEMO_PASSWORD, env=env)
    assert done.returncode == 0, done.stderr


@pytest.mark.keyring
@pytest.mark.timeout(180)
def test_download_pack_import_offline_and_remove(
    tmp_path: Path, stoppable_academy: LiveServer, secret_env: dict[str, str]
) -> None:
    env = {**secret_env, **SECRET_SERVICE}
    office, laptop, usb = tmp_path / "office", tmp_path / "laptop", tmp_path / "usb"
    _login(office, stoppable_academy.url, env)
    done = run_samen(office, "download", COURSE, env=env)
    assert done.returncode == 0, done.stderr
    assert f"{COURSE}:" in done.stdout
    media = office / "media" / COURSE
    files = sorted(p for p in media.rglob("*") if p.is_file())
    assert files and not [p for p in files if p.name.endswith(".part")]

    exported = run_samen(office, "pack", "export", COURSE, str(usb), env=env)
    assert exported.returncode == 0, exported.stderr
    (pack,) = usb.glob("*.zip")

    _login(laptop, stoppable_academy.url, env)  # once online: the laptop learns the academy key
    stoppable_academy.stop()
    try:
        imported = run_samen(laptop, "pack", "import", str(pack), env=env)
        assert imported.returncode == 0, imported.stderr
        assert "ready to study offline" in imported.stdout
        for source in files:
            copy = laptop / "media" / COURSE / source.relative_to(media)
            assert (
                hashlib.sha256(copy.read_bytes()).digest()
                == hashlib.sha256(source.read_bytes()).digest()
            )
        offline = run_samen(laptop, "courses", "--json", env=env)
        assert offline.returncode == 3  # unreachable, listed from this computer
        listed = {c["id"]: c["downloaded"] for c in json.loads(offline.stdout)}
        assert listed[COURSE] is True
    finally:
        stoppable_academy.start()

    removed = run_samen(laptop, "remove", COURSE, env=env)
    assert removed.returncode == 0, removed.stderr
    assert not [p for p in (laptop / "media" / COURSE).rglob("*") if p.is_file()]


def test_download_needs_a_course_name(tmp_path: Path) -> None:
    done = run_samen(tmp_path, "download")
    assert done.returncode == 2
    assert "name the courses" in done.stderr


def test_importing_a_tampered_pack_from_the_command_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 definitely not a course")
    done = run_samen(tmp_path / "data", "pack", "import", str(junk))
    assert done.returncode == 1
    assert "samen:" in done.stderr and "Traceback" not in done.stderr
