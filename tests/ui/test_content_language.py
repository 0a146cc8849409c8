"""Content says what language it is in: a lesson's text and an episode's details tell a screen
reader ("Written in Dutch", "Spoken in Dutch"), in the learner's language, whatever the
window's language is."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.ui.widgets.episode_details import EpisodeDetails
from desktop.ui.widgets.lesson_text import LessonText
from tests.ui.window import open_window
from tests.web_host import WebHost

pytestmark = pytest.mark.timeout(90)

# An English podcast with one Dutch episode, as the academy writes it.
MIXED_RSS = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"'
    b' xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Samen</title>'
    b"<language>en</language>"
    b'<item xml:lang="nl"><title>Samen verder</title><guid>nl-1</guid>'
    b"<pubDate>Mon, 20 Jan 2025 09:00:00 GMT</pubDate><dc:language>nl</dc:language>"
    b'<enclosure url="http://127.0.0.1:9/nl.mp3" type="audio/mpeg" length="1000"/></item>'
    b"<item><title>Why learn together?</title><guid>en-1</guid>"
    b"<pubDate>Mon, 06 Jan 2025 09:00:00 GMT</pubDate>"
    b'<enclosure url="http://127.0.0.1:9/en.mp3" type="audio/mpeg" length="1000"/></item>'
    b"</channel></rss>"
)


def test_a_lesson_text_says_its_language(qtbot: QtBot) -> None:
    text = LessonText()
    qtbot.addWidget(text)
    text.set_lesson("<p>Goede feedback is concreet.</p>", language="nl")
    assert text.accessibleDescription() == "Written in Dutch"
    text.set_lesson("<p>?</p>")  # not known: nothing is claimed
    assert text.accessibleDescription() == ""


def test_in_dutch_the_language_is_named_in_dutch(qtbot: QtBot, dutch: None) -> None:
    text = LessonText()
    details = EpisodeDetails()
    qtbot.addWidget(text)
    qtbot.addWidget(details)
    text.set_lesson("<p>Study together.</p>", language="en")
    assert text.accessibleDescription() == "Geschreven in het Engels"
    details.set_language("nl-be")
    assert details.accessibleDescription() == "Gesproken in het Nederlands"
    assert details.transcript.accessibleDescription() == "Transcript in het Nederlands"


def test_the_podcasts_page_says_what_each_episode_is_spoken_in(
    qtbot: QtBot, make_core: Callable[..., Core]
) -> None:
    core = make_core()
    with WebHost() as host:
        url = host.put("/feed.xml", MIXED_RSS, "application/rss+xml")
        window, runner = open_window(qtbot, core)
        window.go("podcasts")
        assert window.pages is not None
        page = window.pages.podcasts_page()
        page.subscribe(url)
        qtbot.waitUntil(lambda: page.episode_list.count() == 2, timeout=20_000)
    qtbot.waitUntil(lambda: page.details.showing_episode(), timeout=20_000)
    assert page.details.title.text() == "Samen verder"  # the newest
    assert page.details.accessibleDescription() == "Spoken in Dutch"
    page.episode_list.setCurrentRow(1)
    qtbot.waitUntil(lambda: page.details.title.text() == "Why learn together?", timeout=20_000)
    assert page.details.accessibleDescription() == "Spoken in English"
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
