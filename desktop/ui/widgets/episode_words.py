"""What the Podcasts page says about podcasts and episodes, in one place: an episode's date,
length and state in words, the primary action's label, empty states. UI thread (pure
functions).

The constants are marked for the catalogue (`N_`) and translated where they are shown (`_`):
the language is installed after this module is imported.
"""

from __future__ import annotations

from desktop.domain.podcast import Episode, EpisodeFile, Feed
from desktop.language import formats
from desktop.language.catalogue import N_, _, counted
from desktop.ui import formatting, time_words

ALL_PODCASTS = N_("All episodes")
FROM_ACADEMY = N_("From your academy")
NO_PODCASTS = N_(
    "No podcasts yet. Choose Add podcast… and paste a podcast's feed address (it usually ends "
    "in .xml or /feed). Your academy's own podcast arrives by itself after your next sync."
)
NO_EPISODES = N_("This podcast has no episodes yet. Check for new episodes, or come back later.")
CHOOSE_EPISODE = N_("Choose an episode to read its notes.")
NO_NOTES = N_("This episode has no show notes.")
NO_CHAPTERS = N_("This episode has no chapters.")
READING_CHAPTERS = N_("Reading the chapters…")
NO_TRANSCRIPT = N_("This episode has no transcript.")
PLAY = N_("&Play")
DOWNLOAD = N_("&Download")
MORE = N_("&More")
MORE_TIP = N_("More for this episode: delete the download, keep it, stop a download")
DELETE = N_("&Delete download")
DELETE_TIP = N_("Free the space; the episode stays in the list")
KEEP = N_("&Keep on this computer")
KEEP_TIP = N_("A kept episode is never deleted by itself")
STOP = N_("S&top download")
NO_AUDIO = N_("No audio yet")


def heard(episode: Episode) -> str:
    """ "New", "Played", "8 min left", "Started"."""
    if episode.played:
        return _("Played")
    if episode.in_progress:
        if episode.duration_ms:
            left = time_words.length(max(episode.duration_ms - episode.position_ms, 1000))
            return _("{time} left").format(time=left)
        return _("Started")
    # Translators: an episode not listened to yet.
    return _("New")


def _downloading(percent: int) -> str:
    return _("Downloading {percent}").format(percent=formats.percent(percent / 100))


def where(episode: Episode, downloading: dict[str, int]) -> str:
    """ "Downloading 40%", "Downloaded", "Downloaded, kept", "Download failed"... or "" when
    it is only in the feed (nothing to say: the primary action offers the download)."""
    if episode.key in downloading:
        return _downloading(downloading[episode.key])
    if episode.file is EpisodeFile.AVAILABLE:
        return _("Downloaded, kept") if episode.pinned else _("Downloaded")
    if not episode.enclosure_url:
        return _(NO_AUDIO)
    if episode.file is EpisodeFile.FAILED or episode.error:
        return _("Download failed")
    if episode.file is EpisodeFile.PARTIAL:
        return _("Partly downloaded")
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
        return _downloading(downloading[episode.key]), "download", False
    if episode.file is EpisodeFile.AVAILABLE:
        if episode.in_progress and not episode.played:
            at = formatting.clock_time(episode.position_ms)
            return _("&Resume at {time}").format(time=at), "play", True
        return _(PLAY), "play", True
    if not episode.enclosure_url:
        return _(NO_AUDIO), "download", False
    return _(DOWNLOAD), "download", True


def feed_line(feed: Feed) -> str:
    """The feed list's muted second line."""
    if feed.error:
        return _("Could not be checked")
    if feed.is_academy:
        return _(FROM_ACADEMY)
    return feed.author or episodes(feed.episode_count)


def episodes(count: int) -> str:
    return counted("{n} episode", "{n} episodes", count)


def feed_about(feed: Feed) -> str:
    """The header's line under the title."""
    if feed.is_academy:
        who = _(FROM_ACADEMY)
    else:
        who = _("By {author}").format(author=feed.author) if feed.author else ""
    count = episodes(feed.episode_count)
    checked = time_words.ago(feed.checked_at)
    if feed.error:
        state = _("Last check failed: {problem}").format(problem=feed.error)
    else:
        # Translators: {when} is e.g. "3 minutes ago", "yesterday" or "12 March".
        state = _("Checked {when}").format(when=checked) if checked else ""
    return " · ".join(part for part in (who, count, state) if part)


def all_about(feeds: list[Feed], count: int) -> str:
    return counted(
        "{n} podcast · {episodes}, newest first",
        "{n} podcasts · {episodes}, newest first",
        len(feeds),
        episodes=episodes(count),
    )
