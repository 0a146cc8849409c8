"""The learner's own record: exercise answers, listening positions, lesson completion (and
taking it back).
Worker threads / CLI (each call is one short transaction).

Every change is stored locally and queued in the same transaction, so it works offline and is
never lost. What the learner did on another device arrives by pull and is folded in after each
sync window (`fold_pulled`), by server version and never over something still waiting to be
sent: the device the learner is using now wins until its change has reached the academy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desktop.domain.account import record_owner
from desktop.domain.course import Exercise, ExerciseKind
from desktop.domain.errors import SamenError
from desktop.domain.learning import Answer, Playback, is_played, is_synced_key
from desktop.language.catalogue import _
from desktop.language.formats import number
from desktop.services.actions import ActionService, queue_action
from desktop.services.session import SessionService
from desktop.store.answers import AnswerRepo
from desktop.store.db import Store
from desktop.store.outbox import OutboxRepo
from desktop.store.playback import PlaybackRepo
from desktop.store.progress import ProgressRepo
from desktop.store.pulled import PulledRepo

MAX_ANSWER_CHARS = 20_000  # the contract's limit for exercise.answer text
ANSWER = "exercise.answer"
POSITION = "playback.position"
PROGRESS = "progress.update"


@dataclass(frozen=True, slots=True)
class ChoiceFeedback:
    correct: bool
    feedback: str


class LearningService:
    def __init__(self, store: Store, session: SessionService, actions: ActionService) -> None:
        self._store = store
        self._session = session
        self._actions = actions
        self._answers = AnswerRepo(store)
        self._playback = PlaybackRepo(store)
        self._progress = ProgressRepo(store)

    # -- exercises -------------------------------------------------------------------------

    def answer_choice(
        self, course_id: str, lesson_id: str, exercise: Exercise, option_id: str
    ) -> ChoiceFeedback:
        """Store and queue a multiple-choice answer; the feedback comes from the signed
        course, so the learner sees it at once, offline."""
        if exercise.kind is not ExerciseKind.MULTIPLE_CHOICE:
            raise SamenError(_("This exercise asks for a written answer."))
        option = next((o for o in exercise.options if o.id == option_id), None)
        if option is None:
            raise SamenError(_("Pick one of the exercise's options."))
        self._store_answer(course_id, lesson_id, exercise, option.id, "", option.correct)
        return ChoiceFeedback(option.correct, option.feedback)

    def answer_text(self, course_id: str, lesson_id: str, exercise: Exercise, text: str) -> str:
        """Store and queue a written answer or reflection; returns the text as stored."""
        if exercise.kind is ExerciseKind.MULTIPLE_CHOICE:
            raise SamenError(_("This exercise asks you to pick an option."))
        text = text.strip()
        if not text:
            raise SamenError(_("Write something first; an empty answer is not sent."))
        if len(text) > MAX_ANSWER_CHARS:
            raise SamenError(
                _(
                    "This answer has {n} characters; the academy accepts up to {limit}. "
                    "Shorten it a little; nothing was lost."
                ).format(n=number(len(text)), limit=number(MAX_ANSWER_CHARS))
            )
        self._store_answer(course_id, lesson_id, exercise, None, text, None)
        return text

    def _store_answer(
        self,
        course_id: str,
        lesson_id: str,
        exercise: Exercise,
        option_id: str | None,
        text: str,
        correct: bool | None,
    ) -> None:
        client_id = self._actions.client_id()  # answers need an account to go to
        owner = self._owner()
        args: dict[str, str] = {"exercise_id": exercise.id}
        if option_id is not None:
            args["option_id"] = option_id
        else:
            args["text"] = text
        with self._store.write() as db:
            AnswerRepo.put(
                db,
                owner,
                exercise_id=exercise.id,
                course_id=course_id,
                lesson_id=lesson_id,
                option_id=option_id,
                text=text,
                correct=correct,
            )
            queue_action(db, client_id, "answer", ANSWER, key="exercise_id", args=args)

    def answers(self, lesson_id: str) -> dict[str, Answer]:
        """The logged-in learner's answers in a lesson (none when nobody is logged in)."""
        account = self._session.account()
        if account is None:
            return {}
        rows = self._answers.for_lesson(record_owner(account), lesson_id)
        with self._store.read() as db:
            unsent = OutboxRepo.unsent_values(
                db, client_id=account.client_id, name=ANSWER, key="exercise_id"
            )
        return {
            row["exercise_id"]: Answer(
                exercise_id=row["exercise_id"],
                course_id=row["course_id"],
                lesson_id=row["lesson_id"],
                option_id=row["option_id"],
                text=row["text"],
                correct=None if row["correct"] is None else bool(row["correct"]),
                sent=row["exercise_id"] not in unsent,
            )
            for row in rows
        }

    # -- positions -------------------------------------------------------------------------

    def position(self, media_key: str) -> Playback | None:
        return self._playback.get(self._owner(), media_key)

    def positions(self, media_keys: list[str]) -> dict[str, Playback]:
        return self._playback.many(self._owner(), media_keys)

    def played_at(self, media_key: str) -> datetime | None:
        """When the learner last listened to a played medium (None: not played)."""
        stamp = self._playback.played_at(self._owner(), media_key)
        return None if stamp is None else datetime.fromisoformat(stamp)

    def save_position(
        self, media_key: str, position_ms: int, duration_ms: int, *, played: bool = False
    ) -> Playback:
        """Remember where the learner is (called every few seconds and on pause/quit);
        near the end the medium counts as played. Unsent saves fold into one action."""
        if position_ms < 0 or duration_ms < 0:
            raise SamenError(_("A position cannot be negative."))
        played = played or is_played(position_ms, duration_ms)
        account = self._session.account()
        with self._store.write() as db:
            stored = PlaybackRepo.put(
                db, record_owner(account), Playback(media_key, position_ms, duration_ms, played)
            )
            # Before any login, and for a peer's recording, it stays on this device.
            if account is not None and is_synced_key(media_key):
                args = {
                    "media_key": media_key,
                    "position_ms": stored.position_ms,
                    "duration_ms": stored.duration_ms,
                    "played": stored.played,
                }
                queue_action(
                    db, account.client_id, "position", POSITION, key="media_key", args=args
                )
        return stored

    # -- lessons ---------------------------------------------------------------------------

    def complete_lesson(self, course_id: str, lesson_id: str) -> None:
        self._actions.record_progress(course_id, lesson_id, 0, True)

    def reopen_lesson(self, course_id: str, lesson_id: str) -> None:
        """Take "done" back, here and (at the next sync) at the academy. Unsent, it replaces
        the "done" still waiting: the latest intent is what gets sent."""
        client_id = self._actions.client_id()
        owner = self._owner()
        with self._store.write() as db:
            position, _done = ProgressRepo.reopen(
                db, owner, course_id=course_id, lesson_id=lesson_id
            )
            args = {
                "course_id": course_id,
                "lesson_id": lesson_id,
                "position_ms": position,
                "completed": False,
                "reopened": True,
            }
            queue_action(db, client_id, "progress", PROGRESS, key="lesson_id", args=args)

    def is_completed(self, lesson_id: str) -> bool:
        stored = self._progress.get(self._owner(), lesson_id)
        return stored is not None and stored[1]

    def completed_lessons(self, course_id: str) -> set[str]:
        return self._progress.completed(self._owner(), course_id)

    # -- other devices ---------------------------------------------------------------------

    def fold_pulled(self, client_id: str) -> None:
        """Fold what the last pull brought (answers, positions, progress) into the local
        record; SyncService calls it after each successful window."""
        account = self._session.account()
        if account is None or account.client_id != client_id:
            return  # logged out (or in as someone else) meanwhile
        owner = record_owner(account)
        with self._store.write() as db:
            unsent = OutboxRepo.unsent_values(
                db, client_id=client_id, name=ANSWER, key="exercise_id"
            )
            for key, (version, data) in PulledRepo.versioned(db, client_id, "answer").items():
                if key not in unsent:
                    AnswerRepo.fold_pulled(db, owner, data, version)
            unsent = OutboxRepo.unsent_values(
                db, client_id=client_id, name=POSITION, key="media_key"
            )
            for key, (version, data) in PulledRepo.versioned(db, client_id, "playback").items():
                if key not in unsent:
                    PlaybackRepo.fold_pulled(db, owner, data, version)
            unsent = OutboxRepo.unsent_values(
                db, client_id=client_id, name=PROGRESS, key="lesson_id"
            )
            for key, (version, data) in PulledRepo.versioned(db, client_id, "progress").items():
                if key not in unsent:  # by version: "done" may have been taken back
                    ProgressRepo.fold_pulled(db, owner, data, version)

    def _owner(self) -> str:
        return record_owner(self._session.account())
