"""Podcasts end to end: subscribe over real HTTP (a loopback podcast host and the academy),
refresh, broken feeds, resumable episode downloads under resets, automatic downloads within a
budget, clean-up of played episodes, chapters and transcripts kept for offline use."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.core import Core
from desktop.domain.errors import (
    CancelledError,
    DownloadBusyError,
    FeedError,
    MeteredConnectionError,
    OfflineError,
)
from desktop.domain.podcast import Episode, EpisodeFile
from desktop.domain.transfer import JobStatus, TransferProgress
from desktop.store.podcasts import PodcastRepo
from desktop.sync.web import WebClient
from tests import media_factory
from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import client
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer
from tests.web_host import WebHost

NS = "https://podcastindex.org/namespace/1.0"


def _rss(base: str, episodes: list[tuple[str, str, int]], title: str = "Samen Luistert") -> bytes:
    items = "".join(
        f"<item><title>{name}</title><guid>{guid}</guid>"
        f"<pubDate>Mon, {day:02d} Jan 2025 09:00:00 GMT</pubDate>"
        f'<enclosure url="{base}/audio/{guid}.mp3" type="audio/mpeg" length="{size}"/>'
        f'<podcast:chapters url="{base}/side/{guid}.json" type="application/json+chapters"/>'
        f'<podcast:transcript url="{base}/side/{guid}.vtt" type="text/vtt" language="nl"/>'
        "</item>"
        for day, (guid, name, size) in enumerate(episodes, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:podcast="{NS}">'
        f"<channel><title>{title}</title>{items}</channel></rss>"
    ).encode()


@pytest.fixture
def host() -> Iterator[WebHost]:
    with WebHost() as web:
        yield web


@pytest.fixture(scope="module")
def audio(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("episodes")
    # Two minutes (~720 KB): several 64 KiB reads fit between two resets of the proxy.
    return media_factory.audio(folder, "mp3", seconds=120).read_bytes()


def _publish(host: WebHost, audio: bytes, count: int = 3, **options: object) -> str:
    base = host.url("")
    episodes = [(f"ep{n}", f"Aflevering {n}", len(audio)) for n in range(1, count + 1)]
    for guid, _name, _size in episodes:
        host.put(f"/audio/{guid}.mp3", audio, "audio/mpeg", **options)
        marks = [{"startTime": 0, "title": "Begin"}, {"startTime": 5, "title": "Kern"}]
        chapters = {"version": "1.2.0", "chapters": marks}
        host.put(f"/side/{guid}.json", json.dumps(chapters).encode(), "application/json")
        host.put(f"/side/{guid}.vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHallo\n",
                 "text/vtt")  # fmt: skip
    return host.put("/feed.xml", _rss(base, episodes), "application/rss+xml")


def _one_episode(
    make_core: Callable[..., Core], host: WebHost, audio: bytes, **options: object
) -> tuple[Core, Episode]:
    """A core subscribed to a one-episode feed on `host`, and that episode."""
    core = make_core()
    core.podcasts.subscribe(_publish(host, audio, count=1, **options))
    (episode,) = core.podcasts.episodes()
    return core, episode


def test_subscribe_refresh_and_a_broken_feed_keeps_the_library(
    make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core = make_core()
    url = _publish(host, audio)
    feed = core.podcasts.subscribe(url)
    assert (feed.title, feed.episode_count, feed.error) == ("Samen Luistert", 3, "")
    episodes = core.podcasts.episodes(url)
    assert [e.title for e in episodes] == ["Aflevering 3", "Aflevering 2", "Aflevering 1"]

    assert core.podcasts.refresh(url) == 0
    assert host.requests_seen[-1][2].get("If-None-Match")  # a conditional GET: 304

    host.put("/feed.xml", b"<html><body>Log in to the hotel Wi-Fi</body></html>", "text/html")
    with pytest.raises(FeedError, match="web page"):
        core.podcasts.refresh(url)
    (feed,) = core.podcasts.feeds()
    assert "web page" in feed.error and feed.episode_count == 3
    assert len(core.podcasts.episodes(url)) == 3

    host.put("/feed.xml", _rss(host.url(""), [("ep9", "Nieuw", 10)] * 1), "application/rss+xml")
    report = core.podcasts.refresh_all()
    assert report.new_episodes == 1 and report.problems == {}
    assert core.podcasts.feeds()[0].error == ""
    assert len(core.podcasts.episodes(url)) == 4  # episodes that left the feed stay

    with pytest.raises(FeedError, match="not a web address"):
        core.podcasts.subscribe("file:///etc/passwd")
    with pytest.raises(FeedError, match="gone"):
        core.podcasts.subscribe(host.url("/nothing.xml"))
    host.put("/huge.xml", b"<rss>" + b" " * (21 * 1024 * 1024), "application/rss+xml")
    with pytest.raises(FeedError, match="larger than 20 MB"):
        core.podcasts.subscribe(host.url("/huge.xml"))
    assert len(core.podcasts.feeds()) == 1


def test_an_episode_download_resumes_through_resets(
    make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core = make_core()
    url = _publish(host, audio, count=1)
    with FaultProxy("127.0.0.1", host.port) as proxy:
        feed_url = url.replace(f":{host.port}/", f":{proxy.port}/")
        # The feed names the host directly; the proxy sits in front for the audio.
        host.put("/feed.xml", _rss(proxy.url, [("ep1", "Aflevering 1", len(audio))]),
                 "application/rss+xml")  # fmt: skip
        core.podcasts.subscribe(feed_url)
        (episode,) = core.podcasts.episodes()
        proxy.set(Fault.RESET_EVERY, reset_every_bytes=len(audio) // 5, path="/audio/")
        progress: list[tuple[int, int]] = []
        done = core.podcasts.download(episode.key, on_progress=lambda d, t: progress.append((d, t)))
    assert done.file is EpisodeFile.AVAILABLE and done.size == len(audio)
    assert core.podcasts.path(done).read_bytes() == audio
    stats = core.podcasts.stats
    assert stats.resumed >= 3 and stats.restarted == 0
    assert stats.bytes_received == len(audio)  # nothing fetched twice
    assert progress[-1] == (len(audio), len(audio))
    resumed = [h for _m, p, h in host.requests_seen if p == "/audio/ep1.mp3" and "Range" in h]
    assert resumed and all(h["If-Range"].startswith('"') for h in resumed)


def test_a_host_without_length_or_validators_still_works(
    make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core, episode = _one_episode(
        make_core, host, audio, send_length=False, etag="", last_modified=""
    )
    done = core.podcasts.download(episode.key)
    assert core.podcasts.path(done).read_bytes() == audio


def test_auto_download_respects_the_budget_and_clean_up_spares_pinned_and_unfinished(
    make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core = make_core()
    url = _publish(host, audio, count=4)
    core.podcasts.subscribe(url)
    core.podcasts.set_keep_latest(url, 3)
    # Room for two episodes only: the two newest unplayed ones come down.
    core.settings.set("podcast_budget_mb", (2 * len(audio) + 1000) / (1024 * 1024))
    newest = core.podcasts.episodes(url)
    core.learning.save_position(newest[0].key, 120_000, 120_000)  # already heard: skipped
    assert [e.title for e in core.podcasts.planned_downloads()] == ["Aflevering 3", "Aflevering 2"]
    assert core.podcasts.auto_download() == {}
    on_disk = {e.title for e in core.podcasts.episodes() if e.file is EpisodeFile.AVAILABLE}
    assert on_disk == {"Aflevering 3", "Aflevering 2"}
    assert core.podcasts.planned_downloads() == []  # budget used up

    three, two = (e for e in core.podcasts.episodes() if e.file is EpisodeFile.AVAILABLE)
    core.learning.save_position(three.key, 120_000, 120_000)  # played
    core.learning.save_position(two.key, 5_000, 120_000)  # in progress
    core.podcasts.set_pinned(two.key, False)
    core.settings.set("podcast_delete_played_after_h", 0.0)
    assert core.podcasts.clean_up() == [three.key]
    assert not core.podcasts.path(three).exists()
    core.learning.save_position(two.key, 120_000, 120_000)
    core.podcasts.set_pinned(two.key, True)
    assert core.podcasts.clean_up() == []  # pinned
    core.settings.set("podcast_delete_played_after_h", 24.0)
    core.podcasts.set_pinned(two.key, False)
    assert core.podcasts.clean_up() == []  # played minutes ago, not a day


def test_chapters_and_transcripts_are_kept_for_offline_use(
    make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core, episode = _one_episode(make_core, host, audio)
    chapters = core.podcasts.chapters(episode.key)
    assert [(c.start_ms, c.title) for c in chapters] == [(0, "Begin"), (5_000, "Kern")]
    transcript = core.podcasts.transcript(episode.key)
    assert transcript is not None and transcript.lines == ((1000, "Hallo"),)
    host.resources.clear()  # the host is gone (or we are offline): the copies still serve
    assert core.podcasts.chapters(episode.key) == chapters
    assert core.podcasts.transcript(episode.key) == transcript


def test_two_fetches_of_one_side_file_at_once_both_succeed(
    make_core: Callable[..., Core],
    host: WebHost,
    audio: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Podcasts page asks for an episode's chapters again when the learner comes back to
    it, so two workers can fetch the same file at once: each keeps its own temporary copy.
    The schedule is forced: both have written their copy before either renames it."""
    core, episode = _one_episode(make_core, host, audio)
    both_written = threading.Barrier(2, timeout=20)
    rename = Path.replace

    def replace_when_both_wrote(self: Path, target: str | os.PathLike[str]) -> Path:
        both_written.wait()
        return rename(self, target)

    monkeypatch.setattr(Path, "replace", replace_when_both_wrote)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _i: core.podcasts.chapters(episode.key), range(2)))
    monkeypatch.undo()
    assert [len(chapters) for chapters in results] == [2, 2]
    assert not list(core.podcasts.folder.glob("*.tmp"))
    assert core.podcasts.chapters(episode.key) == results[0]  # the kept copy reads


def test_the_academy_feed_and_an_unreachable_host(academy: LiveServer, tmp_path: Path) -> None:
    core = client(tmp_path / "laptop", academy.url, add_learner(academy))
    (feed,) = core.podcasts.subscribe_academy()
    assert feed.is_academy and feed.episode_count == 3
    newest = core.podcasts.episodes(feed.url)[0]
    done = core.podcasts.download(newest.key)
    assert done.file is EpisodeFile.AVAILABLE and core.podcasts.path(done).stat().st_size > 1000

    dead = WebClient(timeout=2)
    try:
        with pytest.raises(OfflineError, match=r"Could not reach 127\.0\.0\.1"):
            dead.fetch("http://127.0.0.1:9/feed.xml")
    finally:
        dead.close()


def test_a_played_episode_is_not_deleted_before_the_delay(
    make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core, episode = _one_episode(make_core, host, audio)
    core.podcasts.download(episode.key)
    core.learning.save_position(episode.key, 120_000, 120_000)
    played_at = core.learning.played_at(episode.key)
    assert played_at is not None
    assert datetime.now(UTC) - played_at < timedelta(minutes=1)
    assert core.podcasts.clean_up() == []


def test_episodes_follow_the_unmetered_only_setting(
    make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core = make_core()
    url = _publish(host, audio, count=2)
    core.podcasts.subscribe(url)
    core.settings.set("download_unmetered_only", True)
    core.downloads.is_metered = lambda: True  # what the OS says of a phone hotspot
    newest = core.podcasts.episodes()[0]
    with pytest.raises(MeteredConnectionError, match="unmetered"):
        core.podcasts.download(newest.key)
    problems = core.podcasts.auto_download()
    assert list(problems.values()) == [problems[newest.key]] and "metered" in problems[newest.key]
    assert not any(path.suffix == ".mp3" for path in core.podcasts.folder.iterdir())
    core.downloads.is_metered = lambda: False
    assert core.podcasts.auto_download() == {}
    assert all(e.file is EpisodeFile.AVAILABLE for e in core.podcasts.episodes())


def test_a_host_that_cannot_resume_is_given_up_on_instead_of_looping(
    make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core = make_core()
    url = _publish(host, audio, count=1, etag="", last_modified="")
    with FaultProxy("127.0.0.1", host.port) as proxy:
        host.put("/feed.xml", _rss(proxy.url, [("ep1", "Aflevering 1", len(audio))]),
                 "application/rss+xml", etag="", last_modified="")  # fmt: skip
        core.podcasts.subscribe(url)
        (episode,) = core.podcasts.episodes()
        core.podcasts.retry_delay_s = 0.01
        proxy.set(Fault.RESET_EVERY, reset_every_bytes=len(audio) // 3, path="/audio/")
        with pytest.raises(OfflineError):
            core.podcasts.download(episode.key)
    fetched = [p for _m, p, h in host.requests_seen if p == "/audio/ep1.mp3"]
    # The first try's bytes count as progress; every later try started from zero again.
    assert len(fetched) == core.podcasts.attempts + 1
    assert all("Range" not in h for _m, p, h in host.requests_seen if p == "/audio/ep1.mp3")
    failed = core.podcasts.episode(episode.key)
    assert failed.file is EpisodeFile.FAILED and "connection" in failed.error


def test_a_part_that_is_already_whole_is_finished_not_stuck(
    make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core, episode = _one_episode(make_core, host, audio)
    # Cancelled (or killed) after the last byte, before the rename.
    dest = core.podcasts.path(episode)
    dest.parent.mkdir(parents=True, exist_ok=True)
    (dest.parent / (dest.name + ".part")).write_bytes(audio)
    etag = host.resources["/audio/ep1.mp3"].etag
    PodcastRepo(core.store).set_part(episode.key, dest.name, etag)
    done = core.podcasts.download(episode.key)
    assert done.file is EpisodeFile.AVAILABLE and dest.read_bytes() == audio
    assert core.podcasts.stats.bytes_received == 0


def test_one_episode_downloads_once_at_a_time(
    make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core, episode = _one_episode(make_core, host, audio)
    started, results = threading.Event(), []

    def slow_progress(done: int, total: int) -> None:
        started.set()
        time.sleep(0.002)  # keeps the first download busy while the second one is tried

    first = threading.Thread(
        target=lambda: results.append(
            core.podcasts.download(episode.key, on_progress=slow_progress)
        )
    )
    first.start()
    assert started.wait(10)
    with pytest.raises(DownloadBusyError):
        core.podcasts.download(episode.key)
    first.join(30)
    assert results and results[0].file is EpisodeFile.AVAILABLE


def test_garbage_side_files_are_not_kept(
    make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core, episode = _one_episode(make_core, host, audio)
    host.put("/side/ep1.json", b"<html>Log in to the Wi-Fi</html>", "text/html")
    with pytest.raises(FeedError, match="not valid JSON"):
        core.podcasts.chapters(episode.key)
    assert not list(core.podcasts.folder.glob("*.chapters.json"))
    host.put("/side/ep1.json", b'{"chapters": [{"startTime": 1e400, "title": "x"}, '
             b'{"startTime": 2, "title": "Twee"}]}', "application/json")  # fmt: skip
    assert [c.title for c in core.podcasts.chapters(episode.key)] == ["Twee"]


def test_an_unsubscribed_academy_podcast_stays_unsubscribed(
    academy: LiveServer, tmp_path: Path
) -> None:
    core = client(tmp_path / "laptop", academy.url, add_learner(academy))
    core.settings.set("podcast_budget_mb", 0.0)
    core.podcasts.update()
    (feed,) = core.podcasts.feeds()
    core.podcasts.unsubscribe(feed.url)
    core.podcasts.update()
    assert core.podcasts.feeds() == []
    core.podcasts.subscribe(feed.url)  # asked for again by the learner: back
    assert [f.url for f in core.podcasts.feeds()] == [feed.url]


def test_an_episode_is_a_job_of_the_download_queue(
    make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core = make_core()
    url = _publish(host, audio, count=1)
    with FaultProxy("127.0.0.1", host.port) as proxy:
        host.put("/feed.xml", _rss(proxy.url, [("ep1", "Aflevering 1", len(audio))]),
                 "application/rss+xml")  # fmt: skip
        core.podcasts.subscribe(url)
        (episode,) = core.podcasts.episodes()
        proxy.set(Fault.SLOW, rate=200_000, path="/audio/")
        job = f"episode-{episode.key.removeprefix('episode:')[:16]}"
        seen: list[TransferProgress] = []
        core.downloads.watchers.append(seen.append)

        def pause_midway(done: int, total: int) -> None:
            if done > len(audio) // 3:
                core.downloads.pause(job)  # the Downloads tab's Pause button

        with pytest.raises(CancelledError):
            core.podcasts.download(episode.key, on_progress=pause_midway)
        paused = core.downloads.states()[job]
        assert paused.status is JobStatus.PAUSED and paused.label == "Aflevering 1"
        assert core.podcasts.episode(episode.key).file is EpisodeFile.PARTIAL

        proxy.set(Fault.PASS)
        assert core.downloads.resume(job)  # ... and Resume: the queue's runner finishes it
        assert core.downloads.run_all() == [job]
    assert core.downloads.states()[job].status is JobStatus.DONE
    done = core.podcasts.episode(episode.key)
    assert done.file is EpisodeFile.AVAILABLE and core.podcasts.path(done).read_bytes() == audio
    assert core.podcasts.stats.resumed >= 1 and core.podcasts.stats.restarted == 0
    assert seen and seen[-1].course_id == job and seen[-1].path == "Aflevering 1"
    assert not core.downloads.remove_course_media(job)  # not a course


def test_an_episode_without_audio_is_listed_and_explained(
    make_core: Callable[..., Core], host: WebHost
) -> None:
    core = make_core()
    body = (
        b"<rss version='2.0'><channel><title>Tekst</title>"
        b"<item><title>Alleen shownotes</title><guid>t1</guid></item></channel></rss>"
    )
    core.podcasts.subscribe(host.put("/feed.xml", body, "application/rss+xml"))
    (episode,) = core.podcasts.episodes()
    assert episode.title == "Alleen shownotes" and episode.enclosure_url is None
    assert core.podcasts.planned_downloads() == []
    with pytest.raises(FeedError, match="no audio file in the feed"):
        core.podcasts.download(episode.key)
    assert core.downloads.states() == {}  # nothing was queued for it
