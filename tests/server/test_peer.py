"""Peer feedback over real HTTP: submissions shared only with consent, reviewers allocated among
the learners who submitted for the same exercise, anonymous both ways (course pseudonyms, even
in a course whose forum shows names), recordings only for the author and assigned reviewers,
feedback once, ratings, and points counted by the action's own time."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import academy_database
from tests.media_factory import audio
from tests.server.api import bearer
from tests.server.sync_api import Installation, mutation
from tests.server.upload_api import TusSession, sha
from tests.server_process import DEMO_PASSWORD, LiveServer, copy_academy, run_cli, start_server

COURSE = "peer-names"
DEFAULT_QUESTIONS = [
    "What did you find clear or convincing?",
    "What one thing would make it better?",
]
OWN_QUESTIONS = ["Was the main point clear?", "Which example helped?", "What would you cut?"]


def ex(number: int) -> str:
    return f"{COURSE}-1-e{number}"


def _course_json() -> dict[str, Any]:
    peer = {"kind": "open", "prompt": "Explain why groups help.", "peer_review": True}
    exercises: list[dict[str, Any]] = [dict(peer) for _ in range(12)]
    exercises[1]["peer_questions"] = OWN_QUESTIONS
    exercises[7] = {"kind": "open", "prompt": "Only for you."}  # e8: not for peer review
    return {
        "id": COURSE,
        "title": "Peer feedback with names",
        "language": "en",
        "forum_names": "names",  # the forum shows names; peer feedback still must not
        "lessons": [
            {"title": "Feedback", "body_markdown": "Give it.", "exercises": exercises},
            {  # a Dutch lesson in the English course
                "title": "Feedback geven",
                "language": "nl",
                "body_markdown": "Geef het.",
                "exercises": [{"kind": "open", "prompt": "Waarom?", "peer_review": True}],
            },
        ],
    }


@pytest.fixture(scope="module")
def academy(
    seeded_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    where = tmp_path_factory.mktemp("peer")
    data_dir = where / "data"
    copy_academy(seeded_template, data_dir)
    source = where / "course"
    source.mkdir()
    (source / "course.json").write_text(json.dumps(_course_json()), encoding="utf-8")
    imported = run_cli("course", "import", "--data", str(data_dir), str(source))
    assert imported.returncode == 0, imported.stderr
    server = start_server(data_dir, seed_demo=False)
    yield server
    server.stop()


class Learner:
    """A learner with a display name of their own, one installation and its own seq."""

    def __init__(self, server: LiveServer) -> None:
        self.username = f"peer-{uuid.uuid4().hex[:8]}"
        self.display_name = f"Visible {self.username.title()}"
        added = run_cli(
            "user", "add", "--data", str(server.data_dir), self.username,
            "--role", "learner", "--display-name", self.display_name, "--password-stdin",
            stdin=f"{DEMO_PASSWORD}\n",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        self.device = Installation.login(server, self.username)
        self.seq = 0

    def push(self, name: str, args: dict[str, Any], when: datetime | None = None) -> dict[str, Any]:
        self.seq += 1
        item = mutation(self.seq, name, args)
        if when is not None:
            item["created_at"] = when.isoformat()
        result: dict[str, Any] = self.device.push(item)["results"][0]
        return result

    def submit(self, exercise_id: str, text: str = "My answer.", **extra: Any) -> dict[str, Any]:
        args = {"submission_id": str(uuid.uuid4()), "exercise_id": exercise_id, "consent": True}
        return self.push("peer.submit", {**args, "text": text, **extra})

    def entities(self, entity: str) -> dict[str, dict[str, Any]]:
        changes, _ = self.device.pull_all()
        return {c["id"]: c["data"] for c in changes if c["entity"] == entity}


def _rows(server: LiveServer, query: str, **params: Any) -> list[tuple[Any, ...]]:
    return academy_database.rows(server.data_dir, query, **params)


def _assignment_for(reviewer: Learner, submission_id: str) -> dict[str, Any]:
    found = [a for a in reviewer.entities("peer_assignment").values()
             if a["submission_id"] == submission_id]  # fmt: skip
    assert len(found) == 1, found
    return found[0]


def test_without_consent_nothing_is_stored_or_allocated(academy: LiveServer) -> None:
    early, late = Learner(academy), Learner(academy)
    refused = early.push(
        "peer.submit",
        {"submission_id": str(uuid.uuid4()), "exercise_id": ex(9), "consent": False, "text": "x"},
    )
    assert refused["status"] == "rejected" and refused["code"] == "invalid_args"
    assert refused["message"] == "Nothing is shared without your consent."
    assert _rows(academy, "SELECT id FROM peer_submissions WHERE exercise_id = :ex", ex=ex(9)) == []
    assert early.entities("peer_submission") == {}
    # The refused learner is no submitter, so the next one has nobody to swap work with.
    accepted = late.submit(ex(9))
    assert accepted["status"] == "applied", accepted
    assert accepted["result"]["reviewers_assigned"] == 0
    assert late.entities("peer_assignment") == {} and early.entities("peer_assignment") == {}


def test_other_refusals_have_their_reasons(academy: LiveServer) -> None:
    learner = Learner(academy)
    not_peer = learner.submit(ex(8))
    assert (not_peer["status"], not_peer["code"]) == ("rejected", "forbidden")
    empty = learner.submit(ex(12), text="   ")
    assert (empty["status"], empty["code"]) == ("rejected", "invalid_args")
    assert "recording" in empty["message"]
    stranger = learner.submit(ex(12), upload_id=str(uuid.uuid4()))
    assert (stranger["status"], stranger["code"]) == ("rejected", "upload_not_found")


def test_allocation_is_reciprocal_balanced_and_never_self(academy: LiveServer) -> None:
    a, b, c, d = (Learner(academy) for _ in range(4))
    subs = {}
    for learner in (a, b, c, d):
        reply = learner.submit(ex(1), text=f"Work of {learner.username}")
        assert reply["status"] == "applied", reply
        subs[learner.username] = reply["result"]["submission_id"]
    pairs = {
        (submission, reviewer)
        for submission, reviewer in _rows(
            academy,
            """SELECT s.user_id, a.reviewer_id FROM peer_assignments a
               JOIN peer_submissions s ON s.id = a.submission_id WHERE s.exercise_id = :ex""",
            ex=ex(1),
        )
    }
    letter = {
        learner.device.user_id: name for learner, name in zip((a, b, c, d), "abcd", strict=True)
    }
    named = {letter[author] + letter[reviewer] for author, reviewer in pairs}
    # b: a reviews b, b reviews a. c: a and b (one open each, oldest first) review c, c reviews
    # a and b. d: everyone has two open, so the oldest two (a, b) review d; nothing is left
    # with fewer than two reviewers for d to review.
    assert named == {"ba", "ab", "ca", "cb", "ac", "bc", "da", "db"}  # author, reviewer
    assert all(author != reviewer for author, reviewer in pairs)
    assert set(a.entities("peer_assignment")) and not d.entities("peer_assignment")
    for learner in (a, b, c, d):
        mine = learner.entities("peer_submission")[subs[learner.username]]
        assert mine["reviewers"] == 2 and mine["feedback_count"] == 0
    work = _assignment_for(a, subs[d.username])
    assert work["questions"] == DEFAULT_QUESTIONS
    assert work["text"] == f"Work of {d.username}" and work["state"] == "open"
    assert work["my_answers"] is None and work["rated_helpful"] is None
    assert work["recording"] is None and work["prompt"] == "Explain why groups help."


def test_feedback_once_by_the_assignee_anonymous_both_ways(academy: LiveServer) -> None:
    author, reviewer, outsider = Learner(academy), Learner(academy), Learner(academy)
    submission_id = author.submit(ex(2))["result"]["submission_id"]
    assert reviewer.submit(ex(2))["status"] == "applied"
    work = _assignment_for(reviewer, submission_id)
    assert work["questions"] == OWN_QUESTIONS
    assignment_id = work["assignment_id"]

    def feedback(who: Learner, answers: list[str]) -> dict[str, Any]:
        return who.push("peer.feedback", {"assignment_id": assignment_id, "answers": answers})

    wrong = feedback(outsider, ["a", "b", "c"])
    assert (wrong["status"], wrong["code"]) == ("rejected", "not_found")
    short = feedback(reviewer, ["Only one"])
    assert (short["status"], short["code"]) == ("rejected", "invalid_args")
    assert "3 answers" in short["message"]
    blank = feedback(reviewer, ["", " ", ""])
    assert (blank["status"], blank["code"]) == ("rejected", "invalid_args")
    given = feedback(reviewer, ["Yes, very.", "", "The second paragraph."])
    assert given["status"] == "applied", given
    again = feedback(reviewer, ["x", "y", "z"])
    assert (again["status"], again["code"]) == ("rejected", "conflict")

    received = author.entities("peer_feedback")[assignment_id]
    assert received["answers"] == ["Yes, very.", "", "The second paragraph."]
    assert received["questions"] == OWN_QUESTIONS and received["helpful"] is None
    assert author.entities("peer_submission")[submission_id]["feedback_count"] == 1
    done = _assignment_for(reviewer, submission_id)
    assert done["state"] == "done" and done["my_answers"] == received["answers"]

    pseudonyms = dict(
        _rows(academy, "SELECT user_id, name FROM peer_pseudonyms WHERE course_id = :c", c=COURSE)
    )
    assert done["author"] == pseudonyms[author.device.user_id]
    assert received["reviewer"] == pseudonyms[reviewer.device.user_id]
    # Not the forum's "Learner ..." names: peer work cannot be tied to forum posts.
    assert done["author"].startswith("Peer ") and received["reviewer"].startswith("Peer ")
    seen = json.dumps([done, received])
    for learner in (author, reviewer):
        assert learner.username not in seen and learner.display_name not in seen


def test_rating_helpful_pays_the_reviewer_once(academy: LiveServer) -> None:
    author, reviewer = Learner(academy), Learner(academy)
    submission_id = author.submit(ex(3))["result"]["submission_id"]
    reviewer.submit(ex(3))
    assignment_id = _assignment_for(reviewer, submission_id)["assignment_id"]
    reviewer.push("peer.feedback", {"assignment_id": assignment_id, "answers": ["Good", ""]})
    foreign = reviewer.push("peer.rate", {"feedback_id": assignment_id, "helpful": True})
    assert (foreign["status"], foreign["code"]) == ("rejected", "not_found")
    for helpful in (True, False, True, True):
        rated = author.push("peer.rate", {"feedback_id": assignment_id, "helpful": helpful})
        assert rated["status"] == "applied", rated
    points = reviewer.entities("points")[COURSE]
    assert points["by_reason"] == {"peer_feedback_given": 10, "feedback_helpful": 5}
    assert author.entities("peer_feedback")[assignment_id]["helpful"] is True
    assert _assignment_for(reviewer, submission_id)["rated_helpful"] is True


def test_a_feedback_backlog_earns_by_its_own_days(academy: LiveServer) -> None:
    reviewer = Learner(academy)
    for number in (4, 5, 6, 7):  # 2 assignments per exercise: 8 in all
        reviewer.submit(ex(number))
        for _ in range(2):
            Learner(academy).submit(ex(number))
    work = sorted(reviewer.entities("peer_assignment"))
    assert len(work) == 8
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    days = [noon - timedelta(days=1)] * 2 + [noon - timedelta(days=2)] * 6
    # Sent at once, newest first: by arrival 5 would earn; by their own days 5 + 2 do.
    for assignment_id, when in zip(work, days, strict=True):
        answers = {"assignment_id": assignment_id, "answers": ["Clear.", "Shorter."]}
        assert reviewer.push("peer.feedback", answers, when=when)["status"] == "applied"
    points = reviewer.entities("points")[COURSE]
    assert points["by_reason"]["peer_feedback_given"] == 70


def test_the_recording_reaches_only_the_author_and_assigned_reviewers(
    academy: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    author, reviewer, unassigned, elsewhere = (Learner(academy) for _ in range(4))
    data = audio(tmp_path_factory.mktemp("media"), "mp3").read_bytes()
    tus = TusSession(academy, author.device.token)
    upload_id = str(uuid.uuid4())
    named = tus.create(data, upload_id, filename="Anna de Vries - opdracht 3.MP3")
    assert named.status_code == 201, named.text
    assert tus.patch(upload_id, 0, data).status_code == 204
    submitted = author.submit(ex(10), text="", upload_id=upload_id)
    assert submitted["status"] == "applied", submitted
    submission_id = submitted["result"]["submission_id"]
    reviewer.submit(ex(10))
    work = _assignment_for(reviewer, submission_id)
    assert work["recording"] == {
        "size": len(data),
        "sha256": sha(data),
        "content_type": "audio/mpeg",
        "filename": "recording.mp3",  # never the learner's own file name
    }
    # One who submitted for the other course's peer exercise, and one who did not submit.
    other = _rows(
        academy,
        """SELECT e.id FROM exercises e JOIN lessons l ON l.id = e.lesson_id
           WHERE l.course_id = 'samen-leren' AND e.peer_review ORDER BY e.id""",
    )[0][0]
    assert elsewhere.submit(other)["status"] == "applied"
    url = f"{academy.url}/v1/peer/submissions/{submission_id}/recording"

    def get(who: Learner, **headers: str) -> requests.Response:
        return requests.get(url, headers={**bearer(who.device.token), **headers}, timeout=10)

    whole = get(author)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["ETag"] == f'"{sha(data)}"'
    part = get(reviewer, Range="bytes=1000-", **{"If-Range": f'"{sha(data)}"'})
    assert part.status_code == 206 and part.content == data[1000:]
    head = requests.head(url, headers=bearer(reviewer.device.token), timeout=10)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(data)
    for stranger in (unassigned, elsewhere):
        refused = get(stranger)
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "not_found"
    unknown = requests.get(
        url.replace(submission_id, str(uuid.uuid4())),
        headers=bearer(author.device.token),
        timeout=10,
    )
    assert unknown.status_code == 404 and unknown.json() == refused.json()


def test_a_second_submission_replaces_the_first_and_keeps_its_reviewers(
    academy: LiveServer,
) -> None:
    author, reviewer = Learner(academy), Learner(academy)
    first = author.submit(ex(11), text="First draft.")["result"]["submission_id"]
    reviewer.submit(ex(11))
    before = _assignment_for(reviewer, first)
    second = author.submit(ex(11), text="Second draft.")
    assert second["status"] == "applied" and second["result"]["replaced"] is True
    assert second["result"]["submission_id"] == first
    after = _assignment_for(reviewer, first)
    assert after["assignment_id"] == before["assignment_id"]
    assert after["text"] == "Second draft."
    assert author.entities("peer_submission")[first]["text"] == "Second draft."


def test_a_dutch_lesson_asks_the_default_questions_in_dutch(academy: LiveServer) -> None:
    first, second = Learner(academy), Learner(academy)
    dutch_exercise = f"{COURSE}-2-e1"
    mine = first.submit(dutch_exercise, text="Omdat het helpt.")
    assert mine["status"] == "applied", mine
    assert second.submit(dutch_exercise, text="Daarom.")["status"] == "applied"
    work = _assignment_for(second, mine["result"]["submission_id"])
    assert work["questions"] == [
        "Wat vond je duidelijk of overtuigend?",
        "Welk ene punt zou het beter maken?",
    ]
