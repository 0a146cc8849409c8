"""A course's cover from the real demo academy to the learner: in the catalogue before any
download (fetched and cached), in the downloaded course and in a signed pack that another
computer imports without a network; and taking a course off a computer in two strengths, the
learner's progress kept either way."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from desktop.core import Core
from desktop.services.course_removal import RemovalResult
from desktop.store.trust import KeyRepo
from tests.server_process import DEMO_PASSWORD, LiveServer

COURSE = "learning-together"


def test_the_cover_travels_with_the_catalogue_a_download_and_a_pack(
    make_core: Callable[..., Core], academy: LiveServer, tmp_path: Path
) -> None:
    core = make_core(tmp_path / "first")
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    summary = next(e.course for e in core.catalogue.refresh() if e.course.id == COURSE)
    cover = summary.cover
    assert cover is not None and cover.path == "images/cover.png"
    # Stored with the catalogue: known offline too.
    [stored] = [e.course for e in core.catalogue.library() if e.course.id == COURSE]
    assert stored.cover == cover

    fetched = core.covers.fetch(summary)
    assert fetched is not None and fetched.parent == core.paths.cover_dir
    assert hashlib.sha256(fetched.read_bytes()).hexdigest() == cover.sha256
    assert core.covers.fetch_all([summary]) == {COURSE: fetched}  # cached: no second fetch

    core.downloads.download_course(COURSE)
    detail = core.catalogue.fetch_course(COURSE)
    assert detail.course.cover == cover
    assert cover.path in {m.path for m in detail.media}
    assert (core.paths.media_dir / COURSE / cover.path).is_file()
    pack = core.packs.export(COURSE, tmp_path / "usb")

    # Another computer that knows the academy (it logged in once) but has no network now.
    other = make_core(tmp_path / "second")
    for key in KeyRepo(core.store).known().values():
        KeyRepo(other.store).remember(academy.url, key)
    other.packs.import_pack(pack)
    [entry] = other.catalogue.library()
    assert entry.course.cover == cover and entry.downloaded
    here = other.covers.fetch_all([entry.course])  # not logged in: only what is here
    assert here == {COURSE: other.paths.media_dir / COURSE / cover.path}


def test_free_space_then_remove_keep_the_learners_progress(
    make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    core.catalogue.refresh()
    core.downloads.download_course(COURSE)
    first_lesson = core.catalogue.lessons(COURSE)[0]
    core.learning.complete_lesson(COURSE, first_lesson.id)
    media = core.paths.media_dir / COURSE

    assert core.removal.free_space(COURSE) is RemovalResult.DONE
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
    [entry] = [e for e in core.catalogue.library() if e.course.id == COURSE]
    assert entry.downloaded  # the lessons stay readable (text)
    assert core.catalogue.lessons(COURSE)[0].id == first_lesson.id

    assert core.removal.remove(COURSE) is RemovalResult.DONE
    [entry] = [e for e in core.catalogue.library() if e.course.id == COURSE]
    assert not entry.downloaded and entry.local_version is None
    assert core.catalogue.lessons(COURSE) == []
    assert core.standing.standings([COURSE])[COURSE].done == 1  # progress stays

    core.downloads.download_course(COURSE)  # and the course comes back whole
    [entry] = [e for e in core.catalogue.library() if e.course.id == COURSE]
    assert entry.downloaded and core.learning.completed_lessons(COURSE) == {first_lesson.id}
