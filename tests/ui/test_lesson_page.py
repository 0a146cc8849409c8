"""The lesson page as one reading column, against the real demo academy: the whole quiz in the
page's one scroll area, a clear right/wrong mark, "done" that can be undone (here and at the
academy), previous/next, the lesson's own image shown, and no file name or id on screen. And an
imported course read offline in the window: listed on its course page, its text with its local
image, no remote load, links opened in the browser only when clicked."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt, QUrl
from PySide6.QtGui import QKeySequence, QTextDocument, QTextDocumentFragment
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.media.player import Player
from desktop.store.trust import KeyRepo
from desktop.sync.manifests import canonical
from desktop.ui.pages.lesson_page import DONE_UNDO, MARK_DONE, LessonPage
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.exercise_card import SENT, WAITING, ExerciseCard
from tests.pack_factory import Academy
from tests.server.sync_api import Installation, add_learner, progress
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.window import open_window

COURSE = "learning-together"
TITLE = "Learning together: study groups that work"
FIRST, SECOND, THIRD = (f"{COURSE}-{n}" for n in (1, 2, 3))

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def learner(make_core: Callable[..., Core], academy: LiveServer) -> tuple[Core, str]:
    core = make_core()
    username = add_learner(academy)
    core.session.login(academy.url, username, DEMO_PASSWORD)
    core.downloads.download_course(COURSE)
    return core, username


@pytest.fixture
def page(qtbot: QtBot, learner: tuple[Core, str]) -> Iterator[LessonPage]:
    core = learner[0]
    runner = TaskRunner()
    player = Player()
    shown = LessonPage(
        core.lessons,
        core.learning,
        core.supporters,
        core.peer,
        player,
        runner,
        core.paths.media_dir,
    )
    qtbot.addWidget(shown)
    shown.resize(1024, 700)
    shown.show()
    yield shown
    player.unload()
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)


def _open(qtbot: QtBot, page: LessonPage, lesson_id: str) -> None:
    with qtbot.waitSignal(page.shown, timeout=20_000, check_params_cb=lambda i: i == lesson_id):
        page.open_lesson(COURSE, TITLE, lesson_id)


def _said(label: QLabel) -> str:
    return QTextDocumentFragment.fromHtml(label.text()).toPlainText()


def _visible_texts(page: LessonPage) -> list[str]:
    texts = [page.text.toPlainText()]
    for widget in page.findChildren(QWidget):
        if not widget.isVisibleTo(page):
            continue
        if isinstance(widget, QLabel):
            texts.append(_said(widget))
        elif isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        texts.extend([widget.toolTip(), widget.accessibleName(), widget.accessibleDescription()])
    return [text for text in texts if text]


def _quiz(page: LessonPage) -> ExerciseCard:
    return page.cards[0]


def test_the_whole_quiz_shows_in_the_page_with_a_clear_mark(qtbot: QtBot, page: LessonPage) -> None:
    _open(qtbot, page, FIRST)
    assert page.title.text() == "Forming a study group"
    assert page.position.text() == "Lesson 1 of 3"
    assert page.course_button.text() == f"← {TITLE}"
    # The title once: not again as the text's own first heading.
    assert "Forming a study group" not in page.text.toPlainText()
    assert page.text.accessibleDescription() == "Written in English"  # the lesson's language
    # One scroll area for the whole page; the text does not scroll on its own.
    assert page.findChildren(QScrollArea) == [page.scroll_area]
    qtbot.waitUntil(lambda: page.text.height() >= page.text.document().size().height())
    assert page.text.verticalScrollBar().maximum() == 0

    quiz = _quiz(page)
    content = page.scroll_area.widget()
    assert content is not None
    area = QRect(QPoint(0, 0), content.size())
    assert len(quiz.choices) == 3
    for choice in quiz.choices:
        where = QRect(choice.mapTo(content, QPoint(0, 0)), choice.size())
        assert area.contains(where), choice.label.text()
        assert choice.height() >= choice.minimumSizeHint().height()
        assert choice.label.height() >= choice.label.heightForWidth(choice.label.width())
    assert quiz.height() >= quiz.minimumSizeHint().height()

    wrong = next(c for c in quiz.choices if c.label.text() == "Two")
    qtbot.mouseClick(wrong.label, Qt.MouseButton.LeftButton)  # the label picks it too
    assert wrong.radio.isChecked()
    qtbot.mouseClick(quiz.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(quiz.feedback.isVisible, timeout=10_000)
    assert quiz.correct is False
    assert (
        _said(quiz.feedback) == "✗ Not quite. That is a study pair: fine, but you miss other views."
    )

    right = next(c for c in quiz.choices if c.label.text() == "Three to five")
    right.radio.setChecked(True)
    qtbot.mouseClick(quiz.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: quiz.correct is True, timeout=10_000)
    said = _said(quiz.feedback)
    assert said == "✓ Correct. Everyone gets a turn and ideas still vary."
    assert "Right" not in said  # the option's "Right: …" is not said twice


def test_done_toggles_and_its_undo_reaches_the_academy(
    qtbot: QtBot, page: LessonPage, learner: tuple[Core, str], academy: LiveServer
) -> None:
    core, username = learner
    _open(qtbot, page, SECOND)
    assert page.done_button.text() == MARK_DONE and not page.done_button.isChecked()
    other_device = Installation.login(academy, username)

    def at_academy() -> bool | None:
        changes, _ = other_device.pull_all()
        found = {c["id"]: c["data"] for c in changes if c["entity"] == "progress"}
        return bool(found[SECOND]["completed"]) if SECOND in found else None

    with qtbot.waitSignal(page.queued, timeout=10_000):
        qtbot.mouseClick(page.done_button, Qt.MouseButton.LeftButton)
    assert page.done_button.text() == DONE_UNDO and page.done_button.isChecked()
    assert core.learning.completed_lessons(COURSE) == {SECOND}
    assert core.sync.run_window().ok
    assert at_academy() is True

    with qtbot.waitSignal(page.done_changed, timeout=10_000) as changed:
        page.done_button.setFocus()
        qtbot.keyClick(page.done_button, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert changed.args == [COURSE, SECOND, False]
    assert page.done_button.text() == MARK_DONE and not page.done_button.isChecked()
    assert core.learning.completed_lessons(COURSE) == set()
    [waiting] = core.queue.items()
    assert waiting.args["reopened"] is True
    assert core.sync.run_window().ok
    assert at_academy() is False
    assert core.learning.completed_lessons(COURSE) == set()  # the pull agrees

    _open(qtbot, page, FIRST)  # and it shows as not done when the lesson is opened again
    _open(qtbot, page, SECOND)
    assert page.done_button.text() == MARK_DONE


def test_previous_next_and_back_to_the_course(qtbot: QtBot, page: LessonPage) -> None:
    _open(qtbot, page, FIRST)
    assert page.previous_button.isHidden() and not page.next_button.isHidden()
    assert page.next_button.text() == "&Next: Sharing the work →"
    with qtbot.waitSignal(page.shown, timeout=20_000, check_params_cb=lambda i: i == SECOND):
        qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert page.position.text() == "Lesson 2 of 3" and page.title.text() == "Sharing the work"
    with qtbot.waitSignal(page.lesson_opened, timeout=20_000) as opened:
        qtbot.keyClick(page, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert opened.args == [COURSE, THIRD]
    assert page.next_button.isHidden() and not page.previous_button.isHidden()
    with qtbot.waitSignal(page.shown, timeout=20_000, check_params_cb=lambda i: i == SECOND):
        qtbot.keyClick(page, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert page.lesson_titles(COURSE) == [
        (FIRST, "1. Forming a study group"),
        (SECOND, "2. Sharing the work"),
        (THIRD, "3. Keeping each other going"),
    ]
    with qtbot.waitSignal(page.course_wanted, timeout=5_000) as wanted:
        qtbot.mouseClick(page.course_button, Qt.MouseButton.LeftButton)
    assert wanted.args == [COURSE]
    with qtbot.waitSignal(page.course_wanted, timeout=5_000):
        qtbot.keyClick(page, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)


def test_the_lessons_own_image_shows_and_no_file_name_or_id_does(
    qtbot: QtBot, page: LessonPage, learner: tuple[Core, str]
) -> None:
    core = learner[0]
    _open(qtbot, page, FIRST)
    image = (core.paths.media_dir / COURSE / "images" / "study-group.png").resolve()
    assert image.as_uri() in page.text.toHtml()
    shown = page.text.image(QUrl(image.as_uri()))
    assert not shown.isNull() and shown.width() > 10
    assert [b.text().replace("&", "") for b in page.media.buttons] == [
        "▶ Listen to the lesson",
        "▶ Watch the video",
    ]

    lessons = core.lessons.lessons(COURSE)
    forbidden = {COURSE} | {lesson.id for lesson in lessons}
    forbidden |= {exercise.id for lesson in lessons for exercise in lesson.exercises}
    for lesson in lessons:
        for path in lesson.media:
            forbidden |= {path, path.rsplit("/", 1)[-1]}
    for lesson_id in (FIRST, SECOND, THIRD):
        _open(qtbot, page, lesson_id)
        texts = _visible_texts(page)
        assert texts
        leaks: list[Any] = [(t, f) for t in texts for f in forbidden if f in t]
        assert leaks == [], lesson_id
        # Mnemonics: one letter each, and none of the window's menus (Samen, View,
        # Playback, Help).
        buttons = [b for b in page.findChildren(QAbstractButton) if b.isVisibleTo(page)]
        letters = [QKeySequence.mnemonic(b.text()).toString() for b in buttons]
        letters = [letter for letter in letters if letter]
        assert len(letters) == len(set(letters)), letters
        assert not {"Alt+S", "Alt+V", "Alt+L", "Alt+H"} & set(letters)


def test_after_a_sync_the_page_shows_what_the_academy_has(
    qtbot: QtBot, page: LessonPage, learner: tuple[Core, str], academy: LiveServer
) -> None:
    core, username = learner
    _open(qtbot, page, SECOND)
    card = page.cards[0]
    assert card.editor is not None
    card.editor.setPlainText("Explaining it to Sam showed me what I had missed.")
    with qtbot.waitSignal(page.queued, timeout=10_000):
        qtbot.mouseClick(card.submit, Qt.MouseButton.LeftButton)
    assert card.status.text() == WAITING
    # Meanwhile the learner marked the lesson done on another device.
    other_device = Installation.login(academy, username)
    other_device.push(progress(1, 0, completed=True))

    assert core.sync.run_window().ok
    page.refresh_social()
    qtbot.waitUntil(lambda: card.status.text() == SENT, timeout=10_000)
    qtbot.waitUntil(lambda: page.done_button.text() == DONE_UNDO, timeout=10_000)


# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
BODY = (
    "Samen leren begint met **luisteren**.\n\n![schema](images/s.png)\n\n"
    "![tracker](https://tracker.test/p.png)\n\n[Meer lezen](https://academy.test/meer)"
)


def _pack(tmp_path: Path, academy: Academy) -> Path:
    manifest = {
        "format": "samen-course/1",
        "issued_at": "2026-11-24T12:00:00+00:00",
        "course": {
            "id": "c1",
            "version": 1,
            "title": "Samen leren",
            "language": "nl",
            "summary": "",
            "lesson_count": 1,
            "media_bytes": len(PNG),
        },
        "lessons": [
            {
                "id": "c1-1",
                "position": 1,
                "title": "Luisteren",
                "body_markdown": BODY,
                "exercises": [],
                "media": ["images/s.png"],
            }
        ],
        "media": [
            {
                "path": "images/s.png",
                "size": len(PNG),
                "sha256": hashlib.sha256(PNG).hexdigest(),
                "content_type": "image/png",
            }
        ],
    }
    signed = {
        "manifest": manifest,
        "signature": base64.b64encode(academy.private.sign(canonical(manifest))).decode(),
        "key_id": academy.key.key_id,
    }
    path = tmp_path / "c1.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(signed))
        archive.writestr("media/images/s.png", PNG)
    return path


def test_an_imported_lesson_reads_offline_with_only_its_own_image(
    qtbot: QtBot, make_core: Callable[..., Core], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    academy = Academy()
    core = make_core()
    KeyRepo(core.store).remember("http://academy.test", academy.key)
    core.packs.import_pack(_pack(tmp_path, academy))
    opened: list[str] = []

    def record(url: QUrl) -> bool:  # no browser here: record what would be opened instead
        opened.append(url.toString())
        return True

    monkeypatch.setattr("desktop.ui.pages.lesson_page.QDesktopServices.openUrl", record)
    window, runner = open_window(qtbot, core)
    window.refresh()  # no academy: the window shows what this computer has
    qtbot.waitUntil(lambda: not window.refreshing, timeout=20_000)
    assert window.pages is not None
    course = window.pages.course_page()
    with qtbot.waitSignal(course.shown, timeout=20_000):
        window.open_course("c1")
    rows = course.lessons_section.list
    assert rows.count() == 1 and rows.item(0).text().startswith("1. Luisteren")
    view = window.pages.lesson_page()
    rows.setFocus()
    with qtbot.waitSignal(view.shown, timeout=20_000):
        qtbot.keyClick(rows, Qt.Key.Key_Return)
    assert window.stack.current_name == "lesson" and view.title.text() == "Luisteren"
    assert "luisteren" in view.text.toPlainText()
    html = view.text.toHtml()
    assert "tracker.test" not in html  # the remote image was dropped, never requested
    image = (core.paths.media_dir / "c1" / "images" / "s.png").as_uri()
    assert image in html
    assert not view.text.image(QUrl(image)).isNull()
    kind = QTextDocument.ResourceType.ImageResource.value
    assert view.text.loadResource(kind, QUrl(image)) is not None
    assert view.text.loadResource(kind, QUrl("file:///etc/hostname")) is None
    assert view.text.loadResource(kind, QUrl("https://tracker.test/p.png")) is None

    assert opened == []  # nothing opened until the learner clicks
    view.text.anchorClicked.emit(QUrl("https://academy.test/meer"))
    view.text.anchorClicked.emit(QUrl("file:///etc/passwd"))
    assert opened == ["https://academy.test/meer"]
    assert "luisteren" in view.text.toPlainText()  # the page did not navigate away
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
