"""The course catalogue: refreshed from the server when online, read from the store always.
Worker threads / CLI."""

from __future__ import annotations

from desktop.domain.course import CourseDetail, Lesson, LibraryEntry
from desktop.services.session import SessionService
from desktop.store.courses import CourseRepo


class CatalogueService:
    def __init__(self, session: SessionService, courses: CourseRepo) -> None:
        self._session = session
        self._courses = courses

    def refresh(self) -> list[LibraryEntry]:
        """Fetch the catalogue and store it; raises OfflineError etc. with nothing changed."""
        self._courses.replace_catalogue(self._session.client().courses())
        return self._courses.library()

    def library(self) -> list[LibraryEntry]:
        """What this device knows, with no network."""
        return self._courses.library()

    def fetch_course(self, course_id: str) -> CourseDetail:
        """Fetch and store a course's structure (lessons, exercises, media list)."""
        detail = self._session.client().course(course_id)
        self._courses.save_detail(detail)
        return detail

    def lessons(self, course_id: str) -> list[Lesson]:
        """A downloaded course's lessons, in order, from this device."""
        return self._courses.lessons(course_id)
