"""Which of two signed copies of a course is newer: the one rule that pack imports and
manifests fetched from the academy both follow, and the sentences that explain it. Pure; any
thread.

The academy raises `course.version` whenever anything in a course changes and stamps every
manifest with `issued_at` (docs/course-format.md). So a copy with a lower version is older and
is refused (an old pack must never roll a course back); the same version with the same content
is the same course; and should an academy ever re-sign other content under the same version
(say, after restoring a backup), the later signature wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from desktop.domain.course import CourseSummary
from desktop.domain.errors import PackError
from desktop.language.catalogue import _


@dataclass(frozen=True, slots=True)
class CourseStamp:
    """What a signed manifest says about its own age."""

    version: int
    issued_at: datetime | None  # None only for manifests stored by very old clients
    content: str  # a digest of the manifest without issued_at: equal means the same course


class Freshness(Enum):
    NEW = "new"  # this computer has no copy yet
    NEWER = "newer"
    SAME = "same"
    OLDER = "older"


class Source(Enum):
    PACK = "pack"
    ACADEMY = "academy"


def freshness(incoming: CourseStamp, held: CourseStamp | None) -> Freshness:
    if held is None:
        return Freshness.NEW
    if incoming.version != held.version:
        return Freshness.NEWER if incoming.version > held.version else Freshness.OLDER
    if incoming.content == held.content:
        return Freshness.SAME
    if incoming.issued_at is None or held.issued_at is None:
        return Freshness.OLDER  # cannot tell which is later: keep what works
    # Signed in the same second: both are the academy's word; take the one just offered.
    return Freshness.NEWER if incoming.issued_at >= held.issued_at else Freshness.OLDER


def check_not_older(
    source: Source, title: str, incoming: CourseStamp, held: CourseStamp | None
) -> Freshness:
    """The freshness of `incoming`; a PackError naming both versions when it is older."""
    found = freshness(incoming, held)
    if found is not Freshness.OLDER:
        return found
    assert held is not None
    if incoming.version < held.version:
        if source is Source.PACK:
            message = _(
                "This pack holds version {incoming} of {title}, but this computer already has "
                "version {held}, which is newer. Nothing was changed."
            )
        else:
            message = _(
                "The academy offers version {incoming} of {title}, but this computer already "
                "has version {held}, which is newer. Your copy was kept; please tell the academy."
            )
    elif source is Source.PACK:
        message = _(
            "This pack holds an earlier edition of version {incoming} of {title} than the "
            "version {held} this computer already has. Nothing was changed."
        )
    else:
        message = _(
            "The academy offers an earlier edition of version {incoming} of {title} than the "
            "version {held} this computer already has. Your copy was kept; please tell the "
            "academy."
        )
    raise PackError(
        message.format(incoming=incoming.version, title=title, held=held.version), code="older"
    )


class ImportOutcome(Enum):
    ADDED = "added"  # the course was not on this computer
    UPDATED = "updated"  # a newer version replaced the one here
    COMPLETED = "completed"  # same version; the pack brought files that were missing here
    UP_TO_DATE = "up_to_date"  # same version, every file already here: nothing changed


@dataclass(frozen=True, slots=True)
class PackImport:
    course: CourseSummary
    outcome: ImportOutcome

    @property
    def sentence(self) -> str:
        """What the import did, for the learner (the same words in the window and the CLI)."""
        c = self.course
        if self.outcome is ImportOutcome.UP_TO_DATE:
            return _(
                "{title} (version {version}) is already on this computer and up to date; "
                "nothing was changed."
            ).format(title=c.title, version=c.version)
        if self.outcome is ImportOutcome.UPDATED:
            return _("Updated {title} to version {version}; it is ready to study offline.").format(
                title=c.title, version=c.version
            )
        return _("Imported {title} (version {version}); it is ready to study offline.").format(
            title=c.title, version=c.version
        )
