"""The local SQLite store: pragmas, migrations, transactions, repositories."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.account import Account, Role, User
from desktop.domain.course import (
    CourseDetail,
    CourseSummary,
    Exercise,
    ExerciseKind,
    Lesson,
    MediaFile,
    Option,
)
from desktop.domain.errors import SamenError
from desktop.store.accounts import AccountRepo
from desktop.store.courses import CourseRepo
from desktop.store.db import Store
from desktop.store.migrations import MIGRATIONS, applied
from desktop.store.outbox import OutboxRepo

SHA = "a" * 64


def course(cid: str = "c1", version: int = 1) -> CourseSummary:
    return CourseSummary(cid, version, f"Course {cid}", "nl", "summary", 1, 10)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "samen.sqlite3")
    yield s
    s.close()


def test_pragmas_are_set(store: Store) -> None:
    assert store.pragma("journal_mode") == "wal"
    assert store.pragma("foreign_keys") == 1
    assert store.pragma("synchronous") == 2  # FULL


def test_migrations_are_named_and_recorded(store: Store) -> None:
    with store.read() as db:
        assert applied(db) == [name for name, _ in MIGRATIONS]
        tables = set(db.table_names())
    assert {
        "account",
        "courses",
        "lessons",
        "media_files",
        "progress",
        "outbox",
        "pulled",
        "pull_cursors",
        "sync_state",
    } <= tables
    assert store.pragma("user_version") == len(MIGRATIONS)


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    Store(tmp_path / "db.sqlite3").close()
    again = Store(tmp_path / "db.sqlite3")
    with again.read() as db:
        assert db.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)
    again.close()


def test_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    Store(tmp_path / "db.sqlite3").close()
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    conn.execute("INSERT INTO _migrations VALUES ('9999_future', 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(SamenError, match="newer version of Samen"):
        Store(tmp_path / "db.sqlite3")


def test_write_rolls_back_everything_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as db:
        OutboxRepo.enqueue(db, client_id="c", kind="post", name="forum.post", args={"a": 1})
        raise RuntimeError("crash between the action and its commit")
    assert OutboxRepo(store).pending_by_kind() == {}


def test_outbox_counts_by_kind(store: Store) -> None:
    with store.write() as db:
        for kind in ("vote", "post", "post"):
            OutboxRepo.enqueue(db, client_id="c", kind=kind, name=f"{kind}.x", args={})
    assert OutboxRepo(store).pending_by_kind() == {"post": 2, "vote": 1}
    assert OutboxRepo(store).rejected_count() == 0


def test_account_round_trip_and_clear_keeps_outbox(store: Store) -> None:
    repo = AccountRepo(store)
    client_id = repo.client_id_for("http://a", "ann")
    assert repo.client_id_for("http://a", "ann") == client_id
    assert repo.client_id_for("http://a", "bob") != client_id
    account = Account("http://a", User(1, "ann", "Ann", Role.LEARNER), client_id, "A", "2030-01-01")
    repo.save(account)
    assert repo.current() == account
    with store.write() as db:
        OutboxRepo.enqueue(db, client_id=client_id, kind="vote", name="poll.vote", args={})
    repo.clear()
    assert repo.current() is None
    assert OutboxRepo(store).pending_by_kind() == {"vote": 1}


def test_account_table_never_holds_a_token(store: Store) -> None:
    with store.read() as db:
        columns = {c.name for c in db["account"].columns}
    assert not any("token" in c and c != "token_expires_at" for c in columns)


def test_catalogue_replacement_keeps_downloaded_courses(store: Store) -> None:
    repo = CourseRepo(store)
    repo.replace_catalogue([course("a"), course("b")])
    lesson = Lesson(
        "a-1",
        1,
        "One",
        "Text",
        (Exercise("e1", ExerciseKind.MULTIPLE_CHOICE, "Q?", (Option("o1", "Yes", True, "Good"),)),),
        ("img.png",),
        "nl",
    )
    repo.save_detail(
        CourseDetail(course("a"), (lesson,), (MediaFile("img.png", 3, SHA, "image/png"),))
    )
    repo.replace_catalogue([course("b")])  # "a" left the catalogue but is on this device
    ids = {e.course.id: e.downloaded for e in repo.library()}
    assert ids == {"a": True, "b": False}
    assert repo.lessons("a") == [lesson]


def test_changed_media_checksum_marks_file_missing(store: Store) -> None:
    repo = CourseRepo(store)
    repo.save_detail(CourseDetail(course("a"), (), (MediaFile("v.mp4", 3, SHA, "video/mp4"),)))
    with store.write() as db:
        db.execute("UPDATE media_files SET state = 'available'")
    repo.save_detail(
        CourseDetail(course("a", 2), (), (MediaFile("v.mp4", 3, "b" * 64, "video/mp4"),))
    )
    with store.read() as db:
        assert db.execute("SELECT state FROM media_files").fetchone()[0] == "missing"


def test_progress_from_before_owners_goes_to_the_account_logged_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.store import db as db_module
    from desktop.store.migrations import migrate

    path = tmp_path / "old.sqlite3"
    with monkeypatch.context() as patch:
        patch.setattr(db_module, "migrate", lambda s: migrate(s, MIGRATIONS[:3]))
        old = Store(path)
        user = User(7, "anna", "Anna", Role.LEARNER)
        AccountRepo(old).save(Account("https://academy.test", user, "cid", "A", "2099-01-01"))
        with old.write() as db:
            db.execute(
                "INSERT INTO progress VALUES ('c1-1', 'c1', 4000, 1, '2026-01-01T00:00:00+00:00')"
            )
        old.close()
    new = Store(path)
    with new.read() as db:
        rows = db.execute(
            "SELECT owner, lesson_id, position_ms, completed FROM progress"
        ).fetchall()
    new.close()
    assert rows == [("7@https://academy.test", "c1-1", 4000, 1)]


def test_actions_accepted_before_0007_count_as_pulled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.store import db as db_module
    from desktop.store.migrations import migrate

    path = tmp_path / "old.sqlite3"
    with monkeypatch.context() as patch:
        patch.setattr(db_module, "migrate", lambda s: migrate(s, MIGRATIONS[:6]))
        old = Store(path)
        with old.write() as db:
            for name in ("forum.reply", "forum.new_thread"):
                # Written as that version wrote them (enqueue now fills later columns too).
                db.execute(
                    """INSERT INTO outbox (mutation_id, client_id, kind, name, args_json,
                           created_at) VALUES (?, 'cid', 'post', ?, '{}', '2026-01-01')""",
                    [name, name],
                )
            db.execute("UPDATE outbox SET state = 'acked' WHERE name = 'forum.reply'")
        old.close()
    new = Store(path)
    outbox = OutboxRepo(new)
    names = ("forum.reply", "forum.new_thread")
    assert outbox.accepted_unpulled("cid", names) == []  # the old acceptance is long pulled
    with new.write() as db:
        db.execute("UPDATE outbox SET state = 'acked' WHERE name = 'forum.new_thread'")
    assert [i.name for i in outbox.accepted_unpulled("cid", names)] == ["forum.new_thread"]
    outbox.mark_pulled_back("cid")
    assert outbox.accepted_unpulled("cid", names) == []
    new.close()


def test_lessons_keep_their_language_and_older_ones_get_their_courses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.store import db as db_module
    from desktop.store.migrations import migrate

    path = tmp_path / "old.sqlite3"
    before = next(n for n, (name, _) in enumerate(MIGRATIONS) if name == "0015_content_language")
    with monkeypatch.context() as patch:
        patch.setattr(db_module, "migrate", lambda s: migrate(s, MIGRATIONS[:before]))
        old = Store(path)
        CourseRepo(old).replace_catalogue([course("a")])  # a Dutch course
        with old.write() as db:
            db.execute(
                """INSERT INTO lessons (id, course_id, position, title, body_markdown)
                   VALUES ('a-1', 'a', 1, 'Een', 'Tekst')"""
            )
        old.close()
    new = Store(path)
    repo = CourseRepo(new)
    assert [lesson.language for lesson in repo.lessons("a")] == ["nl"]

    english = Lesson("a-2", 2, "Two", "Text", language="en")
    same = Lesson("a-1", 1, "Een", "Tekst", language="nl")
    repo.save_detail(CourseDetail(course("a", 2), (same, english)))
    assert repo.lessons("a") == [same, english]
    new.close()
