"""The course catalogue: refreshed from the server when online, read from the store always.
Worker threads / CLI."""

from __future__ import annotations

import json

from desktop.domain.course import CourseDetail, Lesson, LibraryEntry
from desktop.domain.course_version import Freshness, Source, check_not_older
from desktop.domain.errors import DiskFullError, PackError
from desktop.language.catalogue import _
from desktop.services.session import SessionService
from desktop.store.courses import CourseRepo
from desktop.store.trust import KeyRepo
from desktop.sync import manifests


class CatalogueService:
    def __init__(self, session: SessionService, courses: CourseRepo, keys: KeyRepo) -> None:
        self._session = session
        self._courses = courses
        self._keys = keys

    def refresh(self) -> list[LibraryEntry]:
        """Fetch the catalogue and store it; raises OfflineError etc. with nothing changed."""
        self._courses.replace_catalogue(self._session.client().courses())
        return self._courses.library()

    def library(self) -> list[LibraryEntry]:
        """What this device knows, with no network."""
        return self._courses.library()

    def fetch_course(self, course_id: str) -> CourseDetail:
        """Fetch, verify and store a course's signed manifest (lessons, exercises, media list).

        A manifest whose signature does not check out is refused like a tampered pack: the
        files it lists would be trusted on its word. One older than the copy this computer
        holds is refused too (no silent rollback); the same version changes nothing stored."""
        signed = self._session.client().manifest(course_id)
        detail, key_id = manifests.verify(signed, self._keys.known())
        if detail.course.id != course_id:
            raise PackError(_("The academy sent the description of another course."))
        held_json = self._courses.signed_manifest(course_id)
        held = manifests.held_stamp(held_json)
        found = check_not_older(Source.ACADEMY, detail.course.title, manifests.stamp(signed), held)
        if found is not Freshness.SAME:
            try:
                self._courses.save_signed(
                    detail, key_id, json.dumps(signed, ensure_ascii=False), replacing=held_json
                )
            except DiskFullError as exc:
                # Its files come next: ask for room for them too, not just for the database.
                raise DiskFullError(
                    exc.path,
                    (exc.needed or 0) + detail.course.media_bytes,
                    # Translators: ends "The disk is full, so …": what could not be done.
                    doing=_("Samen cannot store {course}").format(course=detail.course.title),
                ) from exc
        return detail

    def lessons(self, course_id: str) -> list[Lesson]:
        """A downloaded course's lessons, in order, from this device."""
        return self._courses.lessons(course_id)
