"""Peer feedback end to end with a real academy, real HTTP and a real spoken recording: an author
shares text and a recording offline with consent; one sync sends the recording, then the
submission; a fellow learner's sync brings the assignment and the recording file (verified)
before they go offline; their feedback, written offline, reaches the author, who rates it; the
reviewer's points follow. Nobody else can fetch the recording."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core import Core
from desktop.domain.errors import SamenError, ServerError
from desktop.domain.peer import ActionState, AssignmentState
from desktop.sync.api import ApiClient
from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import client
from tests.media_factory import audio
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer, start_server

COURSE = "learning-together"

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def academy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """An academy of this module's own: allocation depends on who submitted before."""
    server = start_server(tmp_path_factory.mktemp("peer-academy"))
    yield server
    server.stop()


def _peer_exercise(core: Core) -> tuple[str, str]:
    """(lesson id, exercise id) of the course's peer-review exercise."""
    core.catalogue.fetch_course(COURSE)
    for lesson in core.lessons.lessons(COURSE):
        for exercise in lesson.exercises:
            if exercise.peer_review:
                return lesson.id, exercise.id
    raise AssertionError("the demo course has no peer-review exercise")


def _synced(core: Core) -> None:
    report = core.sync.run_window()
    assert report.ok, report


def test_recorded_work_is_reviewed_offline_and_rated(academy: LiveServer, tmp_path: Path) -> None:
    recording = audio(tmp_path / "media", "mp3")
    data = recording.read_bytes()
    with (
        FaultProxy("127.0.0.1", academy.port) as author_link,
        FaultProxy("127.0.0.1", academy.port) as reviewer_link,
    ):
        author = client(tmp_path / "author", author_link.url, add_learner(academy, "author"))
        reviewer = client(
            tmp_path / "reviewer", reviewer_link.url, add_learner(academy, "reviewer")
        )
        lesson_id, exercise_id = _peer_exercise(author)
        _peer_exercise(reviewer)

        # The author, offline, shares text and a recording; only with consent.
        author_link.set(Fault.RESET_ON_CONNECT)
        with pytest.raises(SamenError, match=r"Nothing is shared without your consent\."):
            author.peer.submit(
                lesson_id, exercise_id, consent=False, text="Hi", recording=recording
            )
        assert author.queue.items() == [] and author.uploads.pending() == []
        with pytest.raises(SamenError, match="Write something or add a recording"):
            author.peer.submit(lesson_id, exercise_id, consent=True, text="  ")
        submission_id = author.peer.submit(
            lesson_id, exercise_id, consent=True, text="My five sentences.", recording=recording
        )
        (waiting,) = author.peer.submissions(exercise_id)
        assert waiting.id == submission_id and waiting.state is ActionState.WAITING
        assert waiting.has_recording and waiting.text == "My five sentences."
        assert author.sync.run_window().offline

        # Online: the recording goes first, then the submission (same window).
        author_link.set(Fault.PASS)
        report = author.sync.run_window()
        assert report.ok and report.uploaded == 1, report
        (sent,) = author.peer.submissions(exercise_id)
        assert (sent.id, sent.state, sent.reviewers) == (submission_id, ActionState.SYNCED, 0)

        # The reviewer submits too; their sync brings the author's work, recording on disk.
        reviewer.peer.submit(lesson_id, exercise_id, consent=True, text="Groups keep me going.")
        _synced(reviewer)
        (work,) = reviewer.peer.assignments()
        assert work.submission_id == submission_id and work.state is AssignmentState.OPEN
        assert work.text == "My five sentences." and work.author.startswith("Peer ")
        assert work.recording is not None and work.recording.size == len(data)
        assert work.recording_path is not None
        assert work.recording_path.read_bytes() == data
        assert hashlib.sha256(work.recording_path.read_bytes()).hexdigest() == (
            work.recording.sha256
        )
        assert not list(work.recording_path.parent.glob("*.part"))

        # Offline, the reviewer listens (the file stays) and writes feedback.
        reviewer_link.set(Fault.RESET_ON_CONNECT)
        with pytest.raises(SamenError, match=f"Give {len(work.questions)} answers"):
            reviewer.peer.give_feedback(work.id, ["Only one"])
        with pytest.raises(SamenError, match="at least one"):
            reviewer.peer.give_feedback(work.id, [""] * len(work.questions))
        answers = [f"Answer {n}" for n in range(1, len(work.questions) + 1)]
        reviewer.peer.give_feedback(work.id, answers)
        (pending,) = reviewer.peer.assignments()
        assert pending.feedback_state is ActionState.WAITING and pending.my_answers == tuple(
            answers
        )
        assert not pending.needs_feedback and pending.recording_path == work.recording_path
        with pytest.raises(SamenError, match="waiting to be sent"):
            reviewer.peer.give_feedback(work.id, answers)
        assert reviewer.sync.run_window().offline
        reviewer_link.set(Fault.PASS)
        _synced(reviewer)
        (done,) = reviewer.peer.assignments()
        assert done.state is AssignmentState.DONE and done.feedback_state is ActionState.SYNCED

        # The author gets it (a badge until seen), rates it; a change of mind folds.
        _synced(author)
        (feedback,) = author.peer.received()
        assert feedback.answers == tuple(answers) and feedback.reviewer.startswith("Peer ")
        assert feedback.reviewer != work.author
        assert author.peer.unseen_count() == 1
        author.peer.mark_seen()
        assert author.peer.unseen_count() == 0
        author.peer.rate(feedback.id, False)
        author.peer.rate(feedback.id, True)
        assert [item.name for item in author.queue.items()] == ["peer.rate"]
        assert author.peer.received()[0].helpful is True
        _synced(author)
        assert author.peer.received()[0].rating_state is ActionState.SYNCED
        assert author.peer.submissions(exercise_id)[0].feedback_count == 1

        _synced(reviewer)
        assert reviewer.peer.assignments()[0].rated_helpful is True
        points = reviewer.supporters.points(COURSE)
        assert points.by_reason == {"peer_feedback_given": 10, "feedback_helpful": 5}


def test_a_learner_not_assigned_cannot_fetch_the_recording(
    academy: LiveServer, tmp_path: Path
) -> None:
    author = client(tmp_path / "author", academy.url, add_learner(academy, "author"))
    stranger = client(tmp_path / "stranger", academy.url, add_learner(academy, "stranger"))
    lesson_id, exercise_id = _peer_exercise(author)
    submission_id = author.peer.submit(
        lesson_id, exercise_id, consent=True, recording=audio(tmp_path / "media", "mp3")
    )
    _synced(author)
    with pytest.raises(
        ServerError, match=r"There is no recording of this work for you\."
    ) as refused:
        stranger.session.client().stream(ApiClient.peer_recording_path(submission_id))
    assert refused.value.status == 404
    assert stranger.peer.fetch_recordings() == 0 and stranger.peer.assignments() == []


def test_accepted_feedback_stays_given_when_the_pull_after_it_fails(
    academy: LiveServer, tmp_path: Path
) -> None:
    author = client(tmp_path / "author", academy.url, add_learner(academy, "author"))
    lesson_id, exercise_id = _peer_exercise(author)
    with FaultProxy("127.0.0.1", academy.port) as link:
        reviewer = client(tmp_path / "reviewer", link.url, add_learner(academy, "reviewer"))
        reviewer.peer.submit(lesson_id, exercise_id, consent=True, text="Mine.")
        _synced(reviewer)  # the reviewer, least loaded, is first in line for the next one
        author.peer.submit(lesson_id, exercise_id, consent=True, text="My take on it.")
        _synced(author)
        _synced(reviewer)
        work = next(a for a in reviewer.peer.assignments() if a.text == "My take on it.")
        answers = ["Clear."] + [""] * (len(work.questions) - 1)
        reviewer.peer.give_feedback(work.id, answers)
        link.set(Fault.HTTP_ERROR, status=503, path="/v1/sync/pull")  # pushes still pass
        assert not reviewer.sync.run_window().ok
        given = next(a for a in reviewer.peer.assignments() if a.id == work.id)
        assert given.state is AssignmentState.DONE and not given.needs_feedback
        assert given.my_answers == tuple(answers)  # not offered again (it would be refused)
        link.set(Fault.PASS)
        _synced(reviewer)
        assert next(a for a in reviewer.peer.assignments() if a.id == work.id).state is (
            AssignmentState.DONE
        )
        assert reviewer.queue.items() == []
