"""Podcast subscriptions and their episodes on this computer. Worker threads / CLI.

A refresh merges a parsed feed in one transaction: episodes are keyed by guid, so a feed that
reorders, retitles or drops episodes never duplicates them, and an episode that left the feed
stays while its file is on this computer (the learner may be listening to it).
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from typing import Any

from desktop.domain.learning import episode_key
from desktop.domain.podcast import Episode, EpisodeFile, Feed, Link, ParsedFeed
from desktop.store.clock import utc_now
from desktop.store.db import Store


def _link(value: Any) -> Link | None:
    if not isinstance(value, dict) or not value.get("url"):
        return None
    return Link(str(value["url"]), str(value.get("type", "")), str(value.get("language", "")))


def _link_json(link: Link | None) -> str | None:
    if link is None:
        return None
    return json.dumps({"url": link.url, "type": link.type, "language": link.language})


def _episode(row: dict[str, Any]) -> Episode:
    transcripts = tuple(
        link for item in json.loads(row["transcripts_json"] or "[]") if (link := _link(item))
    )
    return Episode(
        key=row["key"],
        feed_url=row["feed_url"],
        guid=row["guid"],
        title=row["title"],
        summary=row["summary"],
        published_at=row["published_at"],
        enclosure_url=row["enclosure_url"],
        enclosure_type=row["enclosure_type"],
        enclosure_length=row["enclosure_length"],
        duration_ms=row["duration_ms"],
        file=EpisodeFile(row["file"]),
        file_name=row["file_name"],
        size=int(row["size"]),
        pinned=bool(row["pinned"]),
        error=row["error"],
        chapters=_link(json.loads(row["chapters_json"])) if row["chapters_json"] else None,
        transcripts=transcripts,
        feed_title=row.get("feed_title") or "",
        # Stored before episodes had one: the feed's stands in until the feed is read again.
        language=row["language"] or row.get("feed_language") or "",
    )


class PodcastRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def at_one_moment(self) -> AbstractContextManager[object]:
        """Reads inside see one state: no write of another thread lands between them (the
        store's lock is re-entrant, so the repositories' own reads nest)."""
        return self._store.read()

    # -- feeds -----------------------------------------------------------------------------

    def save_feed(
        self,
        url: str,
        parsed: ParsedFeed,
        *,
        etag: str,
        last_modified: str,
        is_academy: bool = False,
        keep_latest: int | None = None,
    ) -> int:
        """Insert or update a feed and merge its episodes; returns how many are new."""
        now = utc_now()
        with self._store.write() as db:
            db.execute("DELETE FROM feed_declines WHERE url = ?", [url])
            db.execute(
                """INSERT INTO feeds (url, title, description, author, image_url, is_academy,
                       etag, last_modified, checked_at, error, added_at, language)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)
                   ON CONFLICT(url) DO UPDATE SET title = excluded.title,
                       description = excluded.description, author = excluded.author,
                       image_url = excluded.image_url, language = excluded.language,
                       is_academy = MAX(feeds.is_academy, excluded.is_academy),
                       etag = excluded.etag, last_modified = excluded.last_modified,
                       checked_at = excluded.checked_at, error = ''""",
                [
                    url,
                    parsed.title,
                    parsed.description,
                    parsed.author,
                    parsed.image_url,
                    int(is_academy),
                    etag,
                    last_modified,
                    now,
                    now,
                    parsed.language,
                ],
            )
            if keep_latest is not None:
                db.execute("UPDATE feeds SET keep_latest = ? WHERE url = ?", [keep_latest, url])
            new = 0
            for episode in parsed.episodes:
                key = episode_key(url, episode.guid)
                new += db.execute("SELECT 1 FROM episodes WHERE key = ?", [key]).fetchone() is None
                db.execute(
                    """INSERT INTO episodes (key, feed_url, guid, title, summary, published_at,
                           enclosure_url, enclosure_type, enclosure_length, duration_ms,
                           chapters_json, transcripts_json, language)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT(key) DO UPDATE SET title = excluded.title,
                           summary = excluded.summary, published_at = excluded.published_at,
                           -- a part of another file must not be resumed with this one
                           part_validator = CASE WHEN episodes.enclosure_url IS
                               excluded.enclosure_url THEN episodes.part_validator ELSE '' END,
                           enclosure_url = excluded.enclosure_url,
                           enclosure_type = excluded.enclosure_type,
                           enclosure_length = excluded.enclosure_length,
                           duration_ms = COALESCE(excluded.duration_ms, episodes.duration_ms),
                           chapters_json = excluded.chapters_json,
                           transcripts_json = excluded.transcripts_json,
                           language = excluded.language""",
                    [
                        key,
                        url,
                        episode.guid,
                        episode.title,
                        episode.summary,
                        episode.published_at,
                        episode.enclosure_url,
                        episode.enclosure_type,
                        episode.enclosure_length,
                        episode.duration_ms,
                        _link_json(episode.chapters),
                        json.dumps(
                            [json.loads(_link_json(t) or "{}") for t in episode.transcripts]
                        ),
                        episode.language,
                    ],
                )
            return new

    def mark_checked(self, url: str, *, error: str = "") -> None:
        """A refresh that changed nothing (HTTP 304) or failed: the episodes stay as they are."""
        with self._store.write() as db:
            db.execute(
                "UPDATE feeds SET checked_at = ?, error = ? WHERE url = ?", [utc_now(), error, url]
            )

    def set_keep_latest(self, url: str, count: int) -> None:
        with self._store.write() as db:
            db.execute("UPDATE feeds SET keep_latest = ? WHERE url = ?", [count, url])

    def validators(self, url: str) -> tuple[str, str]:
        with self._store.read() as db:
            row = db.execute(
                "SELECT etag, last_modified FROM feeds WHERE url = ?", [url]
            ).fetchone()
        return ("", "") if row is None else (row[0], row[1])

    def feeds(self) -> list[Feed]:
        with self._store.read() as db:
            rows = db.query(
                """SELECT feeds.*, (SELECT COUNT(*) FROM episodes
                       WHERE episodes.feed_url = feeds.url) AS episode_count
                   FROM feeds ORDER BY is_academy DESC, title COLLATE NOCASE"""
            )
            return [
                Feed(
                    url=row["url"],
                    title=row["title"],
                    description=row["description"],
                    author=row["author"],
                    is_academy=bool(row["is_academy"]),
                    keep_latest=int(row["keep_latest"]),
                    checked_at=row["checked_at"],
                    error=row["error"],
                    episode_count=int(row["episode_count"]),
                    image_url=row["image_url"],
                    language=row["language"],
                )
                for row in rows
            ]

    def remove_feed(self, url: str) -> list[str]:
        """Forget a feed and its episodes; returns the file names to delete."""
        with self._store.write() as db:
            names = [
                str(row[0])
                for row in db.execute(
                    "SELECT file_name FROM episodes WHERE feed_url = ? AND file_name != ''", [url]
                ).fetchall()
            ]
            db.execute(
                """INSERT OR REPLACE INTO feed_declines (url, declined_at)
                   SELECT url, ? FROM feeds WHERE url = ? AND is_academy = 1""",
                [utc_now(), url],
            )
            db.execute("DELETE FROM feeds WHERE url = ?", [url])
        return names

    def declined(self) -> set[str]:
        """Academy feeds the learner unsubscribed from."""
        with self._store.read() as db:
            return {str(row[0]) for row in db.execute("SELECT url FROM feed_declines")}

    # -- episodes --------------------------------------------------------------------------

    def episodes(self, feed_url: str | None = None) -> list[Episode]:
        where, params = ("WHERE episodes.feed_url = ?", [feed_url]) if feed_url else ("", [])
        with self._store.read() as db:
            rows = db.query(
                f"""SELECT episodes.*, feeds.title AS feed_title,
                        feeds.language AS feed_language FROM episodes
                    JOIN feeds ON feeds.url = episodes.feed_url {where}
                    ORDER BY COALESCE(published_at, '') DESC, title""",
                params,
            )
            return [_episode(row) for row in rows]

    def episode(self, key: str) -> Episode | None:
        with self._store.read() as db:
            rows = list(
                db.query(
                    """SELECT episodes.*, feeds.title AS feed_title,
                           feeds.language AS feed_language FROM episodes
                       JOIN feeds ON feeds.url = episodes.feed_url WHERE key = ?""",
                    [key],
                )
            )
        return _episode(rows[0]) if rows else None

    def part_validator(self, key: str) -> str:
        with self._store.read() as db:
            row = db.execute("SELECT part_validator FROM episodes WHERE key = ?", [key]).fetchone()
        return "" if row is None else str(row[0])

    def set_part(self, key: str, file_name: str, validator: str) -> None:
        with self._store.write() as db:
            db.execute(
                """UPDATE episodes SET file = 'partial', file_name = ?, part_validator = ?,
                       error = '' WHERE key = ?""",
                [file_name, validator, key],
            )

    def set_available(self, key: str, file_name: str, size: int) -> None:
        with self._store.write() as db:
            db.execute(
                """UPDATE episodes SET file = 'available', file_name = ?, size = ?,
                       part_validator = '', error = '', downloaded_at = ? WHERE key = ?""",
                [file_name, size, utc_now(), key],
            )

    def set_failed(self, key: str, error: str, *, partial: bool) -> None:
        with self._store.write() as db:
            db.execute(
                "UPDATE episodes SET file = ?, error = ? WHERE key = ?",
                ["partial" if partial else "failed", error, key],
            )

    def set_remote(self, key: str) -> None:
        with self._store.write() as db:
            db.execute(
                """UPDATE episodes SET file = 'remote', file_name = '', size = 0,
                       part_validator = '', downloaded_at = NULL WHERE key = ?""",
                [key],
            )

    def set_pinned(self, key: str, pinned: bool) -> None:
        with self._store.write() as db:
            db.execute("UPDATE episodes SET pinned = ? WHERE key = ?", [int(pinned), key])

    def bytes_on_disk(self) -> int:
        with self._store.read() as db:
            row = db.execute(
                "SELECT COALESCE(SUM(size), 0) FROM episodes WHERE file = 'available'"
            ).fetchone()
        return int(row[0])
