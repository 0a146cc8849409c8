"""Asking a supporter from an exercise card on the lesson page, in the window, against the real
academy: the dialog shows what will be shared, the request waits offline, a sync sends it (the
academy writes the e-mail to its mail folder), the card follows its state, points appear (on
the lesson and the course), and withdrawing stops it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialogButtonBox, QPlainTextEdit
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.ui.main_window import MainWindow
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.window import open_window, stray_windows

COURSE, LESSON = "learning-together", "learning-together-2"
ANSWER = "Explaining makes me order my thoughts."

pytestmark = pytest.mark.timeout(90)


def _sync(qtbot: QtBot, window: MainWindow) -> None:
    window.refresh()
    qtbot.waitUntil(lambda: not window.refreshing, timeout=30_000)


def test_ask_a_supporter_from_the_card_then_withdraw(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.catalogue.fetch_course(COURSE)
    window, runner = open_window(qtbot, core)
    assert window.pages is not None
    course = window.pages.course_page()
    with qtbot.waitSignal(course.shown, timeout=20_000):
        window.open_course(COURSE)
    view = window.pages.lesson_page()
    course.lessons_section.list.setCurrentRow(1)  # lesson 2: its open exercise allows supporters
    with qtbot.waitSignal(view.shown, timeout=20_000, check_params_cb=lambda i: i == LESSON):
        qtbot.mouseClick(course.lessons_section.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.points.text() == "★ 0 points", timeout=10_000)
    card = view.cards[0]
    assert card.exercise.supporter_allowed and not card.ask_button.isHidden()
    assert stray_windows(window) == []

    # Before an answer is saved there is nothing to share.
    qtbot.mouseClick(card.ask_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Save your answer first" in card.status.text(), timeout=10_000)
    assert card.editor is not None
    card.editor.setPlainText(ANSWER)
    qtbot.mouseClick(card.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "next sync" in card.status.text(), timeout=10_000)

    shared: list[str] = []

    def fill_in() -> None:
        dialog = view.exercises.supporter_dialog
        if dialog is None:  # not open yet: the saved answer is still being read
            QTimer.singleShot(20, fill_in)
            return
        shared.append(dialog.findChildren(QPlainTextEdit)[-1].toPlainText())
        dialog.name.setText("Mira de Boer")
        dialog.email.setText("not an address")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert "one e-mail address" in dialog.problem.text() and dialog.isVisible()
        dialog.email.setText("mira@example.org")
        dialog.message.setPlainText("Could you read my answer?")
        assert dialog.chosen_language() == "en"  # the learner's own language by default
        dialog.language.setCurrentIndex(dialog.language.findData("nl"))  # Mira reads Dutch
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(0, fill_in)
    qtbot.mouseClick(card.ask_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Not sent yet" in card.supporters.text(), timeout=10_000)
    assert shared and shared[0].endswith(ANSWER)  # the dialog showed what will be shared
    (asked,) = core.queue.items(names=["supporter.request"])
    assert asked.args["language"] == "nl"

    _sync(qtbot, window)
    _sync(qtbot, window)  # the academy's mailer sends between two windows
    qtbot.waitUntil(lambda: "E-mailed" in card.supporters.text(), timeout=20_000)
    assert view.points.text() == "★ 5 points"
    qtbot.waitUntil(lambda: course.header.points.text() == "★ 5 points", timeout=10_000)
    mails = [path.read_text("utf-8") for path in (academy.data_dir / "mail").glob("*.eml")]
    assert any("To: Mira de Boer" in m and "vraagt je om feedback" in m for m in mails)

    assert not card.withdraw_button.isHidden()
    qtbot.mouseClick(card.withdraw_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Withdrawn" in card.supporters.text(), timeout=10_000)
    assert card.withdraw_button.isHidden()
    _sync(qtbot, window)
    assert [i.name for i in core.queue.items()] == []
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
