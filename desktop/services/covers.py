"""Course cover images for the catalogue, shown before a course is downloaded. Worker threads.

A cover is looked for on this computer first (the cover cache, then the course's own downloaded
copy, which is there after a download or a pack import without any network), then fetched
from the academy's media endpoint and cached. Covers are small (at most MAX_COVER_BYTES), so one
is read whole. A failed fetch leaves the card with its placeholder: it is never an error a
learner has to read, only a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from desktop.domain.course import MAX_COVER_BYTES, CourseSummary
from desktop.domain.errors import (
    AuthError,
    CaptivePortalError,
    OfflineError,
    SamenError,
    ServerBusyError,
)
from desktop.media.cover_cache import CoverCache
from desktop.services.session import SessionService

log = logging.getLogger(__name__)

# After one of these the academy cannot be asked for the next cover either.
_STOP = (OfflineError, CaptivePortalError, AuthError, ServerBusyError)  # AuthError: logged out too


class CoverService:
    def __init__(self, session: SessionService, cache: CoverCache, media_root: Path) -> None:
        self._session = session
        self._cache = cache
        self._media_root = media_root

    def local(self, course: CourseSummary) -> Path | None:
        """The course's cover on this computer, or None (no cover, or not here yet)."""
        cover = course.cover
        if cover is None:
            return None
        cached = self._cache.get(course.id, cover)
        if cached is not None:
            return cached
        downloaded = self._media_root / course.id / cover.path
        try:
            if downloaded.is_file() and downloaded.stat().st_size == cover.size:
                return downloaded
        except OSError:
            pass
        return None

    def local_all(self, courses: Iterable[CourseSummary]) -> dict[str, Path]:
        """Course id -> cover file, for every course whose cover is on this computer."""
        found = {}
        for course in courses:
            path = self.local(course)
            if path is not None:
                found[course.id] = path
        return found

    def fetch(self, course: CourseSummary) -> Path | None:
        """The course's cover, fetched from the academy if it is not here yet; raises the
        network's errors (OfflineError, ChecksumError, ...)."""
        cover = course.cover
        if cover is None:
            return None
        here = self.local(course)
        if here is not None:
            return here
        data = self._session.client().small_media(
            course.id, cover.path, min(cover.size, MAX_COVER_BYTES)
        )
        return self._cache.put(course.id, cover, data)

    def fetch_all(self, courses: Iterable[CourseSummary]) -> dict[str, Path]:
        """Every cover that can be had: those here, and those the academy sends now. Stops
        asking at the first sign that the academy cannot be reached."""
        found: dict[str, Path] = {}
        reachable = True
        for course in courses:
            path = self.local(course)
            if path is None and reachable and course.cover is not None:
                try:
                    path = self.fetch(course)
                except _STOP as exc:
                    log.info("covers not fetched now: %s", exc)
                    reachable = False
                except SamenError as exc:
                    log.warning("the cover of %s was not fetched: %s", course.id, exc)
            if path is not None:
                found[course.id] = path
        return found
