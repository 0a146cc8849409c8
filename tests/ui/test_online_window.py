"""The main window against the real demo academy: log in, the courses as cards, download one,
open it, remove it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
import requests
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.app import create_window
from desktop.core import Core
from desktop.domain.course import CourseSummary
from desktop.domain.learning import Standing
from desktop.domain.status import Connectivity
from desktop.ui.login_dialog import LoginDialog
from desktop.ui.pages.courses import PageText
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.course_card import CardText
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.cards import MENU_LOG, card_ids, choose_from_menu, courses_page, download_row
from tests.ui.window import open_window

ACADEMY_COURSES = {"samen-leren", "learning-together"}


def _wait_idle(qtbot: QtBot, runner: TaskRunner) -> None:
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)


@pytest.mark.qt_log_ignore(*MENU_LOG)
def test_catalogue_and_download(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    window, runner = open_window(qtbot, core)
    window.refresh()
    _wait_idle(qtbot, runner)

    status = window.indicator.status
    assert status is not None and status.connectivity is Connectivity.ONLINE
    assert window.indicator.text_plain.startswith("Online")
    assert "last sync never" not in window.indicator.text_plain
    page = courses_page(qtbot, window)
    qtbot.waitUntil(lambda: card_ids(page) == ACADEMY_COURSES, timeout=10_000)
    assert {c.entry.course.language for c in page.visible_cards()} == {"nl", "en"}
    # Nothing is on this computer yet: that filter says how to get a course here.
    qtbot.mouseClick(page.show_device, Qt.MouseButton.LeftButton)
    assert page.visible_cards() == []
    assert page.stack.currentWidget() is page.empty
    assert page.empty.text() == PageText.NONE_ON_DEVICE
    qtbot.mouseClick(page.show_all, Qt.MouseButton.LeftButton)

    # Download the Dutch course with its card's button.
    card = next(c for c in page.visible_cards() if c.entry.course.language == "nl")
    assert card.course_id == "samen-leren"
    assert card.primary.text() == CardText.DOWNLOAD and card.primary.isEnabled()
    assert window.pages is not None
    downloads = window.pages.sync_page().downloads
    with qtbot.waitSignal(downloads.finished, timeout=60_000):
        qtbot.mouseClick(card.primary, Qt.MouseButton.LeftButton)
    _wait_idle(qtbot, runner)
    # The card now offers to open the course, which is on this computer.
    qtbot.waitUntil(lambda: card.primary.text() == CardText.OPEN, timeout=10_000)
    assert card.state.text() == CardText.ON_DEVICE
    qtbot.mouseClick(page.show_device, Qt.MouseButton.LeftButton)
    assert card_ids(page) == {"samen-leren"}
    # Sync & storage showed progress and ends complete; the media is on disk.
    assert downloads.bar("samen-leren").value() == 1000
    progress = downloads.last_progress["samen-leren"]
    assert progress.done_bytes == progress.total_bytes > 0
    state_cell = downloads.table.item(download_row(downloads, "samen-leren"), 1)
    assert state_cell is not None and "On this computer" in state_cell.text()
    media = core.paths.media_dir / "samen-leren"
    assert sum(p.stat().st_size for p in media.rglob("*") if p.is_file()) == progress.total_bytes
    lessons = core.catalogue.lessons("samen-leren")
    assert len(lessons) == 3
    assert any(e.kind.value == "multiple_choice" for lesson in lessons for e in lesson.exercises)

    # Open, the card's button now, shows the course's page with its lessons.
    qtbot.mouseClick(card.primary, Qt.MouseButton.LeftButton)
    assert window.stack.current_name == "course"
    course = window.pages.course_page()
    qtbot.waitUntil(lambda: course.lessons_section.list.count() == 3, timeout=20_000)

    # Back on Courses, the card's menu removes the course from this computer after asking;
    # the status line says so by the course's title and the card offers Download again
    # (Alt+Left goes back: it once was given twice to the Back action, which made it do nothing).
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.stack.current_name == "courses"
    asked: list[str] = []

    def confirm() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, confirm)
            return
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.Yes).click()

    title = card.entry.course.title
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    QTimer.singleShot(0, confirm)
    choose_from_menu(qtbot, card, card.remove_action)
    qtbot.waitUntil(lambda: card.primary.text() == CardText.DOWNLOAD, timeout=20_000)
    assert asked and f"Remove “{title}” from this computer?" in asked[0]
    assert any(m.startswith(f"Removed “{title}” from this computer") for m in said), said
    assert card.state.text() == CardText.NOT_DOWNLOADED
    assert core.catalogue.lessons("samen-leren") == []


def test_login_dialog_shows_wrong_password_then_logs_in(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    runner = TaskRunner()
    dialog = LoginDialog(core.session, runner, server_url=academy.url)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "demo")
    qtbot.keyClicks(dialog.password, "wrong")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20_000)
    assert dialog.error.text() == "Wrong user name or password."
    assert dialog.result() != LoginDialog.DialogCode.Accepted

    dialog.password.clear()
    qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.account is not None and dialog.account.user.username == "demo"
    assert core.session.token() is not None


def test_window_asks_for_login_when_logged_out(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    window, runner = open_window(qtbot, core)
    seen: list[str] = []

    def answer_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, LoginDialog)
        seen.append(dialog.windowTitle())
        dialog.server.setText(academy.url)
        dialog.username.setText("demo")
        dialog.password.setText(DEMO_PASSWORD)
        dialog.submit()

    QTimer.singleShot(200, answer_dialog)
    assert window.ask_login() is True
    assert seen == ["Log in to your academy"]
    _wait_idle(qtbot, runner)
    page = courses_page(qtbot, window)
    qtbot.waitUntil(lambda: card_ids(page) == ACADEMY_COURSES, timeout=10_000)


def test_revoked_login_asks_to_log_in_again_and_keeps_the_catalogue(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    core.catalogue.refresh()
    token = core.session.token()
    # The token is revoked behind the app's back (e.g. by an admin, or it expired).
    revoked = requests.post(
        f"{academy.url}/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert revoked.status_code == 204
    window, runner = open_window(qtbot, core)
    window.refresh()
    _wait_idle(qtbot, runner)
    assert "log in" in window.statusBar().currentMessage().lower()
    assert "not logged in" in window.indicator.text_plain
    page = courses_page(qtbot, window)
    assert card_ids(page) == ACADEMY_COURSES  # still shown from this device


def test_what_arrives_after_the_window_closed_is_dropped_quietly(
    qtbot: QtBot,
    make_core: Callable[..., Core],
    academy: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    core.catalogue.refresh()
    covers_asked, standings_asked = threading.Event(), threading.Event()
    may_answer = threading.Event()  # the academy and the disk answer after Samen closed
    fetch_all, standings = core.covers.fetch_all, core.standing.standings

    def slow_covers(courses: Iterable[CourseSummary]) -> dict[str, Path]:
        covers_asked.set()
        may_answer.wait(20)
        return fetch_all(courses)

    def slow_standings(course_ids: Iterable[str]) -> dict[str, Standing]:
        standings_asked.set()
        may_answer.wait(20)
        return standings(course_ids)

    monkeypatch.setattr(core.covers, "fetch_all", slow_covers)
    monkeypatch.setattr(core.standing, "standings", slow_standings)
    runner = TaskRunner()
    window = create_window(core, runner)
    window.show()
    window.refresh()
    page = courses_page(qtbot, window)
    qtbot.waitUntil(lambda: card_ids(page) == ACADEMY_COURSES, timeout=10_000)
    qtbot.waitUntil(lambda: covers_asked.is_set() and standings_asked.is_set(), timeout=10_000)
    window.close()
    shiboken6.delete(window)  # the pages and cards go with it
    may_answer.set()
    assert runner.wait_idle()
    # The covers and the learner's progress per course are delivered now: to nothing,
    # without an error (a window's late answers once broke the next window's test).
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
