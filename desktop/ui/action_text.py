"""The sentences a learner reads about their own actions: what waits to be sent or was
refused ("Your reply in ‘Looking for a study group’"), and what a sync sent. UI thread (pure
functions; the one place these strings are built, for translation in issue 16)."""

from __future__ import annotations

from collections.abc import Mapping

from desktop.domain.sync import OutboxItem
from desktop.language.catalogue import _
from desktop.services import refusals
from desktop.services.describer import ActionDescription, ActionKind

# (with a title, without one): the second never names an id.
_SENTENCES: dict[ActionKind, tuple[str, str]] = {
    ActionKind.NEW_THREAD: ("Your new topic ‘{title}’", "Your new topic in a discussion"),
    ActionKind.REPLY: ("Your reply in ‘{title}’", "Your reply in a discussion"),
    ActionKind.EDIT_POST: ("Your change to a post in ‘{title}’", "Your change to a post"),
    ActionKind.DELETE_POST: ("Deleting your post in ‘{title}’", "Deleting one of your posts"),
    ActionKind.REPORT: ("Your report of a post in ‘{title}’", "Your report of a post"),
    ActionKind.MODERATE: ("{detail} in ‘{title}’", "{detail} in a discussion"),
    ActionKind.VOTE: ("Your vote in ‘{title}’", "Your vote in a poll"),
    ActionKind.QUIZ_ANSWER: ("Your answer to the quiz in ‘{title}’", "Your answer to a quiz"),
    ActionKind.WRITTEN_ANSWER: ("Your answer in ‘{title}’", "Your written answer to an exercise"),
    ActionKind.REFLECTION: ("Your reflection in ‘{title}’", "Your reflection in a lesson"),
    ActionKind.LESSON_DONE: ("Lesson ‘{title}’ marked done", "A lesson marked done"),
    ActionKind.LESSON_PROGRESS: ("Your progress in lesson ‘{title}’", "Your progress in a lesson"),
    ActionKind.COURSE_PLACE: ("Where you stopped in ‘{title}’", "Where you stopped in a lesson"),
    ActionKind.EPISODE_PLACE: (
        "Where you stopped in the episode ‘{title}’",
        "Where you stopped in an episode",
    ),
    ActionKind.SUPPORTER_REQUEST: (
        "Your request to {detail} about ‘{title}’",
        "Your request to {detail}",
    ),
    ActionKind.SUPPORTER_REVOKE: (
        "Withdrawing your request to {detail} about ‘{title}’",
        "Withdrawing your request to {detail}",
    ),
    ActionKind.PEER_SUBMIT: (
        "Your work in ‘{title}’, shared for peer feedback",
        "Your work, shared for peer feedback",
    ),
    ActionKind.PEER_FEEDBACK: (
        "Your feedback on {detail}’s work in ‘{title}’",
        "Your feedback on {detail}’s work",
    ),
    ActionKind.PEER_RATE: (
        "Your rating of {detail}’s feedback in ‘{title}’",
        "Your rating of {detail}’s feedback",
    ),
    ActionKind.OTHER: ("One of your actions", "One of your actions"),
}
# Who the detail is when the computer does not know the name.
_NOBODY = {
    ActionKind.SUPPORTER_REQUEST: "a supporter",
    ActionKind.SUPPORTER_REVOKE: "a supporter",
    ActionKind.PEER_FEEDBACK: "a fellow learner",
    ActionKind.PEER_RATE: "a fellow learner",
}
_MODERATION = {
    "pin": "Pinning a topic",
    "unpin": "Unpinning a topic",
    "lock": "Closing a topic to replies",
    "unlock": "Opening a topic to replies again",
    "hide": "Hiding a post",
    "unhide": "Showing a hidden post again",
    "mark_answer": "Marking a reply as the answer",
    "unmark_answer": "Unmarking the answer",
}

# Kind of outbox item (desktop.domain.sync KIND_LABELS keys) -> (one, several) in a sync report.
_KIND_WORDS = {
    "progress": ("lesson marked done", "lessons marked done"),
    "vote": ("vote", "votes"),
    "answer": ("answer", "answers"),
    "position": ("listening place", "listening places"),
    "post": ("forum post", "forum posts"),
    "moderation": ("moderation", "moderations"),
    "supporter": ("supporter request", "supporter requests"),
    "peer": ("piece of peer work", "pieces of peer work"),
}


def action_sentence(description: ActionDescription) -> str:
    """One line saying what the action is, without a full stop."""
    kind = description.kind
    with_title, without = _SENTENCES[kind]
    if kind is ActionKind.MODERATE:
        detail = _MODERATION.get(description.detail, "A moderation")
    else:
        detail = description.detail or _NOBODY.get(kind, "")
    if kind is ActionKind.SUPPORTER_REQUEST and not description.detail:
        detail = "a supporter"
    sentence = (with_title if description.title else without).format(
        title=description.title, detail=detail
    )
    if kind is ActionKind.VOTE and description.detail:
        sentence += f": {description.detail}"
    if kind is ActionKind.PEER_RATE:
        sentence += " (helpful)" if description.flag else " (not helpful)"
    return sentence


def count_phrase(count: int, one: str, several: str) -> str:
    return f"{count:,} {one if count == 1 else several}"


def sent_sentence(sent: int, by_kind: Mapping[str, int], refused: int) -> str:
    """What a sync sent, for the status bar ("Sent 3 items to the academy: 2 answers and
    1 vote."); empty when it sent nothing and nothing was refused."""
    parts = []
    if sent:
        words = [
            count_phrase(n, *_KIND_WORDS.get(kind, ("other action", "other actions")))
            for kind, n in sorted(by_kind.items())
            if n
        ]
        line = f"Sent {count_phrase(sent, 'item', 'items')} to the academy"
        if len(words) > 1:
            line += ": " + ", ".join(words[:-1]) + " and " + words[-1]
        elif words:
            line += f" ({words[0]})"
        parts.append(line + ".")
    if refused:
        parts.append(
            f"The academy refused {count_phrase(refused, 'item', 'items')}; "
            "see Sync & storage for the reason."
        )
    return " ".join(parts)


def refusal_reason(refusal: str | OutboxItem | None) -> str:
    """Why the academy refused, as a sentence in the learner's language: an outbox item's code
    and params said from the catalogue (its own words for a code Samen does not know), a
    reason a service already said, or a general one."""
    if isinstance(refusal, OutboxItem):
        refusal = refusals.say(refusal)
    text = " ".join((refusal or "").split())
    if not text:
        return _("The academy did not accept it.")
    return text if text.endswith((".", "!", "?")) else text + "."
