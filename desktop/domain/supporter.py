"""Supporter requests and points as the learner sees them. Pure data. Any thread."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from desktop.language.catalogue import N_, _

MAX_MESSAGE = 2_000  # the academy's limits (contract: supporter.request)
MAX_NAME = 100
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")


class RequestStatus(StrEnum):
    WAITING = "waiting"  # on this computer, not sent yet
    REFUSED = "refused"  # the academy refused it (the reason is kept)
    QUEUED = "queued"  # accepted; the e-mail is about to go out
    EMAILED = "emailed"
    EMAIL_FAILED = "email_failed"
    ANSWERED = "answered"
    REVOKED = "revoked"
    EXPIRED = "expired"


# Translated where shown (`status_text`): the language is installed after imports.
STATUS_TEXT = {
    RequestStatus.WAITING: N_("Not sent yet: it goes out at the next sync."),
    RequestStatus.REFUSED: N_("Refused: {reason}"),
    RequestStatus.QUEUED: N_("Accepted; the e-mail goes out shortly."),
    RequestStatus.EMAILED: N_("E-mailed; waiting for {name}'s feedback."),
    RequestStatus.EMAIL_FAILED: N_("The e-mail could not be delivered: {reason}"),
    RequestStatus.ANSWERED: N_("{name} answered."),
    RequestStatus.REVOKED: N_("Withdrawn: the link no longer works."),
    RequestStatus.EXPIRED: N_("The link expired without an answer."),
}

# The languages a supporter can read the e-mail and the page in (the academy's), each named
# in itself as Settings names them (never translated: one recognises one's own language).
SUPPORTER_LANGUAGES = {"nl": "Nederlands", "en": "English"}


@dataclass(frozen=True, slots=True)
class SupporterRequest:
    id: str
    exercise_id: str
    supporter_name: str
    supporter_email: str
    message: str
    answer: str  # the answer as shared with the supporter
    asked_at: str | None
    expires_at: str | None
    status: RequestStatus
    reason: str = ""  # why it was refused or not delivered
    feedback: str = ""
    answered_at: str | None = None
    language: str = "en"  # the language the supporter reads: "nl" or "en"

    @property
    def status_text(self) -> str:
        return _(STATUS_TEXT[self.status]).format(name=self.supporter_name, reason=self.reason)

    @property
    def can_withdraw(self) -> bool:
        return self.status in (
            RequestStatus.WAITING,
            RequestStatus.QUEUED,
            RequestStatus.EMAILED,
        )


@dataclass(frozen=True, slots=True)
class Points:
    course_id: str
    total: int
    by_reason: dict[str, int]
    recent: tuple[tuple[str, int, str], ...]  # (label, points, when)


def valid_address(address: str) -> bool:
    """One plain e-mail address, as the academy accepts it (it checks again)."""
    local = address.split("@", 1)[0]
    return (
        len(address) <= 254
        and ".." not in address
        and not address.startswith(".")
        and not local.endswith(".")
        and _ADDRESS.match(address) is not None
    )
