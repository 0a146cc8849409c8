"""Why the academy refused an action, in the learner's language: the academy's stable
rejection ``code`` and its ``params`` (what it is about: ``subject``; the numbers it names)
become a sentence from the client's own catalogue. A code this client does not know (a newer
academy's) falls back to the academy's own message, which it already wrote in the language
the client asked for (Accept-Language). Pure functions, any thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import Any

from desktop.domain.sync import OutboxItem
from desktop.language.catalogue import N_, _
from desktop.language.formats import number

# Said for a refusal with no reason at all.
REFUSED = N_("The academy refused it.")

# By (code, subject): the subject the academy names says what exactly was refused.
_BY_SUBJECT: dict[tuple[str, str], str] = {
    ("not_found", "poll"): N_("This poll does not exist (any more)."),
    ("not_found", "option"): N_("This poll has no such option."),
    ("not_found", "thread"): N_("This topic is no longer in the forum."),
    ("not_found", "post"): N_("This post is no longer in the forum."),
    ("not_found", "course"): N_("This course is no longer at the academy."),
    ("not_found", "lesson"): N_("This lesson is no longer in the course."),
    ("not_found", "exercise"): N_("This exercise is no longer in the course."),
    ("not_found", "request"): N_("There is no such request of yours."),
    ("not_found", "review"): N_("There is no such piece of work for you to review."),
    ("not_found", "feedback"): N_("There is no such feedback on your work."),
    ("forbidden", "enrolment"): N_(
        "You are not enrolled in this course; ask the academy to enrol you."
    ),
    ("forbidden", "question"): N_("Only moderators start discussion questions."),
    ("forbidden", "edit"): N_("Only the author can edit a post."),
    ("forbidden", "delete"): N_("Only the author can delete a post."),
    ("forbidden", "moderation"): N_("Only moderators can do this."),
    ("forbidden", "supporter"): N_("This exercise is not one to ask a supporter about."),
    ("forbidden", "peer_review"): N_("This exercise is not one for peer feedback."),
    ("conflict", "id"): N_("Something with this id is already at the academy."),
    ("conflict", "version"): N_(
        "This post changed since you started editing; your text is kept, look at the new "
        "version first."
    ),
    ("conflict", "review"): N_("You already gave feedback on this work."),
    ("invalid_args", "title"): N_("The title is empty."),
    ("invalid_args", "text"): N_("The text is empty."),
    ("invalid_args", "reply"): N_("The reply is empty."),
    ("invalid_args", "reason"): N_("The reason is empty."),
    ("invalid_args", "thread_pin"): N_("Only a topic can be pinned."),
    ("invalid_args", "thread_unpin"): N_("Only a topic can be unpinned."),
    ("invalid_args", "thread_lock"): N_("Only a topic can be locked."),
    ("invalid_args", "thread_unlock"): N_("Only a topic can be unlocked."),
    ("invalid_args", "answer"): N_("Only a reply can be the answer."),
    ("invalid_args", "option"): N_("Pick one of the exercise's options."),
    ("invalid_args", "written"): N_("This exercise asks for a written answer."),
    ("invalid_args", "empty"): N_("There was nothing in it to send."),
    ("invalid_args", "consent"): N_("Nothing is shared without your consent."),
    ("invalid_args", "supporter_name"): N_("Give the supporter's name (up to {limit} characters)."),
    ("invalid_args", "supporter_email"): N_(
        "'{address}' is not an e-mail address Samen can write to."
    ),
    ("invalid_args", "no_answer"): N_(
        "Answer the exercise first, so there is something to give feedback on."
    ),
    ("invalid_args", "answers"): N_("Give one answer per question ({count} questions)."),
    ("too_long", "title"): N_("The title has {length} characters; at most {limit} fit."),
    ("too_long", "text"): N_("The text has {length} characters; at most {limit} fit."),
    ("too_long", "reply"): N_("The reply has {length} characters; at most {limit} fit."),
    ("too_long", "reason"): N_("The reason has {length} characters; at most {limit} fit."),
    ("too_long", "message"): N_("The message has {length} characters; at most {limit} fit."),
    ("too_long", "answer"): N_(
        "The answer has {length} characters; at most {limit} can be shared."
    ),
    ("too_long", "submission"): N_(
        "The text has {length} characters; at most {limit} can be shared."
    ),
    ("too_long", "review"): N_("An answer has {length} characters; at most {limit} fit."),
    ("rate_limited", "forum"): N_(
        "You posted the most the forum takes in one hour; this post stays on your computer, "
        "send it again a little later."
    ),
    ("rate_limited", "learner"): N_(
        "You asked supporters as often as you can today; ask this one again tomorrow."
    ),
    ("rate_limited", "recipient"): N_(
        "{address} has had as many requests from this academy as it sends in a day; try again "
        "tomorrow."
    ),
    ("unavailable", "public_url"): N_(
        "This academy has no public address for links yet; ask it to set one."
    ),
    ("upload_failed", "checksum"): N_("The recording arrived damaged; attach it again."),
}

# By code alone, for a refusal whose subject this client does not know (or that has none).
_BY_CODE: dict[str, str] = {
    "not_found": N_("What this refers to is no longer at the academy."),
    "forbidden": N_("The academy does not allow this."),
    "conflict": N_("This clashes with what the academy already has."),
    "invalid_args": N_("The academy could not accept what this action holds."),
    "too_long": N_("A text in this action is too long for the academy."),
    "rate_limited": N_("You sent this more often than the academy takes; try again later."),
    "poll_not_open": N_("This poll is not open yet."),
    "poll_closed": N_("This poll closed before your vote arrived."),
    "thread_locked": N_("A moderator locked this topic; replies are closed."),
    "unavailable": N_("The academy cannot do this right now."),
    "upload_not_found": N_(
        "The recording this refers to never reached the academy; attach it again."
    ),
    "upload_expired": N_(
        "The recording was not finished in time and was removed from the academy; attach it again."
    ),
    "unknown_mutation": N_("This academy does not know this kind of action yet."),
    "internal": N_("The academy could not process this action. You can edit it or discard it."),
    "idempotency_mismatch": N_("The academy already has a different action under this number."),
}


# The values a sentence may name, as the academy's params call them.
_NAMED = ("length", "limit", "count", "address")


def _value(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return number(value)
    return value if isinstance(value, str) and value else None


def sentence(code: str | None, params: Mapping[str, Any] | None, message: str | None) -> str:
    """The refusal in the learner's language: from the code (and params) when this client
    knows it, else the academy's own message, else a general sentence."""
    params = params or {}
    subject = params.get("subject")
    template = None
    if code is not None:
        if isinstance(subject, str):
            template = _BY_SUBJECT.get((code, subject))
        template = template or _BY_CODE.get(code)
    if template is not None:
        values = {key: _value(params, key) for key in _NAMED}
        named = {name for _text, name, _spec, _conv in Formatter().parse(template) if name}
        if all(values.get(name) is not None for name in named):
            return _(template).format(**{name: values[name] for name in named})
        # A value the sentence names is missing: the code's general sentence instead.
        general = _BY_CODE.get(code or "")
        if general is not None:
            return _(general)
    text = " ".join((message or "").split())
    return text or _(REFUSED)


def say(item: OutboxItem) -> str:
    """Why the academy refused this outbox item, in the learner's language."""
    return sentence(item.code, item.params, item.message)
