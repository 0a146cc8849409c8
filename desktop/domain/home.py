"""What the Home page shows: where to continue, what is new for the learner, their courses.
Pure data (codes and values; the UI words them). Any thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class PlaceKind(StrEnum):
    LESSON = "lesson"
    EPISODE = "episode"


class NewsKind(StrEnum):
    REPLY = "reply"  # someone replied in a thread the learner wrote in
    FEEDBACK = "feedback"  # a fellow learner's feedback on the learner's work
    REVIEW = "review"  # a fellow learner's work waits for the learner's feedback
    SUPPORTER = "supporter"  # the learner's supporter answered
    POLL = "poll"  # an open poll in one of their courses they have not voted in
    EPISODE = "episode"  # a podcast episode not played yet


class Section(StrEnum):
    """Where in a course page a news item leads."""

    DISCUSSION = "discussion"
    POLLS = "polls"
    PEER = "peer"
    SUPPORTERS = "supporters"


@dataclass(frozen=True, slots=True)
class CourseProgress:
    """A downloaded course and how far the learner is in it."""

    course_id: str
    title: str
    language: str
    summary: str
    lessons: int
    done: int
    points: int = 0
    last_lesson_id: str | None = None  # the lesson the learner was last in
    studied_at: str | None = None  # when they last studied it (ISO 8601 UTC)

    @property
    def fraction(self) -> float:
        return 0.0 if self.lessons <= 0 else min(1.0, self.done / self.lessons)


@dataclass(frozen=True, slots=True)
class Place:
    """Where the learner stopped: a lesson (with its position in the course, and in its
    medium or text when known) or a podcast episode (at a position)."""

    kind: PlaceKind
    title: str  # the lesson's or the episode's title
    at: str  # when (ISO 8601 UTC)
    course_id: str = ""
    course_title: str = ""
    lesson_id: str = ""
    lesson_number: int = 0  # 1-based
    lesson_count: int = 0
    episode_key: str = ""
    feed_title: str = ""
    position_ms: int = 0  # in the lesson's medium or the episode
    duration_ms: int = 0
    scroll: float | None = None  # how far down the lesson text (0..1), when known
    up_next: bool = False  # the lesson last opened is done: this is the next one not done


@dataclass(frozen=True, slots=True)
class NewsItem:
    """One thing new for the learner, and where it leads."""

    kind: NewsKind
    key: str  # stable across reloads ("reply:<thread id>", ...), for marking it seen
    title: str  # the thread's title, the exercise's prompt, the poll's statement, the episode's
    when: str | None  # ISO 8601 UTC
    who: str = ""  # the replier, reviewer, supporter, or podcast
    snippet: str = ""  # plain text, short
    count: int = 1  # e.g. replies since the learner last looked
    course_id: str = ""
    course_title: str = ""
    section: Section | None = None
    item_id: str = ""  # the thread, feedback, assignment, request or poll id
    episode_key: str = ""


@dataclass(frozen=True, slots=True)
class News:
    items: tuple[NewsItem, ...] = ()
    more: int = 0  # how many more there are than shown


@dataclass(frozen=True, slots=True)
class Home:
    display_name: str  # "" when nobody is logged in
    place: Place | None
    news: News = field(default_factory=News)
    courses: tuple[CourseProgress, ...] = ()
