"""Answers, listening positions and completion: offline on one device, synced, restored on
another device of the same learner (real server, real stores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.domain.course import Exercise, ExerciseKind, Lesson
from desktop.domain.errors import SamenError
from desktop.domain.learning import course_media_key, episode_key
from tests.contract import validate
from tests.integration.sync_helpers import client
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer

COURSE = "learning-together"
EPISODE = episode_key("http://127.0.0.1:9/feed.xml", "ep-1")


def _exercise(lessons: list[Lesson], lesson_id: str, kind: ExerciseKind) -> Exercise:
    lesson = next(lesson for lesson in lessons if lesson.id == lesson_id)
    return next(e for e in lesson.exercises if e.kind is kind)


def test_a_second_device_gets_answers_positions_and_completion(
    academy: LiveServer, tmp_path: Path
) -> None:
    username = add_learner(academy)
    laptop = client(tmp_path / "laptop", academy.url, username)
    laptop.catalogue.fetch_course(COURSE)
    lessons = laptop.lessons.lessons(COURSE)
    choice = _exercise(lessons, "learning-together-1", ExerciseKind.MULTIPLE_CHOICE)
    written = _exercise(lessons, "learning-together-2", ExerciseKind.OPEN)
    video = course_media_key(COURSE, "video/welcome.mp4")

    wrong = laptop.learning.answer_choice(COURSE, "learning-together-1", choice, "a")
    assert not wrong.correct and "study pair" in wrong.feedback  # the option's own feedback
    right = laptop.learning.answer_choice(COURSE, "learning-together-1", choice, "b")
    assert right.correct
    laptop.learning.answer_text(COURSE, "learning-together-2", written, "  Tuesdays at 8.  ")
    laptop.learning.save_position(EPISODE, 30_000, 600_000)
    laptop.learning.save_position(EPISODE, 12_000, 600_000)  # rewound: the latest one counts
    laptop.learning.save_position(video, 9_500, 10_000)  # near the end: played
    laptop.learning.complete_lesson(COURSE, "learning-together-1")
    before = laptop.learning.answers("learning-together-1")[choice.id]
    assert before.option_id == "b" and not before.sent

    items = laptop.queue.items()
    # Unsent changes fold: one item per exercise and per medium.
    assert sorted(item.name for item in items) == [
        "exercise.answer",
        "exercise.answer",
        "playback.position",
        "playback.position",
        "progress.update",
    ]
    for item in items:
        validate("Mutations", {item.name: item.args})

    report = laptop.sync.run_window()
    assert report.ok, report.error
    assert laptop.queue.items() == []
    assert laptop.learning.answers("learning-together-1")[choice.id].sent

    phone = client(tmp_path / "phone", academy.url, username)
    assert phone.sync.run_window().ok
    answers = phone.learning.answers("learning-together-1")
    assert answers[choice.id].option_id == "b" and answers[choice.id].correct is True
    assert phone.learning.answers("learning-together-2")[written.id].text == "Tuesdays at 8."
    episode = phone.learning.position(EPISODE)
    assert episode is not None and episode.position_ms == 12_000 and not episode.played
    medium = phone.learning.position(video)
    assert medium is not None and medium.played
    assert phone.learning.completed_lessons(COURSE) == {"learning-together-1"}

    # The phone rewinds the video and keeps listening; the laptop resumes there next time.
    phone.learning.save_position(video, 2_000, 10_000)
    assert phone.sync.run_window().ok
    assert laptop.sync.run_window().ok
    resumed = laptop.learning.position(video)
    assert resumed is not None and resumed.position_ms == 2_000 and resumed.played


def test_bad_answers_are_refused_before_anything_is_queued(
    academy: LiveServer, tmp_path: Path
) -> None:
    laptop = client(tmp_path / "laptop", academy.url, add_learner(academy))
    laptop.catalogue.fetch_course(COURSE)
    lessons = laptop.lessons.lessons(COURSE)
    choice = _exercise(lessons, "learning-together-1", ExerciseKind.MULTIPLE_CHOICE)
    written = _exercise(lessons, "learning-together-2", ExerciseKind.OPEN)
    with pytest.raises(SamenError, match="Pick one"):
        laptop.learning.answer_choice(COURSE, "learning-together-1", choice, "z")
    with pytest.raises(SamenError, match="empty"):
        laptop.learning.answer_text(COURSE, "learning-together-2", written, " \n ")
    with pytest.raises(SamenError, match="20,000"):
        laptop.learning.answer_text(COURSE, "learning-together-2", written, "x" * 20_001)
    with pytest.raises(SamenError, match="pick an option"):
        laptop.learning.answer_text(COURSE, "learning-together-1", choice, "b")
    assert laptop.queue.items() == []


def test_done_taken_back_is_undone_at_the_academy_and_on_the_other_device(
    academy: LiveServer, tmp_path: Path
) -> None:
    username = add_learner(academy)
    laptop = client(tmp_path / "laptop", academy.url, username)
    laptop.catalogue.fetch_course(COURSE)
    lesson = "learning-together-3"

    # Done and taken back before a sync: one waiting item, the latest intent.
    laptop.learning.complete_lesson(COURSE, lesson)
    laptop.learning.reopen_lesson(COURSE, lesson)
    assert not laptop.learning.is_completed(lesson)
    [waiting] = laptop.queue.items()
    validate("Mutations", {waiting.name: waiting.args})
    laptop.learning.complete_lesson(COURSE, lesson)
    assert laptop.learning.is_completed(lesson)
    assert laptop.sync.run_window().ok

    phone = client(tmp_path / "phone", academy.url, username)
    assert phone.sync.run_window().ok
    assert phone.learning.completed_lessons(COURSE) == {lesson}

    # Taken back after it reached the academy: the academy and the phone follow.
    laptop.learning.reopen_lesson(COURSE, lesson)
    assert laptop.learning.completed_lessons(COURSE) == set()
    assert laptop.sync.run_window().ok
    assert laptop.queue.items() == []
    assert laptop.learning.completed_lessons(COURSE) == set()  # the pull agrees
    assert phone.sync.run_window().ok
    assert phone.learning.completed_lessons(COURSE) == set()

    # Done again on the phone: the laptop sees it after its next sync.
    phone.learning.complete_lesson(COURSE, lesson)
    assert phone.sync.run_window().ok
    assert laptop.sync.run_window().ok
    assert laptop.learning.completed_lessons(COURSE) == {lesson}
