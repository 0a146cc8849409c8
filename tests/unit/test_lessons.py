"""Lesson text is rendered safely: no scripts, no event handlers, no remote loads, only
http(s)/mailto links; images only from this course's downloaded media."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from desktop.domain.course import CourseDetail, CourseSummary, Lesson, MediaFile
from desktop.services.lessons import LessonService
from desktop.store.courses import CourseRepo
from desktop.store.db import Store
from desktop.store.media_files import MediaRepo


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LessonService]:
    store = Store(tmp_path / "samen.sqlite3")
    media = tmp_path / "media"
    (media / "c1" / "images").mkdir(parents=True)
    (media / "c1" / "images" / "a.png").write_bytes(b"\x89PNG")
    yield LessonService(CourseRepo(store), MediaRepo(store), media)
    store.close()


def render(service: LessonService, body: str) -> str:
    return service.render("c1", Lesson("c1-1", 1, "Les", body)).html


def test_markdown_becomes_html(service: LessonService) -> None:
    html = render(service, "# Samen\n\n**Leren** met *elkaar*.\n\n- een\n- twee")
    assert "<h1>Samen</h1>" in html and "<strong>Leren</strong>" in html
    assert "<li>een</li>" in html


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[klik](javascript:alert(1))",
        '<a href="https://x.test" onclick="steal()">x</a>',
        "<iframe src='https://evil.test'></iframe>",
        "<style>body{display:none}</style>",
    ],
)
def test_script_and_html_injection_is_removed(service: LessonService, body: str) -> None:
    # What matters is what a browser would build: the tags and attributes, not the text (raw
    # HTML typed in a lesson shows as harmless escaped text).
    for tag, attributes in _elements(render(service, body)):
        assert tag not in ("script", "iframe", "style", "object", "embed")
        for name, value in attributes:
            assert not name.startswith("on")
            assert not (value or "").lower().startswith(("javascript:", "data:", "file:"))


def test_images_only_from_this_courses_media(service: LessonService, tmp_path: Path) -> None:
    html = render(
        service,
        "![a](images/a.png) ![remote](https://tracker.test/pixel.png) "
        "![escape](../../etc/passwd) ![abs](/etc/passwd) ![later](images/b.png)",
    )
    assert (tmp_path / "media" / "c1" / "images" / "a.png").as_uri() in html
    assert "tracker.test" not in html
    assert "passwd" not in html
    rendered = service.render("c1", Lesson("c1-1", 1, "Les", "![later](images/b.png)"))
    assert rendered.missing_media == ("images/b.png",)


def test_links_keep_web_and_mail_targets_only(service: LessonService) -> None:
    html = render(
        service,
        "[site](https://academy.test/x) [mail](mailto:a@b.test) [f](file:///etc) "
        '<a href="file:///etc/passwd">raw</a>',
    )
    hrefs = [dict(attrs).get("href") for tag, attrs in _elements(html) if tag == "a"]
    assert hrefs == ["https://academy.test/x", "mailto:a@b.test"]
    assert 'rel="noopener noreferrer"' in html


def _elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_the_title_shows_once_and_unplaced_lesson_images_are_shown(tmp_path: Path) -> None:
    store = Store(tmp_path / "samen.sqlite3")
    media = tmp_path / "media"
    (media / "c1" / "images").mkdir(parents=True)
    for name in ("a.png", "b.png"):
        (media / "c1" / "images" / name).write_bytes(b"\x89PNG")
    body = "# Forming  a *study* group\n\nText ![a](images/a.png).\n"
    lesson = Lesson(
        "c1-1",
        1,
        "Forming a study group",
        body,
        media=("images/a.png", "audio/x.mp3", "images/b.png"),
    )
    files = [MediaFile(f"images/{n}.png", 4, "0" * 64, "image/png") for n in "ab"]
    files.append(MediaFile("audio/x.mp3", 4, "0" * 64, "audio/mpeg"))
    course = CourseSummary("c1", 1, "Course", "en", "", 1, 12)
    CourseRepo(store).save_detail(CourseDetail(course, (lesson,), tuple(files)))
    service = LessonService(CourseRepo(store), MediaRepo(store), media)

    rendered = service.render("c1", lesson)
    assert "<h1>" not in rendered.html and "Text" in rendered.html
    a, b = ((media / "c1" / "images" / name).resolve() for name in ("a.png", "b.png"))
    assert rendered.html.count("<img") == 2 and b.as_uri() in rendered.html
    assert rendered.images == (a, b)
    assert "x.mp3" not in rendered.html
    # Another first heading stays.
    other = service.render("c1", Lesson("c1-2", 2, "Two", "# Something else\n\nText"))
    assert "<h1>Something else</h1>" in other.html
    store.close()
