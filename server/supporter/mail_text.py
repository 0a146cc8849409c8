"""The words of the supporter e-mail. Plain text only (no HTML to render, nothing remote to
load); the learner's message is quoted as text. Pure functions, any thread."""

from __future__ import annotations

from datetime import datetime


def request_mail(
    *,
    academy: str,
    learner: str,
    supporter: str,
    course: str,
    message: str,
    url: str,
    expires_at: datetime,
) -> tuple[str, str]:
    """(subject, body) of the e-mail that asks a supporter for feedback."""
    subject = f"{learner} asks for your feedback ({academy})"
    quoted = "\n".join(f"> {line}" for line in message.splitlines()) or "> (no message)"
    body = f"""Dear {supporter},

{learner} is taking the course "{course}" at {academy} and would like your feedback on one
exercise. Their message to you:

{quoted}

Open this link to read the exercise and {learner}'s answer, and to write your feedback.
It can be used once, until {expires_at:%d %B %Y}:

{url}

You receive this e-mail because {learner} entered your address. If you would rather not
answer, you need not do anything: the link expires by itself.

{academy}
"""
    return subject, body
