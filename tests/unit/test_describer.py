"""Every action the client can queue is described in words from what this computer knows
(thread titles, poll questions and options, lessons, supporters, episodes), never by its
mutation name or an id; without the titles a general sentence, still without ids."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from desktop.core import Core
from desktop.domain.account import Account, Role, User
from desktop.domain.course import CourseDetail, CourseSummary, Exercise, ExerciseKind, Lesson
from desktop.domain.learning import episode_key
from desktop.domain.sync import Change, PullPage
from desktop.services.describer import ActionKind
from desktop.store.accounts import AccountRepo
from desktop.store.courses import CourseRepo
from desktop.store.outbox import OutboxRepo
from desktop.store.pulled import PulledRepo
from desktop.ui.action_text import action_sentence, sent_sentence
from server.sync.registry import REGISTRY

CLIENT = "cid-describer"
FEED = "https://podcasts.example.org/feed.xml"
EPISODE = episode_key(FEED, "ep-1")

# One of each mutation the academy accepts, with the arguments the client sends.
ACTIONS: dict[str, dict[str, Any]] = {
    "forum.new_thread": {"thread_id": "th-new-9", "course_id": "c-1", "title": "Study tips"},
    "forum.reply": {"post_id": "po-new-3", "thread_id": "th-1", "body": "Count me in"},
    "forum.edit": {"post_id": "po-1", "body": "edited", "base_version": 1},
    "forum.delete": {"post_id": "po-1"},
    "forum.report": {"target_id": "po-1", "reason": "spam"},
    "forum.moderate": {"target_id": "th-1", "action": "lock"},
    "poll.vote": {"poll_id": "poll-1", "option_id": "poll-1-2"},
    "exercise.answer": {"exercise_id": "ex-quiz", "option_id": "ex-quiz-a"},
    "progress.update": {
        "course_id": "c-1",
        "lesson_id": "les-1",
        "position_ms": 0,
        "completed": True,
    },
    "playback.position": {"media_key": EPISODE, "position_ms": 5, "duration_ms": 9},
    "supporter.request": {
        "request_id": "req-1",
        "exercise_id": "ex-open",
        "supporter_name": "Anna",
        "supporter_email": "anna@example.org",
        "message": "",
        "answer": "my answer",
    },
    "supporter.revoke": {"request_id": "req-pulled"},
    "peer.submit": {"submission_id": "sub-1", "exercise_id": "ex-peer", "consent": True},
    "peer.feedback": {"assignment_id": "as-1", "answers": ["good"]},
    "peer.rate": {"feedback_id": "fb-1", "helpful": True},
}
EXPECTED = {
    "forum.new_thread": "Your new topic ‘Study tips’",
    "forum.reply": "Your reply in ‘Looking for a study group’",
    "forum.edit": "Your change to a post in ‘Looking for a study group’",
    "forum.delete": "Deleting your post in ‘Looking for a study group’",
    "forum.report": "Your report of a post in ‘Looking for a study group’",
    "forum.moderate": "Closing a topic to replies in ‘Looking for a study group’",
    "poll.vote": "Your vote in ‘Which day suits you?’: Tuesday",
    "exercise.answer": "Your answer to the quiz in ‘Welcome’",
    "progress.update": "Lesson ‘Welcome’ marked done",
    "playback.position": "Where you stopped in the episode ‘Learning out loud’",
    "supporter.request": "Your request to Anna about ‘Welcome’",
    "supporter.revoke": "Withdrawing your request to Bram about ‘Welcome’",
    "peer.submit": "Your work in ‘Sharing’, shared for peer feedback",
    "peer.feedback": "Your feedback on Learner 7F’s work in ‘Sharing’",
    "peer.rate": "Your rating of Learner 2B’s feedback in ‘Sharing’ (helpful)",
}


def _logged_in(core: Core) -> None:
    url = "http://127.0.0.1:9"
    user = User(1, "demo", "Demo Learner", Role.LEARNER)
    AccountRepo(core.store).save(Account(url, user, CLIENT, "Academy", "2099-01-01T00:00:00Z"))
    core.vault.save(url, "demo", "t" * 43)


def _known_here(core: Core) -> None:
    """What a sync, a download and a podcast subscription would have put on this computer."""
    quiz = Exercise("ex-quiz", ExerciseKind.MULTIPLE_CHOICE, "Which?")
    written = Exercise("ex-open", ExerciseKind.OPEN, "Why?")
    peer = Exercise("ex-peer", ExerciseKind.OPEN, "Record it", peer_review=True)
    course = CourseSummary("c-1", 1, "Learning together", "en", "", 2, 0)
    CourseRepo(core.store).save_detail(
        CourseDetail(
            course,
            (
                Lesson("les-1", 1, "Welcome", "", (quiz, written)),
                Lesson("les-2", 2, "Sharing", "", (peer,)),
            ),
        )
    )
    changes: list[tuple[str, str, dict[str, Any]]] = [
        ("forum_thread", "th-1", {"thread_id": "th-1", "title": "Looking for a study group"}),
        ("forum_post", "po-1", {"post_id": "po-1", "thread_id": "th-1"}),
        (
            "poll",
            "poll-1",
            {
                "poll_id": "poll-1",
                "statement": "Which day suits you?",
                "options": [
                    {"id": "poll-1-1", "text": "Monday"},
                    {"id": "poll-1-2", "text": "Tuesday"},
                ],
            },
        ),
        (
            "supporter_request",
            "req-pulled",
            {"request_id": "req-pulled", "exercise_id": "ex-open", "supporter_name": "Bram"},
        ),
        ("peer_assignment", "as-1", {"exercise_id": "ex-peer", "author": "Learner 7F"}),
        ("peer_feedback", "fb-1", {"exercise_id": "ex-peer", "reviewer": "Learner 2B"}),
    ]
    page = PullPage(
        tuple(Change("course:c-1", e, i, "put", 1, d) for e, i, d in changes), "cur", False, 0
    )
    PulledRepo(core.store).apply_page(CLIENT, page)
    with core.store.write() as db:
        db.execute(
            "INSERT INTO feeds (url, title, added_at) VALUES (?, ?, ?)",
            [FEED, "Samen podcast", "2026-01-01T00:00:00Z"],
        )
        db.execute(
            "INSERT INTO episodes (key, feed_url, guid, title) VALUES (?, ?, ?, ?)",
            [EPISODE, FEED, "ep-1", "Learning out loud"],
        )


def _queue_all(core: Core) -> None:
    with core.store.write() as db:
        for name, args in ACTIONS.items():
            OutboxRepo.enqueue(db, client_id=CLIENT, kind="post", name=name, args=args)


def _sentences(core: Core) -> dict[str, str]:
    described = core.queue.described_view(100)
    assert len(described.view.items) == len(ACTIONS)
    return {
        item.name: action_sentence(described.description(item)) for item in described.view.items
    }


def _ids_and_names() -> set[str]:
    found = set(REGISTRY)
    for args in ACTIONS.values():
        found |= {v for v in args.values() if isinstance(v, str) and re.search(r"[-:.]", v)}
    return found


def test_every_queued_action_is_described_with_its_titles(
    make_core: Callable[..., Core],
) -> None:
    assert set(ACTIONS) == set(REGISTRY)  # a new mutation needs words here too
    core = make_core()
    _logged_in(core)
    _known_here(core)
    _queue_all(core)
    sentences = _sentences(core)
    assert sentences == EXPECTED
    described = core.queue.described_view(100)
    assert all(d.kind is not ActionKind.OTHER for d in described.descriptions.values())


def test_without_titles_the_sentences_are_general_and_name_no_id(
    make_core: Callable[..., Core],
) -> None:
    core = make_core()
    _logged_in(core)
    _queue_all(core)
    sentences = _sentences(core)
    forbidden = _ids_and_names()
    for name, sentence in sentences.items():
        assert sentence and not any(bad in sentence for bad in forbidden), (name, sentence)
    assert sentences["forum.reply"] == "Your reply in a discussion"
    assert sentences["poll.vote"] == "Your vote in a poll"
    assert sentences["exercise.answer"] == "Your answer to a quiz"
    assert sentences["progress.update"] == "A lesson marked done"


def test_a_reply_in_a_thread_started_offline_takes_the_thread_title(
    make_core: Callable[..., Core],
) -> None:
    core = make_core()
    _logged_in(core)
    with core.store.write() as db:
        OutboxRepo.enqueue(
            db,
            client_id=CLIENT,
            kind="post",
            name="forum.new_thread",
            args={"thread_id": "th-9", "course_id": "c-1", "title": "Weekend  walk", "body": "x"},
        )
        OutboxRepo.enqueue(
            db,
            client_id=CLIENT,
            kind="post",
            name="forum.reply",
            args={"post_id": "po-9", "thread_id": "th-9", "body": "yes"},
        )
    sentences = _sentences_of(core)
    assert sentences == ["Your new topic ‘Weekend walk’", "Your reply in ‘Weekend walk’"]


def _sentences_of(core: Core) -> list[str]:
    described = core.queue.described_view(100)
    return [action_sentence(described.description(item)) for item in described.view.items]


def test_a_sync_says_what_it_sent_and_what_was_refused() -> None:
    assert sent_sentence(3, {"answer": 2, "vote": 1}, 0) == (
        "Sent 3 items to the academy: 2 answers and 1 vote."
    )
    assert sent_sentence(1, {"progress": 1}, 0) == (
        "Sent 1 item to the academy (1 lesson marked done)."
    )
    assert sent_sentence(0, {}, 2) == (
        "The academy refused 2 items; see Sync & storage for the reason."
    )
    assert sent_sentence(0, {}, 0) == ""
