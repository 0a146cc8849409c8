"""The words of the supporter e-mail, in the language the learner chose for the supporter
(:mod:`server.language`). Plain text only (no HTML to render, nothing remote to load); the
learner's message is quoted as text. Pure functions, any thread."""

from __future__ import annotations

from datetime import datetime

from server.language import _, day, use


def request_mail(
    *,
    academy: str,
    learner: str,
    supporter: str,
    course: str,
    message: str,
    url: str,
    expires_at: datetime,
    language: str = "en",
) -> tuple[str, str]:
    """(subject, body) of the e-mail that asks a supporter for feedback, in `language`."""
    with use(language):
        subject = _("{learner} asks for your feedback ({academy})").format(
            learner=learner, academy=academy
        )
        quoted = "\n".join(f"> {line}" for line in message.splitlines()) or "> {}".format(
            _("(no message)")
        )
        # Translators: the whole e-mail to a supporter; keep the blank lines and {url} alone
        # on its line (mail programs make it a link).
        body = _(
            "Dear {supporter},\n"
            "\n"
            '{learner} is taking the course "{course}" at {academy} and would like your '
            "feedback on one\n"
            "exercise. Their message to you:\n"
            "\n"
            "{quoted}\n"
            "\n"
            "Open this link to read the exercise and {learner}'s answer, and to write your "
            "feedback.\n"
            "It can be used once, until {date}:\n"
            "\n"
            "{url}\n"
            "\n"
            "You receive this e-mail because {learner} entered your address. If you would "
            "rather not\n"
            "answer, you need not do anything: the link expires by itself.\n"
            "\n"
            "{academy}\n"
        ).format(
            supporter=supporter,
            learner=learner,
            course=course,
            academy=academy,
            quoted=quoted,
            date=day(expires_at),
            url=url,
        )
    return subject, body
