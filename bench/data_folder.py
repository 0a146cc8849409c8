"""A learner's data folder for the app benchmarks: many courses downloaded, a big podcast, and a
long outbox. Main thread of the bench process (blocking set-up, timed step by step).

Everything goes through the real pieces: courses are written as import folders and imported
with `samen-server course import`, the real demo server serves them on loopback, the real
`DownloadService` downloads them, `PodcastService.subscribe` reads a loopback feed, and the
outbox is filled as `bench/sync_backlog.py` does. The login is kept by whatever keyring the
caller's `TokenVault` uses, so a persistent vault gives a folder a fresh process starts in
logged in.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from bench.podcast_library import feed
from desktop.core import Core, build_core
from desktop.demo_server import DEMO_PASSWORD, DEMO_USER, DemoServer, start_demo_server
from desktop.paths import resolve_paths
from desktop.store.vault import TokenVault
from tests.backlog import queue_progress_updates
from tests.web_host import WebHost

LESSONS_PER_COURSE = 3


@dataclass
class Sizes:
    courses: int = 50
    episodes: int = 500
    actions: int = 10_000


@dataclass
class DataFolder:
    """A filled data folder; `server` is still running (stop it to measure offline starts)."""

    data_dir: Path
    server: DemoServer
    sizes: Sizes
    seconds: dict[str, float] = field(default_factory=dict)


def png(width: int = 64, height: int = 48) -> bytes:
    """A small valid RGB PNG (a gradient), written by hand so the bench needs no imaging
    library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 4 % 256, y * 5 % 256, 128))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def write_course(folder: Path, number: int, image: bytes) -> str:
    """An import folder: course.json with a few lessons sharing one small image."""
    course_id = f"bench-course-{number:03d}"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "picture.png").write_bytes(image)
    lessons = [
        {
            "title": f"Lesson {n} of course {number}",
            "body_markdown": f"# Lesson {n}\n\n![A picture](images/picture.png)\n\n"
            + "Learning together works better. " * 40,
            "media": ["images/picture.png"],
            "exercises": [{"kind": "reflection", "prompt": "What did you notice?"}],
        }
        for n in range(1, LESSONS_PER_COURSE + 1)
    ]
    course = {
        "id": course_id,
        "title": f"Benchmark course {number}",
        "language": "en",
        "summary": "Made by bench/data_folder.py.",
        "lessons": lessons,
    }
    (folder / "course.json").write_text(json.dumps(course, indent=2), encoding="utf-8")
    return course_id


def import_course(server_dir: Path, source: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "course",
            "import",
            "--data",
            str(server_dir),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"course import of {source.name} failed (exit {done.returncode})")


def fill_outbox(core: Core, client_id: str, actions: int) -> None:
    """Distinct pending progress updates, in one transaction (as bench/sync_backlog.py)."""
    queue_progress_updates(core.store, client_id, actions)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def build(root: Path, sizes: Sizes, vault: TokenVault) -> DataFolder:
    """Fill `root/client` (the data folder) against a demo server kept in `root/server`."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    say(f"writing and importing {sizes.courses} courses…")
    image = png()
    course_ids = []
    for number in range(1, sizes.courses + 1):
        source = root / "sources" / f"course-{number:03d}"
        course_ids.append(write_course(source, number, image))
        import_course(root / "server", source)
    seconds["import courses (samen-server course import)"] = time.perf_counter() - started

    started = time.perf_counter()
    server = start_demo_server(root / "server", extra_args=("--sync-rate", "0"))
    seconds["start the demo server"] = time.perf_counter() - started
    data_dir = root / "client"
    core = build_core(resolve_paths(data_dir), vault=vault)
    try:
        account = core.session.login(server.url, DEMO_USER, DEMO_PASSWORD)
        started = time.perf_counter()
        say(f"downloading {sizes.courses} courses…")
        core.catalogue.refresh()
        for course_id in course_ids:
            report = core.downloads.download_course(course_id)
            if report.files_total != 1 or report.files_downloaded != 1:
                raise SystemExit(f"{course_id} did not download: {report}")
        seconds["download the courses (DownloadService)"] = time.perf_counter() - started

        started = time.perf_counter()
        say(f"subscribing to a feed of {sizes.episodes} episodes…")
        with WebHost() as host:
            url = host.put("/feed.xml", feed(sizes.episodes, host.url("")), "application/rss+xml")
            core.podcasts.subscribe(url)
        seconds["subscribe to the podcast (PodcastService)"] = time.perf_counter() - started

        started = time.perf_counter()
        fill_outbox(core, account.client_id, sizes.actions)
        seconds["fill the outbox"] = time.perf_counter() - started
    except BaseException:
        server.stop()
        raise
    finally:
        core.close()
    return DataFolder(data_dir, server, sizes, seconds)
