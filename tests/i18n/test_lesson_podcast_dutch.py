"""The lesson page and the Podcasts page in Dutch: a Dutch demo course's lesson with a quiz and
a written answer, and a podcast episode, read with the Dutch catalogue and Dutch formats. Every
control speaks Dutch ("Je antwoord", "Controleren"), the episode's date is a Dutch date (never
ISO) and no visible text is an English source sentence."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtGui import QTextDocumentFragment
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.course import ExerciseKind
from desktop.media.player import Player
from desktop.ui.pages.lesson_page import LessonPage
from desktop.ui.pages.podcasts import PodcastsPage
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.list_entry import SUBTITLE_ROLE
from tests.i18n.english_sources import english_in
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.web_host import WebHost

COURSE = "samen-leren"  # the demo academy's Dutch course; its first lesson: a quiz, a question
COURSE_TITLE = "Samen leren: feedback geven"
RSS = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
    b'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>Kort</title>'
    b"<item><title>Over feedback</title><guid>nl-1</guid>"
    b"<pubDate>Thu, 09 Jan 2025 18:00:00 GMT</pubDate><itunes:duration>12:00</itunes:duration>"
    b'<enclosure url="http://127.0.0.1:9/a.mp3" type="audio/mpeg" length="1000"/>'
    b"</item></channel></rss>"
)


pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("dutch_window")]


def test_a_dutch_lesson_with_exercises_speaks_dutch(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.downloads.download_course(COURSE)
    runner, player = TaskRunner(), Player()
    page = LessonPage(
        core.lessons,
        core.learning,
        core.supporters,
        core.peer,
        player,
        runner,
        core.paths.media_dir,
    )
    qtbot.addWidget(page)
    page.resize(1024, 700)
    page.show()
    with qtbot.waitSignal(page.shown, timeout=20_000):
        page.open_lesson(COURSE, COURSE_TITLE)
    qtbot.waitUntil(lambda: page.points.text() != "", timeout=20_000)

    assert page.position.text() == "Les 1 van 3"
    assert page.done_button.text() == "Als &klaar markeren"
    quiz, written = page.cards[:2]
    assert quiz.exercise.kind is ExerciseKind.MULTIPLE_CHOICE
    assert quiz.title() == "1. Quiz" and quiz.submit.text() == "Controleren"
    assert written.exercise.kind is ExerciseKind.OPEN
    assert written.title() == "2. Je antwoord"
    assert written.editor is not None and written.editor.placeholderText() == "Je antwoord…"
    assert written.submit.text() == "Antwoord opslaan"
    assert page.points.text().endswith(" punten")

    right = next(o.id for o in quiz.exercise.options if o.correct)
    next(c for c in quiz.choices if c.radio.property("option_id") == right).radio.setChecked(True)
    quiz.submit.click()
    qtbot.waitUntil(quiz.feedback.isVisible, timeout=10_000)
    verdict = QTextDocumentFragment.fromHtml(quiz.feedback.text()).toPlainText()
    # The course's own "Precies:" is not said again after the verdict.
    assert verdict == "✓ Goed. Je noemt gedrag en het effect ervan."
    qtbot.waitUntil(quiz.status.isVisible, timeout=10_000)
    assert quiz.status.text().startswith("Opgeslagen")

    assert english_in(page) == []
    player.unload()
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)


def test_an_episode_reads_in_dutch_with_a_dutch_date(
    qtbot: QtBot, make_core: Callable[..., Core]
) -> None:
    core = make_core()
    runner, player = TaskRunner(), Player()
    page = PodcastsPage(core.podcasts, player, runner)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    with WebHost() as host:
        page.subscribe(host.put("/feed.xml", RSS, "application/rss+xml"))
        qtbot.waitUntil(lambda: page.episode_list.count() == 1, timeout=20_000)
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)

    facts = str(page.episode_list.item(0).data(SUBTITLE_ROLE))
    assert facts == "9\u00a0jan\u00a02025\u00a0· 12\u00a0min\u00a0· Nieuw"
    assert "2025-01-09" not in page.details.facts.text()
    assert "9\u00a0jan\u00a02025" in page.details.facts.text()
    assert page.play_button.text() == "&Downloaden"
    assert page.feed_list.item(0).text() == "Alle afleveringen"
    assert [page.details.tabs.tabText(i) for i in range(3)] == [
        "Shownotes",
        "Hoofdstukken",
        "Transcript",
    ]
    assert page.transcript.toPlainText() == "Deze aflevering heeft geen transcript."
    page.feed_list.setCurrentRow(1)
    assert page.keep.text() == "Bewaar de nieuwste 3 afleveringen"
    assert page.header.about.text().startswith("1 aflevering")

    assert english_in(page) == []
    player.unload()
