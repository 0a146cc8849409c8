"""The demo academy's podcast: artwork and chapters that the desktop's feed code reads, and a
feed that follows the academy to a new address (the demo academy gets another port at every
start): no "Could not reach" warning while online, and the episodes keep their keys (so files
and listening positions stay theirs)."""

from __future__ import annotations

from collections.abc import Callable

import requests

from desktop.core import Core
from desktop.media.feeds import parse_feed
from tests.faults.proxy import FaultProxy
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer


def test_the_academy_feed_follows_a_new_academy_port(
    make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    user = add_learner(academy)
    with FaultProxy("127.0.0.1", academy.port) as first_run:  # the address of the first run
        core.session.login(first_run.url, user, DEMO_PASSWORD)
        [feed] = core.podcasts.subscribe_academy()
        keys = {episode.key for episode in core.podcasts.episodes()}
    assert first_run.url in feed.url

    # The next start: the old address answers no more, the academy has another one.
    core.session.login(academy.url, user, DEMO_PASSWORD)
    # The artwork too is fetched at the new address, even before the feed is read again.
    assert feed.image_url.startswith(first_run.url)
    artwork = core.podcasts.fetch_artwork(core.podcasts.feeds())[feed.url]
    assert artwork.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    report = core.podcasts.update()
    assert report.problems == {}
    [after] = core.podcasts.feeds()
    assert (after.url, after.error) == (feed.url, "")
    episodes = core.podcasts.episodes()
    assert {episode.key for episode in episodes} == keys
    assert all((episode.enclosure_url or "").startswith(academy.url) for episode in episodes)


def test_the_academy_podcast_has_artwork_and_chapters(
    make_core: Callable[..., Core], academy: LiveServer
) -> None:
    feed_url = f"{academy.url}/v1/podcasts/academy/feed.xml"
    parsed = parse_feed(requests.get(feed_url, timeout=10).content, feed_url)
    assert parsed.image_url.startswith(academy.url)
    artwork = requests.get(parsed.image_url, timeout=10)
    assert artwork.status_code == 200
    assert artwork.headers["Content-Type"] == "image/png"
    assert artwork.content.startswith(b"\x89PNG\r\n\x1a\n")

    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.podcasts.subscribe_academy()
    episodes = {episode.title: episode for episode in core.podcasts.episodes()}
    assert set(episodes) == {"Why learn together?", "Feedback that helps", "Samen verder"}
    chapters = core.podcasts.chapters(episodes["Why learn together?"].key)
    assert [chapter.title for chapter in chapters] == [
        "Welcome",
        "Why it works",
        "Explaining to others",
    ]
    starts = [chapter.start_ms for chapter in chapters]
    assert starts[0] == 0 and starts == sorted(starts) and starts[-1] > 0


def test_the_academy_dutch_episode_reaches_the_app_as_dutch(
    make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    [feed] = core.podcasts.subscribe_academy()
    assert feed.language == "en"
    episodes = {episode.title: episode for episode in core.podcasts.episodes()}
    assert {title: episode.language for title, episode in episodes.items()} == {
        "Why learn together?": "en",
        "Feedback that helps": "en",
        "Samen verder": "nl",
    }
    dutch = episodes["Samen verder"]
    transcript = core.podcasts.transcript(dutch.key)
    assert transcript is not None and transcript.language == "nl"
    assert "Welkom bij de podcast van de Samen Academie" in " ".join(t for _, t in transcript.lines)
    chapters = [chapter.title for chapter in core.podcasts.chapters(dutch.key)]
    assert chapters == ["Welkom", "Langer volhouden", "Elkaar helpen"]
