"""The one byte-range check Starlette's FileResponse leaves to us, shared by every file route
(course media, peer recordings); runs on uvicorn's worker threads inside those handlers."""

from __future__ import annotations

import re

from server.errors import ApiError

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
        raise ApiError(
            416,
            "range_not_satisfiable",
            f"The range starts at or after the end of the file ({size} bytes).",
            {"Content-Range": f"bytes */{size}"},
        )
