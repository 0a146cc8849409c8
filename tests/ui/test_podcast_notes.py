"""The Podcasts page says what is missing instead of showing blank tabs (an episode without
chapters or transcript), and its download setting reads as a sentence at every value."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.ui.pages.podcasts import NO_CHAPTERS, NO_TRANSCRIPT, KeepSpinBox
from tests.ui.window import open_window
from tests.web_host import WebHost

pytestmark = pytest.mark.timeout(90)

PLAIN_RSS = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Kort</title>'
    b"<item><title>Zonder hoofdstukken</title><guid>plain-1</guid>"
    b"<pubDate>Mon, 06 Jan 2025 09:00:00 GMT</pubDate>"
    b'<enclosure url="http://127.0.0.1:9/a.mp3" type="audio/mpeg" length="1000"/>'
    b"</item></channel></rss>"
)


def test_an_episode_without_chapters_or_transcript_says_so(
    qtbot: QtBot, make_core: Callable[..., Core]
) -> None:
    core = make_core()
    with WebHost() as host:
        url = host.put("/feed.xml", PLAIN_RSS, "application/rss+xml")
        window, runner = open_window(qtbot, core)
        window.go("podcasts")  # built when first shown
        assert window.pages is not None
        page = window.pages.podcasts_page()
        assert page.isVisible()
        page.subscribe(url)
        qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=20_000)
    assert not page.keep.isVisible()  # "All episodes": no one podcast's setting to show
    page.feed_list.setCurrentRow(1)
    assert page.keep.isVisible() and page.keep.text() == "Keep the newest 3 episodes"
    page.table.selectRow(0)
    page.details.setCurrentWidget(page.chapters_stack)
    assert page.chapters_stack.currentWidget() is page.chapters_note
    assert page.chapters_note.text() == NO_CHAPTERS == "This episode has no chapters."
    assert page.chapters_note.isVisible()
    assert page.transcript.toPlainText() == NO_TRANSCRIPT
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)


def test_the_download_setting_reads_as_words() -> None:
    keep = KeepSpinBox()
    texts = []
    for value in (0, 1, 3):
        keep.setValue(value)
        texts.append(keep.text())
    assert texts == [
        "Download only when I ask",
        "Keep the newest episode",
        "Keep the newest 3 episodes",
    ]
    assert [keep.valueFromText(t) for t in texts] == [0, 1, 3]
