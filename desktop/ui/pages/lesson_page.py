"""One lesson as one reading column: the course it belongs to (a way back), its title once and
"Lesson 2 of 5"; then its video and audio, its text with its own images, every exercise with
the room it needs, "Mark as done" (which can be undone) and the previous and next lessons. The
whole page scrolls as one. UI thread; every service call runs on the task runner.

Signals, for the window to wire:
- `course_wanted(course_id)`: the learner asked to go back to the course (Alt+Up);
- `lesson_opened(course_id, lesson_id)`: a lesson is on screen (also `shown(lesson_id)`);
- `done_changed(course_id, lesson_id, done)`: the learner marked it done or took that back;
- `queued()`: something was stored and queued to send: re-read the pending count;
- `forum_wanted(course_id, course_title, lesson_id)`, `polls_wanted(...)`: the lesson's
  discussion, the course's polls;
- `link_opened(url)`: a web link the learner clicked (opened in their browser).
Previous and next lessons (Ctrl+PgUp, Ctrl+PgDown) open inside the page. Ctrl+D toggles done.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QFont,
    QImage,
    QKeySequence,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.course import Lesson
from desktop.domain.learning import Answer, Playback
from desktop.language import formats
from desktop.language.catalogue import N_, _, counted
from desktop.media.player import Player
from desktop.services.learning import LearningService
from desktop.services.lessons import LessonMedium, LessonService, RenderedLesson
from desktop.services.peer import PeerService
from desktop.services.supporters import SupporterService
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.exercise_card import ExerciseCard
from desktop.ui.widgets.lesson_exercises import LessonExercises, Social
from desktop.ui.widgets.lesson_media import LessonMedia
from desktop.ui.widgets.lesson_text import LessonText

WEB_SCHEMES = {"http", "https", "mailto"}
COLUMN_WIDTH = 760  # a comfortable line length for reading
MAX_IMAGE_WIDTH = COLUMN_WIDTH - 40
TITLE_CHARS = 40  # previous/next show the neighbour's title, shortened beyond this

MARK_DONE = N_("&Mark as done")
DONE_UNDO = N_("Done ✓ (&undo)")
NO_LESSONS = N_(
    "This course has no lessons on this computer yet. Download it from Courses to study it "
    "here, even offline."
)


def _missing_note(count: int) -> str:
    return counted(
        "One image or recording of this lesson is not on this computer yet; download the "
        "course to see and hear it.",
        "{n} images or recordings of this lesson are not on this computer yet; download the "
        "course to see and hear them.",
        count,
    )


def _short(title: str, chars: int = TITLE_CHARS) -> str:
    title = title if len(title) <= chars else title[: chars - 1].rstrip() + "…"
    return title.replace("&", "&&")  # a title's "&" is text, not a mnemonic


@dataclass(frozen=True, slots=True)
class _Loaded:
    request: int
    course_id: str
    lessons: list[Lesson]
    done: set[str]
    rendered: RenderedLesson | None  # None: the course has no such lesson (or none at all)
    media: list[LessonMedium]
    answers: dict[str, Answer]
    images: dict[str, QImage]  # local file path -> the image, read and scaled on the worker


class LessonPage(QWidget):
    course_wanted = Signal(str)  # course id
    lesson_opened = Signal(str, str)  # course id, lesson id
    shown = Signal(str)  # lesson id, once its text, media and exercises are on screen
    done_changed = Signal(str, str, bool)  # course id, lesson id, done
    queued = Signal()  # something was queued to send (the outbox changed)
    forum_wanted = Signal(str, str, str)  # course id, course title, lesson id
    polls_wanted = Signal(str, str, str)  # course id, course title, lesson id
    social_shown = Signal()  # points and supporter requests are on screen (tests)
    link_opened = Signal(QUrl)  # a link the learner chose to open

    def __init__(
        self,
        lessons: LessonService,
        learning: LearningService,
        supporters: SupporterService,
        peer: PeerService,
        player: Player,
        runner: TaskRunner,
        media_root: Path,
    ) -> None:
        super().__init__()
        self._lessons = lessons
        self._learning = learning
        self._player = player
        self._runner = runner
        self._media_root = media_root
        self._request = 0  # the newest lesson asked for; older results are dropped
        self._scroll_wanted: float | None = None  # applied once the lesson is laid out
        self.course_id: str | None = None
        self.course_title = ""
        self.lesson: Lesson | None = None
        self.course_lessons: list[Lesson] = []
        self.done: set[str] = set()

        self.course_button = QPushButton()
        self.course_button.setFlat(True)
        self.course_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.course_button.setToolTip(_("Back to the course (Alt+Up)"))
        self.course_button.clicked.connect(self._want_course)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setAccessibleName(_("Lesson title"))
        self.position = QLabel()
        self.points = QLabel()
        self.points.setAccessibleName(_("Your points in this course"))
        self.media = LessonMedia()
        self.media.play_wanted.connect(self.play)
        self.text = LessonText()
        self.text.anchorClicked.connect(self.open_link)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.exercises = LessonExercises(learning, supporters, peer, runner)
        self.exercises.queued.connect(self.queued)
        self.exercises.social_shown.connect(self._show_points)
        self.done_button = QPushButton(_(MARK_DONE))
        self.done_button.setCheckable(True)
        self.done_button.setEnabled(False)
        self.done_button.setToolTip(_("Mark this lesson done, or take that back (Ctrl+D)"))
        self.done_button.clicked.connect(self.toggle_done)
        self.forum_button = QPushButton(_("&Discuss this lesson"))
        self.forum_button.setToolTip(_("Ask, answer and discuss this lesson with the course"))
        self.forum_button.clicked.connect(self._want_forum)
        self.polls_button = QPushButton(_("Vote in the course's p&olls"))
        self.polls_button.setToolTip(_("Vote in this course's polls and see how others voted"))
        self.polls_button.clicked.connect(self._want_polls)
        self.previous_button = QPushButton()
        self.previous_button.clicked.connect(lambda: self._neighbour(-1))
        self.next_button = QPushButton()
        self.next_button.clicked.connect(lambda: self._neighbour(1))
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self._column())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area)
        self._shortcut("Ctrl+D", self._toggle_by_key)
        self._shortcut("Ctrl+PgUp", lambda: self._neighbour(-1))
        self._shortcut("Ctrl+PgDown", lambda: self._neighbour(1))
        self._shortcut("Alt+Up", self._want_course)
        player.finished.connect(self.media.ended)
        player.loaded.connect(self._player_loaded)
        self.close_lesson()

    def _column(self) -> QWidget:
        column = QWidget()
        column.setMaximumWidth(COLUMN_WIDTH)
        column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        header = QHBoxLayout()
        header.addWidget(self.course_button)
        header.addStretch(1)
        header.addWidget(self.points)
        done_row = QHBoxLayout()
        done_row.addWidget(self.done_button)
        done_row.addStretch(1)
        done_row.addWidget(self.forum_button)
        done_row.addWidget(self.polls_button)
        nav = QHBoxLayout()
        nav.addWidget(self.previous_button)
        nav.addStretch(1)
        nav.addWidget(self.next_button)
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        inner = QVBoxLayout(column)
        inner.setContentsMargins(16, 8, 16, 16)
        inner.addLayout(header)
        inner.addWidget(self.title)
        inner.addWidget(self.position)
        inner.addSpacing(8)
        inner.addWidget(self.media)
        inner.addSpacing(6)
        inner.addWidget(self.text)
        inner.addWidget(self.notice)
        inner.addSpacing(8)
        inner.addWidget(self.exercises)
        inner.addSpacing(8)
        inner.addLayout(done_row)
        inner.addWidget(rule)
        inner.addLayout(nav)
        inner.addStretch(1)
        page = QWidget()
        centred = QHBoxLayout(page)
        centred.setContentsMargins(0, 0, 0, 0)
        centred.addStretch(1)
        centred.addWidget(column, 100)
        centred.addStretch(1)
        return page

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        # The video leaves room for the text below it, however low the window is.
        self.media.max_video_height = max(160, event.size().height() * 2 // 5)

    def _shortcut(self, keys: str, slot: object) -> None:
        # Window-wide while the page is visible: a hidden page's shortcuts do not fire.
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.activated.connect(slot)

    # -- what the window asks ----------------------------------------------------------------

    @property
    def cards(self) -> list[ExerciseCard]:
        return self.exercises.cards

    def scroll_fraction(self) -> float:
        """How far down the lesson the learner is (0..1), for Home's Continue."""
        bar = self.scroll_area.verticalScrollBar()
        return bar.value() / bar.maximum() if bar.maximum() > 0 else 0.0

    def open_lesson(
        self, course_id: str, course_title: str, lesson_id: str = "", *, scroll: float | None = None
    ) -> None:
        """Show a lesson of a downloaded course ("" for its first lesson); `scroll` (0..1) is
        how far down to show it (where the learner left it)."""
        self._scroll_wanted = scroll
        if course_id != self.course_id:
            self.close_lesson()
            self.course_id = course_id
            self.text.clear()
        self.course_title = course_title
        self.course_button.setText(f"← {_short(course_title, 2 * TITLE_CHARS)}")
        self.course_button.setAccessibleName(
            _("Back to the course {title}").format(title=course_title)
        )
        self._request += 1
        request = self._request

        def load() -> _Loaded:
            lessons = self._lessons.lessons(course_id)
            done = self._learning.completed_lessons(course_id)
            lesson = next((item for item in lessons if item.id == lesson_id), None)
            if lesson is None and lessons and not lesson_id:
                lesson = lessons[0]
            if lesson is None:
                return _Loaded(request, course_id, lessons, done, None, [], {}, {})
            rendered = self._lessons.render(course_id, lesson)
            return _Loaded(
                request,
                course_id,
                lessons,
                done,
                rendered,
                self._lessons.playable(course_id, lesson),
                self._learning.answers(lesson.id),
                _read_images(rendered.images),
            )

        self._runner.submit(load, self._show)

    def close_lesson(self) -> None:
        """Show nothing (e.g. after a logout: answers are personal)."""
        self._request += 1
        self.course_id = None
        self.course_title = ""
        self.lesson = None
        self.course_lessons = []
        self.done = set()
        self.course_button.setText("")
        self.course_button.hide()
        self.title.clear()
        self.position.clear()
        self.points.clear()
        self.text.clear()
        self.text.hide()
        self.notice.hide()
        self.media.show_media("", [])
        self.exercises.clear()
        self.exercises.hide()
        for button in (self.done_button, self.forum_button, self.polls_button):
            button.hide()
        self.previous_button.hide()
        self.next_button.hide()

    def close(self) -> bool:
        """Show nothing (the page stays where it is; see close_lesson)."""
        self.close_lesson()
        return True

    def lesson_titles(self, course_id: str | None = None) -> list[tuple[str, str]]:
        """The shown course's lessons as (id, "N. title"), in order (for the forum's filter)."""
        if course_id is not None and course_id != self.course_id:
            return []
        return [(lesson.id, f"{lesson.position}. {lesson.title}") for lesson in self.course_lessons]

    def refresh_social(self) -> None:
        """What a sync may have changed (call it after each one): points, each card's
        supporter requests and shared work, whether its answer has reached the academy, and
        whether the lesson is done (perhaps on another device)."""
        self.exercises.refresh_social()
        course_id, lesson, request = self.course_id, self.lesson, self._request
        if course_id is None or lesson is None:
            return

        def load() -> tuple[set[str], dict[str, Answer]]:
            return self._learning.completed_lessons(course_id), self._learning.answers(lesson.id)

        def show(result: object) -> None:
            assert isinstance(result, tuple)
            done, answers = result
            if request != self._request or lesson is not self.lesson:
                return  # another lesson is shown meanwhile
            self.done = set(done)
            if self.done_button.isEnabled():  # not while the learner's own toggle is written
                self._show_done(lesson.id in self.done)
            for card in self.exercises.cards:
                answer = answers.get(card.exercise.id)
                if answer is not None:
                    card.show_saved(answer.sent)

        self._runner.submit(load, show)

    # -- showing a lesson ----------------------------------------------------------------------

    def _show(self, loaded: object) -> None:
        assert isinstance(loaded, _Loaded)
        if loaded.request != self._request or loaded.course_id != self.course_id:
            return  # the learner moved on (or logged out) meanwhile
        self.course_lessons = loaded.lessons
        self.done = set(loaded.done)
        self.course_button.show()
        rendered = loaded.rendered
        if rendered is None:
            self._show_empty()
            return
        lesson = rendered.lesson
        self.lesson = lesson
        index = next(i for i, item in enumerate(loaded.lessons) if item.id == lesson.id)
        self.title.setText(lesson.title)
        self.position.setText(
            _("Lesson {number} of {count}").format(
                number=formats.number(index + 1), count=formats.number(len(loaded.lessons))
            )
        )
        self.media.show_media(lesson.title, loaded.media)
        if any(m.media_key == self._player.media_key for m in loaded.media):
            playing = next(m for m in loaded.media if m.media_key == self._player.media_key)
            self.media.playing(playing)
        self.text.set_lesson(rendered.html, loaded.images, language=lesson.language)
        self.text.show()
        missing = len(rendered.missing_media) + sum(not m.available for m in loaded.media)
        self.notice.setText(_missing_note(missing))
        self.notice.setVisible(bool(missing))
        self.exercises.show_lesson(loaded.course_id, lesson, loaded.answers)
        self.exercises.show()
        self._show_done(lesson.id in self.done)
        for button in (self.done_button, self.forum_button, self.polls_button):
            button.show()
        self.done_button.setEnabled(True)
        self._show_neighbours(index)
        bar = self.scroll_area.verticalScrollBar()
        bar.setValue(0)
        if self._scroll_wanted is not None:
            # After this layout pass (the text's height is known only then): where they were.
            wanted, self._scroll_wanted = self._scroll_wanted, None
            QTimer.singleShot(0, lambda: bar.setValue(round(wanted * bar.maximum())))
        self.shown.emit(lesson.id)
        self.lesson_opened.emit(loaded.course_id, lesson.id)
        self.exercises.refresh_social()

    def _show_empty(self) -> None:
        self.lesson = None
        self.title.setText(self.course_title)
        self.position.clear()
        self.media.show_media("", [])
        self.text.set_lesson(f"<p>{_(NO_LESSONS)}</p>" if not self.course_lessons else "")
        self.text.setVisible(not self.course_lessons)
        self.notice.setText(
            ""
            if not self.course_lessons
            else _("This lesson is no longer in the course; choose another one in the course.")
        )
        self.notice.setVisible(bool(self.course_lessons))
        self.exercises.clear()
        self.exercises.hide()
        for button in (self.done_button, self.forum_button, self.polls_button):
            button.hide()
        self.previous_button.hide()
        self.next_button.hide()

    def _show_neighbours(self, index: int) -> None:
        lessons = self.course_lessons
        before = lessons[index - 1] if index > 0 else None
        after = lessons[index + 1] if index + 1 < len(lessons) else None
        self.previous_button.setVisible(before is not None)
        self.next_button.setVisible(after is not None)
        if before is not None:
            self.previous_button.setText(
                _("← P&revious: {title}").format(title=_short(before.title))
            )
            self.previous_button.setToolTip(f"{before.title} (Ctrl+PgUp)")
        if after is not None:
            self.next_button.setText(_("&Next: {title} →").format(title=_short(after.title)))
            self.next_button.setToolTip(f"{after.title} (Ctrl+PgDown)")

    def _show_points(self, social: object) -> None:
        assert isinstance(social, Social)
        self.points.setText(counted("★ {n} point", "★ {n} points", social.points.total))
        recent = [f"{label}: {amount:+d}" for label, amount, _when in social.points.recent]
        self.points.setToolTip(
            "\n".join(recent)
            or _("Points come from completing lessons, asking supporters and helping peers.")
        )
        self.social_shown.emit()

    # -- moving around -------------------------------------------------------------------------

    def _neighbour(self, step: int) -> None:
        if self.lesson is None or self.course_id is None or not self.isVisible():
            return
        ids = [lesson.id for lesson in self.course_lessons]
        index = ids.index(self.lesson.id) + step
        if 0 <= index < len(ids):
            self.open_lesson(self.course_id, self.course_title, ids[index])

    def _want_course(self) -> None:
        if self.course_id is not None:
            self.course_wanted.emit(self.course_id)

    def _want_forum(self) -> None:
        if self.course_id is not None:
            lesson_id = self.lesson.id if self.lesson is not None else ""
            self.forum_wanted.emit(self.course_id, self.course_title, lesson_id)

    def _want_polls(self) -> None:
        if self.course_id is not None:
            lesson_id = self.lesson.id if self.lesson is not None else ""
            self.polls_wanted.emit(self.course_id, self.course_title, lesson_id)

    def open_link(self, url: QUrl) -> None:
        """Only web and mail links, only because the learner clicked one."""
        if url.scheme() in WEB_SCHEMES:
            self.link_opened.emit(url)
            QDesktopServices.openUrl(url)

    # -- done ----------------------------------------------------------------------------------

    def _show_done(self, done: bool) -> None:
        self.done_button.setChecked(done)
        self.done_button.setText(_(DONE_UNDO) if done else _(MARK_DONE))
        self.done_button.setAccessibleDescription(
            _("This lesson is done; press to mark it not done") if done else ""
        )

    def _toggle_by_key(self) -> None:
        if self.done_button.isVisible() and self.done_button.isEnabled():
            self.done_button.click()

    def toggle_done(self) -> None:
        """Mark the lesson done, or take that back, as the button now says."""
        course_id, lesson = self.course_id, self.lesson
        if course_id is None or lesson is None:
            return
        done = self.done_button.isChecked()
        self.done_button.setEnabled(False)

        def write() -> None:
            if done:
                self._learning.complete_lesson(course_id, lesson.id)
            else:
                self._learning.reopen_lesson(course_id, lesson.id)

        def written(_result: object) -> None:
            if done:
                self.done.add(lesson.id)
            else:
                self.done.discard(lesson.id)
            if lesson is self.lesson:
                self._show_done(done)
                self.done_button.setEnabled(True)
            self.queued.emit()
            self.done_changed.emit(course_id, lesson.id, done)

        def failed(exc: BaseException) -> None:
            if lesson is self.lesson:
                self._show_done(not done)
                self.done_button.setEnabled(True)
                self.notice.setText(getattr(exc, "message", str(exc)))
                self.notice.show()

        self._runner.submit(write, written, failed)

    def complete_lesson(self) -> None:
        """Mark the lesson done (if it is not yet)."""
        if self.lesson is not None and not self.done_button.isChecked():
            self.done_button.click()

    # -- media ---------------------------------------------------------------------------------

    def play(self, medium: object) -> None:
        """Play a lesson medium in the window's player, from where the learner left it."""
        assert isinstance(medium, LessonMedium)
        self._runner.submit(
            lambda: self._learning.position(medium.media_key),
            lambda saved: self._start(medium, saved),
        )

    def _start(self, medium: LessonMedium, saved: object) -> None:
        assert saved is None or isinstance(saved, Playback)
        if medium not in self.media.media:
            return  # another lesson is shown meanwhile
        resume = 0
        if saved is not None and not (saved.played and saved.position_ms >= saved.duration_ms):
            resume = saved.position_ms
        output = self.media.video_output() if medium.is_video else None
        self._player.load(
            medium.file,
            medium.media_key,
            title=self.media.title(medium),
            resume_ms=resume,
            video_output=output,
        )
        self.media.playing(medium)
        self._player.play()

    def _player_loaded(self, media_key: str) -> None:
        if all(m.media_key != media_key for m in self.media.media):
            self.media.stopped()  # a podcast (or another lesson's medium) took the player


def _read_images(files: tuple[Path, ...]) -> dict[str, QImage]:
    """The lesson's images, read and scaled to the column (worker: a QImage is not bound to
    the UI thread, unlike a QPixmap)."""
    found = {}
    for file in files:
        image = QImage(str(file))
        if image.isNull():
            continue  # not an image Qt can read: the text keeps its alt text
        if image.width() > MAX_IMAGE_WIDTH:
            image = image.scaledToWidth(MAX_IMAGE_WIDTH, Qt.TransformationMode.SmoothTransformation)
        found[str(file)] = image
    return found
