"""Names the academy lists for files (course ids, file paths) checked before Samen writes
anything under them: plain segments only, never "..", never a name of Samen's own partial
files. Any thread (pure functions).
"""

from __future__ import annotations

import logging
import re

from desktop.domain.errors import ProtocolError
from desktop.language.catalogue import _
from desktop.sync.transfer import PART_SUFFIX

log = logging.getLogger(__name__)
_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]+$")


def check_segments(value: str, what: str, *, slashes: bool) -> None:
    parts = value.split("/") if slashes else [value]
    if not value or not all(_SEGMENT.match(p) and p not in (".", "..") for p in parts):
        log.warning("the academy listed an unsafe %s: %r", what, value)
        raise ProtocolError(
            _(
                "The academy listed a name Samen cannot save safely ({name}); not downloading."
            ).format(name=repr(value))
        )
    if value.endswith(PART_SUFFIX):
        log.warning("the academy listed a %s ending in %s: %r", what, PART_SUFFIX, value)
        raise ProtocolError(
            _("The academy listed a name ending in {suffix} ({name}); not downloading.").format(
                suffix=PART_SUFFIX, name=repr(value)
            )
        )
