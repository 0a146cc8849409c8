"""Podcasts: subscriptions, refreshes, episode downloads, automatic downloads within a
storage budget, clean-up of played episodes, chapters and transcripts. Worker threads / CLI.

Every call is blocking and Qt-free. A feed that cannot be fetched or read never changes the
library: the feed keeps its episodes and shows the problem (`Feed.error`). Episode files live
in `folder/<first 16 hex of the key>.<ext>`; an episode being downloaded grows as a `.part`
next to it and resumes after a cut (see sync.web_download.download_web_file).
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

from desktop.domain.course import MAX_COVER_BYTES
from desktop.domain.errors import (
    AuthError,
    CancelledError,
    CaptivePortalError,
    DownloadBusyError,
    FeedError,
    MeteredConnectionError,
    OfflineError,
    SamenError,
    ServerBusyError,
)
from desktop.domain.learning import is_played
from desktop.domain.podcast import Chapter, Episode, EpisodeFile, Feed, Link, Transcript
from desktop.domain.transfer import TransferProgress, TransferStats
from desktop.language.catalogue import _
from desktop.media.cover_cache import CoverCache
from desktop.media.feeds import parse_feed
from desktop.media.side_files import parse_chapters, parse_transcript
from desktop.services.downloads import Work
from desktop.services.learning import LearningService
from desktop.store.podcasts import PodcastRepo
from desktop.sync.transfer import CancelToken, DiskUsage, free_bytes, part_path
from desktop.sync.web import MAX_SIDE_FILE_BYTES, WebClient, check_web_url
from desktop.sync.web_download import download_web_file

log = logging.getLogger(__name__)

MAX_EPISODE_BYTES = 2 * 1024 * 1024 * 1024
MAX_ATTEMPTS = 50  # a download that keeps progressing still ends some time
UNKNOWN_SIZE_GUESS = 60 * 1024 * 1024  # an hour of speech at 128 kbit/s, for the budget
_AUDIO_SUFFIXES = {".mp3", ".m4a", ".mp4", ".opus", ".ogg", ".oga", ".aac", ".wav", ".flac"}

OnProgress = Callable[[int, int], None]
T = TypeVar("T")


class WorkQueue(Protocol):
    """The app's download queue (DownloadService fits)."""

    def run_work(
        self,
        job_id: str,
        label: str,
        work: Work,
        *,
        cancel: CancelToken | None = None,
        on_progress: Callable[[TransferProgress], None] | None = None,
    ) -> None: ...


@dataclass
class RefreshReport:
    new_episodes: int = 0
    checked: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)  # feed url or episode key -> why
    deleted: list[str] = field(default_factory=list)  # episodes whose files were cleaned up


class PodcastService:
    def __init__(
        self,
        repo: PodcastRepo,
        web: Callable[[], WebClient],
        learning: LearningService,
        folder: Path,
        *,
        academy_feeds: Callable[[], list[tuple[str, str]]] = list,
        academy_url: Callable[[], str | None] = lambda: None,
        budget_bytes: Callable[[], int] = lambda: 2000 * 1024 * 1024,
        delete_after: Callable[[], timedelta] = lambda: timedelta(hours=24),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        free: DiskUsage = free_bytes,
        check_network: Callable[[], None] = lambda: None,
        queue: WorkQueue | None = None,
        artwork: CoverCache | None = None,
    ) -> None:
        self._repo = repo
        self._web = web
        self._learning = learning
        self.folder = folder
        self._academy_feeds = academy_feeds
        # The academy's address now (no network): its feeds are fetched there (see _source).
        self._academy_url = academy_url
        self._budget = budget_bytes
        self._delete_after = delete_after
        self._now = now
        self._free = free
        # Raises when downloading is not allowed now (metered connection, by the setting).
        self._check_network = check_network
        self._queue = queue
        self._artwork = artwork  # where podcasts' artwork is kept (None: not kept)
        self.stats = TransferStats()  # summed over every download (thread-safe enough: stats)
        self.attempts = 3  # tries in a row without progress before a download gives up
        self.retry_delay_s = 1.0  # times the number of tries without progress
        self._lock = threading.Lock()
        self._active: set[str] = set()

    # -- subscriptions ---------------------------------------------------------------------

    def subscribe(self, url: str, *, is_academy: bool = False) -> Feed:
        """Fetch and read the feed, then keep it. Raises FeedError (not a feed, gone, too
        big) or OfflineError; nothing is stored then."""
        url = check_web_url(url)
        fetched = self._web().fetch(url)
        parsed = parse_feed(fetched.content, url, content_type=fetched.content_type)
        self._repo.save_feed(
            url,
            parsed,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            is_academy=is_academy,
        )
        feed = next(f for f in self._repo.feeds() if f.url == url)
        for warning in parsed.warnings:
            log.info("%s: %s", url, warning)
        return feed

    def subscribe_academy(self) -> list[Feed]:
        """Subscribe to the academy's own feeds (the server lists them), except those the
        learner unsubscribed from."""
        declined = self._repo.declined()
        return [
            self.subscribe(url, is_academy=True)
            for _title, url in self._academy_feeds()
            if url not in declined
        ]

    def unsubscribe(self, url: str) -> None:
        for name in self._repo.remove_feed(url):
            self._delete_file(name)
        if self._artwork is not None:
            with contextlib.suppress(OSError):  # a leftover picture harms nobody
                self._artwork.drop_artwork(url)

    def feeds(self) -> list[Feed]:
        return self._repo.feeds()

    def library(self) -> tuple[list[Feed], list[Episode]]:
        """Feeds and episodes as of one moment: a subscription finishing meanwhile shows
        whole or not at all (never its episodes without its feed)."""
        with self._repo.at_one_moment():
            return self.feeds(), self.episodes()

    def set_keep_latest(self, url: str, count: int) -> None:
        if not 0 <= count <= 50:
            raise SamenError(_("Keep between 0 and 50 episodes downloaded per podcast."))
        self._repo.set_keep_latest(url, count)

    def _source(self, url: str) -> str:
        """Where to fetch the feed `url` now. An academy feed follows the academy's current
        address (a demo academy gets another port at every start; an academy may move): its
        path is kept, scheme and host come from the account. The feed keeps `url` as its
        identity, so its episodes keep their keys, files and listening positions."""
        feed = next((f for f in self._repo.feeds() if f.url == url), None)
        return url if feed is None else self._at_academy(feed, url)

    def _at_academy(self, feed: Feed, address: str) -> str:
        """`address` (the feed's or its artwork's) at the academy's current host when `feed`
        is the academy's own."""
        academy = self._academy_url()
        if not academy or not feed.is_academy:
            return address
        now, then = urlsplit(academy), urlsplit(address)
        if (now.scheme, now.netloc) == (then.scheme, then.netloc) or not now.netloc:
            return address
        return urlunsplit((now.scheme, now.netloc, then.path, then.query, ""))

    def refresh(self, url: str) -> int:
        """Fetch one feed again (conditionally); returns the number of new episodes. On any
        failure the feed keeps its episodes and remembers the problem, then it is raised."""
        source = self._source(url)
        # Validators belong to one address: another one starts afresh.
        etag, last_modified = self._repo.validators(url) if source == url else ("", "")
        try:
            fetched = self._web().fetch(source, etag=etag, last_modified=last_modified)
            if fetched.not_modified:
                self._repo.mark_checked(url)
                return 0
            parsed = parse_feed(fetched.content, source, content_type=fetched.content_type)
        except (FeedError, OfflineError) as exc:
            self._repo.mark_checked(url, error=exc.message)
            raise
        return self._repo.save_feed(
            url, parsed, etag=fetched.etag, last_modified=fetched.last_modified
        )

    def refresh_all(self) -> RefreshReport:
        report = RefreshReport()
        for feed in self._repo.feeds():
            try:
                report.new_episodes += self.refresh(feed.url)
                report.checked.append(feed.url)
            except (FeedError, OfflineError) as exc:
                report.problems[feed.url] = exc.message
        return report

    # -- episodes --------------------------------------------------------------------------

    def episodes(self, feed_url: str | None = None) -> list[Episode]:
        """Episodes newest first, with the learner's position and played state."""
        episodes = self._repo.episodes(feed_url)
        positions = self._learning.positions([e.key for e in episodes])
        shown = []
        for episode in episodes:
            if episode.file is EpisodeFile.AVAILABLE and not self.path(episode).is_file():
                self._repo.set_remote(episode.key)  # deleted behind our back
                episode = replace(episode, file=EpisodeFile.REMOTE, file_name="", size=0)
            saved = positions.get(episode.key)
            if saved is not None:
                episode = replace(
                    episode,
                    position_ms=saved.position_ms,
                    played=saved.played,
                    # The player knows the real length when the feed did not say.
                    duration_ms=episode.duration_ms or saved.duration_ms or None,
                )
            shown.append(episode)
        return shown

    def episode(self, key: str) -> Episode:
        found = self._repo.episode(key)
        if found is None:
            raise SamenError(_("This episode is no longer in your library."))
        saved = self._learning.position(key)
        if saved is not None:
            found = replace(found, position_ms=saved.position_ms, played=saved.played)
        return found

    def path(self, episode: Episode) -> Path:
        return self.folder / (episode.file_name or _file_name(episode))

    def download(
        self,
        key: str,
        *,
        cancel: CancelToken | None = None,
        on_progress: OnProgress | None = None,
    ) -> Episode:
        """Download one episode (resuming a part); blocking. With a download queue (the app's
        DownloadService) it runs as a job of that queue, so it shows, pauses and resumes in
        the Downloads tab like a course. Raises OfflineError (the part is kept),
        DiskFullError, CancelledError, DownloadBusyError (it is already downloading),
        MeteredConnectionError, FeedError/ProtocolError (the host refused)."""
        if self._queue is None:
            return self._download_alone(key, cancel, on_progress)
        episode = self.episode(key)
        if not episode.enclosure_url:
            raise _no_audio(episode)  # nothing to put in the queue

        def work(token: CancelToken, on_bytes: OnProgress) -> None:
            self._download_alone(key, token, on_bytes)

        def relay(progress: TransferProgress) -> None:
            if on_progress is not None:
                on_progress(progress.done_bytes, progress.total_bytes)

        self._queue.run_work(
            f"episode-{_stem(episode)}", episode.title, work, cancel=cancel, on_progress=relay
        )
        return self.episode(key)

    def _download_alone(
        self, key: str, cancel: CancelToken | None, on_progress: OnProgress | None
    ) -> Episode:
        with self._lock:
            if key in self._active:
                raise DownloadBusyError(_("This episode is already being downloaded."))
            self._active.add(key)
        try:
            return self._download(key, cancel, on_progress)
        finally:
            with self._lock:
                self._active.discard(key)

    def _download(
        self, key: str, cancel: CancelToken | None, on_progress: OnProgress | None
    ) -> Episode:
        episode = self.episode(key)
        if episode.file is EpisodeFile.AVAILABLE and self.path(episode).is_file():
            return episode
        if not episode.enclosure_url:
            raise _no_audio(episode)
        name = _file_name(episode)
        dest = self.folder / name
        part = part_path(dest)

        def remember(validator: str) -> None:
            self._repo.set_part(key, name, validator)

        waiter = cancel if cancel is not None else threading.Event()
        stalled = 0
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._check_network()  # the connection may have changed since the last try
            stats = TransferStats()
            try:
                size = download_web_file(
                    self._web(),
                    episode.enclosure_url,
                    dest,
                    max_bytes=MAX_EPISODE_BYTES,
                    if_range=self._repo.part_validator(key),
                    remember_validator=remember,
                    label=f"“{episode.title}”",
                    cancel=cancel,
                    on_progress=on_progress,
                    stats=stats,
                    free=self._free,
                )
                break
            except CancelledError:
                raise
            except OfflineError as exc:
                # A flaky link: go on at once while a resumed part grows. A host that cannot
                # resume (no validator) starts from zero each time, which is no progress.
                grew = stats.bytes_received > 0 and (stats.resumed > 0 or attempt == 1)
                stalled = 0 if grew else stalled + 1
                if stalled >= self.attempts or attempt == MAX_ATTEMPTS:
                    if not self._repo.part_validator(key):
                        part.unlink(missing_ok=True)  # it could never be resumed
                    self._repo.set_failed(key, exc.message, partial=part.is_file())
                    raise
                if not grew and waiter.wait(self.retry_delay_s * stalled):
                    raise CancelledError(
                        _("The download was stopped; it can resume later.")
                    ) from exc
            except SamenError as exc:
                self._repo.set_failed(key, exc.message, partial=part.is_file())
                raise
            except OSError as exc:  # e.g. unsubscribed (files deleted) while downloading
                raise SamenError(
                    _("“{title}” could not be saved ({reason}).").format(
                        title=episode.title, reason=exc
                    )
                ) from exc
            finally:
                with self._lock:
                    self.stats.add(stats)
        self._repo.set_available(key, name, size)
        return self.episode(key)

    def delete_file(self, key: str) -> None:
        """Delete an episode's audio from this computer; it stays in the list."""
        episode = self.episode(key)
        if not self._delete_file(episode.file_name or _file_name(episode)):
            raise SamenError(
                _("“{title}” could not be deleted; another program may be using it.").format(
                    title=episode.title
                )
            )
        self._repo.set_remote(key)

    def set_pinned(self, key: str, pinned: bool) -> None:
        """A pinned episode is never deleted automatically."""
        self._repo.set_pinned(key, pinned)

    def bytes_on_disk(self) -> int:
        return self._repo.bytes_on_disk()

    # -- automatic downloads and clean-up ------------------------------------------------

    def planned_downloads(self) -> list[Episode]:
        """The newest `keep_latest` unplayed episodes of each feed that are not downloaded
        yet and fit in the storage budget (with what is already on disk), newest first."""
        room = self._budget() - self._repo.bytes_on_disk()
        planned: list[Episode] = []
        for feed in self._repo.feeds():
            if feed.keep_latest <= 0:
                continue
            wanted = [e for e in self.episodes(feed.url) if not e.played and e.enclosure_url][
                : feed.keep_latest
            ]
            for episode in wanted:
                if episode.file is EpisodeFile.AVAILABLE:
                    continue
                size = episode.enclosure_length or UNKNOWN_SIZE_GUESS
                if size > room:
                    continue  # a smaller, later one may still fit
                room -= size
                planned.append(episode)
        planned.sort(key=lambda e: e.published_at or "", reverse=True)
        return planned

    def auto_download(
        self, *, cancel: CancelToken | None = None, on_progress: OnProgress | None = None
    ) -> dict[str, str]:
        """Download what `planned_downloads` lists; returns {key: problem} for failures (one
        bad host does not stop the others). Stops at once when offline or cancelled."""
        problems: dict[str, str] = {}
        for episode in self.planned_downloads():
            if cancel is not None and cancel.is_set():
                break
            try:
                self.download(episode.key, cancel=cancel, on_progress=on_progress)
            except (OfflineError, MeteredConnectionError) as exc:
                problems[episode.key] = exc.message
                break  # the next episodes would fail the same way
            except CancelledError:
                break
            except DownloadBusyError:
                continue  # the learner started this one by hand
            except SamenError as exc:
                problems[episode.key] = exc.message
        return problems

    def clean_up(self) -> list[str]:
        """Delete the files of episodes played longer ago than the setting says; never a
        pinned episode or one in progress. Returns the keys whose files were deleted."""
        cutoff = self._now() - self._delete_after()
        deleted = []
        for episode in self.episodes():
            if episode.file is not EpisodeFile.AVAILABLE or episode.pinned or not episode.played:
                continue
            duration = episode.duration_ms or 0
            if episode.position_ms > 0 and not is_played(episode.position_ms, duration):
                continue  # played before, and being listened to again
            played_at = self._learning.played_at(episode.key)
            if played_at is None or played_at > cutoff:
                continue
            try:
                self.delete_file(episode.key)
            except SamenError:
                continue  # logged; tried again at the next clean-up
            deleted.append(episode.key)
        return deleted

    def update(
        self, *, cancel: CancelToken | None = None, on_progress: OnProgress | None = None
    ) -> RefreshReport:
        """What runs after a sync window (and `samen podcast update`): subscribe to the
        academy's podcast if this computer has none of its feeds yet, refresh every feed,
        clean up played episodes, then download what the budget allows. Problems are
        reported per feed or episode; none stops the others."""
        report = RefreshReport()
        if not any(feed.is_academy for feed in self._repo.feeds()):  # declined ones stay off
            # Offline, logged out, or an academy without podcasts: the next update tries again.
            with contextlib.suppress(SamenError):
                report.new_episodes += sum(f.episode_count for f in self.subscribe_academy())
        refreshed = self.refresh_all()
        report.new_episodes += refreshed.new_episodes
        report.checked = refreshed.checked
        report.problems.update(refreshed.problems)
        report.deleted = self.clean_up()
        report.problems.update(self.auto_download(cancel=cancel, on_progress=on_progress))
        return report

    # -- artwork ---------------------------------------------------------------------------

    def artwork(self, feed: Feed) -> Path | None:
        """The podcast's artwork on this computer, or None (none, or not fetched yet)."""
        if self._artwork is None or not feed.image_url:
            return None
        return self._artwork.artwork(feed.url, _artwork_key(feed.image_url))

    def fetch_artwork(self, feeds: list[Feed]) -> dict[str, Path]:
        """Feed url -> artwork file, for every podcast whose artwork is here or can be fetched
        now (once: then it is read from this computer). Never raises: a podcast without its
        artwork shows its initials, and asking stops at the first sign of being offline."""
        found: dict[str, Path] = {}
        reachable = True
        for feed in feeds:
            path = self.artwork(feed)
            if path is None and reachable and self._artwork is not None and feed.image_url:
                try:
                    fetched = self._web().fetch(
                        self._at_academy(feed, feed.image_url),
                        max_bytes=MAX_COVER_BYTES,
                        what="artwork",
                    )
                    path = self._artwork.put_artwork(
                        feed.url, _artwork_key(feed.image_url), fetched.content
                    )
                except (OfflineError, CaptivePortalError, AuthError, ServerBusyError) as exc:
                    log.info("artwork not fetched now: %s", exc)
                    reachable = False
                except (SamenError, OSError) as exc:
                    log.warning("the artwork of %s was not fetched: %s", feed.url, exc)
            if path is not None:
                found[feed.url] = path
        return found

    # -- chapters and transcripts ----------------------------------------------------------

    def chapters(self, key: str) -> tuple[Chapter, ...]:
        """The episode's chapters (fetched once, then read from this computer)."""
        episode = self.episode(key)
        if episode.chapters is None:
            return ()
        cached = self.folder / f"{_stem(episode)}.chapters.json"
        return self._side_file(episode.chapters.url, cached, parse_chapters)

    def transcript(self, key: str) -> Transcript | None:
        episode = self.episode(key)
        if not episode.transcripts:
            return None
        link = _best_transcript(episode)
        cached = self.folder / f"{_stem(episode)}.transcript"
        return self._side_file(
            link.url, cached, lambda content: parse_transcript(content, link.type, link.language)
        )

    def _side_file(self, url: str, cached: Path, parse: Callable[[bytes], T]) -> T:
        """Read from this computer, else fetch; kept only once it parses (a Wi-Fi login page
        in its place must not stay forever)."""
        if cached.is_file():
            with contextlib.suppress(FeedError):
                return parse(cached.read_bytes())
        fetched = self._web().fetch(url, max_bytes=MAX_SIDE_FILE_BYTES, what="side file")
        parsed = parse(fetched.content)
        self.folder.mkdir(parents=True, exist_ok=True)
        # One temporary per thread: two workers may fetch the same file at once (the page
        # asks again when the selection comes back); each renames its own, the last one wins.
        temporary = cached.with_name(f"{cached.name}.{threading.get_ident()}.tmp")
        temporary.write_bytes(fetched.content)
        temporary.replace(cached)
        return parsed

    def _delete_file(self, name: str) -> bool:
        """Delete an episode's files; False (logged) when the system refused, e.g. a file
        another program holds open on Windows: the row then keeps counting it."""
        if not name or "/" in name or name.startswith("."):
            return True
        stem = name.rsplit(".", 1)[0]
        audio = self.folder / name
        extras = (f"{stem}.chapters.json", f"{stem}.transcript")
        paths = (audio, part_path(audio), *(self.folder / extra for extra in extras))
        try:
            for path in paths:
                path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete %s: %s", name, exc)
            return False
        return True


def _artwork_key(image_url: str) -> str:
    """What names an artwork in the cache: its path, so a moved academy keeps it."""
    parts = urlsplit(image_url)
    return f"{parts.path}?{parts.query}"


def _no_audio(episode: Episode) -> FeedError:
    return FeedError(
        _(
            "“{title}” has no audio file in the feed, so there is nothing to download; "
            "the podcast may publish it later."
        ).format(title=episode.title)
    )


def _stem(episode: Episode) -> str:
    return episode.key.removeprefix("episode:")[:16]


def _file_name(episode: Episode) -> str:
    """A safe local name: the key's hex digits and the audio's extension, never the URL's."""
    suffix = PurePosixPath(urlsplit(episode.enclosure_url or "").path).suffix.lower()
    if suffix not in _AUDIO_SUFFIXES:
        suffix = mimetypes.guess_extension(episode.enclosure_type or "") or ".audio"
        if suffix not in _AUDIO_SUFFIXES:
            suffix = ".audio"
    return _stem(episode) + suffix


def _best_transcript(episode: Episode) -> Link:
    preferred = ("text/vtt", "application/x-subrip", "application/json", "text/html", "text/plain")

    def rank(link: Link) -> int:
        kind = link.type.split(";")[0].strip().lower()
        return preferred.index(kind) if kind in preferred else len(preferred)

    return min(episode.transcripts, key=rank)
