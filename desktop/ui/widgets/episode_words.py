"""What the Podcasts page says about podcasts and episodes, in one place (Dutch arrives in issue
16): an episode's date, length and state in words, the primary action's label, empty states.
UI thread (pure functions)."""

from __future__ import annotations

from desktop.domain.podcast import Episode, EpisodeFile, Feed
from desktop.ui import formatting, time_words

ALL_PODCASTS = "All episodes"
FROM_ACADEMY = "From your academy"
NO_PODCASTS = (
    "No podcasts yet. Choose Add podcast… and paste a podcast's feed address (it usually ends "
    "in .xml or /feed). Your academy's own podcast arrives by itself after your next sync."
)
NO_EPISODES = "This podcast has no episodes yet. Check for new episodes, or come back later."
CHOOSE_EPISODE = "Choose an episode to read its notes."
NO_NOTES = "This episode has no show notes."
NO_CHAPTERS = "This episode has no chapters."
READING_CHAPTERS = "Reading the chapters…"
NO_TRANSCRIPT = "This episode has no transcript."
PLAY = "&Play"
DOWNLOAD = "&Download"
MORE = "&More"
MORE_TIP = "More for this episode: delete the download, keep it, stop a download"
DELETE = "&Delete download"
DELETE_TIP = "Free the space; the episode stays in the list"
KEEP = "&Keep on this computer"
KEEP_TIP = "A kept episode is never deleted by itself"
STOP = "S&top download"
NO_AUDIO = "No audio yet"


def heard(episode: Episode) -> str:
    """ "New", "Played", "8 min left", "Started"."""
    if episode.played:
        return "Played"
    if episode.in_progress:
        if episode.duration_ms:
            left = time_words.length(max(episode.duration_ms - episode.position_ms, 1000))
            return f"{left} left"
        return "Started"
    return "New"


def where(episode: Episode, downloading: dict[str, int]) -> str:
    """ "Downloading 40%", "Downloaded", "Downloaded, kept", "Download failed"... or "" when
    it is only in the feed (nothing to say: the primary action offers the download)."""
    if episode.key in downloading:
        return f"Downloading {downloading[episode.key]}%"
    if episode.file is EpisodeFile.AVAILABLE:
        return "Downloaded, kept" if episode.pinned else "Downloaded"
    if not episode.enclosure_url:
        return NO_AUDIO
    if episode.file is EpisodeFile.FAILED or episode.error:
        return "Download failed"
    if episode.file is EpisodeFile.PARTIAL:
        return "Partly downloaded"
    return ""


def facts(episode: Episode, downloading: dict[str, int], with_podcast: bool = False) -> str:
    """The row's second line: "20 January · 12 min · New · Downloaded"."""
    parts = [
        episode.feed_title if with_podcast else "",
        time_words.ago(episode.published_at),
        time_words.length(episode.duration_ms),
        heard(episode),
        where(episode, downloading),
    ]
    # A no-break space before each dot: a wrapped line never starts with "·".
    return "\u00a0· ".join(part for part in parts if part)


def first_line(summary: str) -> str:
    return next((line.strip() for line in summary.splitlines() if line.strip()), "")


def primary(episode: Episode, downloading: dict[str, int]) -> tuple[str, str, bool]:
    """The primary action's label, icon name and whether it can be pressed now."""
    if episode.key in downloading:
        return f"Downloading {downloading[episode.key]}%", "download", False
    if episode.file is EpisodeFile.AVAILABLE:
        if episode.in_progress and not episode.played:
            return f"&Resume at {formatting.clock_time(episode.position_ms)}", "play", True
        return PLAY, "play", True
    if not episode.enclosure_url:
        return NO_AUDIO, "download", False
    return DOWNLOAD, "download", True


def feed_line(feed: Feed) -> str:
    """The feed list's muted second line."""
    if feed.error:
        return "Could not be checked"
    if feed.is_academy:
        return FROM_ACADEMY
    return feed.author or episodes(feed.episode_count)


def episodes(count: int) -> str:
    return "1 episode" if count == 1 else f"{count} episodes"


def feed_about(feed: Feed) -> str:
    """The header's line under the title."""
    who = FROM_ACADEMY if feed.is_academy else (f"By {feed.author}" if feed.author else "")
    count = episodes(feed.episode_count)
    checked = time_words.ago(feed.checked_at)
    state = (
        f"Last check failed: {feed.error}"
        if feed.error
        else (f"Checked {checked}" if checked else "")
    )
    return " · ".join(part for part in (who, count, state) if part)


def all_about(feeds: list[Feed], count: int) -> str:
    podcasts = "1 podcast" if len(feeds) == 1 else f"{len(feeds)} podcasts"
    return f"{podcasts} · {episodes(count)}, newest first"
