"""Home, Courses, a course card and the course page in Dutch: with the Dutch catalogue and the
nl_NL locale installed, the pages a learner sees first speak Dutch (headings, buttons, counted
sentences, news), a card names its course's language by CLDR ("Nederlands", "Engels") and its
size as Dutch writes it ("120,8 kB"), and no Alt+letter is taken twice on the course page's
sections. Against a real store and the real demo academy."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.media.player import Player
from desktop.ui.pages.course_page import CoursePage
from desktop.ui.pages.courses import CoursesPage
from desktop.ui.pages.home import HomePage
from desktop.ui.tasks import TaskRunner
from tests.home_data import COURSE, course, earlier, login, pulled_reply
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.mnemonics import clashes

pytestmark = pytest.mark.timeout(120)

DUTCH_COURSE = "samen-leren"  # the demo academy's Dutch course
ENGLISH_COURSE = "learning-together"


def _labels(page: HomePage) -> set[str]:
    return {label.text() for label in page.findChildren(QLabel) if label.isVisible()}


def test_home_speaks_dutch(
    qtbot: QtBot, make_core: Callable[..., Core], dutch_window: None
) -> None:
    core = make_core()
    login(core)
    course(core)
    pulled_reply(core)
    core.learning.complete_lesson(COURSE, f"{COURSE}-1")
    core.home.note_lesson(COURSE, f"{COURSE}-2")
    earlier(core, "last_place", 2)

    page = HomePage(core.home, TaskRunner())
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    with qtbot.waitSignal(page.shown, timeout=20_000):
        page.reload()
    qtbot.waitUntil(lambda: all(row.isVisible() for _i, row in page.news_rows), timeout=5_000)

    assert page.greeting.text().startswith(("Goedemorgen", "Goedemiddag", "Goedenavond"))
    assert page.greeting.text().endswith(", Anna de Vries")
    assert {"Verder", "Nieuw voor jou", "Je cursussen"} <= _labels(page)
    assert page.continue_button.text() == "&Verder"
    assert page.place_detail.text() == "Les 2 van 3 · laatst geopend: 2 uur geleden"
    ((_item, reply),) = page.news_rows
    assert reply.labels[0].text() == "Sam reageerde op je bericht in ‘Looking for a study group’"
    ((_course, row),) = page.course_rows
    assert [label.text() for label in row.labels][1].startswith("1 van 3 lessen af · ")
    assert row.accessibleName().startswith("Study skills. 1 van 3 lessen af")
    assert clashes(page) == {}


def test_courses_and_a_card_speak_dutch(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer, dutch_window: None
) -> None:
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    entries = core.catalogue.refresh()

    runner = TaskRunner()
    page = CoursesPage(runner, core.covers)
    runner.setParent(page)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    assert page.empty.text().startswith("Nog geen cursussen.")
    page.set_entries(entries)
    assert page.show_all.text() == f"All&e ({len(entries)})"
    assert page.show_device.text() == "Op &dit apparaat (0)"
    assert clashes(page) == {}

    card = page.card(DUTCH_COURSE)
    assert card is not None
    # CLDR's name for the language, and the size with a decimal comma and Dutch units.
    assert re.fullmatch(r"Nederlands · \d+,\d\u00a0(kB|MB)", card.facts.text()), card.facts.text()
    english = page.card(ENGLISH_COURSE)
    assert english is not None and english.facts.text().startswith("Engels · ")
    assert card.primary.text() == "Downloaden"
    assert card.state.text() == "Niet gedownload"
    assert card.progress_text.text() == "3 lessen, nog geen af"
    assert card.accessibleDescription() == "Niet gedownload. 3 lessen, nog geen af. Downloaden."
    assert card.more.toolTip() == "Meer acties"
    assert [action.text() for action in card.menu.actions() if not action.isSeparator()] == [
        "De update downloaden",
        "Cursuspakket exporteren…",
        "Ruimte vrijmaken (media verwijderen, voortgang houden)",
        "Van dit apparaat verwijderen",
    ]

    page.show_device.click()
    QApplication.processEvents()
    assert page.empty.text().startswith("Er staat nog geen cursus op dit apparaat.")


def test_the_course_page_speaks_dutch_without_alt_letter_clashes(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer, dutch_window: None
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.catalogue.fetch_course(DUTCH_COURSE)
    assert core.sync.run_window().ok
    core.learning.complete_lesson(DUTCH_COURSE, core.catalogue.lessons(DUTCH_COURSE)[0].id)

    runner = TaskRunner()
    page = CoursePage(
        core.catalogue,
        core.lessons,
        core.learning,
        core.forum,
        core.polls,
        core.peer,
        core.supporters,
        Player(),
        runner,
    )
    qtbot.addWidget(page)
    page.resize(1024, 700)
    page.show()
    with qtbot.waitSignal(page.shown, timeout=20_000):
        page.show_course(DUTCH_COURSE, "Samen leren: feedback geven")

    assert page.header.progress_label.text() == "1 van 3 lessen af"
    assert page.header.continue_button.text().startswith("&Ga verder: 2. ")
    tabs = [page.sections.tabText(index) for index in range(page.sections.count())]
    assert tabs[0] == "&Lessen" and tabs[4] == "S&upporters"
    assert tabs[1].startswith("D&iscussie") and tabs[2].startswith("&Peilingen")
    assert tabs[3].startswith("&Werk van medecursisten")
    assert page.lessons_section.open_button.text() == "Les &openen"
    details = page.lessons_section.list.item(1).text().splitlines()
    assert details[1].startswith("Volgende")
    for index in range(page.sections.count()):
        page.sections.setCurrentIndex(index)
        qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
        assert clashes(page) == {}, tabs[index]
    assert page.supporters.view.toPlainText().startswith(
        "Je hebt in deze cursus nog geen supporter om feedback gevraagd."
    )
