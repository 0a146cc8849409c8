"""The sentences a learner reads about their own actions: what waits to be sent or was
refused ("Your reply in ‘Looking for a study group’"), and what a sync sent. UI thread (pure
functions; the one place these sentences are built, each a whole one in the catalogue)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from desktop.domain.sync import OutboxItem
from desktop.language import formats
from desktop.language.catalogue import N_, _, counted
from desktop.services import refusals
from desktop.services.describer import ActionDescription, ActionKind

# (with a title, without one): the second never names an id. Translated where said.
_SENTENCES: dict[ActionKind, tuple[str, str]] = {
    ActionKind.NEW_THREAD: (N_("Your new topic ‘{title}’"), N_("Your new topic in a discussion")),
    ActionKind.REPLY: (N_("Your reply in ‘{title}’"), N_("Your reply in a discussion")),
    ActionKind.EDIT_POST: (N_("Your change to a post in ‘{title}’"), N_("Your change to a post")),
    ActionKind.DELETE_POST: (
        N_("Deleting your post in ‘{title}’"),
        N_("Deleting one of your posts"),
    ),
    ActionKind.REPORT: (N_("Your report of a post in ‘{title}’"), N_("Your report of a post")),
    ActionKind.VOTE: (N_("Your vote in ‘{title}’"), N_("Your vote in a poll")),
    ActionKind.QUIZ_ANSWER: (
        N_("Your answer to the quiz in ‘{title}’"),
        N_("Your answer to a quiz"),
    ),
    ActionKind.WRITTEN_ANSWER: (
        N_("Your answer in ‘{title}’"),
        N_("Your written answer to an exercise"),
    ),
    ActionKind.REFLECTION: (N_("Your reflection in ‘{title}’"), N_("Your reflection in a lesson")),
    ActionKind.LESSON_DONE: (N_("Lesson ‘{title}’ marked done"), N_("A lesson marked done")),
    ActionKind.LESSON_PROGRESS: (
        N_("Your progress in lesson ‘{title}’"),
        N_("Your progress in a lesson"),
    ),
    ActionKind.COURSE_PLACE: (
        N_("Where you stopped in ‘{title}’"),
        N_("Where you stopped in a lesson"),
    ),
    ActionKind.EPISODE_PLACE: (
        N_("Where you stopped in the episode ‘{title}’"),
        N_("Where you stopped in an episode"),
    ),
    ActionKind.PEER_SUBMIT: (
        N_("Your work in ‘{title}’, shared for peer feedback"),
        N_("Your work, shared for peer feedback"),
    ),
    ActionKind.OTHER: (N_("One of your actions"), N_("One of your actions")),
}
# A vote whose option is known: (with the poll's question, without it).
_VOTE_FOR = (N_("Your vote in ‘{title}’: {choice}"), N_("Your vote in a poll: {choice}"))
# Actions about a person: (name and title, name only, title only, neither) — a person whose
# name this computer does not know is "a supporter" or "a fellow learner", in the sentence.
_PEOPLE: dict[tuple[ActionKind, bool], tuple[str, str, str, str]] = {
    (ActionKind.SUPPORTER_REQUEST, False): (
        N_("Your request to {name} about ‘{title}’"),
        N_("Your request to {name}"),
        N_("Your request to a supporter about ‘{title}’"),
        N_("Your request to a supporter"),
    ),
    (ActionKind.SUPPORTER_REVOKE, False): (
        N_("Withdrawing your request to {name} about ‘{title}’"),
        N_("Withdrawing your request to {name}"),
        N_("Withdrawing your request to a supporter about ‘{title}’"),
        N_("Withdrawing your request to a supporter"),
    ),
    (ActionKind.PEER_FEEDBACK, False): (
        N_("Your feedback on {name}’s work in ‘{title}’"),
        N_("Your feedback on {name}’s work"),
        N_("Your feedback on a fellow learner’s work in ‘{title}’"),
        N_("Your feedback on a fellow learner’s work"),
    ),
    (ActionKind.PEER_RATE, True): (
        N_("Your rating of {name}’s feedback in ‘{title}’ (helpful)"),
        N_("Your rating of {name}’s feedback (helpful)"),
        N_("Your rating of a fellow learner’s feedback in ‘{title}’ (helpful)"),
        N_("Your rating of a fellow learner’s feedback (helpful)"),
    ),
    (ActionKind.PEER_RATE, False): (
        N_("Your rating of {name}’s feedback in ‘{title}’ (not helpful)"),
        N_("Your rating of {name}’s feedback (not helpful)"),
        N_("Your rating of a fellow learner’s feedback in ‘{title}’ (not helpful)"),
        N_("Your rating of a fellow learner’s feedback (not helpful)"),
    ),
}
# A moderation (desktop.services.forum.MODERATION codes): (in a known topic, in a discussion).
_MODERATION = {
    "pin": (N_("Pinning a topic in ‘{title}’"), N_("Pinning a topic in a discussion")),
    "unpin": (N_("Unpinning a topic in ‘{title}’"), N_("Unpinning a topic in a discussion")),
    "lock": (
        N_("Closing a topic to replies in ‘{title}’"),
        N_("Closing a topic to replies in a discussion"),
    ),
    "unlock": (
        N_("Opening a topic to replies again in ‘{title}’"),
        N_("Opening a topic to replies again in a discussion"),
    ),
    "hide": (N_("Hiding a post in ‘{title}’"), N_("Hiding a post in a discussion")),
    "unhide": (
        N_("Showing a hidden post again in ‘{title}’"),
        N_("Showing a hidden post again in a discussion"),
    ),
    "mark_answer": (
        N_("Marking a reply as the answer in ‘{title}’"),
        N_("Marking a reply as the answer in a discussion"),
    ),
    "unmark_answer": (
        N_("Unmarking the answer in ‘{title}’"),
        N_("Unmarking the answer in a discussion"),
    ),
}
_SOME_MODERATION = (N_("A moderation in ‘{title}’"), N_("A moderation in a discussion"))

# Kind of outbox item (desktop.domain.sync KIND_LABELS keys) -> its counted words in a sync
# report ("2 answers").
_KIND_WORDS: dict[str, Callable[[int], str]] = {
    "progress": lambda n: counted("{n} lesson marked done", "{n} lessons marked done", n),
    "vote": lambda n: counted("{n} vote", "{n} votes", n),
    "answer": lambda n: counted("{n} answer", "{n} answers", n),
    "position": lambda n: counted("{n} listening place", "{n} listening places", n),
    "post": lambda n: counted("{n} forum post", "{n} forum posts", n),
    "moderation": lambda n: counted("{n} moderation", "{n} moderations", n),
    "supporter": lambda n: counted("{n} supporter request", "{n} supporter requests", n),
    "peer": lambda n: counted("{n} piece of peer work", "{n} pieces of peer work", n),
}


def _other_actions(n: int) -> str:
    return counted("{n} other action", "{n} other actions", n)


def _pick(pair: tuple[str, str], title: str, **values: str) -> str:
    with_title, without = pair
    return _(with_title if title else without).format(title=title, **values)


def action_sentence(description: ActionDescription) -> str:
    """One line saying what the action is, without a full stop."""
    kind, title, detail = description.kind, description.title, description.detail
    if kind is ActionKind.MODERATE:
        return _pick(_MODERATION.get(detail, _SOME_MODERATION), title)
    if kind is ActionKind.VOTE and detail:
        return _pick(_VOTE_FOR, title, choice=detail)
    person = _PEOPLE.get((kind, description.flag and kind is ActionKind.PEER_RATE))
    if person is not None:
        chosen = person[(0 if detail else 2) + (0 if title else 1)]
        return _(chosen).format(name=detail, title=title)
    return _pick(_SENTENCES[kind], title)


def sent_sentence(sent: int, by_kind: Mapping[str, int], refused: int) -> str:
    """What a sync sent, for the status bar ("Sent 3 items to the academy: 2 answers and
    1 vote."); empty when it sent nothing and nothing was refused."""
    parts = []
    if sent:
        words = [
            _KIND_WORDS.get(kind, _other_actions)(n) for kind, n in sorted(by_kind.items()) if n
        ]
        if len(words) > 1:
            kinds = formats.listing(words)
            line = counted(
                "Sent {n} item to the academy: {kinds}.",
                "Sent {n} items to the academy: {kinds}.",
                sent,
                kinds=kinds,
            )
        elif words:
            line = counted(
                "Sent {n} item to the academy ({kinds}).",
                "Sent {n} items to the academy ({kinds}).",
                sent,
                kinds=words[0],
            )
        else:
            line = counted("Sent {n} item to the academy.", "Sent {n} items to the academy.", sent)
        parts.append(line)
    if refused:
        parts.append(
            counted(
                "The academy refused {n} item; see Sync & storage for the reason.",
                "The academy refused {n} items; see Sync & storage for the reason.",
                refused,
            )
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
