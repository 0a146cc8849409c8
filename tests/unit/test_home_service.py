"""Home's data on a real SQLite store, written through the real services: the courses with
progress (also read by the start-up call, straight from the file), where to continue (a lesson
opened, a lesson's medium or an episode begun, a finished lesson leading to the next), new
episodes, a reply pulled from the academy, and marking items seen."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.core import Core
from desktop.domain.account import Account, Role, User
from desktop.domain.course import CourseDetail, CourseSummary, Lesson, MediaFile
from desktop.domain.home import NewsKind, PlaceKind, Section
from desktop.domain.learning import course_media_key, episode_key
from desktop.domain.podcast import ParsedEpisode, ParsedFeed
from desktop.domain.sync import Change, PullPage
from desktop.services.home import courses_now, plain_snippet
from desktop.store.accounts import AccountRepo
from desktop.store.courses import CourseRepo
from desktop.store.podcasts import PodcastRepo
from desktop.store.pulled import PulledRepo

SERVER = "http://academy.test"
COURSE = "study-skills"
FEED = "https://podcast.example.org/feed.xml"


def _account() -> Account:
    return Account(
        server_url=SERVER,
        user=User(7, "anna", "Anna de Vries", Role.LEARNER),
        client_id="client-anna",
        academy="Test Academy",
        token_expires_at="2099-01-01T00:00:00+00:00",
    )


def _course(core: Core, course_id: str = COURSE, title: str = "Study skills") -> None:
    lessons = tuple(
        Lesson(
            id=f"{course_id}-{n}",
            position=n,
            title=f"Lesson title {n}",
            body_markdown="Text.",
            media=(f"audio/lesson-{n}.mp3",),
        )
        for n in (1, 2, 3)
    )
    media = tuple(MediaFile(f"audio/lesson-{n}.mp3", 10, "0" * 64, "audio/mpeg") for n in (1, 2, 3))
    summary = CourseSummary(course_id, 1, title, "en", "A course.", 3, 30)
    CourseRepo(core.store).save_detail(CourseDetail(summary, lessons, media))


def _episodes(core: Core, count: int = 4) -> list[str]:
    """A feed with `count` weekly episodes; returns their keys, newest first."""
    episodes = tuple(
        ParsedEpisode(
            guid=f"ep{n}",
            title=f"Episode {n}",
            summary=f"About topic {n}.\nWith a second line.",
            published_at=f"2026-0{n}-01T09:00:00+00:00",
            enclosure_url=f"https://podcast.example.org/ep{n}.mp3",
            enclosure_type="audio/mpeg",
            enclosure_length=1000,
            duration_ms=1_800_000,
        )
        for n in range(1, count + 1)
    )
    parsed = ParsedFeed("Learning Out Loud", "", "", "", "", episodes)
    PodcastRepo(core.store).save_feed(FEED, parsed, etag="", last_modified="")
    return [episode_key(FEED, f"ep{n}") for n in range(count, 0, -1)]


def _earlier(core: Core, table: str, hours: int) -> None:
    """Everything in `table` so far happened `hours` ago (the clock has seconds only)."""
    with core.store.write() as db:
        db.execute(
            f"UPDATE {table} SET updated_at = datetime(updated_at, '-{hours} hours') || '+00:00'"
        )


@pytest.fixture
def core(make_core: Callable[..., Core]) -> Core:
    core = make_core()
    AccountRepo(core.store).save(_account())
    return core


def test_nothing_yet_gives_empty_sections(make_core: Callable[..., Core], tmp_path: Path) -> None:
    assert courses_now(tmp_path / "absent" / "samen.db") == []
    core = make_core()
    home = core.home.home()
    assert (home.display_name, home.place, home.news.items, home.courses) == ("", None, (), ())
    assert courses_now(core.paths.database) == []


def test_courses_with_progress_the_last_studied_first(core: Core) -> None:
    _course(core, "alpha", "Alpha course")
    _course(core)
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
        "Lesson title 2",
    )
    assert (place.course_title, place.lesson_number, place.lesson_count) == ("Study skills", 2, 3)
    assert place.scroll == pytest.approx(0.4)


def test_start_up_read_survives_a_database_from_before_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE courses (id TEXT, downloaded_version INTEGER)")
    db.close()
    assert courses_now(path) == []  # no lessons table: nothing to list, no traceback


def test_continue_is_the_newest_place_lesson_medium_or_episode(core: Core) -> None:
    _course(core)
    keys = _episodes(core)
    core.home.note_lesson(COURSE, f"{COURSE}-1")
    _earlier(core, "last_place", 3)
    medium = course_media_key(COURSE, "audio/lesson-3.mp3")
    core.learning.save_position(medium, 65_000, 120_000)
    place = core.home.home().place
    assert place is not None and (place.lesson_id, place.position_ms) == (f"{COURSE}-3", 65_000)
    assert place.duration_ms == 120_000

    _earlier(core, "playback", 2)
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
    _earlier(core, "playback", 1)
    core.home.note_lesson(COURSE, f"{COURSE}-2")
    place = core.home.home().place
    assert place is not None and (place.lesson_id, place.position_ms) == (f"{COURSE}-2", 0)


def test_a_finished_lesson_leads_to_the_next_one_not_done(core: Core) -> None:
    _course(core)
    core.learning.complete_lesson(COURSE, f"{COURSE}-2")
    core.home.note_lesson(COURSE, f"{COURSE}-1")
    core.learning.complete_lesson(COURSE, f"{COURSE}-1")
    place = core.home.home().place
    assert place is not None and (place.lesson_id, place.lesson_number) == (f"{COURSE}-3", 3)
    core.learning.complete_lesson(COURSE, f"{COURSE}-3")
    assert core.home.home().place is None  # all done: nothing to continue
    assert core.home.courses_now()[0].done == 3


def test_new_episodes_newest_first_a_few_per_feed_with_a_more_count(core: Core) -> None:
    keys = _episodes(core, count=5)
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
    _course(core)
    thread = {
        "thread_id": "thread-1",
        "course_id": COURSE,
        "lesson_id": None,
        "title": "Looking for a study group",
        "body": "Anyone?",
        "author": "Anna de Vries",
        "created_at": "2026-11-30T10:00:00Z",
        "replies": 2,
    }
    posts = [
        ("post-1", "Sam", "Count me **in**!", "2026-11-30T11:00:00Z"),
        ("post-2", "Anna de Vries", "Great, Tuesdays?", "2026-11-30T12:00:00Z"),
    ]
    changes = [
        Change(f"course:{COURSE}", "forum_thread", "thread-1", "put", 1, thread),
        Change("user:7", "forum_mine", "thread-1", "put", 1, {"id": "thread-1"}),
        Change("user:7", "forum_mine", "post-2", "put", 1, {"id": "post-2"}),
    ]
    for post_id, author, body, at in posts:
        data = {"post_id": post_id, "thread_id": "thread-1", "course_id": COURSE}
        data |= {"author": author, "body": body, "created_at": at}
        changes.append(Change(f"course:{COURSE}", "forum_post", post_id, "put", 1, data))
    page = PullPage(changes=tuple(changes), cursor="c1", has_more=False, last_seq=0)
    PulledRepo(core.store).apply_page("client-anna", page)

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
