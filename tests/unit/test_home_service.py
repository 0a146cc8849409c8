"""Home's data on a real SQLite store, written through the real services: the courses with
progress (also read by the start-up call, straight from the file), where to continue (a lesson
opened, a lesson's medium or an episode begun, a finished lesson leading to the next), new
episodes, a reply pulled from the academy, and marking items seen."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.core import Core
from desktop.domain.home import NewsKind, PlaceKind, Section
from desktop.domain.learning import course_media_key
from desktop.domain.sync import Change, PullPage
from desktop.services.home import courses_now, plain_snippet
from desktop.store.pulled import PulledRepo
from tests.home_data import COURSE, LESSON_TITLES, course, earlier, episodes, login, pulled_reply
from tests.unit.test_startup_imports import LOADED_LATER


@pytest.fixture
def core(make_core: Callable[..., Core]) -> Core:
    core = make_core()
    login(core)
    return core


def test_nothing_yet_gives_empty_sections(make_core: Callable[..., Core], tmp_path: Path) -> None:
    assert courses_now(tmp_path / "absent" / "samen.db") == []
    core = make_core()
    home = core.home.home()
    assert (home.display_name, home.place, home.news.items, home.courses) == ("", None, (), ())
    assert courses_now(core.paths.database) == []


def test_courses_with_progress_the_last_studied_first(core: Core) -> None:
    course(core, "alpha", "Alpha course")
    course(core)
    core.learning.complete_lesson(COURSE, f"{COURSE}-1")
    core.home.note_lesson(COURSE, f"{COURSE}-2", scroll=0.4)

    for courses in (core.home.courses_now(), courses_now(core.paths.database)):
        assert [(c.course_id, c.done, c.lessons) for c in courses] == [
            (COURSE, 1, 3),
            ("alpha", 0, 3),
        ]
        assert courses[0].last_lesson_id == f"{COURSE}-2"
        assert courses[0].fraction == pytest.approx(1 / 3)
    home = core.home.home()
    assert home.display_name == "Anna de Vries"
    assert [c.course_id for c in home.courses] == [COURSE, "alpha"]
    place = home.place
    assert place is not None and place.kind is PlaceKind.LESSON
    assert (place.course_id, place.lesson_id, place.title) == (
        COURSE,
        f"{COURSE}-2",
        LESSON_TITLES[1],
    )
    assert (place.course_title, place.lesson_number, place.lesson_count) == ("Study skills", 2, 3)
    assert place.scroll == pytest.approx(0.4) and not place.up_next


def test_start_up_read_survives_a_database_from_before_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE courses (id TEXT, downloaded_version INTEGER)")
    db.close()
    assert courses_now(path) == []  # no lessons table: nothing to list, no traceback


def test_continue_is_the_newest_place_lesson_medium_or_episode(core: Core) -> None:
    course(core)
    keys = episodes(core)
    core.home.note_lesson(COURSE, f"{COURSE}-1")
    earlier(core, "last_place", 3)
    medium = course_media_key(COURSE, "audio/lesson-3.mp3")
    core.learning.save_position(medium, 65_000, 120_000)
    place = core.home.home().place
    assert place is not None and (place.lesson_id, place.position_ms) == (f"{COURSE}-3", 65_000)
    assert place.duration_ms == 120_000

    earlier(core, "playback", 2)
    core.learning.save_position(keys[1], 754_000, 1_800_000)
    place = core.home.home().place
    assert place is not None and place.kind is PlaceKind.EPISODE
    assert (place.episode_key, place.title, place.feed_title) == (
        keys[1],
        "Episode 3",
        "Learning Out Loud",
    )
    assert place.position_ms == 754_000

    # Heard to the end: no longer a place to continue; the lesson's medium is again.
    core.learning.save_position(keys[1], 1_800_000, 1_800_000)
    place = core.home.home().place
    assert place is not None and place.lesson_id == f"{COURSE}-3"

    # Opening a lesson now makes it the place; its medium's position comes with it.
    core.home.note_lesson(COURSE, f"{COURSE}-3")
    earlier(core, "playback", 1)
    core.home.note_lesson(COURSE, f"{COURSE}-2")
    place = core.home.home().place
    assert place is not None and (place.lesson_id, place.position_ms) == (f"{COURSE}-2", 0)


def test_a_finished_lesson_leads_to_the_next_one_not_done(core: Core) -> None:
    course(core)
    core.learning.complete_lesson(COURSE, f"{COURSE}-2")
    core.home.note_lesson(COURSE, f"{COURSE}-1")
    core.learning.complete_lesson(COURSE, f"{COURSE}-1")
    place = core.home.home().place
    assert place is not None and (place.lesson_id, place.lesson_number) == (f"{COURSE}-3", 3)
    assert place.up_next
    core.learning.complete_lesson(COURSE, f"{COURSE}-3")
    assert core.home.home().place is None  # all done: nothing to continue
    assert core.home.courses_now()[0].done == 3


def test_new_episodes_newest_first_a_few_per_feed_with_a_more_count(core: Core) -> None:
    keys = episodes(core, count=5)
    core.learning.save_position(keys[1], 10_000, 1_800_000)  # begun: that is for Continue
    news = core.home.home().news
    assert [item.episode_key for item in news.items] == [keys[0], keys[2]]
    first = news.items[0]
    assert (first.kind, first.title) == (NewsKind.EPISODE, "Episode 5")
    assert (first.who, first.snippet) == ("Learning Out Loud", "About topic 5. With a second line.")
    shown = core.home.home(shown=1).news
    assert len(shown.items) == 1 and shown.more == 1

    core.home.mark_seen(first)
    assert [item.episode_key for item in core.home.home().news.items] == [keys[2]]


def test_a_reply_by_someone_else_in_the_learners_thread(core: Core) -> None:
    course(core)
    pulled_reply(core)

    (item,) = core.home.home().news.items
    assert (item.kind, item.who, item.title, item.count) == (
        NewsKind.REPLY,
        "Sam",
        "Looking for a study group",
        1,
    )
    assert (item.snippet, item.when, item.course_title) == (
        "Count me in!",
        "2026-11-30T11:00:00Z",
        "Study skills",
    )
    assert (item.section, item.course_id, item.item_id) == (Section.DISCUSSION, COURSE, "thread-1")
    core.home.mark_seen(item)
    assert core.home.home().news.items == ()
    assert core.forum.threads(COURSE)[0].unread == 0  # the forum agrees: read


def test_plain_snippets_are_short_plain_text() -> None:
    assert plain_snippet("# Title\n\nSome *emphasis* and [a link](https://x.org).") == (
        "Title Some emphasis and a link."
    )
    long = plain_snippet("word " * 100)
    assert len(long) <= 140 and long.endswith("…")


def test_work_to_review_stays_until_the_feedback_is_given(core: Core) -> None:
    course(core)
    assignment = {
        "assignment_id": "a1",
        "submission_id": "s1",
        "course_id": COURSE,
        "exercise_id": "x1",
        "prompt": "Write **five** sentences about your study group.",
        "questions": ["What works well?"],
        "text": "We meet on Tuesdays.",
        "author": "Peer 3",
        "assigned_at": "2026-12-01T08:00:00Z",
        "state": "open",
    }
    change = Change("user:7", "peer_assignment", "a1", "put", 1, assignment)
    page = PullPage(changes=(change,), cursor="c1", has_more=False, last_seq=0)
    PulledRepo(core.store).apply_page("client-anna", page)
    (item,) = core.home.home().news.items
    assert (item.kind, item.who, item.title, item.snippet) == (
        NewsKind.REVIEW,
        "Peer 3",
        "Write five sentences about your study group.",
        "We meet on Tuesdays.",
    )
    assert (item.section, item.item_id, item.course_title) == (Section.PEER, "a1", "Study skills")
    core.home.mark_seen(item)  # opened, not done: still waiting
    assert [i.key for i in core.home.home().news.items] == [item.key]
    core.peer.give_feedback("a1", ["The fixed day."])
    assert core.home.home().news.items == ()


def test_the_start_up_read_loads_nothing_heavy(core: Core) -> None:
    """Home lists the courses before the store and the services are loaded: reading them
    imports neither sqlite-utils, the network, keyring nor cryptography libraries."""
    course(core)
    probe = (
        "import sys; from pathlib import Path; import desktop.ui.pages.home; "
        "from desktop.services.home import courses_now; "
        f"found = courses_now(Path({str(core.paths.database)!r})); "
        f"print(len(found), [m for m in {LOADED_LATER!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "1 []"
