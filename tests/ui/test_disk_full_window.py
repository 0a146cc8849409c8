"""The window on a full disk: an action that finds no room says so in the window (how much to
free and where), nothing crashes, and once space is freed the same action works. The data
folder lives on a real small tmpfs; the academy is the real one."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.integration.sync_helpers import client
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer
from tests.small_disk import small_disk
from tests.ui.window import open_window

COURSE = "learning-together"
THREAD = "learning-together-thread-1"

pytestmark = pytest.mark.timeout(90)


def test_a_reply_on_a_full_disk_is_explained_in_the_window(
    qtbot: QtBot, tmp_path: Path, academy: LiveServer
) -> None:
    with small_disk(tmp_path / "disk", "4m") as disk:
        data = disk.root / "samen"
        core = client(data, academy.url, add_learner(academy))
        try:
            assert core.sync.run_window().ok  # the course's forum, cached
            window, runner = open_window(qtbot, core)
            assert window.pages is not None
            page = window.pages.course_page().discussion
            with qtbot.waitSignal(page.shown, timeout=20_000):
                window.open_course(COURSE, "discussion")
            assert window.stack.current_name == "course" and page.isVisible()
            (topic,) = [
                page.threads.item(row)
                for row in range(page.threads.count())
                if page.threads.item(row).data(Qt.ItemDataRole.UserRole) == THREAD
            ]
            spot = page.threads.visualItemRect(topic).center()
            with qtbot.waitSignal(page.thread_shown, timeout=20_000):
                qtbot.mouseClick(page.threads.viewport(), Qt.MouseButton.LeftButton, pos=spot)
            assert not window.space_notice.isVisible()

            disk.fill()
            page.reply.setPlainText("Written while the disk was full.")
            qtbot.mouseClick(page.reply_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(window.space_notice.isVisible, timeout=20_000)
            sentence = window.space_notice.text()
            assert sentence.startswith("The disk is full")
            assert f"Free at least 50 MB on the disk that holds {data} and try again" in sentence
            assert "Error" not in sentence and "sqlite" not in sentence.lower()
            assert window.statusBar().currentMessage() == sentence
            assert page.notice.text() == sentence  # the page that failed says it too
            assert page.reply.toPlainText() == "Written while the disk was full."  # kept
            assert core.queue.items() == []

            disk.free()
            qtbot.mouseClick(page.reply_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: len(core.queue.items()) == 1, timeout=20_000)
            window.refresh()  # the sync writes again: the notice goes
            qtbot.waitUntil(lambda: not window.refreshing, timeout=30_000)
            assert not window.space_notice.isVisible()
            assert core.queue.items() == []
            window.close()
            assert runner.wait_idle()
        finally:
            core.close()
