"""Lessons for reading offline: Markdown rendered to sanitized HTML with local media only.
Worker threads (rendering is CPU-only; the UI shows the result).

Lesson text comes from the academy, but a lesson is shown in a rich-text view on the
learner's computer, so it is treated as untrusted: raw HTML in the Markdown is not rendered,
the result is cleaned with an allow-list (nh3/ammonia), images may only come from this course's
downloaded media (a remote image would give away when and where the learner studies), and
links keep only http(s)/mailto targets, opened in the browser when clicked.

The lesson page shows the title above the text, so a first heading that repeats it is left out;
the lesson's own images that its text does not place are shown after the text, so none of the
course's pictures goes unseen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from desktop.domain.course import Lesson
from desktop.domain.learning import course_media_key
from desktop.domain.transfer import MediaState
from desktop.language.catalogue import _
from desktop.services.rich_text import RichText
from desktop.store.courses import CourseRepo
from desktop.store.media_files import MediaRepo

if TYPE_CHECKING:
    from markdown_it.token import Token


@dataclass(frozen=True, slots=True)
class RenderedLesson:
    lesson: Lesson
    html: str
    missing_media: tuple[str, ...]  # referenced but not on this computer (yet)
    images: tuple[Path, ...] = ()  # the local files the html shows, as its file: URIs name them


@dataclass(frozen=True, slots=True)
class LessonMedium:
    """An audio or video file of a lesson, for the player."""

    path: str
    file: Path
    is_video: bool
    available: bool  # downloaded and verified
    media_key: str  # where its listening position is kept


class LessonService:
    def __init__(self, courses: CourseRepo, media: MediaRepo, media_root: Path) -> None:
        self._courses = courses
        self._media = media
        self._media_root = media_root
        self._rich = RichText(_render_image)

    def lessons(self, course_id: str) -> list[Lesson]:
        return self._courses.lessons(course_id)

    def playable(self, course_id: str, lesson: Lesson) -> list[LessonMedium]:
        """The lesson's audio and video files, in the lesson's order."""
        known = {f.path: f for f in self._media.files(course_id)}
        found = []
        for path in lesson.media:
            media = known.get(path)
            if media is None or not media.content_type.startswith(("audio/", "video/")):
                continue
            local = _local_media(self._media_root / course_id, path)
            if local is None:
                continue
            found.append(
                LessonMedium(
                    path=path,
                    file=local,
                    is_video=media.content_type.startswith("video/"),
                    available=media.state is MediaState.AVAILABLE and local.is_file(),
                    media_key=course_media_key(course_id, path),
                )
            )
        return found

    def render(self, course_id: str, lesson: Lesson) -> RenderedLesson:
        course_dir = self._media_root / course_id
        env: dict[str, Any] = {"course_dir": course_dir, "missing": [], "placed": [], "shown": []}
        allowed = course_dir.resolve().as_uri() + "/"

        def keep(src: str) -> bool:
            return src.startswith(allowed)

        html = self._rich.html(
            _without_title(lesson.body_markdown, lesson.title), env, keep_image=keep
        )
        unplaced = [path for path in self._images(course_id, lesson) if path not in env["placed"]]
        if unplaced:
            alt = _markdown_text(lesson.title)
            pictures = "\n\n".join(f"![{alt}](<{path}>)" for path in unplaced)
            html += self._rich.html(pictures, env, keep_image=keep)
        return RenderedLesson(
            lesson=lesson,
            html=html,
            missing_media=tuple(env["missing"]),
            images=tuple(dict.fromkeys(env["shown"])),
        )

    def _images(self, course_id: str, lesson: Lesson) -> list[str]:
        """The lesson's own image files, in the lesson's order."""
        images = {
            f.path for f in self._media.files(course_id) if f.content_type.startswith("image/")
        }
        return [path for path in lesson.media if path in images]


_HEADING = re.compile(r"\A\s*#[ \t]+(?P<text>[^\n]*?)[ \t#]*(?:\n|\Z)")


def _without_title(markdown: str, title: str) -> str:
    """The Markdown without a first heading that only repeats the lesson's title."""
    found = _HEADING.match(markdown)
    if found is None or _words(found["text"]) != _words(title):
        return markdown
    return markdown[found.end() :]


def _words(text: str) -> str:
    return " ".join(re.sub(r"[*_`]", "", text).split()).casefold()


def _markdown_text(text: str) -> str:
    """Plain text that Markdown shows as it is (for an image's alt text)."""
    return re.sub(r"([\\`*_{}\[\]()#+!<>|-])", r"\\\1", text)


def _render_image(
    renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    """A course image as a local file, or a short note where it cannot be shown: never an
    <img> that would make the viewer fetch something (or try to open an empty name)."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = escape(renderer.renderInlineAsText(token.children or [], options, env) or _("image"))
    local = _local_media(env["course_dir"], src)
    if local is None:
        note = _("{image}: not shown, lessons only show the course's own images")
        return f"<em>[{note.format(image=alt)}]</em>"
    env["placed"].append(src)
    if not local.is_file():
        env["missing"].append(src)
        note = _("{image}: not on this computer yet")
        return f"<em>[{note.format(image=alt)}]</em>"
    env["shown"].append(local.resolve())
    return f'<img src="{escape(local.resolve().as_uri())}" alt="{alt}">'


def _local_media(course_dir: Path, src: str) -> Path | None:
    """The file a relative image path names inside the course folder, or None."""
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or src.startswith("/") or "\\" in src:
        return None
    relative = PurePosixPath(parts.path)
    if any(part in ("..", ".", "") for part in relative.parts):
        return None
    return course_dir.joinpath(*relative.parts)
