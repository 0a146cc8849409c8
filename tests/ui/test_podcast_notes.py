"""The Podcasts page says what is missing instead of showing blank panes: the notes pane shows
the newest episode from the start (whichever podcast is chosen), an episode without notes,
chapters or transcript says so, a podcast whose artwork cannot be had shows its initials, and
the download setting reads as a sentence at every value."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.ui.pages.podcasts import NO_CHAPTERS, NO_TRANSCRIPT, KeepSpinBox
from desktop.ui.widgets.episode_words import NO_NOTES
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
        qtbot.waitUntil(lambda: page.episode_list.count() == 1, timeout=20_000)
    assert not page.keep.isVisible()  # "All episodes": no one podcast's setting to show
    # Nothing was clicked, yet the notes pane shows the newest episode, never a blank pane.
    assert page.selected_key() is not None and page.details.showing_episode()
    assert page.details.title.text() == "Zonder hoofdstukken"
    assert page.notes.toPlainText() == NO_NOTES == "This episode has no show notes."
    page.feed_list.setCurrentRow(1)
    assert page.keep.isVisible() and page.keep.text() == "Keep the newest 3 episodes"
    assert page.details.showing_episode() and page.selected_key() is not None
    assert page.header.title.text() == "Kort"
    page.details.tabs.setCurrentWidget(page.chapters_stack)
    assert page.chapters_stack.currentWidget() is page.chapters_note
    assert page.chapters_note.text() == NO_CHAPTERS == "This episode has no chapters."
    assert page.chapters_note.isVisible()
    assert page.transcript.toPlainText() == NO_TRANSCRIPT
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)


ARTWORK_RSS = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Open Leren</title>'
    b"<image><url>http://127.0.0.1:9/art.png</url><title>Open Leren</title></image>"
    b"<item><title>Een</title><guid>art-1</guid><description>Over leren.</description></item>"
    b"</channel></rss>"
)


def test_artwork_that_cannot_be_fetched_shows_the_initials(
    qtbot: QtBot, make_core: Callable[..., Core]
) -> None:
    core = make_core()
    with WebHost() as host:
        url = host.put("/feed.xml", ARTWORK_RSS, "application/rss+xml")
        window, runner = open_window(qtbot, core)
        window.go("podcasts")
        assert window.pages is not None
        page = window.pages.podcasts_page()
        page.subscribe(url)  # its artwork is at an address where nothing answers
        qtbot.waitUntil(lambda: page.feed_list.count() == 2, timeout=20_000)
        qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
    assert core.podcasts.feeds()[0].image_url == "http://127.0.0.1:9/art.png"
    assert page.artwork(url) is None
    page.feed_list.setCurrentRow(1)
    assert page.header.title.text() == "Open Leren" and not page.header.artwork.has_artwork()
    thumbnail = page.feed_list.item(1).icon()  # the initials "OL" on a palette colour
    assert not thumbnail.isNull() and not thumbnail.pixmap(40, 40).isNull()
    assert page.feed_list.item(1).text() == "Open Leren"
    assert page.details.showing_episode() and "Over leren." in page.notes.toPlainText()


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
