"""`samen pack import` in a real subprocess, with real signed packs: an older pack is refused
naming both versions, the same one says it is up to date, and hostile packs end in one sentence
on stderr (exit 1, no traceback) with nothing left behind."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from desktop.store.db import Store
from desktop.store.trust import KeyRepo
from tests.cli_runner import run_samen
from tests.pack_factory import FILES, Academy, write_zip
from tests.zip_bytes import RawEntry, pack_entries, write

V2_FILES = {**FILES, "audio/b.mp3": b"ID3 newer audio " * 200}


def _computer(data: Path, academy: Academy) -> Path:
    """A data folder whose store trusts `academy` (as after one login)."""
    store = Store(data / "samen.sqlite3")
    KeyRepo(store).remember("http://academy.test", academy.key)
    store.close()
    return data


def _version(data: Path) -> int | None:
    with closing(sqlite3.connect(data / "samen.sqlite3")) as db:
        row = db.execute("SELECT downloaded_version FROM courses WHERE id = 'c1'").fetchone()
    return None if row is None else int(row[0])


def _leftovers(data: Path) -> list[Path]:
    places = [data / "staging", data / "media" / "c1"]
    return [p for place in places if place.exists() for p in [place, *place.rglob("*")]]


def _refused(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("samen: ") and lines[0].endswith(".")
    return lines[0]


def test_an_older_pack_is_refused_and_the_same_one_is_up_to_date(tmp_path: Path) -> None:
    academy = Academy()
    data = _computer(tmp_path / "data", academy)
    v1 = write_zip(tmp_path / "c1-v1.zip", academy.signed(FILES, 1), FILES)
    v2 = write_zip(tmp_path / "c1-v2.zip", academy.signed(V2_FILES, 2), V2_FILES)

    done = run_samen(data, "pack", "import", str(v2))
    assert done.returncode == 0, done.stderr
    assert "ready to study offline" in done.stdout

    line = _refused(run_samen(data, "pack", "import", str(v1)))
    assert "version 1 of Cursus" in line and "already has version 2" in line
    assert _version(data) == 2
    audio = data / "media" / "c1" / "audio" / "b.mp3"
    assert audio.read_bytes() == V2_FILES["audio/b.mp3"]
    assert not (data / "staging").exists()

    again = run_samen(data, "pack", "import", str(v2))
    assert again.returncode == 0, again.stderr
    assert "already on this computer and up to date" in again.stdout
    assert _version(data) == 2


def _local_name(entries: list[RawEntry]) -> None:
    entries[1].local_name = b"media/images/x.png"


def _deep(entries: list[RawEntry]) -> None:
    entries[0].data = b"[" * 200_000 + b"]" * 200_000


def _encrypted(entries: list[RawEntry]) -> None:
    entries[2].flags |= 0x1


def _method_97(entries: list[RawEntry]) -> None:
    entries[2].method = 97


def _many(entries: list[RawEntry]) -> None:
    entries += [RawEntry(f"media/f{i}".encode(), b"") for i in range(200_000)]


@pytest.mark.parametrize(
    "change",
    [_local_name, _deep, _encrypted, _method_97, _many],
    ids=["local header name", "200k deep", "encrypted", "method 97", "200k entries"],
)
def test_a_hostile_pack_ends_in_one_sentence(
    tmp_path: Path, change: Callable[[list[RawEntry]], None]
) -> None:
    academy = Academy()
    data = _computer(tmp_path / "data", academy)
    entries = pack_entries(academy.signed(FILES), FILES)
    change(entries)
    line = _refused(run_samen(data, "pack", "import", str(write(tmp_path / "p.zip", entries))))
    assert "manifest.json" not in line and "media/" not in line
    assert _version(data) is None
    assert _leftovers(data) == []


def test_a_nul_in_a_name_is_refused_from_the_command_line(tmp_path: Path) -> None:
    academy = Academy()
    data = _computer(tmp_path / "data", academy)
    files = {"x.mp3": b"ID3 audio"}
    entries = pack_entries(academy.signed(files), {})
    entries.append(RawEntry(b"media/x.mp3\x00../../evil.sh", files["x.mp3"]))
    line = _refused(run_samen(data, "pack", "import", str(write(tmp_path / "p.zip", entries))))
    assert "unsafe name" in line and "evil" not in line
    assert _version(data) is None
    assert _leftovers(data) == []
