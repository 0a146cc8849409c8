"""A closed course is closed for every mutation, over real HTTP: each mutation of the registry,
sent by an enrolled learner, a learner who is not enrolled, a moderator and an admin.

Every actor first prepares what the mutation needs while the course is still open (their own
thread, supporter request, peer work and reviews), so that once it is closed only membership can
refuse the learner who is not enrolled. That learner gets one sentence, leaves no trace in any
table (no points, answer, position, post, e-mail...) and learns nothing from the reply (not
which option of a quiz is correct); the others are not refused for membership.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from server.sync.mutations import no_course
from server.sync.registry import REGISTRY
from tests import academy_database
from tests.media_factory import audio
from tests.server.api import bearer
from tests.server.sync_api import Installation, mutation
from tests.server.upload_api import TusSession
from tests.server_process import DEMO_PASSWORD, LiveServer, copy_academy, run_cli, start_server

CLOSED = "learning-together"
OPEN = "samen-leren"
TITLE = "Learning together: study groups that work"
REFUSAL = f"You are not enrolled in the course '{TITLE}'; ask the academy to enrol you."
ENROLLED, OUTSIDER = "closed-enrolled", "closed-outsider"
ACTORS = (ENROLLED, OUTSIDER, "mod", "admin")
# Learners who share peer work before and after the actors, so each actor has some to review.
HELPERS = ("anna", "demo")
LESSON = "learning-together-1"
QUIZ, CORRECT = "learning-together-1-e1", "b"
OPEN_EXERCISE = "learning-together-2-e1"  # for peer feedback and for supporters
THREAD = "learning-together-thread-1"
POLL, OPTION = "learning-together-poll-1", "learning-together-poll-1-1"
MEDIA = f"course:{CLOSED}/audio/lesson-1.mp3"
EPISODE = "episode:" + "0" * 32  # a podcast episode is in no course
# What a refused push still writes: its stored outcome and the installation's last seq.
# sync_rate_windows counts every sync request (in the database on PostgreSQL, shared by the
# academy's processes), refused ones too.
BOOKKEEPING = frozenset({"mutation_log", "sync_client", "sync_rate_windows"})
# Refusals that are not about membership: (mutation, actor) -> message.
ROLE_REFUSALS = {("forum.moderate", ENROLLED): "Only moderators can do this."}
# Mutations that touch no course at all (no_course), each with the reason it is safe.
COURSELESS: dict[str, str] = {}


def new_id() -> str:
    return str(uuid.uuid4())


class Actor:
    """One user's installation, with its own seq."""

    def __init__(self, server: LiveServer, username: str) -> None:
        self.username = username
        self.device = Installation.login(server, username)
        self.seq = 0

    def send(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """The whole push reply for one mutation."""
        self.seq += 1
        item = {
            "seq": self.seq,
            "mutation_id": new_id(),
            "name": name,
            "args": args,
            "created_at": "2026-01-05T10:00:00+00:00",
        }
        return self.device.push(item)

    def push(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.send(name, args)["results"][0]
        return result

    def applied(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        result = self.push(name, args)
        assert result["status"] == "applied", result
        outcome: dict[str, Any] = result["result"]
        return outcome


class World:
    """A private academy whose course CLOSED is still open while the actors prepare."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.actors: dict[str, Actor] = {}
        self.peer_shared = False

    def actor(self, username: str) -> Actor:
        if username not in self.actors:
            self.actors[username] = Actor(self.server, username)
        return self.actors[username]

    def rows(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        return academy_database.rows(self.server.data_dir, query, **params)

    def close_course(self) -> None:
        sql = "UPDATE courses SET enrolment = 'closed' WHERE id = :id"
        academy_database.execute(self.server.data_dir, sql, id=CLOSED)

    def settle(self) -> None:
        """Wait until the mailer has sent the e-mails of the preparations (it marks them sent,
        and tells their learners, on its own thread)."""
        deadline = time.monotonic() + 20
        unsent = "SELECT count(*) FROM outgoing_mail WHERE sent_at IS NULL AND NOT failed"
        while self.rows(unsent)[0][0]:
            assert time.monotonic() < deadline, "the mailer did not send the e-mails"
            time.sleep(0.1)

    def snapshot(self) -> dict[str, list[str]]:
        """Every row of every table but the push's bookkeeping."""
        everything = academy_database.snapshot(self.server.data_dir)
        return {table: rows for table, rows in everything.items() if table not in BOOKKEEPING}

    def share_peer_work(self) -> None:
        """The helper, then every actor, shares work on the open exercise (reviewers are the
        earlier sharers, so each actor gets work to review and reviewers of their own)."""
        if self.peer_shared:
            return
        self.peer_shared = True
        first, last = HELPERS
        for username in (first, *ACTORS, last):
            self.actor(username).applied("peer.submit", _submission())

    def assignment_of(self, reviewer: str) -> tuple[str, int]:
        """An open assignment of ``reviewer``: its id and number of questions."""
        self.share_peer_work()
        found = self.rows(
            """SELECT a.id, a.questions FROM peer_assignments a JOIN users u ON u.id = a.reviewer_id
               WHERE u.username = :reviewer AND a.answers IS NULL ORDER BY a.id LIMIT 1""",
            reviewer=reviewer,
        )
        assert found, f"{reviewer} has nothing to review"
        return str(found[0][0]), len(academy_database.json_value(found[0][1]))

    def feedback_on(self, author: str) -> str:
        """Feedback given (while the course is open) on ``author``'s work: its id."""
        self.share_peer_work()
        found = self.rows(
            """SELECT a.id, r.username FROM peer_assignments a
               JOIN peer_submissions s ON s.id = a.submission_id
               JOIN users w ON w.id = s.user_id JOIN users r ON r.id = a.reviewer_id
               WHERE w.username = :author ORDER BY a.id LIMIT 1""",
            author=author,
        )
        assert found, f"nobody reviews {author}'s work"
        assignment_id, reviewer = str(found[0][0]), str(found[0][1])
        questions = self.assignment_questions(assignment_id)
        answers = {"assignment_id": assignment_id, "answers": ["Clear."] * questions}
        self.actor(reviewer).applied("peer.feedback", answers)
        return assignment_id

    def assignment_questions(self, assignment_id: str) -> int:
        (questions,) = self.rows("SELECT questions FROM peer_assignments WHERE id = :id",
                                 id=assignment_id)[0]  # fmt: skip
        return len(academy_database.json_value(questions))


def _submission() -> dict[str, Any]:
    return {
        "submission_id": new_id(),
        "exercise_id": OPEN_EXERCISE,
        "consent": True,
        "text": "Groups help because explaining orders your thoughts.",
    }


def _request(actor: Actor) -> dict[str, Any]:
    return {
        "request_id": new_id(),
        "exercise_id": OPEN_EXERCISE,
        "supporter_name": "Mira de Boer",
        "supporter_email": f"{actor.username}@example.org",
        "message": "Could you read my answer?",
        "answer": "Take turns explaining; teaching is the fastest way to learn.",
    }


def _own_thread(actor: Actor) -> str:
    thread_id = new_id()
    actor.applied(
        "forum.new_thread",
        {"thread_id": thread_id, "course_id": CLOSED, "title": "Mine", "body": "My own post."},
    )
    return thread_id


def _feedback(world: World, actor: Actor) -> dict[str, Any]:
    assignment_id, questions = world.assignment_of(actor.username)
    return {"assignment_id": assignment_id, "answers": ["Clear and kind."] * questions}


Prepare = Callable[[World, Actor], dict[str, Any]]

# What each mutation needs, prepared while the course is open; the args it is then sent with.
CASES: dict[str, Prepare] = {
    "progress.update": lambda world, actor: {
        "course_id": CLOSED,
        "lesson_id": LESSON,
        "position_ms": 60_000,
        "completed": True,
    },
    "exercise.answer": lambda world, actor: {"exercise_id": QUIZ, "option_id": CORRECT},
    "playback.position": lambda world, actor: {
        "media_key": MEDIA,
        "position_ms": 5_000,
        "duration_ms": 9_000,
        "played": False,
    },
    "poll.vote": lambda world, actor: {"poll_id": POLL, "option_id": OPTION},
    "forum.new_thread": lambda world, actor: {
        "thread_id": new_id(),
        "course_id": CLOSED,
        "title": "Evenings?",
        "body": "Who joins?",
    },
    "forum.reply": lambda world, actor: {"post_id": new_id(), "thread_id": THREAD, "body": "Me!"},
    "forum.edit": lambda world, actor: {
        "post_id": _own_thread(actor),
        "body": "Edited.",
        "base_version": 1,
    },
    "forum.delete": lambda world, actor: {"post_id": _own_thread(actor)},
    "forum.report": lambda world, actor: {"target_id": THREAD, "reason": "Off topic."},
    "forum.moderate": lambda world, actor: {"target_id": THREAD, "action": "pin"},
    "supporter.request": lambda world, actor: _request(actor),
    "supporter.revoke": lambda world, actor: {
        "request_id": actor.applied("supporter.request", _request(actor))["request_id"],
    },
    "peer.submit": lambda world, actor: _submission(),
    "peer.feedback": _feedback,
    "peer.rate": lambda world, actor: {
        "feedback_id": world.feedback_on(actor.username),
        "helpful": True,
    },
}


@pytest.fixture(scope="module")
def template(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo academy with one learner enrolled in CLOSED and one who is not."""
    data_dir = tmp_path_factory.mktemp("closed-template") / "data"
    copy_academy(seeded_template, data_dir)
    for username in (ENROLLED, OUTSIDER):
        added = run_cli(
            "user", "add", "--data", str(data_dir), username, "--role", "learner",
            "--password-stdin", stdin=f"{DEMO_PASSWORD}\n",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    enrolled = run_cli("course", "enrol", "--data", str(data_dir), CLOSED, ENROLLED)
    assert enrolled.returncode == 0, enrolled.stderr
    return data_dir


@pytest.fixture
def world(template: Path, tmp_path: Path) -> Iterator[World]:
    data_dir = tmp_path / "data"
    copy_academy(template, data_dir)
    server = start_server(data_dir, seed_demo=False)
    yield World(server)
    server.stop()


def test_every_mutation_declares_its_course_and_has_a_case() -> None:
    assert set(CASES) == set(REGISTRY), "each mutation needs a case in the closed-course matrix"
    for name, spec in REGISTRY.items():
        assert callable(spec.course), name
        if spec.course is no_course:
            assert name in COURSELESS, f"{name} declares it touches no course: say why here"
    assert set(COURSELESS) <= set(REGISTRY)
    # What a learner who left a closed course may still do: take back their own work.
    withdrawals = {name for name, spec in REGISTRY.items() if spec.withdraws_own}
    assert withdrawals == {"supporter.revoke", "forum.delete"}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_closed_course_takes_changes_from_its_members_only(world: World, name: str) -> None:
    prepared = {username: CASES[name](world, world.actor(username)) for username in ACTORS}
    world.close_course()

    outsider = world.actor(OUTSIDER)
    world.settle()
    before = world.snapshot()
    if REGISTRY[name].withdraws_own:
        # Taking back one's own work (a supporter link, a post) is never refused for having
        # left the course; anyone else's stays out of reach.
        others = outsider.push(name, prepared[ENROLLED])
        # Refused by the handler's own-work rule, not for membership.
        assert others["status"] == "rejected" and others["message"] != REFUSAL, others
        assert world.snapshot() == before
        own = outsider.push(name, prepared[OUTSIDER])
        assert own["status"] == "applied", own
    else:
        reply = outsider.send(name, prepared[OUTSIDER])
        refused = reply["results"][0]
        assert (refused["status"], refused.get("code"), refused.get("message")) == (
            "rejected",
            "forbidden",
            REFUSAL,
        ), refused
        assert "result" not in refused
        assert '"correct"' not in json.dumps(reply)  # nothing of the answer key
        assert world.snapshot() == before  # no points, answer, position, post, e-mail, change...
    scopes = {change["scope"] for change in outsider.device.pull_all()[0]}
    assert not scopes & {f"course:{CLOSED}", f"moderation:{CLOSED}", f"poll:{POLL}"}

    for username in (ENROLLED, "mod", "admin"):
        result = world.actor(username).push(name, prepared[username])
        expected = ROLE_REFUSALS.get((name, username))
        if expected is None:
            assert result["status"] == "applied", (username, result)
        else:
            assert (result["status"], result["code"], result["message"]) == (
                "rejected",
                "forbidden",
                expected,
            ), (username, result)


def test_the_refusal_is_for_the_closed_course_only(world: World) -> None:
    """In one batch: the closed course refused (also by a lesson sent under an open course's
    id), the open course, a podcast episode and the rest of the batch untouched; the pull
    carries nothing of the closed course."""
    world.close_course()
    outsider = world.actor(OUTSIDER)
    progress = {"position_ms": 1_000, "completed": True}
    sent: list[tuple[str, dict[str, Any]]] = [
        ("progress.update", {"course_id": CLOSED, "lesson_id": LESSON, **progress}),
        ("progress.update", {"course_id": OPEN, "lesson_id": LESSON, **progress}),
        ("progress.update", {"course_id": OPEN, "lesson_id": f"{OPEN}-1", **progress}),
        ("exercise.answer", {"exercise_id": f"{OPEN}-1-e1", "option_id": "b"}),
        (
            "playback.position",
            {"media_key": EPISODE, "position_ms": 1, "duration_ms": 2, "played": False},
        ),
        ("poll.vote", {"poll_id": POLL, "option_id": OPTION}),
    ]
    reply = outsider.device.push(
        *(mutation(seq, name, args) for seq, (name, args) in enumerate(sent, start=1))
    )
    assert [(r["status"], r.get("code")) for r in reply["results"]] == [
        ("rejected", "forbidden"),
        ("rejected", "forbidden"),
        ("applied", None),
        ("applied", None),
        ("applied", None),
        ("rejected", "forbidden"),
    ]
    assert world.rows("SELECT course_id, reason FROM points_ledger l JOIN users u "
                      "ON u.id = l.user_id WHERE u.username = :name", name=OUTSIDER) == [
        (OPEN, "lesson_completed"),
    ]  # fmt: skip
    scopes = {change["scope"] for change in outsider.device.pull_all()[0]}
    assert f"course:{OPEN}" in scopes
    assert not scopes & {f"course:{CLOSED}", f"moderation:{CLOSED}", f"poll:{POLL}"}


def test_a_recording_is_for_its_author_and_reviewers_who_take_part(
    world: World, tmp_path: Path
) -> None:
    data = audio(tmp_path, "mp3").read_bytes()
    author = world.actor(OUTSIDER)
    tus = TusSession(world.server, author.device.token)
    upload_id = new_id()
    assert tus.create(data, upload_id).status_code == 201
    assert tus.patch(upload_id, 0, data).status_code == 204
    shared = author.applied("peer.submit", {**_submission(), "text": "", "upload_id": upload_id})
    submission_id = shared["submission_id"]
    for reviewer in (HELPERS[1], ENROLLED):
        world.actor(reviewer).applied("peer.submit", _submission())
    reviewers = world.rows(
        "SELECT u.username FROM peer_assignments a JOIN users u ON u.id = a.reviewer_id "
        "WHERE a.submission_id = :submission ORDER BY u.username",
        submission=submission_id,
    )
    assert reviewers == [(ENROLLED,), (HELPERS[1],)]
    world.close_course()
    url = f"{world.server.url}/v1/peer/submissions/{submission_id}/recording"

    def fetch(username: str) -> requests.Response:
        token = world.actor(username).device.token
        return requests.get(url, headers=bearer(token), timeout=10)

    for allowed in (OUTSIDER, ENROLLED):  # the author's own work stays theirs
        reply = fetch(allowed)
        assert reply.status_code == 200 and reply.content == data, allowed
    refused = fetch(HELPERS[1])
    unknown = requests.get(
        url.replace(submission_id, new_id()), headers=bearer(author.device.token), timeout=10
    )
    assert refused.status_code == 404 and refused.json() == unknown.json()


def test_a_closed_course_s_work_goes_to_no_reviewer_outside_it(world: World) -> None:
    outsider, enrolled = world.actor(OUTSIDER), world.actor(ENROLLED)
    outsider.applied("peer.submit", _submission())
    first = {**_submission(), "text": "My first draft."}
    work = enrolled.applied("peer.submit", first)["submission_id"]

    def reviewers(submission_id: str) -> list[str]:
        return [name for (name,) in world.rows(
            "SELECT u.username FROM peer_assignments a JOIN users u ON u.id = a.reviewer_id "
            "WHERE a.submission_id = :submission ORDER BY u.username",
            submission=submission_id)]  # fmt: skip

    assert reviewers(work) == [OUTSIDER]  # while the course was open
    world.close_course()
    replaced = enrolled.applied("peer.submit", {**first, "text": "My second draft."})
    assert replaced["replaced"] is True
    later = world.actor("mod").applied("peer.submit", _submission())["submission_id"]
    assert reviewers(later) == [ENROLLED]  # not the learner outside the course

    seen = [c["data"] for c in outsider.device.pull_all()[0] if c["entity"] == "peer_assignment"]
    assert {data["submission_id"] for data in seen} == {work}
    assert {data["text"] for data in seen} == {"My first draft."}
