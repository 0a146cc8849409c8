"""Podcast feed list (token), RSS 2.0 and enclosures (no token)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import requests

from desktop.media.feeds import parse_feed
from tests.contract import validate
from tests.server.api import assert_error, bearer, token_for
from tests.server_process import LiveServer

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"


def test_feed_list_needs_a_token_and_matches_the_contract(live_server: LiveServer) -> None:
    assert_error(requests.get(f"{live_server.url}/v1/podcasts", timeout=10), 401, "unauthorized")
    reply = requests.get(
        f"{live_server.url}/v1/podcasts", headers=bearer(token_for(live_server)), timeout=10
    )
    assert reply.status_code == 200
    body = reply.json()
    validate("FeedList", body)
    assert body["feeds"] == [
        {"id": "academy", "title": "Samen Academy podcast", "url": "/v1/podcasts/academy/feed.xml"}
    ]


def test_rss_feed_has_fetchable_enclosures(live_server: LiveServer) -> None:
    reply = requests.get(f"{live_server.url}/v1/podcasts/academy/feed.xml", timeout=10)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("application/rss+xml")
    rss = ET.fromstring(reply.content)
    assert rss.tag == "rss"
    assert rss.get("version") == "2.0"
    items = rss.findall("./channel/item")
    assert len(items) == 3
    for item in items:
        enclosure = item.find("enclosure")
        assert enclosure is not None
        url = enclosure.get("url", "")
        assert url.startswith(f"{live_server.url}/v1/podcasts/academy/episodes/")
        assert item.findtext("guid")
        assert item.findtext("pubDate")
        assert int(item.findtext(f"{ITUNES}duration") or 0) > 0
        audio = requests.get(url, timeout=10)
        assert audio.status_code == 200
        assert audio.headers["Content-Type"] == enclosure.get("type")
        assert len(audio.content) == int(enclosure.get("length", "-1"))


def test_unknown_feed_and_episode_are_not_found(live_server: LiveServer) -> None:
    assert_error(
        requests.get(f"{live_server.url}/v1/podcasts/nope/feed.xml", timeout=10), 404, "not_found"
    )
    assert_error(
        requests.get(f"{live_server.url}/v1/podcasts/academy/episodes/samen.db", timeout=10),
        404,
        "not_found",
    )
    # An episode id past PostgreSQL's INTEGER is just unknown, not a 500.
    for kind in ("transcripts/2199023255552.txt", "chapters/2199023255552.json"):
        reply = requests.get(f"{live_server.url}/v1/podcasts/academy/{kind}", timeout=10)
        assert_error(reply, 404, "not_found")


def test_the_feed_publishes_transcripts_the_client_reads(live_server: LiveServer) -> None:
    body = requests.get(f"{live_server.url}/v1/podcasts/academy/feed.xml", timeout=10).content
    feed = parse_feed(body, f"{live_server.url}/v1/podcasts/academy/feed.xml")
    assert len(feed.episodes) == 3
    for episode in feed.episodes:
        (link,) = episode.transcripts
        # The transcript is in the episode's language, not the feed's: one episode is Dutch.
        expected = "nl" if episode.title == "Samen verder" else "en"
        assert link.type == "text/plain" and link.language == expected
        reply = requests.get(link.url, timeout=10)
        assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
        assert len(reply.text) > 20
    missing = requests.get(f"{live_server.url}/v1/podcasts/academy/transcripts/999.txt", timeout=10)
    assert missing.status_code == 404


def test_a_dutch_episode_in_an_english_podcast_says_so(live_server: LiveServer) -> None:
    import feedparser

    body = requests.get(f"{live_server.url}/v1/podcasts/academy/feed.xml", timeout=10).content
    parsed = feedparser.parse(body)
    assert not parsed.bozo
    assert parsed.feed.language == "en"
    languages = {entry.title: entry.language for entry in parsed.entries}  # dc:language
    assert languages == {
        "Why learn together?": "en",
        "Feedback that helps": "en",
        "Samen verder": "nl",
    }
    dutch = next(entry for entry in parsed.entries if entry.title == "Samen verder")
    assert dutch.title_detail.language == "nl"  # xml:lang on the item
    rss = ET.fromstring(body)
    transcripts = {
        item.findtext("title"): item.find(f"{PODCAST}transcript").get("language")  # type: ignore[union-attr]
        for item in rss.findall("./channel/item")
    }
    assert transcripts["Samen verder"] == "nl"
    assert transcripts["Feedback that helps"] == "en"
