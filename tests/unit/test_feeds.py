"""Reading podcast feeds: real-world feed files from podcastparser's and feedparser's test
suites, the Podcasting 2.0 tags under both namespace URIs, side files, hostile and huge feeds."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from desktop.domain.errors import FeedError
from desktop.media.feeds import MAX_EPISODES, parse_duration, parse_feed
from desktop.media.side_files import parse_chapters, parse_transcript

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"
PODCASTPARSER = sorted((DATA / "podcastparser").glob("*.rss"))
FEEDPARSER = sorted((DATA / "feedparser").rglob("*.xml"))
# Where Samen keeps more than podcastparser, on purpose:
KEPT_ON_PURPOSE = {
    "no_enclosure.rss",  # an episode without audio stays listed ("nothing to download")
    "no_title_multi_enclosure.rss",  # an untitled episode is named after its audio file
    "max_episodes.rss",  # podcastparser was called with max_episodes=1 for this one
}
NEW = "https://podcastindex.org/namespace/1.0"
OLD = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"


def test_there_are_real_world_feeds_to_read() -> None:
    assert len(PODCASTPARSER) >= 60 and len(FEEDPARSER) >= 200


@pytest.mark.parametrize("path", PODCASTPARSER, ids=lambda p: p.name)
def test_podcastparser_feeds_give_its_episodes(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text("utf-8"))
    feed = parse_feed(path.read_bytes(), f"file://tests/data/{path.stem}")
    titles = sorted(episode.title for episode in feed.episodes)
    wanted = sorted(episode["title"] for episode in expected["episodes"])
    if path.name in KEPT_ON_PURPOSE:
        assert set(wanted) <= set(titles)
    else:
        assert titles == wanted
    for episode in expected["episodes"]:
        ours = next(e for e in feed.episodes if e.title == episode["title"])
        if episode.get("total_time"):
            assert ours.duration_ms == episode["total_time"] * 1000
        audio = [e["url"] for e in episode["enclosures"] if e["mime_type"].startswith("audio")]
        if audio:
            assert ours.enclosure_url == audio[0]


# feedparser's own suite registers these charsets; Python has no codec by these names.
NO_PYTHON_CODEC = {"x80_csmacintosh.xml", "x80_mac.xml", "x80_ms-cyrl.xml", "x80_tcvn-5712.xml",
                   "x80_tcvn.xml", "x80_tcvn5712-1.xml", "x80_viscii.xml"}  # fmt: skip
_EXPECTED_TITLE = re.compile(r"Expect:\s*not bozo and feed\['title'\] == u?('[^']*')\s*\n")
_HEADER = re.compile(r"Header:\s*Content-type:\s*([^\n]+)", re.IGNORECASE)


@pytest.mark.parametrize("path", FEEDPARSER, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_feedparser_illformed_and_encoding_feeds_never_break_the_library(path: Path) -> None:
    raw = path.read_bytes()
    notes = raw.decode("latin-1")  # the test's own comments: Expect: and Header: lines
    header = _HEADER.search(notes)
    content_type = header.group(1).strip() if header else "application/xml"
    try:
        feed = parse_feed(raw, f"http://127.0.0.1/{path.name}", content_type=content_type)
    except FeedError as exc:
        assert "not a podcast feed" in exc.message
        return
    assert feed.title
    for episode in feed.episodes:
        assert episode.guid and episode.title
    expected = _EXPECTED_TITLE.search(notes)
    if expected is not None and path.name not in NO_PYTHON_CODEC:
        # The title decoded from the declared or detected encoding, character for character.
        assert feed.title == ast.literal_eval(expected.group(1))


def test_most_encoding_feeds_state_the_title_they_should_give() -> None:
    with_title = [p for p in FEEDPARSER if _EXPECTED_TITLE.search(p.read_bytes().decode("latin-1"))]
    assert len(with_title) >= 100


def _feed(namespace: str | None, prefix: str = "podcast") -> bytes:
    declare = f' xmlns:{prefix}="{namespace}"' if namespace else ""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"{declare}><channel><title>Samen</title>
<item><title>One</title><guid>g1</guid><pubDate>Mon, 06 Jan 2025 09:00:00 GMT</pubDate>
<enclosure url="https://host.test/1.mp3" type="audio/mpeg" length="1234"/>
<{prefix}:chapters url="https://host.test/1.json" type="application/json+chapters"/>
<{prefix}:transcript url="https://host.test/1.vtt" type="text/vtt" language="nl"/>
<{prefix}:transcript url="https://host.test/1.txt" type="text/plain"/>
</item>
<item><title>Two</title><guid>g2</guid><pubDate>Mon, 13 Jan 2025 09:00:00 GMT</pubDate>
<enclosure url="https://host.test/2.mp3" type="audio/mpeg"/></item>
</channel></rss>""".encode()


@pytest.mark.parametrize(
    ("namespace", "prefix"),
    [(NEW, "podcast"), (OLD, "podcast"), (NEW, "p20"), (None, "podcast")],
    ids=["podcastindex.org", "github-docs-uri", "other-prefix", "undeclared-prefix"],
)
def test_podcasting_2_chapters_and_transcripts(namespace: str | None, prefix: str) -> None:
    feed = parse_feed(_feed(namespace, prefix), "https://host.test/feed.xml")
    two, one = feed.episodes  # newest first
    assert (one.title, two.title) == ("One", "Two")
    assert one.chapters is not None and one.chapters.url == "https://host.test/1.json"
    assert [(t.url, t.type, t.language) for t in one.transcripts] == [
        ("https://host.test/1.vtt", "text/vtt", "nl"),
        ("https://host.test/1.txt", "text/plain", ""),
    ]
    assert two.chapters is None and two.transcripts == ()
    assert one.enclosure_length == 1234 and one.published_at == "2025-01-06T09:00:00Z"


def test_an_episode_in_another_language_than_its_feed_says_so() -> None:
    # As the academy writes it: an English podcast with a Dutch episode (xml:lang on the item,
    # dc:language in it, the transcript's language attribute), and one that says only xml:lang.
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"
     xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Samen</title>
<language>en</language>
<item xml:lang="nl"><title>Samen verder</title><guid>nl</guid>
<pubDate>Mon, 20 Jan 2025 09:00:00 GMT</pubDate><dc:language>nl</dc:language>
<enclosure url="https://host.test/3.mp3" type="audio/mpeg"/>
<podcast:transcript url="https://host.test/3.txt" type="text/plain" language="nl"/></item>
<item xml:lang="nl-BE"><title>Elkaar helpen</title><guid>be</guid>
<pubDate>Mon, 13 Jan 2025 09:00:00 GMT</pubDate>
<enclosure url="https://host.test/2.mp3" type="audio/mpeg"/>
<podcast:transcript url="https://host.test/2.txt" type="text/plain"/></item>
<item><title>Why learn together?</title><guid>en</guid>
<pubDate>Mon, 06 Jan 2025 09:00:00 GMT</pubDate>
<enclosure url="https://host.test/1.mp3" type="audio/mpeg"/>
<podcast:transcript url="https://host.test/1.txt" type="text/plain"/></item>
</channel></rss>"""
    feed = parse_feed(body, "https://host.test/feed.xml")
    assert feed.language == "en"
    found = [(e.title, e.language, [t.language for t in e.transcripts]) for e in feed.episodes]
    assert found == [
        ("Samen verder", "nl", ["nl"]),
        ("Elkaar helpen", "nl-be", ["nl-be"]),  # a transcript without one is in the episode's
        ("Why learn together?", "en", ["en"]),
    ]


def test_an_unknown_prefix_with_another_namespace_is_not_podcasting_2() -> None:
    feed = parse_feed(_feed("https://example.org/other", "podcast"), "https://host.test/f")
    assert all(e.chapters is None and not e.transcripts for e in feed.episodes)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty reply"),
        (b"   \n", "empty reply"),
        (b"<!doctype html><html><body><form>Log in to Wi-Fi</form></body></html>", "web page"),
        (b"\x00\x01\x02 not xml at all \xff", "not a podcast feed"),
    ],
)
def test_what_is_not_a_feed_gets_a_clear_message(content: bytes, words: str) -> None:
    with pytest.raises(FeedError, match=words):
        parse_feed(content, "https://host.test/feed.xml")


def test_entity_expansion_is_never_performed() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
        )
        + b"]><rss><channel><title>&i;</title><item><title>x</title><guid>g</guid>"
        b'<enclosure url="https://host.test/x.mp3" type="audio/mpeg"/></item></channel></rss>'
    )
    feed = parse_feed(bomb, "https://host.test/bomb.xml")
    assert len(feed.title) < 1000  # 10^9 characters had it been expanded


def test_a_huge_feed_keeps_the_newest_episodes_with_a_warning() -> None:
    items = "".join(
        f"<item><title>E{n}</title><guid>g{n}</guid>"
        f"<pubDate>{_date(n)}</pubDate>"
        f'<enclosure url="https://host.test/{n}.mp3" type="audio/mpeg"/></item>'
        for n in range(MAX_EPISODES + 500)
    )
    content = f"<rss><channel><title>Big</title>{items}</channel></rss>".encode()
    feed = parse_feed(content, "https://host.test/big.xml")
    assert len(feed.episodes) == MAX_EPISODES
    assert feed.episodes[0].title == f"E{MAX_EPISODES + 499}"
    assert any("keeps the newest" in warning for warning in feed.warnings)


def _date(n: int) -> str:
    from email.utils import formatdate

    return formatdate(1_500_000_000 + n * 86_400, usegmt=True)


@pytest.mark.parametrize(
    ("value", "ms"),
    [("3723", 3_723_000), ("62:03", 3_723_000), ("1:02:03", 3_723_000), ("1:02:03.5", 3_723_500),
     ("", None), ("abc", None), ("-5", None), (None, None)],
)  # fmt: skip
def test_durations(value: str | None, ms: int | None) -> None:
    assert parse_duration(value) == ms


def test_chapters_json() -> None:
    chapters = parse_chapters(
        json.dumps(
            {
                "version": "1.2.0",
                "chapters": [
                    {"startTime": 62.5, "title": "Feedback", "url": "https://x.test"},
                    {"startTime": 0, "title": "Intro"},
                    {"startTime": 30, "title": "Art only", "toc": False},
                    {"startTime": "soon", "title": "Broken"},
                ],
            }
        ).encode()
    )
    assert [(c.start_ms, c.title) for c in chapters] == [(0, "Intro"), (62_500, "Feedback")]
    with pytest.raises(FeedError, match="not valid JSON"):
        parse_chapters(b"{nope")


def test_transcripts_in_each_format() -> None:
    vtt = b"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Anna>Welkom bij Samen.\n\n" \
          b"01:02:03.500 --> 01:02:05.000\nTot ziens.\n"  # fmt: skip
    assert parse_transcript(vtt, "text/vtt", "nl").lines == (
        (1000, "Welkom bij Samen."),
        (3_723_500, "Tot ziens."),
    )
    srt = b"1\n00:00:02,500 --> 00:00:03,000\nHallo\n"
    assert parse_transcript(srt, "application/x-subrip").lines == ((2500, "Hallo"),)
    segments = {"segments": [{"startTime": 1.5, "speaker": "Anna", "body": "Hoi"}]}
    assert parse_transcript(json.dumps(segments).encode(), "application/json").lines == (
        (1500, "Anna: Hoi"),
    )
    html = b"<p>Een</p><script>alert(1)</script><p>Twee</p>"
    assert [text for _, text in parse_transcript(html, "text/html").lines] == ["Een", "Twee"]
    assert parse_transcript("Één\n\nTwee".encode(), "text/plain").lines == (
        (None, "Één"),
        (None, "Twee"),
    )


def test_show_notes_become_text_without_markup_or_remote_images() -> None:
    notes = (
        "&lt;p&gt;Over &lt;b&gt;samen&lt;/b&gt; leren.&lt;/p&gt;"
        "&lt;img src='https://tracker.test/p.gif'&gt;&lt;p&gt;Tot ziens&lt;/p&gt;"
    )
    content = (
        "<rss><channel><title>T</title><item><title>E</title><guid>g</guid>"
        f"<description>{notes}</description></item></channel></rss>"
    ).encode()
    (episode,) = parse_feed(content, "https://host.test/f").episodes
    assert episode.summary == "Over samen leren.\nTot ziens"
