"""Taking a course off this computer, in two strengths. Worker threads / CLI (disk work).

- free_space: the course's media files go; its lessons stay readable (text only) and come
  back whole with the next download. Progress and unsent work stay.
- remove: the media and the course's lessons and signed manifest go too; the course shows as
  not downloaded (while the catalogue lists it). Progress and unsent work stay, so a later
  download picks up where the learner was.

Both answer a RemovalResult code; the UI turns it into a sentence.
"""

from __future__ import annotations

from enum import StrEnum

from desktop.services.downloads import DownloadService
from desktop.store.courses import CourseRepo


class RemovalResult(StrEnum):
    DONE = "done"
    # The course was downloading: the download is being stopped and its media deleted by the
    # thread running it; for `remove`, the lessons stay until the learner asks again.
    DOWNLOADING = "downloading"


class CourseRemovalService:
    def __init__(self, downloads: DownloadService, courses: CourseRepo) -> None:
        self._downloads = downloads
        self._courses = courses

    def free_space(self, course_id: str) -> RemovalResult:
        if not self._downloads.remove_course_media(course_id):
            return RemovalResult.DOWNLOADING
        return RemovalResult.DONE

    def remove(self, course_id: str) -> RemovalResult:
        if not self._downloads.remove_course_media(course_id):
            return RemovalResult.DOWNLOADING
        self._courses.forget_download(course_id)
        return RemovalResult.DONE
