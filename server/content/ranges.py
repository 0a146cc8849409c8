"""The byte-range checks Starlette's FileResponse leaves to us, shared by every file route
(course media, peer recordings); runs on uvicorn's worker threads inside those handlers.
Starlette answers a Range it cannot serve in plain text; these answer first, in the envelope."""

from __future__ import annotations

import re

from starlette.responses import FileResponse, MalformedRangeHeader, RangeNotSatisfiable

from server.errors import ApiError
from server.language import _

# The one Range form the client sends (resuming a .part): bytes=N- or bytes=N-M.
_SINGLE_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d+)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def refuse_unsatisfiable_range(
    range_: str | None, if_range: str | None, etag: str, size: int
) -> None:
    """416 in the error envelope (Starlette's own 416 is plain text) when a resume starts at or
    past the end, e.g. a complete .part that was never renamed. A stale If-Range gets the full
    body (200) instead, as Starlette does."""
    if range_ is None or (if_range is not None and if_range != etag):
        return
    match = _SINGLE_RANGE.match(range_)
    if match and int(match.group(1)) >= size:
        raise _unsatisfiable(size)
    # Any other Range is read by Starlette's own parser (so both agree on what it means); what
    # it refuses is refused here with the envelope instead of its plain-text 400 or 416.
    try:
        FileResponse._parse_range_header(range_, size)
    except MalformedRangeHeader:
        raise ApiError(
            400, "invalid_range", _("The Range header asks for bytes in a form not understood.")
        ) from None
    except RangeNotSatisfiable:
        raise _unsatisfiable(size) from None


def _unsatisfiable(size: int) -> ApiError:
    return ApiError(
        416,
        "range_not_satisfiable",
        _("The range starts at or after the end of the file ({size} bytes).").format(size=size),
        {"Content-Range": f"bytes */{size}"},
    )
