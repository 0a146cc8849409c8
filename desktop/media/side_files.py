"""Podcasting 2.0 side files: chapters (JSON) and transcripts (WebVTT, SRT, JSON, HTML, text).
Worker threads (pure CPU, no I/O).

Both are optional extras: a file that cannot be read raises FeedError with a short reason and
the episode plays on without it.
"""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from typing import Any, TypeGuard

from desktop.domain.errors import FeedError
from desktop.domain.podcast import Chapter, Transcript
from desktop.language.catalogue import _
from desktop.language.formats import number

MAX_CHAPTERS = 2_000
_CUE_TIME = re.compile(
    r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})\s*-->\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
)


def parse_chapters(content: bytes) -> tuple[Chapter, ...]:
    """The JSON chapters format: {"version": "1.2.0", "chapters": [{"startTime": 0, ...}]}."""
    document = _json(content, _("The chapters file is not valid JSON ({reason})."))
    items = document.get("chapters") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise FeedError(_("The chapters file has no list of chapters."))
    chapters: list[Chapter] = []
    for item in items[:MAX_CHAPTERS]:
        if not isinstance(item, dict) or item.get("toc") is False:
            continue  # toc: false marks silent chapters (e.g. artwork changes)
        start = item.get("startTime")
        if not _finite(start) or start < 0:
            continue
        title = str(item.get("title") or "").strip() or _("Chapter {n}").format(
            n=number(len(chapters) + 1)
        )
        url = item.get("url")
        chapters.append(Chapter(int(start * 1000), title, url if isinstance(url, str) else ""))
    chapters.sort(key=lambda c: c.start_ms)
    return tuple(chapters)


def parse_transcript(content: bytes, content_type: str, language: str = "") -> Transcript:
    kind = content_type.split(";")[0].strip().lower()
    text = _decode(content)
    if kind in ("text/vtt", "application/x-subrip", "application/srt", "text/srt"):
        return Transcript(language, _cues(text))
    if kind in ("application/json", "application/json+transcript"):
        return Transcript(language, _json_segments(content))
    if kind == "text/html":
        return Transcript(language, tuple((None, line) for line in html_lines(text)))
    return Transcript(language, tuple((None, ln.strip()) for ln in text.splitlines() if ln.strip()))


def _finite(value: Any) -> TypeGuard[float]:
    """A JSON number that can be a time (not a bool, NaN or Infinity, nor absurdly large)."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and abs(value) < 10**9
    )


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def _json(content: bytes, what: str) -> Any:
    """`what`: the sentence for a file that is not JSON, with a {reason} placeholder."""
    try:
        return json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise FeedError(what.format(reason=exc)) from None


def _cues(text: str) -> tuple[tuple[int | None, str], ...]:
    lines: list[tuple[int | None, str]] = []
    start: int | None = None
    body: list[str] = []
    for raw in [*text.splitlines(), ""]:
        match = _CUE_TIME.match(raw)
        if match:
            hours, minutes, seconds, fraction = match.groups()
            start = (int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)) * 1000 + int(
                fraction.ljust(3, "0")
            )
            body = []
        elif not raw.strip():
            if start is not None and body:
                lines.append((start, " ".join(body)))
            start, body = None, []
        elif start is not None:
            body.append(re.sub(r"<[^>]+>", "", raw).strip())  # voice and style tags
    return tuple(lines)


def _json_segments(content: bytes) -> tuple[tuple[int | None, str], ...]:
    document = _json(content, _("The transcript file is not valid JSON ({reason})."))
    segments = document.get("segments") if isinstance(document, dict) else None
    if not isinstance(segments, list):
        raise FeedError(_("The transcript file has no segments."))
    lines: list[tuple[int | None, str]] = []
    for segment in segments:
        if not isinstance(segment, dict) or not isinstance(segment.get("body"), str):
            continue
        start = segment.get("startTime")
        ms = int(start * 1000) if _finite(start) and start >= 0 else None
        speaker = segment.get("speaker")
        body = segment["body"].strip()
        lines.append((ms, f"{speaker}: {body}" if isinstance(speaker, str) else body))
    return tuple(lines)


def html_lines(html: str) -> list[str]:
    """The text of an HTML fragment, a line per paragraph; scripts and styles dropped."""
    stripper = _TextOnly()
    stripper.feed(html)
    stripper.close()
    return stripper.lines()


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self._parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("p", "br", "div", "li", "cite"):
            self._parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._parts.append(data)

    def lines(self) -> list[str]:
        return [line.strip() for line in "".join(self._parts).splitlines() if line.strip()]
