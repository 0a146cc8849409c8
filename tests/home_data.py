"""Local data for the Home tests, written through the real repositories and services: an
account, a downloaded course, a podcast feed, and a forum thread with a reply as the academy's
pull brings it. Test helper."""

from __future__ import annotations

from desktop.core import Core
from desktop.domain.account import Account, Role, User
from desktop.domain.course import CourseDetail, CourseSummary, Lesson, MediaFile
from desktop.domain.learning import episode_key
from desktop.domain.podcast import ParsedEpisode, ParsedFeed
from desktop.domain.sync import Change, PullPage
from desktop.store.accounts import AccountRepo
from desktop.store.courses import CourseRepo
from desktop.store.podcasts import PodcastRepo
from desktop.store.pulled import PulledRepo

SERVER = "http://academy.test"
COURSE = "study-skills"
FEED = "https://podcast.example.org/feed.xml"
LESSON_TITLES = ("Why study together", "Explaining to each other", "When someone falls behind")


def account() -> Account:
    return Account(
        server_url=SERVER,
        user=User(7, "anna", "Anna de Vries", Role.LEARNER),
        client_id="client-anna",
        academy="Test Academy",
        token_expires_at="2099-01-01T00:00:00+00:00",
    )


def course(core: Core, course_id: str = COURSE, title: str = "Study skills") -> None:
    lessons = tuple(
        Lesson(
            id=f"{course_id}-{n}",
            position=n,
            title=LESSON_TITLES[n - 1],
            body_markdown="Text.",
            media=(f"audio/lesson-{n}.mp3",),
        )
        for n in (1, 2, 3)
    )
    media = tuple(MediaFile(f"audio/lesson-{n}.mp3", 10, "0" * 64, "audio/mpeg") for n in (1, 2, 3))
    summary = CourseSummary(course_id, 1, title, "en", "A course.", 3, 30)
    CourseRepo(core.store).save_detail(CourseDetail(summary, lessons, media))


def episodes(core: Core, count: int = 4) -> list[str]:
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


def earlier(core: Core, table: str, hours: int) -> None:
    """Everything in `table` so far happened `hours` ago (the clock has seconds only)."""
    with core.store.write() as db:
        db.execute(
            f"UPDATE {table} SET updated_at = datetime(updated_at, '-{hours} hours') || '+00:00'"
        )


def login(core: Core) -> None:
    AccountRepo(core.store).save(account())


def pulled_reply(core: Core) -> None:
    """Anna's thread "Looking for a study group" with Sam's reply and one of her own."""
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
