"""A course downloaded from the academy reaches the app with each lesson's language: the demo's
Dutch course in Dutch, its English one in English, for the window to mark."""

from __future__ import annotations

from collections.abc import Callable

from desktop.core import Core
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer


def test_downloaded_lessons_carry_their_language(
    make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    for course, language in (("samen-leren", "nl"), ("learning-together", "en")):
        core.downloads.download_course(course)
        lessons = core.lessons.lessons(course)
        assert len(lessons) == 3
        assert {lesson.language for lesson in lessons} == {language}
