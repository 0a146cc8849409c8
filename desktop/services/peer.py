"""Peer feedback, offline first: share one's work (text and/or a recording) with consent, review
the work the academy assigned, rate the feedback received. Worker threads / CLI.

Every action is queued in the outbox and shown at once with its state (waiting, refused) on top
of what was last pulled; a submission with a recording waits for its upload. After each sync
the recordings of open assignments are downloaded in advance (resumable, sha256 verified) to
`<data>/peer/<submission id>`, so the work can be reviewed offline.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.domain.account import record_owner
from desktop.domain.errors import ChecksumError, SamenError, ServerError
from desktop.domain.peer import (
    MAX_TEXT,
    NO_CONSENT,
    ActionState,
    Assignment,
    AssignmentState,
    ReceivedFeedback,
    Recording,
    Submission,
    feedback_problem,
)
from desktop.domain.sync import OutboxItem, OutboxState
from desktop.language import formats
from desktop.language.catalogue import _, counted
from desktop.services import refusals
from desktop.services.actions import ActionService, queue_action
from desktop.services.queue import QueueService
from desktop.services.session import SessionService
from desktop.services.sync import SyncService
from desktop.services.uploads import UploadService
from desktop.store.courses import CourseRepo
from desktop.store.db import Store
from desktop.store.outbox import OutboxRepo
from desktop.store.peer_seen import PeerSeenRepo
from desktop.sync.api import ApiClient
from desktop.sync.transfer import download_file

log = logging.getLogger(__name__)

SUBMIT, FEEDBACK, RATE = "peer.submit", "peer.feedback", "peer.rate"
KIND = "peer"


class _Cancel:
    """A `Callable[[], bool]` as the transfer's cancel token (checked between chunks)."""

    def __init__(self, cancel: Callable[[], bool]) -> None:
        self._cancel = cancel

    def is_set(self) -> bool:
        return self._cancel()

    def wait(self, timeout: float | None = None) -> bool:
        return self._cancel()


class PeerService:
    def __init__(
        self,
        store: Store,
        session: SessionService,
        sync: SyncService,
        queue: QueueService,
        actions: ActionService,
        uploads: UploadService,
        courses: CourseRepo,
        folder: Path,
    ) -> None:
        self._store = store
        self._session = session
        self._sync = sync
        self._queue = queue
        self._actions = actions
        self._uploads = uploads
        self._courses = courses
        self._seen = PeerSeenRepo(store)
        self._folder = folder
        self._verified: dict[Path, tuple[int, int, str]] = {}  # path -> (size, mtime, sha256)

    # -- sharing one's work ------------------------------------------------------------------

    def submit(
        self,
        lesson_id: str,
        exercise_id: str,
        *,
        consent: bool,
        text: str = "",
        recording: Path | None = None,
    ) -> str:
        """Queue one's work on a peer-review exercise for fellow learners; returns the
        submission id. Works offline; a recording is sent first, the submission after it."""
        if not consent:
            raise SamenError(_(NO_CONSENT))
        text = text.strip()
        if len(text) > MAX_TEXT:
            raise SamenError(
                counted(
                    "The text has {n} character; at most {limit} fit.",
                    "The text has {n} characters; at most {limit} fit.",
                    len(text),
                    limit=formats.number(MAX_TEXT),
                )
            )
        if not text and recording is None:
            raise SamenError(_("Write something or add a recording to share."))
        found = self._courses.exercise(lesson_id, exercise_id)
        if found is not None and not found[1].peer_review:
            raise SamenError(_("This exercise is not one for peer feedback."))
        client_id = self._actions.client_id()
        upload_id = None if recording is None else self._uploads.attach(recording)
        args: dict[str, Any] = {
            "submission_id": str(uuid.uuid4()),
            "exercise_id": exercise_id,
            "consent": True,
            "text": text,
            "upload_id": upload_id,
        }
        with self._store.write() as db:
            # A new submission supersedes a refused one on the same exercise.
            OutboxRepo.drop_refused(
                db, client_id=client_id, name=SUBMIT, key="exercise_id", value=exercise_id
            )
            OutboxRepo.enqueue(
                db, client_id=client_id, kind=KIND, name=SUBMIT, args=args, waits_for=upload_id
            )
        return str(args["submission_id"])

    def submissions(self, exercise_id: str | None = None) -> list[Submission]:
        """One's own submissions (one per exercise), newest first; one not yet accepted shows
        as waiting or refused, with the counts of the one it replaces."""
        by_exercise = {
            data.get("exercise_id"): _pulled_submission(data)
            for data in self._sync.cached("peer_submission").values()
        }
        for item in self._local(SUBMIT):
            earlier = by_exercise.get(item.args.get("exercise_id"))
            mine = _local_submission(item, earlier)
            by_exercise[mine.exercise_id] = mine
        shown = [
            s for s in by_exercise.values() if exercise_id is None or s.exercise_id == exercise_id
        ]
        return sorted(shown, key=lambda s: s.submitted_at or "", reverse=True)

    # -- reviewing others' work --------------------------------------------------------------

    def assignments(self) -> list[Assignment]:
        """Work to review, the open ones first (oldest first), then the done ones."""
        local = {str(item.args.get("assignment_id")): item for item in self._local(FEEDBACK)}
        found = [
            self._assignment(data, local.get(key))
            for key, data in self._sync.cached("peer_assignment").items()
        ]
        return sorted(found, key=lambda a: (not a.needs_feedback, a.assigned_at or ""))

    def give_feedback(self, assignment_id: str, answers: list[str]) -> None:
        """Queue one's answers to an assignment's questions (once per assignment)."""
        assignment = next((a for a in self.assignments() if a.id == assignment_id), None)
        if assignment is None:
            raise SamenError(
                _("This work is not assigned to you (or has not reached this computer).")
            )
        if assignment.state is AssignmentState.DONE:
            raise SamenError(_("You already gave feedback on this work."))
        if assignment.feedback_state is ActionState.WAITING:
            raise SamenError(_("Your feedback on this work is waiting to be sent already."))
        problem = feedback_problem(assignment.questions, answers)
        if problem is not None:
            raise SamenError(problem)
        args = {"assignment_id": assignment_id, "answers": [a.strip() for a in answers]}
        client_id = self._actions.client_id()
        with self._store.write() as db:
            OutboxRepo.drop_refused(
                db, client_id=client_id, name=FEEDBACK, key="assignment_id", value=assignment_id
            )
            OutboxRepo.enqueue(db, client_id=client_id, kind=KIND, name=FEEDBACK, args=args)

    def fetch_recordings(self, cancel: Callable[[], bool] | None = None) -> int:
        """Download the recordings of open assignments that are not on this computer yet;
        returns how many arrived. A recording the academy no longer gives (404) or that
        changed meanwhile is skipped with a log line; network errors end the run (the
        `.part` files resume next time)."""
        token = None if cancel is None else _Cancel(cancel)
        client = self._session.client()
        arrived = 0
        for assignment in self.assignments():
            recording = assignment.recording
            if recording is None or assignment.state is not AssignmentState.OPEN:
                continue
            if assignment.recording_path is not None:
                continue
            if cancel is not None and cancel():
                break
            dest = self._folder / assignment.submission_id
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                download_file(
                    client,
                    ApiClient.peer_recording_path(assignment.submission_id),
                    dest,
                    size=recording.size,
                    sha256=recording.sha256,
                    # Translators: names a file in download messages ("… arrived damaged");
                    # {name} is a fellow learner's course pseudonym.
                    label=_("the recording by {name}").format(name=assignment.author),
                    cancel=token,
                )
            except (ServerError, ChecksumError) as exc:
                log.warning("recording of %s not fetched: %s", assignment.submission_id, exc)
                continue
            arrived += 1
        return arrived

    def fetch_after_sync(self, client_id: str) -> None:
        """The `SyncService.after_pull` hook: fetch work in advance; a failure here never
        fails the sync (it is tried again after the next one)."""
        try:
            self.fetch_recordings()
        except (SamenError, OSError) as exc:
            log.warning("recordings to review not fetched this time: %s", exc)

    # -- feedback on one's own work ----------------------------------------------------------

    def received(self) -> list[ReceivedFeedback]:
        """Feedback on one's work, newest first, with one's rating (a waiting one included)."""
        ratings = {str(item.args.get("feedback_id")): item for item in self._local(RATE)}
        found = [
            _received(data, ratings.get(key))
            for key, data in self._sync.cached("peer_feedback").items()
        ]
        return sorted(found, key=lambda f: f.given_at or "", reverse=True)

    def unseen_count(self) -> int:
        seen = self._seen.seen(self._owner())
        return sum(1 for key in self._sync.cached("peer_feedback") if key not in seen)

    def mark_seen(self) -> None:
        self._seen.mark(self._owner(), list(self._sync.cached("peer_feedback")))

    def rate(self, feedback_id: str, helpful: bool) -> None:
        """Queue one's rating of a piece of feedback; a newer unsent one replaces the older."""
        if feedback_id not in self._sync.cached("peer_feedback"):
            raise SamenError(_("This feedback has not reached this computer."))
        client_id = self._actions.client_id()
        args = {"feedback_id": feedback_id, "helpful": helpful}
        with self._store.write() as db:
            queue_action(db, client_id, KIND, RATE, key="feedback_id", args=args)

    # -- helpers -----------------------------------------------------------------------------

    def _owner(self) -> str:
        return record_owner(self._session.account())

    def _local(self, name: str) -> list[OutboxItem]:
        """The account's actions of `name` not pulled back yet, in order: accepted ones whose
        pull failed (so they do not vanish, nor invite a second, refused, attempt), then
        those waiting or refused."""
        queued = self._queue.items(names=(name,))
        return [*self._queue.accepted_unpulled((name,)), *queued]

    def _assignment(self, data: dict[str, Any], local: OutboxItem | None) -> Assignment:
        recording = _recording(data.get("recording"))
        submission_id = str(data.get("submission_id", ""))
        answers = data.get("my_answers")
        state, reason = _action_state(local)
        if local is not None and answers is None:
            answers = local.args.get("answers")
        done = data.get("state") == "done" or (
            local is not None and local.state is OutboxState.ACKED
        )
        return Assignment(
            id=str(data.get("assignment_id")),
            submission_id=submission_id,
            course_id=str(data.get("course_id", "")),
            exercise_id=str(data.get("exercise_id", "")),
            prompt=str(data.get("prompt", "")),
            questions=tuple(str(q) for q in data.get("questions", [])),
            text=str(data.get("text", "")),
            recording=recording,
            recording_path=self._on_disk(submission_id, recording),
            author=str(data.get("author", "")),
            assigned_at=data.get("assigned_at"),
            state=AssignmentState.DONE if done else AssignmentState.OPEN,
            my_answers=None if answers is None else tuple(str(a) for a in answers),
            rated_helpful=data.get("rated_helpful"),
            feedback_state=state,
            reason=reason,
        )

    def _on_disk(self, submission_id: str, recording: Recording | None) -> Path | None:
        """The verified local file of a recording, or None (absent, partial or outdated)."""
        if recording is None or not submission_id:
            return None
        path = self._folder / submission_id
        try:
            info = path.stat()
        except OSError:
            return None
        if info.st_size != recording.size:
            return None
        known = self._verified.get(path)
        if known is None or known[:2] != (info.st_size, info.st_mtime_ns):
            digest = hashlib.sha256()
            with path.open("rb") as stream:
                while block := stream.read(1024 * 1024):
                    digest.update(block)
            known = (info.st_size, info.st_mtime_ns, digest.hexdigest())
            self._verified[path] = known
        return path if known[2] == recording.sha256.lower() else None


def _action_state(item: OutboxItem | None) -> tuple[ActionState, str]:
    if item is None or item.state is OutboxState.ACKED:  # accepted: only not pulled back yet
        return ActionState.SYNCED, ""
    if item.state is OutboxState.REJECTED:
        return ActionState.REFUSED, refusals.say(item)
    return ActionState.WAITING, ""


def _recording(raw: Any) -> Recording | None:
    if not isinstance(raw, dict):
        return None
    return Recording(
        size=int(raw.get("size", 0)),
        sha256=str(raw.get("sha256", "")),
        content_type=str(raw.get("content_type", "")),
        filename=str(raw.get("filename", "")),
    )


def _pulled_submission(data: dict[str, Any]) -> Submission:
    return Submission(
        id=str(data.get("submission_id")),
        exercise_id=str(data.get("exercise_id", "")),
        course_id=str(data.get("course_id", "")),
        text=str(data.get("text", "")),
        has_recording=bool(data.get("has_recording")),
        reviewers=int(data.get("reviewers", 0)),
        feedback_count=int(data.get("feedback_count", 0)),
        submitted_at=data.get("submitted_at"),
        state=ActionState.SYNCED,
    )


def _local_submission(item: OutboxItem, earlier: Submission | None) -> Submission:
    state, reason = _action_state(item)
    return Submission(
        id=str(item.args.get("submission_id")),
        exercise_id=str(item.args.get("exercise_id", "")),
        course_id=earlier.course_id if earlier else "",
        text=str(item.args.get("text", "")),
        has_recording=item.args.get("upload_id") is not None,
        reviewers=earlier.reviewers if earlier else 0,
        feedback_count=earlier.feedback_count if earlier else 0,
        submitted_at=item.created_at,
        state=state,
        reason=reason,
    )


def _received(data: dict[str, Any], rating: OutboxItem | None) -> ReceivedFeedback:
    state, reason = _action_state(rating)
    helpful = data.get("helpful")
    if rating is not None and rating.state is not OutboxState.REJECTED:
        helpful = bool(rating.args.get("helpful"))
    return ReceivedFeedback(
        id=str(data.get("feedback_id")),
        submission_id=str(data.get("submission_id", "")),
        exercise_id=str(data.get("exercise_id", "")),
        course_id=str(data.get("course_id", "")),
        questions=tuple(str(q) for q in data.get("questions", [])),
        answers=tuple(str(a) for a in data.get("answers", [])),
        reviewer=str(data.get("reviewer", "")),
        given_at=data.get("given_at"),
        helpful=None if helpful is None else bool(helpful),
        rating_state=state,
        reason=reason,
    )
