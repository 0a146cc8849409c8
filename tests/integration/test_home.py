"""Home's "New for you" against a real academy (real HTTP, real SMTP on loopback): a fellow
learner's reply in the learner's thread, a fellow learner's feedback on their work (and, for the
reviewer, the work waiting for them), a supporter's answer through the e-mailed link, the open
poll not voted in, the academy podcast's episodes; each leaves once seen, voted or given."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from desktop.core import Core
from desktop.domain.home import NewsItem, NewsKind, Section
from desktop.domain.supporter import RequestStatus
from desktop.services.home import plain_snippet
from tests.integration.sync_helpers import client, until_request
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer, start_server
from tests.smtp_inbox import Inbox

COURSE, LESSON = "learning-together", "learning-together-2"
POLL = "learning-together-poll-1"
TITLE = "Learning together: study groups that work"

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def academy(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[LiveServer]:
    """An academy of this module's own: peer work is allocated by who submitted before, and
    supporters' e-mails go to the inbox."""
    server = start_server(
        tmp_path_factory.mktemp("home-academy"),
        extra_args=("--smtp-host", "127.0.0.1", "--smtp-port", str(inbox.port)),
    )
    yield server
    server.stop()


def _synced(core: Core) -> None:
    report = core.sync.run_window()
    assert report.ok, report


def _news(core: Core) -> dict[NewsKind, list[NewsItem]]:
    found: dict[NewsKind, list[NewsItem]] = {}
    for item in core.home.home(shown=50).news.items:
        found.setdefault(item.kind, []).append(item)
    return found


def test_what_is_new_for_a_learner_comes_from_the_academy(
    academy: LiveServer, inbox: Inbox, tmp_path: Path
) -> None:
    anna = client(tmp_path / "anna", academy.url, add_learner(academy, "anna"))
    sam = client(tmp_path / "sam", academy.url, add_learner(academy, "sam"))
    for core in (anna, sam):
        core.catalogue.fetch_course(COURSE)
    lessons = {lesson.id: lesson for lesson in anna.lessons.lessons(COURSE)}
    peer_lesson, peer_exercise = next(
        (lesson.id, e) for lesson in lessons.values() for e in lesson.exercises if e.peer_review
    )
    supported = next(e for e in lessons[LESSON].exercises if e.supporter_allowed)

    # Anna starts a thread and shares her work; her supporter gets her answer.
    thread_id = anna.forum.new_thread(COURSE, "Looking for a study group", "Who joins me?")
    anna.peer.submit(peer_lesson, peer_exercise.id, consent=True, text="My five sentences.")
    anna.learning.answer_text(COURSE, LESSON, supported, "Explaining orders my thoughts.")
    request_id = anna.supporters.ask(
        LESSON, supported.id, "Mira de Boer", "mira@example.org", "Could you read this?"
    )
    _synced(anna)
    assert NewsKind.REPLY not in _news(anna)  # her own thread is not news to her

    # Sam replies and shares his work; Anna's work now waits for his feedback.
    _synced(sam)
    sam.forum.reply(thread_id, "Count me **in**, Tuesdays suit me.")
    sam.peer.submit(peer_lesson, peer_exercise.id, consent=True, text="Groups keep me going.")
    _synced(sam)
    (review,) = _news(sam)[NewsKind.REVIEW]
    (work,) = sam.peer.assignments()
    assert (review.section, review.course_id, review.item_id) == (Section.PEER, COURSE, work.id)
    assert review.who == work.author and review.snippet == "My five sentences."
    assert review.course_title == TITLE
    sam.peer.give_feedback(work.id, ["Clear and kind."] + [""] * (len(work.questions) - 1))
    assert NewsKind.REVIEW not in _news(sam)  # given (waiting to be sent): not asked again
    _synced(sam)

    # The supporter answers through the link in the e-mail.
    until_request(anna, request_id, RequestStatus.EMAILED)
    answered = requests.post(
        inbox.supporter_link("mira@example.org"),
        data={"feedback": "Well put. One example would make it stick."},
        timeout=30,
    )
    assert answered.ok, answered.text
    until_request(anna, request_id, RequestStatus.ANSWERED)
    anna.podcasts.subscribe_academy()

    news = _news(anna)
    (reply,) = news[NewsKind.REPLY]
    assert (reply.title, reply.snippet, reply.count) == (
        "Looking for a study group",
        "Count me in, Tuesdays suit me.",
        1,
    )
    assert reply.who and reply.who != "You"  # Sam, as the course signs him
    assert (reply.section, reply.course_id, reply.item_id) == (
        Section.DISCUSSION,
        COURSE,
        thread_id,
    )
    (feedback,) = news[NewsKind.FEEDBACK]
    assert (
        feedback.who == anna.peer.received()[0].reviewer and feedback.snippet == "Clear and kind."
    )
    assert feedback.title == plain_snippet(peer_exercise.prompt) != ""
    assert (feedback.section, feedback.course_id) == (Section.PEER, COURSE)
    (answer,) = news[NewsKind.SUPPORTER]
    assert (answer.who, answer.snippet) == (
        "Mira de Boer",
        "Well put. One example would make it stick.",
    )
    assert (answer.section, answer.course_id, answer.item_id) == (
        Section.SUPPORTERS,
        COURSE,
        request_id,
    )
    (to_review,) = news[NewsKind.REVIEW]  # Sam's work, assigned to Anna in turn
    assert to_review.snippet == "Groups keep me going."
    (poll,) = news[NewsKind.POLL]
    assert (poll.item_id, poll.section, poll.course_title) == (
        POLL,
        Section.POLLS,
        TITLE,
    )
    episodes = news[NewsKind.EPISODE]
    assert [e.title for e in episodes] == [
        "Samen verder",
        "Feedback that helps",
        "Why learn together?",
    ]
    assert all(e.who == "Samen Academy podcast" and e.episode_key for e in episodes)

    # Seen, voted, played: each leaves the list, and the other views agree.
    for item in (reply, feedback, answer):
        anna.home.mark_seen(item)
    anna.polls.vote(POLL, f"{POLL}-1")
    anna.learning.save_position(episodes[0].episode_key, 5_000, 60_000)
    left = _news(anna)
    assert sorted(left) == [NewsKind.EPISODE, NewsKind.REVIEW]
    assert len(left[NewsKind.EPISODE]) == 2
    assert anna.peer.unseen_count() == 0
    assert next(t for t in anna.forum.threads(COURSE) if t.id == thread_id).unread == 0
    place = anna.home.home().place
    assert place is not None and place.episode_key == episodes[0].episode_key  # Continue
