"""The forum, the polls and peer feedback in Dutch, against the real academy: a topic's reply
count is a Dutch counted sentence, a post's date is in the Dutch form (never ISO), a poll's
buttons, hint and results (votes and their share) are Dutch, and the peer feedback page's tabs,
work to review and empty state are Dutch."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.language import formats
from desktop.media.player import Player
from desktop.ui.new_topic_dialog import NewTopicDialog
from desktop.ui.pages.forum import ForumPage
from desktop.ui.pages.peer import PeerPage
from desktop.ui.pages.polls import PollsPage
from desktop.ui.peer_share_dialog import PeerShareDialog
from desktop.ui.tasks import TaskRunner
from tests.i18n.english_sources import english_in
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.mnemonics import clashes

COURSE, LESSON, EXERCISE = "learning-together", "learning-together-2", "learning-together-2-e1"
DEMO_THREAD = "learning-together-thread-1"
POLL = "learning-together-poll-1"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def own_academy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A demo academy of this test's own: who reviews whose work depends on every earlier
    submission (server/peer/allocation.py), so the session's shared academy would make the
    number of answers to review depend on the tests that ran before."""
    from tests.server_process import start_server

    server = start_server(tmp_path_factory.mktemp("academy"), seed_demo=True)
    yield server
    server.stop()


def test_forum_polls_and_peer_feedback_read_dutch(
    qtbot: QtBot,
    make_core: Callable[..., Core],
    own_academy: LiveServer,
    tmp_path: Path,
    dutch_window: None,
) -> None:
    academy = own_academy
    ben = make_core(tmp_path / "ben")
    ben.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    ben.peer.submit(LESSON, EXERCISE, consent=True, text="Teaching shows what you missed.")
    assert ben.sync.run_window().ok
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.catalogue.fetch_course(COURSE)
    core.peer.submit(LESSON, EXERCISE, consent=True, text="Explaining orders my thoughts.")
    assert core.sync.run_window().ok  # the forum, the polls and ben's work to review
    option = core.polls.poll(POLL).options[0]
    core.polls.vote(POLL, option.id)
    assert core.sync.run_window().ok  # the vote counted, the results back
    runner = TaskRunner()

    forum = ForumPage(core.forum, runner)
    qtbot.addWidget(forum)
    with qtbot.waitSignal(forum.shown, timeout=20_000):
        forum.show_course(COURSE, "Learning together")
    assert forum.new_button.text() == "&Nieuw onderwerp…"
    assert forum.about.itemText(0) == "Alle onderwerpen van de cursus"
    labels = [forum.threads.item(row).text() for row in range(forum.threads.count())]
    assert any(re.search(r" · \d+ reactie(s)?\b", label) for label in labels), labels
    with qtbot.waitSignal(forum.thread_shown, timeout=20_000):
        forum.select_thread(DEMO_THREAD)
    assert forum.page is not None
    created = formats.parse(forum.page.thread.opening.created_at)
    assert created is not None
    shown = forum.view.toPlainText()
    dutch_date = formats.date_time(created)
    assert dutch_date.replace("\u00a0", " ") in shown.replace("\u00a0", " ")
    month = created.astimezone().month
    assert ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"][
        month - 1
    ] in dutch_date
    assert created.strftime("%Y-%m-%d") not in shown  # never ISO
    assert forum.reply.placeholderText() == "Schrijf een reactie. Ctrl+Return verstuurt hem."

    polls = PollsPage(core.polls, runner)
    qtbot.addWidget(polls)
    with qtbot.waitSignal(polls.shown, timeout=20_000):
        polls.show_course(COURSE, "Learning together")
    card = polls.card(POLL)
    assert card is not None
    assert card.title() == "Peiling" and card.vote_button.text() == "Stem wijzigen"
    assert card.state.text().startswith(f"Je stem: {option.text}")
    bar = card.bars[option.id]
    assert re.fullmatch(r"\d+ van \d+ stem(men)? \(\d+%\)", bar.text()), bar.text()
    assert bar.accessibleName() == f"Stemmen voor {option.text}"
    assert card.about.text() == "Over een van de lessen van de cursus"  # no lesson names given

    peer = PeerPage(core.peer, Player(), runner)
    qtbot.addWidget(peer)
    with qtbot.waitSignal(peer.shown, timeout=20_000):
        peer.show_course(COURSE)
    assert [peer.tabs.tabText(i) for i in range(peer.tabs.count())] == [
        "&Te beoordelen",
        "Feedback op &mijn werk",
    ]
    assert peer.to_review.count() == 1
    assert peer.to_review.item(0).text().endswith("\nte beoordelen")
    peer.to_review.setCurrentRow(0)
    assert "heeft dit met je gedeeld." in peer.work.toPlainText()
    assert peer.send_button.text() == "Feedback &versturen"
    assert peer.feedback_view.toPlainText().startswith("Nog geen feedback op je werk.")
    for page in (forum, polls, peer):
        assert english_in(page) == []
        assert clashes(page) == {}
    peer.tabs.setCurrentIndex(1)
    assert english_in(peer) == [] and clashes(peer) == {}

    topic = NewTopicDialog([(LESSON, "2. Sharing the work")], LESSON, True)
    qtbot.addWidget(topic)
    assert topic.windowTitle() == "Nieuw onderwerp"
    assert topic.about.currentText() == "Les 2. Sharing the work"
    assert english_in(topic) == [] and clashes(topic) == {}
    share = PeerShareDialog("Explain a topic.", "My answer.")
    qtbot.addWidget(share)
    assert share.consent.text().startswith("Ik &ga akkoord")
    assert english_in(share) == [] and clashes(share) == {}
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
