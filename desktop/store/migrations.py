"""Named, transactional schema migrations for the local database. Worker threads / CLI.

Each migration runs in its own `BEGIN IMMEDIATE` transaction together with its row in
`_migrations`, so a crash leaves the schema either before or after it, never half-way.
`PRAGMA user_version` mirrors the number applied, for quick inspection with the sqlite3 shell.
Migrations are append-only: never edit one that has shipped, add a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlite_utils

from desktop.domain.errors import SamenError
from desktop.language.catalogue import _
from desktop.store.clock import utc_now

if TYPE_CHECKING:
    from desktop.store.db import Store

Migration = tuple[str, Callable[[sqlite_utils.Database], None]]


def _initial(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE account (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            server_url TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            username TEXT NOT NULL,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL,
            client_id TEXT NOT NULL,
            academy TEXT NOT NULL,
            token_expires_at TEXT NOT NULL,
            logged_in_at TEXT NOT NULL
        )"""
    )
    # A client_id is bound to one user on one server; remembering it lets a re-login keep its seq.
    db.execute(
        """
        CREATE TABLE client_ids (
            server_url TEXT NOT NULL,
            username TEXT NOT NULL,
            client_id TEXT NOT NULL UNIQUE,
            PRIMARY KEY (server_url, username)
        )"""
    )
    db.execute(
        """
        CREATE TABLE courses (
            id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            title TEXT NOT NULL,
            language TEXT NOT NULL,
            summary TEXT NOT NULL,
            lesson_count INTEGER NOT NULL,
            media_bytes INTEGER NOT NULL,
            in_catalogue INTEGER NOT NULL DEFAULT 1,
            downloaded_version INTEGER,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE lessons (
            id TEXT PRIMARY KEY,
            course_id TEXT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            title TEXT NOT NULL,
            body_markdown TEXT NOT NULL,
            exercises_json TEXT NOT NULL DEFAULT '[]',
            media_json TEXT NOT NULL DEFAULT '[]'
        )"""
    )
    db.execute("CREATE INDEX lessons_course ON lessons(course_id, position)")
    db.execute(
        """
        CREATE TABLE media_files (
            course_id TEXT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            content_type TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'missing'
                CHECK (state IN ('missing', 'partial', 'available')),
            PRIMARY KEY (course_id, path)
        )"""
    )
    # Progress is kept even when a course's media is deleted, so no course FK cascade here.
    db.execute(
        """
        CREATE TABLE progress (
            lesson_id TEXT PRIMARY KEY,
            course_id TEXT NOT NULL,
            position_ms INTEGER NOT NULL DEFAULT 0,
            completed INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            mutation_id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL,
            seq INTEGER,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            args_json TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'acked', 'rejected', 'retry')),
            code TEXT,
            message TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_at TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (client_id, seq)
        )"""
    )
    db.execute("CREATE INDEX outbox_state ON outbox(state, id)")
    db.execute(
        """
        CREATE TABLE pulled (
            scope TEXT NOT NULL,
            entity TEXT NOT NULL,
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            data_json TEXT NOT NULL,
            PRIMARY KEY (scope, entity, id)
        )"""
    )
    db.execute("CREATE TABLE pull_cursors (scope TEXT PRIMARY KEY, cursor TEXT NOT NULL)")
    db.execute("CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT)")


def _outbox_results(db: sqlite_utils.Database) -> None:
    # result_json: what the server answered (e.g. the created entity), kept for the UI.
    # sendable: 0 while an item waits for something (an upload); it gets its seq only when 1.
    db.execute("ALTER TABLE outbox ADD COLUMN result_json TEXT")
    db.execute("ALTER TABLE outbox ADD COLUMN sendable INTEGER NOT NULL DEFAULT 1")
    db.execute("ALTER TABLE outbox ADD COLUMN updated_at TEXT")
    db.execute("CREATE INDEX outbox_client_seq ON outbox(client_id, seq)")
    # The last seq handed out per client. Rows can be deleted (discarded, resent), so the
    # next seq cannot be derived from the rows without reusing a number the server has seen.
    db.execute(
        """CREATE TABLE outbox_clients (
               client_id TEXT PRIMARY KEY,
               last_seq INTEGER NOT NULL
           )"""
    )


def _signed_courses(db: sqlite_utils.Database) -> None:
    # Keys stay after logout: a pack from a known academy can be imported offline later.
    db.execute(
        """CREATE TABLE academy_keys (
               key_id TEXT PRIMARY KEY,
               server_url TEXT NOT NULL,
               algorithm TEXT NOT NULL,
               public_key TEXT NOT NULL,
               added_at TEXT NOT NULL
           )"""
    )
    # The signed manifest a course's files were checked against; exported into packs as is.
    db.execute(
        """CREATE TABLE course_manifests (
               course_id TEXT PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,
               key_id TEXT NOT NULL,
               signed_json TEXT NOT NULL
           )"""
    )


def _learning_record(db: sqlite_utils.Database) -> None:
    # owner: "<user id>@<server>" (or "" before any login). On a shared computer one learner
    # never sees another's answers or positions, and they are back when they log in again.
    # seen_version: the newest server version folded in from pull, so an older pulled state
    # never overwrites a newer local one (and an unsent local change always wins).
    db.execute(
        """CREATE TABLE answers (
               owner TEXT NOT NULL,
               exercise_id TEXT NOT NULL,
               course_id TEXT NOT NULL,
               lesson_id TEXT NOT NULL,
               option_id TEXT,
               text TEXT NOT NULL DEFAULT '',
               correct INTEGER,
               seen_version INTEGER NOT NULL DEFAULT 0,
               updated_at TEXT NOT NULL,
               PRIMARY KEY (owner, exercise_id)
           )"""
    )
    db.execute("CREATE INDEX answers_lesson ON answers(owner, lesson_id)")
    # Lesson progress gets an owner too: it was one row per lesson for whoever was logged in.
    # Rows from before belong to the account logged in now (or to nobody: "").
    db.execute(
        """CREATE TABLE progress_by_owner (
               owner TEXT NOT NULL,
               lesson_id TEXT NOT NULL,
               course_id TEXT NOT NULL,
               position_ms INTEGER NOT NULL DEFAULT 0,
               completed INTEGER NOT NULL DEFAULT 0,
               updated_at TEXT NOT NULL,
               PRIMARY KEY (owner, lesson_id)
           )"""
    )
    db.execute(
        """INSERT INTO progress_by_owner
           SELECT COALESCE((SELECT user_id || '@' || server_url FROM account WHERE id = 1), ''),
                  lesson_id, course_id, position_ms, completed, updated_at FROM progress"""
    )
    db.execute("DROP TABLE progress")
    db.execute("ALTER TABLE progress_by_owner RENAME TO progress")
    db.execute(
        """CREATE TABLE playback (
               owner TEXT NOT NULL,
               media_key TEXT NOT NULL,
               position_ms INTEGER NOT NULL,
               duration_ms INTEGER NOT NULL,
               played INTEGER NOT NULL DEFAULT 0,
               seen_version INTEGER NOT NULL DEFAULT 0,
               updated_at TEXT NOT NULL,
               PRIMARY KEY (owner, media_key)
           )"""
    )


def _podcasts(db: sqlite_utils.Database) -> None:
    # Subscriptions belong to this computer (its storage budget, its downloads); where each
    # learner is in an episode lives in `playback`, per learner.
    db.execute(
        """CREATE TABLE feeds (
               url TEXT PRIMARY KEY,
               title TEXT NOT NULL,
               description TEXT NOT NULL DEFAULT '',
               author TEXT NOT NULL DEFAULT '',
               image_url TEXT NOT NULL DEFAULT '',
               is_academy INTEGER NOT NULL DEFAULT 0,
               keep_latest INTEGER NOT NULL DEFAULT 3,
               etag TEXT NOT NULL DEFAULT '',
               last_modified TEXT NOT NULL DEFAULT '',
               checked_at TEXT,
               error TEXT NOT NULL DEFAULT '',
               added_at TEXT NOT NULL
           )"""
    )
    # key: episode_key(feed url, guid). part_validator: the ETag/Last-Modified a partial
    # download may resume against.
    db.execute(
        """CREATE TABLE episodes (
               key TEXT PRIMARY KEY,
               feed_url TEXT NOT NULL REFERENCES feeds(url) ON DELETE CASCADE,
               guid TEXT NOT NULL,
               title TEXT NOT NULL,
               summary TEXT NOT NULL DEFAULT '',
               published_at TEXT,
               enclosure_url TEXT,
               enclosure_type TEXT NOT NULL DEFAULT '',
               enclosure_length INTEGER,
               duration_ms INTEGER,
               chapters_json TEXT,
               transcripts_json TEXT NOT NULL DEFAULT '[]',
               file TEXT NOT NULL DEFAULT 'remote'
                   CHECK (file IN ('remote', 'partial', 'available', 'failed')),
               file_name TEXT NOT NULL DEFAULT '',
               size INTEGER NOT NULL DEFAULT 0,
               part_validator TEXT NOT NULL DEFAULT '',
               pinned INTEGER NOT NULL DEFAULT 0,
               error TEXT NOT NULL DEFAULT '',
               downloaded_at TEXT,
               UNIQUE (feed_url, guid)
           )"""
    )
    db.execute("CREATE INDEX episodes_feed ON episodes(feed_url, published_at)")
    # Academy feeds the learner unsubscribed from: not subscribed again by itself.
    db.execute("CREATE TABLE feed_declines (url TEXT PRIMARY KEY, declined_at TEXT NOT NULL)")


def _forum_reads(db: sqlite_utils.Database) -> None:
    # How many replies of a thread each learner has seen: unread = replies pulled - seen.
    db.execute(
        """CREATE TABLE forum_reads (
               owner TEXT NOT NULL,
               thread_id TEXT NOT NULL,
               seen_replies INTEGER NOT NULL,
               PRIMARY KEY (owner, thread_id)
           )"""
    )


def _outbox_pulled_back(db: sqlite_utils.Database) -> None:
    # Accepted actions whose effect no pull has brought back yet are shown from the outbox
    # (a pull can fail right after its push). Those accepted before this are long pulled.
    db.execute("ALTER TABLE outbox ADD COLUMN pulled_back INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE outbox SET pulled_back = 1 WHERE state = 'acked'")
    db.execute(
        """CREATE INDEX outbox_unpulled ON outbox(client_id)
           WHERE state = 'acked' AND pulled_back = 0"""
    )


def _uploads(db: sqlite_utils.Database) -> None:
    # Recordings waiting to be sent (tus). `path` is Samen's own copy in its data folder, so
    # moving or deleting the learner's original changes nothing.
    db.execute(
        """CREATE TABLE uploads (
               id TEXT PRIMARY KEY,
               client_id TEXT NOT NULL,
               path TEXT NOT NULL,
               filename TEXT NOT NULL,
               size INTEGER NOT NULL CHECK (size > 0),
               sha256 TEXT NOT NULL,
               content_type TEXT NOT NULL,
               state TEXT NOT NULL DEFAULT 'waiting'
                   CHECK (state IN ('waiting', 'uploading', 'done', 'failed')),
               error TEXT NOT NULL DEFAULT '',
               created_at TEXT NOT NULL,
               updated_at TEXT NOT NULL
           )"""
    )
    db.execute("CREATE INDEX uploads_client ON uploads(client_id, state, created_at)")
    # An action that references an upload waits for it (sendable = 0); ready_order is the order
    # in which items became sendable, which is the order they are numbered in.
    db.execute("ALTER TABLE outbox ADD COLUMN waits_for TEXT REFERENCES uploads(id)")
    db.execute("ALTER TABLE outbox ADD COLUMN ready_order INTEGER")
    db.execute("UPDATE outbox SET ready_order = id WHERE sendable = 1")
    db.execute("CREATE INDEX outbox_ready_order ON outbox(ready_order)")
    db.execute("CREATE INDEX outbox_waits_for ON outbox(waits_for) WHERE waits_for IS NOT NULL")


def _peer_seen(db: sqlite_utils.Database) -> None:
    # Which peer feedback each learner has seen, for the "new feedback" badge.
    db.execute(
        """CREATE TABLE peer_seen (
               owner TEXT NOT NULL,
               feedback_id TEXT NOT NULL,
               PRIMARY KEY (owner, feedback_id)
           )"""
    )


def _outbox_server_errors(db: sqlite_utils.Database) -> None:
    # Consecutive HTTP 500s for batches that began with this item, so a restart does not reset
    # the count that ends a batch the academy can never process (see desktop/sync/engine.py).
    db.execute("ALTER TABLE outbox ADD COLUMN server_errors INTEGER NOT NULL DEFAULT 0")


def _last_place(db: sqlite_utils.Database) -> None:
    # The lesson each learner was last in, per course (written when a lesson is opened), so
    # Home can offer to continue there; scroll is how far down its text (0..1), when known.
    db.execute(
        """CREATE TABLE last_place (
               owner TEXT NOT NULL,
               course_id TEXT NOT NULL,
               lesson_id TEXT NOT NULL,
               scroll REAL,
               updated_at TEXT NOT NULL,
               PRIMARY KEY (owner, course_id)
           )"""
    )
    # What each learner opened from Home's "New for you" where the data itself has no notion
    # of seen (a supporter's answer): it is not offered as new again.
    db.execute(
        """CREATE TABLE news_seen (
               owner TEXT NOT NULL,
               item_key TEXT NOT NULL,
               seen_at TEXT NOT NULL,
               PRIMARY KEY (owner, item_key)
           )"""
    )


def _progress_seen_version(db: sqlite_utils.Database) -> None:
    # "Done" can be taken back now, so progress folds in from pull by server version (as answers
    # and positions do) instead of only ever growing.
    db.execute("ALTER TABLE progress ADD COLUMN seen_version INTEGER NOT NULL DEFAULT 0")


def _course_covers(db: sqlite_utils.Database) -> None:
    # The catalogue's cover image of a course ({"path", "size", "sha256"} as JSON), or NULL.
    db.execute("ALTER TABLE courses ADD COLUMN cover_json TEXT")


def _outbox_refusal_params(db: sqlite_utils.Database) -> None:
    # The values a refusal names (the academy's MutationResult.params) as JSON, or NULL: the
    # client says the refusal in the learner's language from its code and these.
    db.execute("ALTER TABLE outbox ADD COLUMN params_json TEXT")


def _content_language(db: sqlite_utils.Database) -> None:
    # What each lesson and episode is written or spoken in ("" for episodes until their feed
    # is read again; the feed's own language stands in meanwhile). A lesson stored before
    # was in its course's language: manifests named no other.
    db.execute("ALTER TABLE lessons ADD COLUMN language TEXT NOT NULL DEFAULT ''")
    db.execute(
        "UPDATE lessons SET language = "
        "COALESCE((SELECT language FROM courses WHERE courses.id = lessons.course_id), '')"
    )
    db.execute("ALTER TABLE feeds ADD COLUMN language TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE episodes ADD COLUMN language TEXT NOT NULL DEFAULT ''")


MIGRATIONS: tuple[Migration, ...] = (
    ("0001_initial", _initial),
    ("0002_outbox_results", _outbox_results),
    ("0003_signed_courses", _signed_courses),
    ("0004_learning_record", _learning_record),
    ("0005_podcasts", _podcasts),
    ("0006_forum_reads", _forum_reads),
    ("0007_outbox_pulled_back", _outbox_pulled_back),
    ("0008_uploads", _uploads),
    ("0009_peer_seen", _peer_seen),
    ("0010_outbox_server_errors", _outbox_server_errors),
    ("0011_last_place", _last_place),
    ("0012_progress_seen_version", _progress_seen_version),
    ("0013_course_covers", _course_covers),
    ("0014_outbox_refusal_params", _outbox_refusal_params),
    ("0015_content_language", _content_language),
)


def applied(db: sqlite_utils.Database) -> list[str]:
    if "_migrations" not in db.table_names():
        return []
    return [row["name"] for row in db.query("SELECT name FROM _migrations ORDER BY rowid")]


def migrate(store: Store, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[str]:
    """Apply what is missing, in order; return the names applied now."""
    with store.write() as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations "
            "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
    done = set()
    with store.read() as db:
        done = set(applied(db))
    known = {name for name, _step in migrations}
    unknown = done - known
    if unknown:
        # A newer Samen wrote this database; carrying on could corrupt it.
        raise SamenError(
            _(
                "This data folder was written by a newer version of Samen (unknown "
                "migrations: {migrations}). Please update Samen."
            ).format(migrations=", ".join(sorted(unknown)))
        )
    now_applied: list[str] = []
    for number, (name, step) in enumerate(migrations, start=1):
        if name in done:
            continue
        with store.write() as db:
            step(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [name, utc_now()],
            )
            db.execute(f"PRAGMA user_version = {number}")
        now_applied.append(name)
    return now_applied
