"""Where the learner stands in each course: lessons done (from the local record, so it counts
offline work at once) and points (as last synced). Worker threads / CLI."""

from __future__ import annotations

from collections.abc import Iterable

from desktop.domain.learning import Standing
from desktop.services.learning import LearningService
from desktop.services.supporters import SupporterService


class StandingService:
    def __init__(self, learning: LearningService, supporters: SupporterService) -> None:
        self._learning = learning
        self._supporters = supporters

    def standings(self, course_ids: Iterable[str]) -> dict[str, Standing]:
        course_ids = list(course_ids)
        points = self._supporters.points_in(course_ids)  # one read for every course
        return {
            course_id: Standing(
                done=len(self._learning.completed_lessons(course_id)),
                points=points[course_id].total,
            )
            for course_id in course_ids
        }
