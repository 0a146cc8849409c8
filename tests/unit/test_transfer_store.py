"""desktop/store/media_files.py: file states, storage per course, and start-up reconciliation."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from desktop.core import Core
from desktop.domain.course import CourseDetail, CourseSummary, Lesson, MediaFile
from desktop.domain.transfer import MediaState
from desktop.store.courses import CourseRepo
from desktop.store.media_files import MediaRepo


def detail(course_id: str, files: dict[str, bytes], version: int = 1) -> CourseDetail:
    media = tuple(
        MediaFile(path, len(data), hashlib.sha256(data).hexdigest(), "application/octet-stream")
        for path, data in sorted(files.items())
    )
    return CourseDetail(
        course=CourseSummary(
            id=course_id,
            version=version,
            title=course_id.title(),
            language="en",
            summary="",
            lesson_count=1,
            media_bytes=sum(m.size for m in media),
        ),
        lessons=(Lesson(f"{course_id}-1", 1, "One", "Hello", (), tuple(files)),),
        media=media,
    )


FILES = {"audio/a.mp3": b"a" * 100, "img/b.png": b"b" * 200, "c.txt": b"c" * 50}


def states(repo: MediaRepo, course_id: str = "c1") -> dict[str, MediaState]:
    return {f.path: f.state for f in repo.files(course_id)}


def test_states_pending_and_bytes_used(make_core: Callable[..., Core]) -> None:
    core = make_core()
    CourseRepo(core.store).save_detail(detail("c1", FILES))
    repo = MediaRepo(core.store)
    assert set(states(repo).values()) == {MediaState.MISSING}
    assert repo.mark_partial("c1", "img/b.png")
    assert [f.path for f in repo.pending("c1")] == ["img/b.png", "audio/a.mp3", "c.txt"]
    good = hashlib.sha256(FILES["c.txt"]).hexdigest()
    assert not repo.mark_available("c1", "c.txt", "0" * 64)  # a newer listing won meanwhile
    assert repo.mark_available("c1", "c.txt", good)
    assert repo.mark_available("c1", "audio/a.mp3", hashlib.sha256(b"a" * 100).hexdigest())
    assert repo.bytes_used() == {"c1": 150}
    assert [f.path for f in repo.pending("c1")] == ["img/b.png"]
    assert repo.clear_course("c1") == 3
    assert set(states(repo).values()) == {MediaState.MISSING}
    assert repo.bytes_used() == {}


def test_a_changed_checksum_makes_only_that_file_missing(make_core: Callable[..., Core]) -> None:
    core = make_core()
    courses = CourseRepo(core.store)
    courses.save_detail(detail("c1", FILES))
    repo = MediaRepo(core.store)
    for f in repo.files("c1"):
        repo.mark_available("c1", f.path, f.sha256)
    courses.save_detail(detail("c1", {**FILES, "c.txt": b"new" * 20}, version=2))
    assert states(repo) == {
        "audio/a.mp3": MediaState.AVAILABLE,
        "c.txt": MediaState.MISSING,
        "img/b.png": MediaState.AVAILABLE,
    }


def test_reconcile_makes_the_table_match_the_disk(
    make_core: Callable[..., Core], tmp_path: Path
) -> None:
    core = make_core()
    CourseRepo(core.store).save_detail(detail("c1", FILES))
    CourseRepo(core.store).save_detail(detail("c2", {"x.bin": b"x" * 10}))
    repo = MediaRepo(core.store)
    root = tmp_path / "media"
    for course_id, files in (("c1", FILES), ("c2", {"x.bin": b"x" * 10})):
        for path, data in files.items():
            file = root / course_id / path
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(data)
            repo.mark_available(course_id, path, hashlib.sha256(data).hexdigest())
    (root / "c1" / "audio" / "a.mp3").unlink()  # deleted behind our back
    (root / "c1" / "img" / "b.png").write_bytes(b"short")  # wrong size
    (root / "c1" / "img" / "b.png.part").write_bytes(b"b" * 20)  # ... but a part to resume
    (root / "c1" / "stray.bin").write_bytes(b"?")
    (root / "c1" / "old" / "gone.mp3.part").parent.mkdir()
    (root / "c1" / "old" / "gone.mp3.part").write_bytes(b"?")
    (root / "c9" / "deep").mkdir(parents=True)
    (root / "c9" / "deep" / "f").write_bytes(b"?")
    (root / "loose-file").write_bytes(b"?")

    report = repo.reconcile(root)

    assert report.marked_missing == (("c1", "audio/a.mp3"),)
    assert report.marked_partial == (("c1", "img/b.png"),)
    assert {Path(p).relative_to(root).as_posix() for p in report.deleted_files} == {
        "c1/img/b.png",
        "c1/stray.bin",
        "c1/old/gone.mp3.part",
        "c9/deep/f",
        "loose-file",
    }
    assert states(repo) == {
        "audio/a.mp3": MediaState.MISSING,
        "c.txt": MediaState.AVAILABLE,
        "img/b.png": MediaState.PARTIAL,
    }
    assert states(repo, "c2") == {"x.bin": MediaState.AVAILABLE}
    assert not (root / "c9").exists() and not (root / "c1" / "old").exists()
    assert (root / "c1" / "img" / "b.png.part").exists()
    # A second pass finds nothing to do; a partial row whose part vanished becomes missing.
    assert not repo.reconcile(root).changed
    (root / "c1" / "img" / "b.png.part").unlink()
    assert repo.reconcile(root).marked_missing == (("c1", "img/b.png"),)


def test_reconcile_leaves_courses_being_downloaded_alone(
    make_core: Callable[..., Core], tmp_path: Path
) -> None:
    core = make_core()
    CourseRepo(core.store).save_detail(detail("c1", FILES))
    repo = MediaRepo(core.store)
    root = tmp_path / "media"
    (root / "c1").mkdir(parents=True)
    (root / "c1" / "whatever.tmp").write_bytes(b"?")
    repo.mark_partial("c1", "c.txt")
    report = repo.reconcile(root, skip=frozenset({"c1"}))
    assert not report.changed
    assert (root / "c1" / "whatever.tmp").exists()
