"""The download path follows the pack's version rule, against a real academy on loopback: a
manifest older than the course on this computer is refused naming both versions, the same
version stores nothing, a newer one updates."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core import Core
from desktop.domain.errors import PackError
from desktop.store.courses import CourseRepo
from tests.academy_database import execute
from tests.integration.sync_helpers import client
from tests.server_process import LiveServer, start_server

COURSE = "learning-together"


@pytest.fixture
def own_academy(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path / "server", seed_demo=True)
    yield server
    server.stop()


def _set_server_version(server: LiveServer, version: int) -> None:
    """As after restoring an old backup (or, below, publishing an update)."""
    sql = "UPDATE courses SET version = :version WHERE id = :id"
    execute(server.data_dir, sql, version=version, id=COURSE)


def _stored(core: Core) -> str:
    signed = CourseRepo(core.store).signed_manifest(COURSE)
    assert signed is not None
    return signed


def test_the_academy_cannot_roll_a_course_back(own_academy: LiveServer, tmp_path: Path) -> None:
    core = client(tmp_path / "client", own_academy.url)
    try:
        core.downloads.download_course(COURSE)
        held = json.loads(_stored(core))["manifest"]["course"]["version"]
        before = _stored(core)

        _set_server_version(own_academy, held - 1 if held > 1 else 0)
        with pytest.raises(PackError) as info:
            core.downloads.download_course(COURSE)
        assert info.value.code == "older"
        assert f"already has version {held}" in info.value.message
        assert f"offers version {max(held - 1, 0)} of" in info.value.message
        assert _stored(core) == before

        _set_server_version(own_academy, held)
        time.sleep(1.1)  # issued_at has whole seconds: a stored re-signing would show
        core.downloads.download_course(COURSE)
        assert _stored(core) == before  # the same version: nothing stored again

        _set_server_version(own_academy, held + 1)
        core.downloads.download_course(COURSE)
        assert json.loads(_stored(core))["manifest"]["course"]["version"] == held + 1
        (entry,) = [e for e in core.catalogue.library() if e.course.id == COURSE]
        assert entry.local_version == held + 1
    finally:
        core.close()
