"""Podcast feeds: RSS/Atom bytes to a ParsedFeed. Worker threads (pure CPU, no I/O).

feedparser reads the feed (it copes with most of what is out there: wrong encodings, broken
markup, RSS 0.9x to Atom). A small second pass reads the Podcasting 2.0 tags feedparser does
not model, `podcast:chapters` and `podcast:transcript`, under both namespace URIs the spec has
used (and the bare `podcast:` prefix many feeds forget to declare). That pass uses defusedxml's
SAX parser, so entity expansion and external references are refused.

Anything that is not a feed at all (an HTML login page, an empty reply, garbage) raises
FeedError with a sentence for the learner; a feed that reads with problems gives warnings.
"""

from __future__ import annotations

import calendar
import re
import warnings
import xml.sax
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from xml.sax.handler import ContentHandler

from defusedxml import DefusedXmlException
from defusedxml.sax import parseString

from desktop.domain.errors import FeedError
from desktop.domain.podcast import Link, ParsedEpisode, ParsedFeed
from desktop.language.catalogue import _, counted
from desktop.language.formats import number
from desktop.media.side_files import html_lines

PODCAST_NAMESPACES = frozenset(
    {
        "https://podcastindex.org/namespace/1.0",
        "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
    }
)
MAX_EPISODES = 3_000  # newest first; a feed with 30 years of daily episodes is cut here
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$")
_DURATION = re.compile(r"^\s*(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)\s*$")


def parse_feed(
    content: bytes,
    url: str,
    *,
    content_type: str = "application/xml",
    max_episodes: int = MAX_EPISODES,
) -> ParsedFeed:
    """`content_type` is what the server said (feedparser uses its charset)."""
    if not content.strip():
        raise FeedError(_("{url} sent an empty reply instead of a podcast feed.").format(url=url))
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    with warnings.catch_warnings():
        # feedparser warns about its own internals on some inputs; they are not ours to fix.
        warnings.simplefilter("ignore")
        import feedparser  # here, not at start-up: 10 MB a session without podcasts never needs

        parsed = feedparser.parse(content, response_headers=headers)
    feed = parsed.get("feed", {})
    entries = parsed.get("entries", [])
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not parsed.get("version") and not entries:
        if problem is not None and not _looks_like_html(content, content_type):
            raise FeedError(
                _("{url} is not a podcast feed Samen can read ({problem}).").format(
                    url=url, problem=_describe(problem)
                )
            )
        raise FeedError(
            _(
                "{url} is not a podcast feed (it looks like a web page). Check the address; "
                "a Wi-Fi login page can also answer like this."
            ).format(url=url)
        )
    warnings_found: list[str] = []
    if problem is not None:
        warnings_found.append(
            _("The feed has errors; Samen read what it could ({problem}).").format(
                problem=_describe(problem)
            )
        )
    extras, extra_problem = _podcast_tags(content)
    if extra_problem:
        warnings_found.append(extra_problem)
    language = _language(feed.get("language"))
    episodes: list[ParsedEpisode] = []
    seen: set[str] = set()
    for entry in entries:
        episode = _episode(entry, extras, url, language)
        if episode is None or episode.guid in seen:
            continue
        seen.add(episode.guid)
        episodes.append(episode)
    episodes.sort(key=lambda e: e.published_at or "", reverse=True)
    if len(episodes) > max_episodes:
        warnings_found.append(
            counted(
                "The feed lists {n} episode; Samen keeps the newest {kept}.",
                "The feed lists {n} episodes; Samen keeps the newest {kept}.",
                len(episodes),
                kept=number(max_episodes),
            )
        )
        episodes = episodes[:max_episodes]
    return ParsedFeed(
        title=_text(feed.get("title")) or url,
        description=_text(feed.get("subtitle") or feed.get("summary") or feed.get("description")),
        author=_text(feed.get("author") or feed.get("itunes_author")),
        link=_text(feed.get("link")),
        image_url=_text((feed.get("image") or {}).get("href")),
        episodes=tuple(episodes),
        warnings=tuple(warnings_found),
        language=language,
    )


def _looks_like_html(content: bytes, content_type: str) -> bool:
    head = content[:2048].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html"))


def _describe(problem: object) -> str:
    text = str(problem).strip() or type(problem).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _language(value: Any) -> str:
    """A language tag as feeds write it ("nl", "en-US", "nl_NL") in one form: "en-us"; "" when
    it is none (a word such as "English" is not a tag)."""
    tag = _text(value).replace("_", "-").lower()
    return tag if _LANGUAGE_TAG.match(tag) else ""


def _episode_language(entry: Any, feed_language: str) -> str:
    """An item's own language (dc:language, or xml:lang on the item, which feedparser hands to
    its title), else the feed's: what the episode's transcript is in."""
    detail = entry.get("title_detail") or {}
    return (
        _language(entry.get("language"))
        or _language(detail.get("language") if isinstance(detail, dict) else None)
        or feed_language
    )


def _episode(
    entry: Any, extras: dict[str, dict[str, Any]], base: str, feed_language: str = ""
) -> ParsedEpisode | None:
    enclosure = _enclosure(entry)
    # Relative enclosure URLs exist in the wild; they are relative to the feed's address.
    enclosure_url = urljoin(base, _text(enclosure.get("href"))) if enclosure else None
    guid = _text(entry.get("id")) or _text(enclosure_url) or _text(entry.get("link"))
    title = _text(entry.get("title"))
    if not guid:
        if not title:
            return None  # nothing to tell it from the others by
        guid = f"title:{title}|{_text(entry.get('published'))}"
    tags = extras.get(guid) or (extras.get(enclosure_url) if enclosure_url else None) or {}
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    length = _int(enclosure.get("length")) if enclosure else None
    language = _episode_language(entry, feed_language)
    # A transcript without a language attribute is in the episode's (Podcasting 2.0 says the
    # feed's <language>; an item that names its own knows better).
    transcripts = tuple(
        link if link.language else replace(link, language=language)
        for link in tags.get("transcripts", ())
    )
    return ParsedEpisode(
        guid=guid,
        title=title or _file_title(enclosure_url) or _("Untitled episode"),
        # Show notes as text: the app shows no feed markup (nor its remote images).
        summary="\n".join(html_lines(_text(entry.get("summary")))),
        published_at=_iso(published),
        enclosure_url=_text(enclosure_url) or None,
        enclosure_type=_text(enclosure.get("type")) if enclosure else "",
        enclosure_length=length if length and length > 0 else None,
        duration_ms=parse_duration(entry.get("itunes_duration")),
        chapters=tags.get("chapters"),
        transcripts=transcripts,
        language=language,
    )


def _enclosure(entry: Any) -> dict[str, Any] | None:
    found = [e for e in entry.get("enclosures", []) if _text(e.get("href"))]
    if not found:  # Media RSS instead of an enclosure
        found = [
            {"href": m.get("url"), "type": m.get("type", ""), "length": m.get("filesize")}
            for m in entry.get("media_content", [])
            if _text(m.get("url"))
        ]
    audio = [e for e in found if str(e.get("type", "")).startswith(("audio/", "video/"))]
    chosen: dict[str, Any] | None = (audio or found or [None])[0]
    return chosen


def _file_title(url: Any) -> str:
    """What to call an episode without a title: its file's name (".../test.ogg" -> "test")."""
    name = PurePosixPath(urlsplit(_text(url)).path).stem
    return unquote(name).strip()


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _iso(moment: Any) -> str | None:
    if not moment:
        return None
    try:
        seconds = calendar.timegm(moment)
    except (TypeError, ValueError, OverflowError):
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        return None


def parse_duration(value: Any) -> int | None:
    """itunes:duration as ms: "3723", "62:03", "1:02:03", "1:02:03.5"; None if unreadable."""
    if value is None:
        return None
    match = _DURATION.match(str(value))
    if match is None:
        return None
    first, second, last = match.groups()
    parts = [float(p) for p in (first, second, last) if p is not None]
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return int(seconds * 1000) if 0 < seconds < 7 * 86_400 else None


class _PodcastTags(ContentHandler):
    """Collects podcast:chapters/transcript per item, keyed by guid and by enclosure URL."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, dict[str, Any]] = {}
        self._scopes: list[dict[str, str]] = [{}]
        self._item: dict[str, Any] | None = None
        self._keys: list[str] = []
        self._text: list[str] | None = None

    def _namespace(self, prefix: str) -> str | None:
        for scope in reversed(self._scopes):
            if prefix in scope:
                return scope[prefix]
        return None

    def _is_podcast(self, qname: str) -> str | None:
        prefix, _, local = qname.rpartition(":")
        namespace = self._namespace(prefix)
        if namespace in PODCAST_NAMESPACES or (namespace is None and prefix == "podcast"):
            return local
        return None

    def startElement(self, name: str, attrs: Any) -> None:  # noqa: N802
        scope = {
            (key.partition(":")[2] if ":" in key else ""): value
            for key, value in attrs.items()
            if key == "xmlns" or key.startswith("xmlns:")
        }
        self._scopes.append(scope)
        local = name.rpartition(":")[2]
        if local in ("item", "entry") and self._item is None:
            self._item = {"transcripts": []}
            self._keys = []
            return
        if self._item is None:
            return
        if local in ("guid", "id") and ":" not in name:
            self._text = []
        elif local == "enclosure" and attrs.get("url"):
            self._keys.append(attrs.get("url").strip())
        elif local == "link" and attrs.get("rel") == "enclosure" and attrs.get("href"):
            self._keys.append(attrs.get("href").strip())
        else:
            tag = self._is_podcast(name)
            url = (attrs.get("url") or "").strip()
            if tag == "chapters" and url:
                self._item["chapters"] = Link(url, attrs.get("type") or "application/json+chapters")
            elif tag == "transcript" and url:
                self._item["transcripts"].append(
                    Link(url, attrs.get("type") or "text/plain", attrs.get("language") or "")
                )

    def characters(self, content: str) -> None:
        if self._text is not None:
            self._text.append(content)

    def endElement(self, name: str) -> None:  # noqa: N802
        self._scopes.pop()
        local = name.rpartition(":")[2]
        if self._text is not None and local in ("guid", "id"):
            self._keys.insert(0, "".join(self._text).strip())
            self._text = None
        elif local in ("item", "entry") and self._item is not None:
            if self._item.get("chapters") or self._item["transcripts"]:
                for key in self._keys:
                    if key:
                        self.found.setdefault(key, self._item)
            self._item = None


def _podcast_tags(content: bytes) -> tuple[dict[str, dict[str, Any]], str]:
    handler = _PodcastTags()
    try:
        parseString(content, handler)
    except (xml.sax.SAXException, DefusedXmlException, ValueError, LookupError) as exc:
        # LookupError: an encoding expat does not know (feedparser still read the feed).
        if handler.found:
            return handler.found, ""
        if isinstance(exc, DefusedXmlException):
            return {}, _("The feed declares XML entities; chapters and transcripts were skipped.")
        return {}, ""  # feedparser already reported the broken XML
    return handler.found, ""
