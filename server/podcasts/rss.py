"""Renders a feed as RSS 2.0 with the iTunes namespace; pure function, called on a worker thread."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from email.utils import format_datetime

from server.podcasts.models import PodcastEpisode, PodcastFeed

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
DC_NS = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _itunes(tag: str) -> str:
    return f"{{{ITUNES_NS}}}{tag}"


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def render_feed(
    feed: PodcastFeed,
    site_url: str,
    enclosure_url: Callable[[PodcastEpisode], str],
    transcript_url: Callable[[PodcastEpisode], str] | None = None,
    chapters_url: Callable[[PodcastEpisode], str] | None = None,
    artwork_url: str | None = None,
) -> bytes:
    """The feed document; enclosure_url turns an episode into an absolute download URL,
    transcript_url into the address of its transcript (Podcasting 2.0 podcast:transcript),
    chapters_url into that of its chapters (podcast:chapters); artwork_url is the podcast's
    picture (RSS image and itunes:image)."""
    ET.register_namespace("itunes", ITUNES_NS)
    ET.register_namespace("podcast", PODCAST_NS)
    ET.register_namespace("dc", DC_NS)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", feed.title)
    _text(channel, "link", site_url)
    _text(channel, "description", feed.description or feed.title)
    _text(channel, "language", feed.language)
    _text(channel, _itunes("author"), feed.author or feed.title)
    _text(channel, _itunes("explicit"), "false")
    if artwork_url is not None:
        image = ET.SubElement(channel, "image")
        _text(image, "url", artwork_url)
        _text(image, "title", feed.title)
        _text(image, "link", site_url)
        ET.SubElement(channel, _itunes("image"), {"href": artwork_url})
    for episode in feed.episodes:
        # RSS 2.0 has a language per channel only: an episode says its own with xml:lang
        # (its title and notes are in it) and Dublin Core's dc:language, which feed readers
        # such as feedparser report as the entry's language.
        language = episode.language or feed.language
        item = ET.SubElement(channel, "item", {XML_LANG: language})
        _text(item, "title", episode.title)
        _text(item, "description", episode.description or episode.title)
        _text(item, "guid", episode.guid).set("isPermaLink", "false")
        _text(item, "pubDate", format_datetime(episode.published_at, usegmt=True))
        ET.SubElement(
            item,
            "enclosure",
            {
                "url": enclosure_url(episode),
                "length": str(episode.size),
                "type": episode.content_type,
            },
        )
        _text(item, _itunes("duration"), str(episode.duration_seconds))
        _text(item, f"{{{DC_NS}}}language", language)
        if transcript_url is not None and episode.transcript:
            ET.SubElement(
                item,
                f"{{{PODCAST_NS}}}transcript",
                {"url": transcript_url(episode), "type": "text/plain", "language": language},
            )
        if chapters_url is not None and episode.chapters:
            ET.SubElement(
                item,
                f"{{{PODCAST_NS}}}chapters",
                {"url": chapters_url(episode), "type": "application/json+chapters"},
            )
    document: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return document
