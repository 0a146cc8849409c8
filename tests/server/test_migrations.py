"""The hand-written Alembic migrations build exactly the schema the models declare, and the
ones that move data move it as intended."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, select, text

from server.db import Database, table_of
from server.migrator import alembic_config, upgrade_to_head
from server.models import metadata
from server.social.final_results import publish_due
from server.social.models import Poll
from server.sync.models import ChangeCounter, ChangeLog


def test_migrations_match_the_models(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'check.db'}")
    try:
        upgrade_to_head(database.engine)
        upgrade_to_head(database.engine)  # a second run is a no-op
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        database.dispose()


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    try:
        upgrade_to_head(database.engine)
        command.downgrade(alembic_config(database.engine), "base")
        assert inspect(database.engine).get_table_names() == ["alembic_version"]
        upgrade_to_head(database.engine)
        assert "users" in inspect(database.engine).get_table_names()
    finally:
        database.dispose()


def _run(connection: Connection, *statements: str) -> None:
    for statement in statements:
        connection.execute(text(statement))


def test_0007_moves_running_poll_results_to_the_voters_and_publishes_closed_polls(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'polls.db'}")
    try:
        command.upgrade(alembic_config(database.engine), "0006")
        then = "'2025-01-01 00:00:00.000000'"
        with database.engine.begin() as connection:
            _run(
                connection,
                "INSERT INTO courses (id, version, title, language, summary) "
                "VALUES ('c', 1, 'C', 'en', '')",
                *(
                    "INSERT INTO users (id, username, display_name, role, password_hash, "
                    f"created_at) VALUES ({n}, 'u{n}', 'U', 'learner', '-', {then})"
                    for n in (1, 2)
                ),
                # An open poll with two votes, a closed one with one, an open one without.
                *(
                    "INSERT INTO polls (id, course_id, statement, opens_at, closes_at, "
                    f"created_at) VALUES ('{poll}', 'c', 'S?', {then}, {closes}, {then})"
                    for poll, closes in (
                        ("open", "NULL"),
                        ("closed", "'2025-02-01 00:00:00.000000'"),
                        ("quiet", "NULL"),
                    )
                ),
                *(
                    "INSERT INTO poll_options (id, poll_id, position, text) "
                    f"VALUES ('{poll}-{n}', '{poll}', {n}, 'O{n}')"
                    for poll in ("open", "closed", "quiet")
                    for n in (1, 2)
                ),
                "INSERT INTO poll_votes (poll_id, user_id, option_id, updated_at) VALUES "
                f"('open', 1, 'open-1', {then}), ('open', 2, 'open-2', {then}), "
                f"('closed', 1, 'closed-2', {then})",
                # The leaked running results: two versions of one, one of another.
                *(
                    "INSERT INTO change_log (id, scope, entity, entity_id, op, version, data, "
                    f"created_at) VALUES ({id_}, 'course:c', '{entity}', '{poll}', 'put', "
                    f"{version}, '{{}}', {then})"
                    for id_, entity, poll, version in (
                        (1, "poll", "open", 1),
                        (2, "poll_results", "open", 1),
                        (3, "poll_results", "closed", 1),
                        (4, "poll_results", "open", 2),
                    )
                ),
                "UPDATE change_counter SET value = 4",
            )
        upgrade_to_head(database.engine)

        with database.session() as session:
            log = table_of(ChangeLog)
            rows = session.execute(
                select(log.c.id, log.c.scope, log.c.entity_id, log.c.op, log.c.version, log.c.data)
                .where(log.c.entity == "poll_results")
                .order_by(log.c.id)
            ).all()
            assert [tuple(row) for row in rows] == [
                (5, "course:c", "closed", "delete", 2, None),
                (6, "course:c", "open", "delete", 3, None),
                (7, "poll:closed", "closed", "put", 1, _tally("closed", 0, 1)),
                (8, "poll:open", "open", "put", 1, _tally("open", 1, 1)),
            ]
            assert session.execute(select(ChangeCounter.value)).scalar_one() == 8
            assert not any(session.scalars(select(Poll.results_published)))

            # The next sweep publishes the closed poll once, above the tombstone's version.
            assert publish_due(session, datetime.now(UTC)) == 1
            assert publish_due(session, datetime.now(UTC)) == 0
            session.commit()
            final = session.execute(
                select(log.c.scope, log.c.op, log.c.version, log.c.data).where(log.c.id == 9)
            ).one()
            assert tuple(final) == ("course:c", "put", 3, _tally("closed", 0, 1))
    finally:
        database.dispose()


def _tally(poll: str, first: int, second: int) -> dict[str, object]:
    counts = {f"{poll}-1": first, f"{poll}-2": second}
    return {"poll_id": poll, "counts": counts, "total": first + second}


def test_0008_lists_items_hidden_before_it_for_the_moderators(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'forum.db'}")
    try:
        command.upgrade(alembic_config(database.engine), "0007")
        then = "'2025-01-01 00:00:00.000000'"
        threads = [  # id, hidden, deleted
            ("shown", 0, 0), ("hidden", 1, 0), ("hidden-deleted", 1, 1), ("deleted", 0, 1)
        ]  # fmt: skip
        replies = [  # id, thread, hidden, deleted
            ("r-hidden", "shown", 1, 0),
            ("r-shown", "shown", 0, 0),
            ("r-hidden-deleted", "shown", 1, 1),
            ("r-in-deleted-thread", "deleted", 1, 0),
            ("r-never-pulled", "shown", 1, 0),  # no put in the log: nothing to show
        ]
        puts = [("forum_thread", t) for t, *_ in threads] + [
            ("forum_post", r) for r, *_ in replies if r != "r-never-pulled"
        ]
        with database.engine.begin() as connection:
            _run(
                connection,
                "INSERT INTO courses (id, version, title, language, summary) "
                "VALUES ('c', 1, 'C', 'en', '')",
                "INSERT INTO users (id, username, display_name, role, password_hash, created_at) "
                f"VALUES (1, 'u', 'U', 'learner', '-', {then})",
                *(
                    "INSERT INTO forum_threads (id, course_id, author_id, title, body, locked, "
                    "created_at, pinned, hidden, deleted, is_question, version) "
                    f"VALUES ('{t}', 'c', 1, 'T', 'B', 0, {then}, 0, {hidden}, {deleted}, 0, 1)"
                    for t, hidden, deleted in threads
                ),
                *(
                    "INSERT INTO forum_posts (id, thread_id, author_id, body, created_at, hidden, "
                    f"deleted, version) VALUES ('{r}', '{t}', 1, 'B', {then}, {hidden}, "
                    f"{deleted}, 1)"
                    for r, t, hidden, deleted in replies
                ),
                *(
                    "INSERT INTO change_log (id, scope, entity, entity_id, op, version, data, "
                    f"created_at) VALUES ({n}, 'course:c', '{entity}', '{item}', 'put', 1, "
                    f'\'{{"seen": "{item}"}}\', {then})'
                    for n, (entity, item) in enumerate(puts, start=1)
                ),
                f"UPDATE change_counter SET value = {len(puts)}",
            )
        upgrade_to_head(database.engine)
        with database.session() as session:
            log = table_of(ChangeLog)
            rows = session.execute(
                select(log.c.id, log.c.scope, log.c.entity, log.c.entity_id, log.c.data)
                .where(log.c.scope == "moderation:c")
                .order_by(log.c.id)
            ).all()
            first = len(puts) + 1
            assert [tuple(row) for row in rows] == [
                (first, "moderation:c", "forum_hidden_thread", "hidden", {"seen": "hidden"}),
                (first + 1, "moderation:c", "forum_hidden_post", "r-hidden", {"seen": "r-hidden"}),
            ]
            assert session.execute(select(ChangeCounter.value)).scalar_one() == first + 1
    finally:
        database.dispose()


def test_tables_copied_by_batch_mode_keep_the_rows_that_refer_to_them(tmp_path: Path) -> None:
    # 0005 copies forum_threads on SQLite; dropping the old table must not cascade to replies.
    database = Database(f"sqlite:///{tmp_path / 'replies.db'}")
    try:
        command.upgrade(alembic_config(database.engine), "0004")
        then = "'2025-01-01 00:00:00.000000'"
        with database.engine.begin() as connection:
            _run(
                connection,
                "INSERT INTO courses (id, version, title, language, summary) "
                "VALUES ('c', 1, 'C', 'en', '')",
                "INSERT INTO users (id, username, display_name, role, password_hash, created_at) "
                f"VALUES (1, 'u', 'U', 'learner', '-', {then})",
                "INSERT INTO forum_threads (id, course_id, author_id, title, body, locked, "
                f"created_at) VALUES ('t', 'c', 1, 'T', 'B', 0, {then})",
                "INSERT INTO forum_posts (id, thread_id, author_id, body, created_at) "
                f"VALUES ('r', 't', 1, 'Reply', {then})",
            )
        upgrade_to_head(database.engine)
        with database.engine.connect() as connection:
            assert connection.execute(text("SELECT id, body FROM forum_posts")).all() == [
                ("r", "Reply")
            ]
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        database.dispose()


def test_0009_credits_lessons_completed_before_it_and_publishes_the_points(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'points.db'}")
    try:
        command.upgrade(alembic_config(database.engine), "0008")
        then = "'2025-01-01 00:00:00.000000'"
        with database.engine.begin() as connection:
            _run(
                connection,
                "INSERT INTO courses (id, version, title, language, summary) "
                "VALUES ('c', 1, 'C', 'en', '')",
                *(
                    "INSERT INTO lessons (id, course_id, position, title, body_markdown) "
                    f"VALUES ('c-{n}', 'c', {n}, 'L', '')"
                    for n in (1, 2)
                ),
                "INSERT INTO users (id, username, display_name, role, password_hash, "
                f"created_at) VALUES (1, 'u1', 'U', 'learner', '-', {then})",
                "INSERT INTO progress (user_id, lesson_id, course_id, position_ms, completed, "
                f"version, updated_at) VALUES (1, 'c-1', 'c', 0, 1, 1, {then}), "
                f"(1, 'c-2', 'c', 500, 0, 1, {then})",
            )
        upgrade_to_head(database.engine)
        with database.engine.connect() as connection:
            ledger = connection.execute(
                text("SELECT user_id, course_id, reason, source, amount FROM points_ledger")
            ).all()
            published = connection.execute(
                text(
                    "SELECT scope, entity, entity_id, data FROM change_log WHERE entity = 'points'"
                )
            ).all()
            counter = connection.execute(text("SELECT value FROM change_counter")).scalar()
            newest = connection.execute(text("SELECT MAX(id) FROM change_log")).scalar()
        assert [tuple(row) for row in ledger] == [(1, "c", "lesson_completed", "lesson:1:c-1", 10)]
        ((scope, entity, entity_id, data),) = published
        assert (scope, entity, entity_id) == ("user:1", "points", "c")
        assert json.loads(data)["total"] == 10
        assert counter == newest  # the next change continues after the published one
    finally:
        database.dispose()


def test_0015_gives_lessons_and_episodes_the_language_of_their_course_and_feed(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'languages.db'}")
    try:
        command.upgrade(alembic_config(database.engine), "0013")
        then = "'2025-01-01 00:00:00.000000'"
        with database.engine.begin() as connection:
            _run(
                connection,
                "INSERT INTO courses (id, version, title, language, summary) "
                "VALUES ('nl-c', 1, 'C', 'nl', ''), ('en-c', 1, 'C', 'en', '')",
                "INSERT INTO lessons (id, course_id, position, title, body_markdown) "
                "VALUES ('nl-c-1', 'nl-c', 1, 'L', ''), ('en-c-1', 'en-c', 1, 'L', '')",
                "INSERT INTO exercises (id, lesson_id, position, kind, prompt, options, "
                "peer_review, supporter_allowed, peer_questions) "
                "VALUES ('nl-c-1-e1', 'nl-c-1', 1, 'open', '?', '[]', 0, 0, '[]')",
                "INSERT INTO podcast_feeds (id, title, description, language, author) "
                "VALUES ('f', 'F', '', 'nl', '')",
                "INSERT INTO podcast_episodes (feed_id, guid, title, description, file, size, "
                "sha256, content_type, duration_seconds, published_at) "
                f"VALUES ('f', 'g', 'E', '', 'e.mp3', 1, 'x', 'audio/mpeg', 1, {then})",
            )
        upgrade_to_head(database.engine)
        with database.engine.connect() as connection:
            lessons = connection.execute(text("SELECT id, language FROM lessons ORDER BY id"))
            assert [tuple(row) for row in lessons] == [("en-c-1", "en"), ("nl-c-1", "nl")]
            episodes = connection.execute(text("SELECT guid, language FROM podcast_episodes"))
            assert [tuple(row) for row in episodes] == [("g", "nl")]
            # Copying the lessons table kept the exercises that hang off it.
            assert connection.execute(text("SELECT count(*) FROM exercises")).scalar() == 1
    finally:
        database.dispose()


def test_0016_a_reply_and_the_rate_limits_find_posts_by_index(tmp_path: Path) -> None:
    """A thread's posts and an author's posts and threads are found through an index, not by
    reading the whole forum (what each forum write did before)."""
    database = Database(f"sqlite:///{tmp_path / 'forum.db'}")
    try:
        upgrade_to_head(database.engine)
        queries = (
            "SELECT id FROM forum_posts WHERE thread_id = 't1'",
            "SELECT COUNT(*) FROM forum_posts WHERE author_id = 1",
            "SELECT COUNT(*) FROM forum_threads WHERE author_id = 1",
        )
        with database.engine.connect() as connection:
            for query in queries:
                plan = " ".join(
                    str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {query}"))
                )
                assert "USING" in plan and "INDEX" in plan, (query, plan)
    finally:
        database.dispose()


def test_0017_counts_each_threads_visible_replies_and_indexes_an_authors_recent_posts(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'forum.db'}")
    try:
        command.upgrade(alembic_config(database.engine), "0016")
        then = "'2025-01-01 00:00:00.000000'"
        replies = [  # id, thread, hidden, deleted
            ("r1", "busy", 0, 0),
            ("r2", "busy", 0, 0),
            ("r-hidden", "busy", 1, 0),
            ("r-deleted", "busy", 0, 1),
            ("r3", "other", 0, 0),
        ]
        with database.engine.begin() as connection:
            _run(
                connection,
                "INSERT INTO courses (id, version, title, language, summary) "
                "VALUES ('c', 1, 'C', 'en', '')",
                "INSERT INTO users (id, username, display_name, role, password_hash, created_at) "
                f"VALUES (1, 'u', 'U', 'learner', '-', {then})",
                *(
                    "INSERT INTO forum_threads (id, course_id, author_id, title, body, locked, "
                    "created_at, pinned, hidden, deleted, is_question, version) "
                    f"VALUES ('{t}', 'c', 1, 'T', 'B', 0, {then}, 0, 0, 0, 0, 1)"
                    for t in ("busy", "other", "quiet")
                ),
                *(
                    "INSERT INTO forum_posts (id, thread_id, author_id, body, created_at, hidden, "
                    f"deleted, version) VALUES ('{r}', '{t}', 1, 'B', {then}, {hidden}, "
                    f"{deleted}, 1)"
                    for r, t, hidden, deleted in replies
                ),
            )
        upgrade_to_head(database.engine)
        with database.engine.connect() as connection:
            counts = connection.execute(text("SELECT id, replies FROM forum_threads ORDER BY id"))
            assert [tuple(row) for row in counts] == [("busy", 2), ("other", 1), ("quiet", 0)]
            for table in ("forum_posts", "forum_threads"):
                query = f"SELECT COUNT(*) FROM {table} WHERE author_id = 1 AND created_at >= {then}"
                plan = " ".join(
                    str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {query}"))
                )
                assert f"ix_{table}_author_created" in plan, plan
    finally:
        database.dispose()


def test_0019_a_pull_page_reads_its_scopes_from_the_cursor_in_order(tmp_path: Path) -> None:
    """A pull page is found through (scope, id): before, every change of the learner's courses
    was read and sorted for each page, so a page cost grew with the course's history."""
    database = Database(f"sqlite:///{tmp_path / 'pull.db'}")
    try:
        upgrade_to_head(database.engine)
        query = (
            "SELECT id FROM change_log WHERE id > 1000 AND id <= 90000 "
            "AND scope IN ('user:5', 'course:a', 'course:b') ORDER BY id LIMIT 501"
        )
        with database.engine.connect() as connection:
            plan = " ".join(
                str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {query}"))
            )
        assert "ix_change_log_scope_id" in plan and "id>?" in plan.replace(" ", ""), plan
    finally:
        database.dispose()
