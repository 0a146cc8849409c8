"""Podcast feeds, episodes, chapters and transcripts as the client knows them. Pure data.
Any thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EpisodeFile(StrEnum):
    """Whether an episode's audio is on this computer."""

    REMOTE = "remote"  # only in the feed
    PARTIAL = "partial"  # a resumable part is on disk
    AVAILABLE = "available"
    FAILED = "failed"  # the last download failed; see the episode's error


@dataclass(frozen=True, slots=True)
class Link:
    """A Podcasting 2.0 side file (podcast:chapters or podcast:transcript)."""

    url: str
    type: str
    language: str = ""


@dataclass(frozen=True, slots=True)
class ParsedEpisode:
    guid: str
    title: str
    summary: str
    published_at: str | None  # ISO 8601 UTC, or None when the feed gives no usable date
    enclosure_url: str | None
    enclosure_type: str
    enclosure_length: int | None
    duration_ms: int | None
    chapters: Link | None = None
    transcripts: tuple[Link, ...] = ()
    # What is spoken, as the feed tags it ("nl", "en-gb"): the item's own language, else the
    # feed's; "" when the feed names none.
    language: str = ""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    description: str
    author: str
    link: str
    image_url: str
    episodes: tuple[ParsedEpisode, ...]
    warnings: tuple[str, ...] = ()  # what was wrong but could be read anyway
    language: str = ""  # the channel's <language>, "" when none


@dataclass(frozen=True, slots=True)
class Feed:
    url: str
    title: str
    description: str
    author: str
    is_academy: bool
    keep_latest: int  # auto-download this many unplayed episodes (0: off)
    checked_at: str | None
    error: str  # the last refresh's problem, "" when it went well
    episode_count: int = 0
    image_url: str = ""  # the podcast's artwork (RSS <image> / itunes:image), "" when none
    language: str = ""  # the feed's own language tag, "" when it names none


@dataclass(frozen=True, slots=True)
class Episode:
    key: str  # episode_key(feed url, guid): the same on every device
    feed_url: str
    guid: str
    title: str
    summary: str
    published_at: str | None
    enclosure_url: str | None
    enclosure_type: str
    enclosure_length: int | None
    duration_ms: int | None
    file: EpisodeFile
    file_name: str  # under the podcasts folder, "" when not downloaded
    size: int  # bytes on disk when available
    pinned: bool
    error: str
    chapters: Link | None = None
    transcripts: tuple[Link, ...] = ()
    position_ms: int = 0
    played: bool = False
    feed_title: str = ""
    language: str = ""  # what is spoken (ParsedEpisode.language), "" when not known

    @property
    def in_progress(self) -> bool:
        return self.position_ms > 0 and not self.played


@dataclass(frozen=True, slots=True)
class Chapter:
    start_ms: int
    title: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class Transcript:
    language: str
    lines: tuple[tuple[int | None, str], ...] = field(default_factory=tuple)  # (start ms, text)
