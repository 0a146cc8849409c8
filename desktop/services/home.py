"""Home: where the learner can continue, what is new for them, and their courses with progress.
Blocking, Qt-free; worker threads (and `courses_now` at start-up, on any thread but the UI's).

Two calls of very different weight. `courses_now(database)` reads the downloaded courses and
their progress straight from the SQLite file with the standard library only, so the window can
list them at start-up before the store, the services and their libraries are loaded; this
module imports nothing heavy at import time for the same reason (the services it uses arrive
built, through the constructor). `HomeService.home()` gathers the rest from what the last
sync pulled and the local record: the last place (a lesson opened, a medium or an episode
begun), replies to the learner's posts, feedback on their work, reviews waiting for them,
supporters' answers, open polls not voted in, new episodes. A source that cannot be read is
left out (and logged), so Home always shows what it can.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from desktop.domain.home import (
    CourseProgress,
    Home,
    News,
    NewsItem,
    NewsKind,
    Place,
    PlaceKind,
    Section,
)
from desktop.store.clock import parse_time
from desktop.store.course_shelf import LessonLine, current_owner, exercises, outline, shelf

if TYPE_CHECKING:
    from desktop.services.peer import PeerService
    from desktop.services.podcasts import PodcastService
    from desktop.services.polls import PollService
    from desktop.services.supporters import SupporterService
    from desktop.services.sync import SyncService
    from desktop.store.db import Store
    from desktop.store.last_place import MediaVisit

log = logging.getLogger(__name__)
T = TypeVar("T")

NEWS_SHOWN = 5  # "New for you" stays short; the rest is a count
NEW_EPISODES_PER_FEED = 3  # of each feed's newest, those not begun count as new
SNIPPET_CHARS = 140


def courses_now(database: Path) -> list[CourseProgress]:
    """The downloaded courses with progress, read-only from the database file (none when it
    does not exist yet or cannot be read now: the full Home fills them in a moment later)."""
    if not database.is_file():
        return []
    try:
        conn = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return []
    try:
        owner, client_id, _name = current_owner(conn)
        return shelf(conn, owner, client_id)
    except sqlite3.Error as exc:
        log.warning("courses not read at start-up: %s", exc)
        return []
    finally:
        conn.close()


class HomeService:
    def __init__(
        self,
        store: Store,
        sync: SyncService,
        peer: PeerService,
        supporters: SupporterService,
        polls: PollService,
        podcasts: PodcastService,
    ) -> None:
        # Imported here, not at the top: the store's module loads sqlite-utils, which the
        # start-up path (courses_now) must not wait for. Core builds this after the store.
        from desktop.store.forum_reads import ForumReadRepo
        from desktop.store.last_place import PlaceRepo
        from desktop.store.peer_seen import PeerSeenRepo

        self._store = store
        self._sync = sync
        self._peer = peer
        self._supporters = supporters
        self._polls = polls
        self._podcasts = podcasts
        self._places = PlaceRepo(store)
        self._reads = ForumReadRepo(store)
        self._peer_seen = PeerSeenRepo(store)

    # -- reading -----------------------------------------------------------------------------

    def courses_now(self) -> list[CourseProgress]:
        """The cheap part: downloaded courses with progress, most recently studied first."""
        with self._store.read() as db:
            owner, client_id, _name = current_owner(db.conn)
            return shelf(db.conn, owner, client_id)

    def home(self, shown: int = NEWS_SHOWN) -> Home:
        with self._store.read() as db:
            owner, client_id, name = current_owner(db.conn)
            courses = shelf(db.conn, owner, client_id)
        return Home(
            display_name=name,
            place=self._guarded("the last place", None, lambda: self._place(owner, courses)),
            news=self._news(owner, courses, shown),
            courses=tuple(courses),
        )

    # -- writing -----------------------------------------------------------------------------

    def note_lesson(self, course_id: str, lesson_id: str, scroll: float | None = None) -> None:
        """Remember that the learner is in this lesson (call it when a lesson is opened, and
        with `scroll`, 0..1, when they leave it), so Home can offer to continue there."""
        if scroll is not None:
            scroll = min(1.0, max(0.0, scroll))
        self._places.note_lesson(self._owner(), course_id, lesson_id, scroll)

    def mark_seen(self, item: NewsItem) -> None:
        """The learner opened `item` from Home. News is then not offered again: feedback and
        replies are marked where the Peer work and Discussion views mark them too, a
        supporter's answer or an episode in Home's own record. A task (work to review, a poll
        to vote in) stays until it is done: opening it is not doing it."""
        owner = self._owner()
        if item.kind is NewsKind.FEEDBACK:
            self._peer_seen.mark(owner, [item.item_id])
        elif item.kind is NewsKind.REPLY:
            thread = self._sync.cached("forum_thread").get(item.item_id, {})
            self._reads.mark(owner, item.item_id, int(thread.get("replies", 0)))
        elif item.kind in (NewsKind.SUPPORTER, NewsKind.EPISODE):
            self._places.mark_seen(owner, [item.key])

    # -- the last place ----------------------------------------------------------------------

    def _place(self, owner: str, courses: list[CourseProgress]) -> Place | None:
        """The newest of: a lesson opened, a lesson's medium or an episode begun."""
        titles = {c.course_id: c.title for c in courses}
        candidates: list[tuple[str, Callable[[], Place | None]]] = []
        for visit in self._places.lessons(owner):
            if visit.course_id in titles:
                make = partial(
                    self._lesson_place,
                    owner,
                    visit.course_id,
                    titles[visit.course_id],
                    visit.at,
                    visit.lesson_id,
                    visit.scroll,
                )
                candidates.append((visit.at, make))
        for media in self._places.unfinished_media(owner):
            if media.media_key.startswith("episode:"):
                candidates.append((media.at, partial(self._episode_place, media)))
                continue
            course_id, _, path = media.media_key.removeprefix("course:").partition("/")
            if course_id in titles:
                make = partial(
                    self._lesson_place,
                    owner,
                    course_id,
                    titles[course_id],
                    media.at,
                    None,
                    None,
                    path,
                    media.position_ms,
                    media.duration_ms,
                )
                candidates.append((media.at, make))
        candidates.sort(key=lambda pair: _moment(pair[0]), reverse=True)
        for _at, make_place in candidates:
            place = make_place()
            if place is not None:
                return place
        return None

    def _lesson_place(
        self,
        owner: str,
        course_id: str,
        course_title: str,
        at: str,
        lesson_id: str | None,
        scroll: float | None,
        media_path: str = "",
        position_ms: int = 0,
        duration_ms: int = 0,
    ) -> Place | None:
        with self._store.read() as db:
            lines = outline(db.conn, owner, course_id)
        line = next(
            (ln for ln in lines if (ln.id == lesson_id if lesson_id else media_path in ln.media)),
            None,
        )
        if line is None:
            return None  # the lesson left the course in a newer version
        up_next = False
        if line.done and not position_ms:
            # Finished: go on with the next lesson not done yet (none left: nothing here).
            following = _next_open(lines, line)
            if following is None:
                return None
            line, scroll, up_next = following, None, True
        elif not media_path and line.media:
            saved = self._medium_position(owner, course_id, line)
            if saved is not None:
                position_ms, duration_ms = saved
        return Place(
            kind=PlaceKind.LESSON,
            title=line.title,
            at=at,
            course_id=course_id,
            course_title=course_title,
            lesson_id=line.id,
            lesson_number=line.number,
            lesson_count=len(lines),
            position_ms=position_ms,
            duration_ms=duration_ms,
            scroll=scroll,
            up_next=up_next,
        )

    def _medium_position(
        self, owner: str, course_id: str, line: LessonLine
    ) -> tuple[int, int] | None:
        """Where the learner is in the lesson's first medium begun and not finished."""
        keys = {f"course:{course_id}/{path}" for path in line.media}
        for media in self._places.unfinished_media(owner, limit=50):
            if media.media_key in keys:
                return media.position_ms, media.duration_ms
        return None

    def _episode_place(self, media: MediaVisit) -> Place | None:
        from desktop.domain.errors import SamenError

        try:
            episode = self._podcasts.episode(media.media_key)
        except SamenError:
            return None  # unsubscribed since
        return Place(
            kind=PlaceKind.EPISODE,
            title=episode.title,
            at=media.at,
            episode_key=episode.key,
            feed_title=episode.feed_title,
            position_ms=media.position_ms,
            duration_ms=media.duration_ms or episode.duration_ms or 0,
        )

    # -- new for you -------------------------------------------------------------------------

    def _news(self, owner: str, courses: list[CourseProgress], shown: int) -> News:
        titles = {c.course_id: c.title for c in courses}
        with self._store.read() as db:
            prompts = exercises(db.conn)
        found: list[NewsItem] = []
        sources: tuple[tuple[str, Callable[[], list[NewsItem]]], ...] = (
            ("replies", lambda: self._replies(owner)),
            ("feedback", lambda: self._feedback(owner, prompts)),
            ("reviews", self._reviews),
            ("supporter answers", lambda: self._answers(prompts)),
            ("polls", lambda: self._open_polls(titles)),
            ("episodes", self._new_episodes),
        )
        for what, read in sources:
            found.extend(self._guarded(what, [], read))
        seen = self._places.seen(owner)
        fresh = [
            replace(item, course_title=titles.get(item.course_id, item.course_title))
            for item in found
            if item.key not in seen
        ]
        fresh.sort(key=lambda item: _moment(item.when), reverse=True)
        return News(items=tuple(fresh[:shown]), more=max(0, len(fresh) - shown))

    def _replies(self, owner: str) -> list[NewsItem]:
        """Threads the learner wrote in with replies by others since, not read yet."""
        mine = set(self._sync.cached("forum_mine"))
        if not mine:
            return []
        threads = self._sync.cached("forum_thread")
        by_thread: dict[str, list[dict[str, Any]]] = {}
        for key, post in self._sync.cached("forum_post").items():
            by_thread.setdefault(str(post.get("thread_id")), []).append({**post, "_id": key})
        seen = self._reads.seen(owner, list(threads))
        items = []
        for thread_id, thread in threads.items():
            posts = sorted(by_thread.get(thread_id, []), key=lambda p: p.get("created_at") or "")
            own = [p.get("created_at") or "" for p in posts if p["_id"] in mine]
            if thread_id in mine:
                own.insert(0, thread.get("created_at") or "")
            if not own:
                continue
            since = min(own)
            others = [
                p for p in posts if p["_id"] not in mine and (p.get("created_at") or "") > since
            ]
            unread = int(thread.get("replies", 0)) - seen.get(thread_id, 0)
            count = min(unread, len(others))
            if count <= 0:
                continue
            latest = others[-1]
            items.append(
                NewsItem(
                    kind=NewsKind.REPLY,
                    key=f"reply:{thread_id}:{latest['_id']}",
                    title=str(thread.get("title", "")),
                    when=latest.get("created_at"),
                    who=str(latest.get("author", "")),
                    snippet=plain_snippet(str(latest.get("body", ""))),
                    count=count,
                    course_id=str(thread.get("course_id", "")),
                    section=Section.DISCUSSION,
                    item_id=thread_id,
                )
            )
        return items

    def _feedback(self, owner: str, prompts: dict[str, tuple[str, str, str]]) -> list[NewsItem]:
        seen = self._peer_seen.seen(owner)
        items = []
        for feedback in self._peer.received():
            if feedback.id in seen:
                continue
            _course, _lesson, prompt = prompts.get(feedback.exercise_id, ("", "", ""))
            said = next((a.strip() for a in feedback.answers if a.strip()), "")
            items.append(
                NewsItem(
                    kind=NewsKind.FEEDBACK,
                    key=f"feedback:{feedback.id}",
                    title=plain_snippet(prompt),
                    when=feedback.given_at,
                    who=feedback.reviewer,
                    snippet=plain_snippet(said),
                    course_id=feedback.course_id,
                    section=Section.PEER,
                    item_id=feedback.id,
                )
            )
        return items

    def _reviews(self) -> list[NewsItem]:
        return [
            NewsItem(
                kind=NewsKind.REVIEW,
                key=f"review:{work.id}",
                title=plain_snippet(work.prompt),
                when=work.assigned_at,
                who=work.author,
                snippet=plain_snippet(work.text),
                course_id=work.course_id,
                section=Section.PEER,
                item_id=work.id,
            )
            for work in self._peer.assignments()
            if work.needs_feedback
        ]

    def _answers(self, prompts: dict[str, tuple[str, str, str]]) -> list[NewsItem]:
        from desktop.domain.supporter import RequestStatus

        items = []
        for request in self._supporters.requests():
            if request.status is not RequestStatus.ANSWERED:
                continue
            course_id, _lesson, prompt = prompts.get(request.exercise_id, ("", "", ""))
            items.append(
                NewsItem(
                    kind=NewsKind.SUPPORTER,
                    key=f"supporter:{request.id}",
                    title=plain_snippet(prompt),
                    when=request.answered_at or request.asked_at,
                    who=request.supporter_name,
                    snippet=plain_snippet(request.feedback, markdown=False),
                    course_id=course_id,
                    section=Section.SUPPORTERS,
                    item_id=request.id,
                )
            )
        return items

    def _open_polls(self, titles: dict[str, str]) -> list[NewsItem]:
        from desktop.domain.poll import VoteState

        return [
            NewsItem(
                kind=NewsKind.POLL,
                key=f"poll:{poll.id}",
                title=plain_snippet(poll.statement, markdown=False),
                when=poll.opens_at,
                course_id=poll.course_id,
                section=Section.POLLS,
                item_id=poll.id,
            )
            for poll in self._polls.polls()
            if poll.is_open and poll.vote_state is VoteState.NONE and poll.course_id in titles
        ]

    def _new_episodes(self) -> list[NewsItem]:
        """Of each feed's newest episodes, those not begun (begun ones are for Continue)."""
        per_feed: dict[str, int] = {}
        items = []
        for episode in self._podcasts.episodes():  # newest first
            rank = per_feed[episode.feed_url] = per_feed.get(episode.feed_url, 0) + 1
            if rank > NEW_EPISODES_PER_FEED or episode.played or episode.position_ms > 0:
                continue
            items.append(
                NewsItem(
                    kind=NewsKind.EPISODE,
                    key=f"episode:{episode.key}",
                    title=episode.title,
                    when=episode.published_at,
                    who=episode.feed_title,
                    snippet=plain_snippet(episode.summary, markdown=False),
                    episode_key=episode.key,
                )
            )
        return items

    # -- helpers -----------------------------------------------------------------------------

    def _owner(self) -> str:
        with self._store.read() as db:
            return current_owner(db.conn)[0]

    def _guarded(self, what: str, fallback: T, read: Callable[[], T]) -> T:
        """`read()`, or `fallback` when its data cannot be read (Home shows the rest)."""
        from desktop.domain.errors import SamenError

        try:
            return read()
        except (SamenError, sqlite3.Error, KeyError, ValueError, TypeError, AttributeError) as exc:
            log.warning("Home left out %s: %s", what, exc)
            return fallback


def _moment(stamp: str | None) -> datetime:
    return parse_time(stamp) or datetime.min.replace(tzinfo=UTC)


def _next_open(lines: list[LessonLine], after: LessonLine) -> LessonLine | None:
    later = [ln for ln in lines if ln.number > after.number and not ln.done]
    return later[0] if later else None


_INLINE = {"a", "strong", "em", "code", "img"}


def _text_of(html: str) -> str:
    """The words of an HTML fragment; a block (paragraph, heading, item) is a new word.
    html.parser loads here, on the first Markdown snippet, not at start-up."""
    from html.parser import HTMLParser

    parts: list[str] = []

    class Text(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag not in _INLINE:
                parts.append(" ")

        def handle_endtag(self, tag: str) -> None:
            if tag not in _INLINE:
                parts.append(" ")

        def handle_data(self, data: str) -> None:
            parts.append(data)

    Text().feed(html)
    return "".join(parts)


def plain_snippet(text: str, *, markdown: bool = True, limit: int = SNIPPET_CHARS) -> str:
    """One short line of plain text: Markdown read as a reader would (no ** or #), whitespace
    folded, cut at a word with an ellipsis."""
    if markdown and any(mark in text for mark in "*_#`[]<>!~|"):
        from desktop.services.rich_text import RichText

        text = _text_of(RichText().html(text))
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:")
    return f"{cut}…"
