"""What each queued action is about, in values a person recognises: the thread's title, the
poll's question and the option chosen, the lesson, the supporter's name, the episode. Worker
threads / CLI.

Services return codes and values; desktop/ui/action_text.py turns them into sentences. Titles
come from what this computer knows (downloaded courses, the last pull, other queued actions,
podcast episodes); when one is missing the title stays empty and the sentence says it in
general words ("Your reply in a discussion"), never with an id or a mutation name.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from desktop.domain.sync import OutboxItem
from desktop.services.session import SessionService
from desktop.store.outbox import OutboxRepo
from desktop.store.pulled import PulledRepo
from desktop.store.titles import TitleRepo


class ActionKind(enum.StrEnum):
    """What an action does, one value per sentence the UI can say."""

    NEW_THREAD = "new_thread"
    REPLY = "reply"
    EDIT_POST = "edit_post"
    DELETE_POST = "delete_post"
    REPORT = "report"
    MODERATE = "moderate"
    VOTE = "vote"
    QUIZ_ANSWER = "quiz_answer"
    WRITTEN_ANSWER = "written_answer"
    REFLECTION = "reflection"
    LESSON_DONE = "lesson_done"
    LESSON_PROGRESS = "lesson_progress"
    COURSE_PLACE = "course_place"
    EPISODE_PLACE = "episode_place"
    SUPPORTER_REQUEST = "supporter_request"
    SUPPORTER_REVOKE = "supporter_revoke"
    PEER_SUBMIT = "peer_submit"
    PEER_FEEDBACK = "peer_feedback"
    PEER_RATE = "peer_rate"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ActionDescription:
    """`title`: what the action is about ("" when unknown); `detail`: a second value, such as
    the option voted for, the supporter's name or the moderation done (a code from
    desktop.services.forum.MODERATION); `flag`: yes/no detail (feedback found helpful)."""

    kind: ActionKind
    title: str = ""
    detail: str = ""
    flag: bool = False


_FORUM_TARGETS = {
    "forum.reply": ActionKind.REPLY,
    "forum.edit": ActionKind.EDIT_POST,
    "forum.delete": ActionKind.DELETE_POST,
    "forum.report": ActionKind.REPORT,
    "forum.moderate": ActionKind.MODERATE,
}
_EXERCISE_KINDS = {
    "multiple_choice": ActionKind.QUIZ_ANSWER,
    "reflection": ActionKind.REFLECTION,
}


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


class _Known:
    """Everything the descriptions of one batch of items need, read once."""

    def __init__(
        self,
        items: Sequence[OutboxItem],
        pulled: dict[str, dict[str, dict[str, Any]]],
        queued: Sequence[OutboxItem],
        titles: TitleRepo,
    ) -> None:
        self.pulled = pulled
        self.queued_threads = {
            str(i.args.get("thread_id")): _text(i.args.get("title"))
            for i in queued
            if i.name == "forum.new_thread"
        }
        self.queued_replies = {
            str(i.args.get("post_id")): str(i.args.get("thread_id"))
            for i in queued
            if i.name == "forum.reply"
        }
        self.queued_requests = {
            str(i.args.get("request_id")): i.args for i in queued if i.name == "supporter.request"
        }
        exercise_ids = {str(i.args["exercise_id"]) for i in items if "exercise_id" in i.args}
        for entity in ("peer_assignment", "peer_feedback", "supporter_request"):
            exercise_ids |= {str(d.get("exercise_id")) for d in pulled[entity].values()}
        exercise_ids |= {str(a.get("exercise_id")) for a in self.queued_requests.values()}
        self.exercises = titles.exercises(exercise_ids)
        self.lessons = titles.lessons(
            {str(i.args["lesson_id"]) for i in items if "lesson_id" in i.args}
        )
        episode_keys = [
            str(i.args.get("media_key")) for i in items if i.name == "playback.position"
        ]
        self.episodes = titles.episodes([k for k in episode_keys if k.startswith("episode:")])
        self.courses = titles.courses(
            {
                k.removeprefix("course:").split("/", 1)[0]
                for k in episode_keys
                if k.startswith("course:")
            }
        )
        self._titles = titles

    def thread_title(self, thread_id: str) -> str:
        for entity in ("forum_thread", "forum_hidden_thread"):
            data = self.pulled[entity].get(thread_id)
            if data is not None:
                return _text(data.get("title"))
        return self.queued_threads.get(thread_id, "")

    def thread_of_post(self, post_id: str) -> str:
        """The title of the thread a post belongs to (a thread is its own first post)."""
        for entity in ("forum_post", "forum_hidden_post"):
            data = self.pulled[entity].get(post_id)
            if data is not None:
                return self.thread_title(str(data.get("thread_id")))
        if post_id in self.queued_replies:
            return self.thread_title(self.queued_replies[post_id])
        return self.thread_title(post_id)

    def lesson_of_exercise(self, exercise_id: Any) -> str:
        place = self.exercises.get(str(exercise_id))
        return place.lesson_title if place else ""

    def course_place(self, media_key: str) -> str:
        course_id, _, path = media_key.removeprefix("course:").partition("/")
        lesson = self._titles.lesson_of_media(course_id, path) if path else None
        return lesson or self.courses.get(course_id, "")


_PULLED = (
    "forum_thread",
    "forum_hidden_thread",
    "forum_post",
    "forum_hidden_post",
    "poll",
    "supporter_request",
    "peer_assignment",
    "peer_feedback",
)


class ActionDescriber:
    def __init__(
        self, session: SessionService, outbox: OutboxRepo, pulled: PulledRepo, titles: TitleRepo
    ) -> None:
        self._session = session
        self._outbox = outbox
        self._pulled = pulled
        self._titles = titles

    def describe(self, items: Iterable[OutboxItem]) -> dict[int, ActionDescription]:
        """Descriptions of `items` by outbox id, from a few reads whatever their number."""
        items = list(items)
        if not items:
            return {}
        account = self._session.account()
        client_id = account.client_id if account else ""
        pulled = {
            entity: self._pulled.entities(client_id, entity) if client_id else {}
            for entity in _PULLED
        }
        # Threads and requests queued (or just sent) give titles to actions that follow them.
        queued = self._outbox.items(
            (*("pending", "sending", "retry", "rejected", "acked"),),
            client_id or None,
            names=("forum.new_thread", "forum.reply", "supporter.request"),
        )
        known = _Known(items, pulled, queued, self._titles)
        return {item.id: _description(item, known) for item in items}

    def describe_one(self, item: OutboxItem) -> ActionDescription:
        return self.describe([item])[item.id]

    def vote_choices(self, item: OutboxItem) -> list[tuple[str, str]]:
        """A vote's poll options as (id, words), for choosing again after a refusal (an option
        removed meanwhile); none for other actions or a poll this computer does not know."""
        if item.name != "poll.vote":
            return []
        account = self._session.account()
        if account is None:
            return []
        poll = self._pulled.entities(account.client_id, "poll").get(str(item.args.get("poll_id")))
        options = poll.get("options", []) if isinstance(poll, dict) else []
        return [
            (str(o.get("id")), _text(o.get("text")))
            for o in options
            if isinstance(o, dict) and o.get("id") and _text(o.get("text"))
        ]


def _description(item: OutboxItem, known: _Known) -> ActionDescription:
    args = item.args
    name = item.name
    if name == "forum.new_thread":
        return ActionDescription(ActionKind.NEW_THREAD, _text(args.get("title")))
    if name == "forum.reply":
        return ActionDescription(ActionKind.REPLY, known.thread_title(str(args.get("thread_id"))))
    if name in _FORUM_TARGETS:
        target = str(args.get("post_id") or args.get("target_id"))
        title = known.thread_of_post(target)
        if name == "forum.edit" and not title:
            title = _text(args.get("title"))  # an edited thread carries its new title
        return ActionDescription(_FORUM_TARGETS[name], title, _text(args.get("action")))
    if name == "poll.vote":
        poll = known.pulled["poll"].get(str(args.get("poll_id"))) or {}
        options = {str(o.get("id")): _text(o.get("text")) for o in poll.get("options", [])}
        return ActionDescription(
            ActionKind.VOTE,
            _text(poll.get("statement")),
            options.get(str(args.get("option_id")), ""),
        )
    if name == "exercise.answer":
        place = known.exercises.get(str(args.get("exercise_id")))
        kind = _EXERCISE_KINDS.get(place.kind if place else "", ActionKind.WRITTEN_ANSWER)
        if place is None and "option_id" in args:
            kind = ActionKind.QUIZ_ANSWER
        return ActionDescription(kind, place.lesson_title if place else "")
    if name == "progress.update":
        lesson = known.lessons.get(str(args.get("lesson_id")))
        kind = ActionKind.LESSON_DONE if args.get("completed") else ActionKind.LESSON_PROGRESS
        return ActionDescription(kind, lesson.title if lesson else "")
    if name == "playback.position":
        key = str(args.get("media_key"))
        if key.startswith("episode:"):
            return ActionDescription(ActionKind.EPISODE_PLACE, known.episodes.get(key, ""))
        return ActionDescription(ActionKind.COURSE_PLACE, known.course_place(key))
    if name == "supporter.request":
        return ActionDescription(
            ActionKind.SUPPORTER_REQUEST,
            known.lesson_of_exercise(args.get("exercise_id")),
            _text(args.get("supporter_name")),
        )
    if name == "supporter.revoke":
        request_id = str(args.get("request_id"))
        request = known.pulled["supporter_request"].get(request_id) or known.queued_requests.get(
            request_id, {}
        )
        return ActionDescription(
            ActionKind.SUPPORTER_REVOKE,
            known.lesson_of_exercise(request.get("exercise_id")),
            _text(request.get("supporter_name")),
        )
    if name == "peer.submit":
        return ActionDescription(
            ActionKind.PEER_SUBMIT, known.lesson_of_exercise(args.get("exercise_id"))
        )
    if name == "peer.feedback":
        assignment = known.pulled["peer_assignment"].get(str(args.get("assignment_id"))) or {}
        return ActionDescription(
            ActionKind.PEER_FEEDBACK,
            known.lesson_of_exercise(assignment.get("exercise_id")),
            _text(assignment.get("author")),
        )
    if name == "peer.rate":
        feedback = known.pulled["peer_feedback"].get(str(args.get("feedback_id"))) or {}
        return ActionDescription(
            ActionKind.PEER_RATE,
            known.lesson_of_exercise(feedback.get("exercise_id")),
            _text(feedback.get("reviewer")),
            flag=bool(args.get("helpful")),
        )
    return ActionDescription(ActionKind.OTHER)
