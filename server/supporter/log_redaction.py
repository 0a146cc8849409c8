"""Keeps supporter link tokens out of the access log: a working link written to a log file is
as good as the link itself. A logging filter on uvicorn's access logger; any thread."""

from __future__ import annotations

import logging
import re

_LINK = re.compile(r"(/supporter/)[^/?\s\"]+")


class RedactSupporterLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's access records carry the path in their args (client, method, path, ...).
        if isinstance(record.args, tuple):
            record.args = tuple(
                _LINK.sub(r"\1…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _LINK.sub(r"\1…", record.msg)
        return True


def install() -> None:
    """Once uvicorn has set up its loggers (the app's lifespan runs after that)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSupporterLinks) for f in access.filters):
        access.addFilter(RedactSupporterLinks())
