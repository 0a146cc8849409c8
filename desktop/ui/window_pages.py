"""The main window's pages: how each is made (when first shown) and wired to the window, and
what each is told after a sync or a local write. UI thread.

Pages ask for navigation through their signals; this is the one place that connects those
signals to the window, so a page never knows another page.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import shiboken6

from desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from desktop.services.overview import Overview
    from desktop.ui.course_removal_actions import CourseRemovalActions
    from desktop.ui.main_window import MainWindow
    from desktop.ui.page_stack import PageStack
    from desktop.ui.pages.course_page import CoursePage
    from desktop.ui.pages.courses import CoursesPage
    from desktop.ui.pages.home import HomePage
    from desktop.ui.pages.lesson_page import LessonPage
    from desktop.ui.pages.podcasts import PodcastsPage
    from desktop.ui.pages.sync_storage import SyncStoragePage
    from desktop.ui.window_services import WindowServices


class WindowPages:
    def __init__(self, window: MainWindow, services: WindowServices, runner: TaskRunner) -> None:
        self._window = window
        self._services = services
        self._runner = runner
        self._stack: PageStack | None = None
        # Podcast feeds are updated after each sync even while the Podcasts page was never
        # opened (Home lists new episodes); long transfers run on their own pool.
        self._transfers = TaskRunner(window, max_threads=1)
        self._podcast_cancel = threading.Event()
        self._updating_podcasts = False
        self._removal_actions: CourseRemovalActions | None = None

    def register_all(self, stack: PageStack) -> None:
        self._stack = stack
        stack.register("courses", self._make_courses)
        stack.register("course", self._make_course, place="courses")
        stack.register("lesson", self._make_lesson, place="courses")
        stack.register("podcasts", self._make_podcasts)
        stack.register("sync", self._make_sync)

    def _built(self, name: str) -> Any:
        assert self._stack is not None
        page = self._stack.built(name)
        # Gone with a closed window: what a worker read for it meanwhile is dropped.
        return page if page is not None and shiboken6.isValid(page) else None

    def _page(self, name: str) -> Any:
        assert self._stack is not None
        return self._stack.page(name)

    def courses_page(self) -> CoursesPage:
        return self._page("courses")  # type: ignore[no-any-return]

    def course_page(self) -> CoursePage:
        return self._page("course")  # type: ignore[no-any-return]

    def lesson_page(self) -> LessonPage:
        return self._page("lesson")  # type: ignore[no-any-return]

    def podcasts_page(self) -> PodcastsPage:
        return self._page("podcasts")  # type: ignore[no-any-return]

    def sync_page(self) -> SyncStoragePage:
        return self._page("sync")  # type: ignore[no-any-return]

    # -- making the pages ----------------------------------------------------------------------

    def wire_home(self, page: HomePage) -> None:
        """Home was made with the shell; now it gets its service and its ways out."""
        window = self._window
        page.set_service(self._services.home)
        page.course_requested.connect(window.open_course)
        page.lesson_requested.connect(self._continue_lesson)
        page.episode_requested.connect(window.play_episode)
        page.section_requested.connect(window.open_course)
        page.courses_wanted.connect(lambda: window.go("courses"))
        page.podcasts_wanted.connect(lambda: window.go("podcasts"))
        page.reload()

    def _make_courses(self) -> CoursesPage:
        from desktop.ui.pages.courses import CoursesPage

        window = self._window
        page = CoursesPage(self._runner, self._services.covers)
        page.download_requested.connect(window.download_course)
        page.open_requested.connect(window.open_course)
        page.continue_requested.connect(self._continue_course)
        page.export_requested.connect(window.pack_actions.export_course)
        page.free_space_requested.connect(self._free_space)
        page.remove_requested.connect(self._remove_course)
        if window.overview is not None:
            page.set_entries(window.overview.library)
        self._read_standings()
        return page

    def _make_course(self) -> CoursePage:
        from desktop.ui.pages.course_page import CoursePage

        s = self._services
        page = CoursePage(
            s.catalogue,
            s.lessons,
            s.learning,
            s.forum,
            s.polls,
            s.peer,
            s.supporters,
            self._window.player,
            self._runner,
        )
        page.lesson_requested.connect(self._window.open_lesson)
        page.queued.connect(self._window.recount)
        return page

    def _make_lesson(self) -> LessonPage:
        from desktop.ui.pages.lesson_page import LessonPage

        s = self._services
        window = self._window
        page = LessonPage(
            s.lessons, s.learning, s.supporters, s.peer, window.player, self._runner, s.media_root
        )
        page.queued.connect(window.recount)
        page.course_wanted.connect(window.open_course)
        page.forum_wanted.connect(window.show_forum)
        page.polls_wanted.connect(window.show_polls)
        page.lesson_opened.connect(self._note_lesson)
        page.done_changed.connect(self._done_changed)
        return page

    def _continue_lesson(self, course_id: str, lesson_id: str) -> None:
        """Home's Continue: the lesson, as far down as the learner had read it."""
        home = self._window.home_page.home
        place = home.place if home is not None else None
        same = place is not None and (place.course_id, place.lesson_id) == (course_id, lesson_id)
        self._window.open_lesson(course_id, lesson_id, place.scroll if same and place else None)

    def note_lesson_left(self, runner: TaskRunner) -> None:
        """The learner leaves the lesson page: remember how far down they were."""
        page = self._built("lesson")
        if page is None or page.course_id is None or page.lesson is None:
            return
        course_id, lesson_id, scroll = page.course_id, page.lesson.id, page.scroll_fraction()
        home = self._services.home
        # Home is read again once it is written (Home may be what the learner goes to).
        runner.submit(
            lambda: home.note_lesson(course_id, lesson_id, scroll),
            lambda _done: self._reload_home(),
        )

    def _reload_home(self) -> None:
        home = self._window.home_page
        if shiboken6.isValid(home):  # not after the window closed
            home.reload()

    def _note_lesson(self, course_id: str, lesson_id: str) -> None:
        """Where the learner is: Home offers to continue there, the window reopens there."""
        home = self._services.home
        self._runner.submit(lambda: home.note_lesson(course_id, lesson_id))
        self._window.remember_place(f"lesson:{course_id}:{lesson_id}")

    def _done_changed(self, _course_id: str, _lesson_id: str, _done: bool) -> None:
        course = self._built("course")
        if course is not None:
            course.refresh()

    def _make_podcasts(self) -> PodcastsPage:
        from desktop.ui.pages.podcasts import PodcastsPage

        page = PodcastsPage(self._services.podcasts, self._window.player, self._runner)
        page.downloads_changed.connect(self._downloads_changed)
        page.reload()
        return page

    def _make_sync(self) -> SyncStoragePage:
        from desktop.ui.pages.sync_storage import SyncStoragePage

        s = self._services
        window = self._window
        page = SyncStoragePage(s.queue, s.downloads, s.storage, self._runner)
        page.downloads.titles = window.titles  # the same dict, kept current by the window
        page.changed.connect(window.refresh)
        page.changed.connect(window.indicator.recount)
        page.sync_wanted.connect(window.refresh)
        page.downloads.finished.connect(window.refresh)
        page.downloads.course_label.connect(self._show_download)
        page.reload()
        return page

    # -- what pages are told -------------------------------------------------------------------

    def shown(self, name: str) -> None:
        """A page came to the front: re-read what may be stale on it."""
        page = self._built(name)
        if name == "home" and page is not None:
            page.reload()

    def after_sync(self, overview: Overview) -> None:
        courses = self._built("courses")
        if courses is not None:
            courses.set_entries(overview.library)
        self._read_standings()
        for name, method in (
            ("home", "reload"),
            ("course", "refresh"),
            ("lesson", "refresh_social"),
            ("sync", "reload"),
        ):
            page = self._built(name)
            if page is not None:
                getattr(page, method)()

    def queue_changed(self) -> None:
        sync = self._built("sync")
        if sync is not None:
            sync.reload()

    def update_podcasts(self) -> None:
        page = self._built("podcasts")
        if page is not None:
            page.background_update()
            return
        if self._updating_podcasts:
            return
        self._updating_podcasts = True
        cancel = self._podcast_cancel = threading.Event()
        podcasts = self._services.podcasts
        self._transfers.submit(
            lambda: podcasts.update(cancel=cancel), self._podcasts_updated, self._podcasts_failed
        )

    def _podcasts_updated(self, _report: object) -> None:
        self._updating_podcasts = False
        self._downloads_changed()
        home = self._built("home")
        if home is not None:
            home.reload()  # new episodes are news

    def _podcasts_failed(self, _exc: BaseException) -> None:
        self._updating_podcasts = False  # said on the Podcasts page when it is opened

    def _downloads_changed(self) -> None:
        sync = self._built("sync")
        if sync is not None:
            sync.reload()

    def _show_library(self, library: object) -> None:
        assert isinstance(library, list)
        courses = self._built("courses")
        if courses is not None:
            courses.set_entries(library)
        self._read_standings()

    def _read_standings(self) -> None:
        overview = self._window.overview
        if overview is None:
            return
        course_ids = [entry.course.id for entry in overview.library]
        standing = self._services.standing
        self._runner.submit(lambda: standing.standings(course_ids), self._show_standings)

    def _show_standings(self, standings: object) -> None:
        assert isinstance(standings, dict)
        courses = self._built("courses")
        if courses is not None:
            courses.set_standings(standings)

    def _show_download(self, course_id: str, label: str) -> None:
        courses = self._built("courses")
        if courses is not None:
            courses.show_download(course_id, label or None)

    def _continue_course(self, course_id: str) -> None:
        self._window.open_course(course_id)

    def _removal(self) -> CourseRemovalActions:
        if self._removal_actions is None:
            from desktop.ui.course_removal_actions import CourseRemovalActions

            actions = CourseRemovalActions(self._services.removal, self._runner, self._window)
            actions.finished.connect(lambda words: self._window.statusBar().showMessage(words))
            actions.changed.connect(self._library_changed)
            self._removal_actions = actions
        return self._removal_actions

    def _free_space(self, course_id: str) -> None:
        self._removal().free_space(course_id, self._window.titles.get(course_id, ""))

    def _remove_course(self, course_id: str) -> None:
        self._removal().remove(course_id, self._window.titles.get(course_id, ""))

    def _library_changed(self) -> None:
        """A course was freed or removed: the lists are read again from this computer (a
        sync is not needed for that, and its words would cover the sentence just said)."""
        catalogue = self._services.catalogue
        self._runner.submit(catalogue.library, self._show_library)
        home = self._built("home")
        if home is not None:
            home.reload()
        sync = self._built("sync")
        if sync is not None:
            sync.reload()

    def forget_learner(self) -> None:
        for name, method in (("lesson", "close"), ("podcasts", "reload"), ("course", "clear")):
            page = self._built(name)
            if page is not None:
                getattr(page, method)()
        self._show_standings({})  # progress and points are the learner's own

    def before_close(self) -> None:
        self._podcast_cancel.set()
        podcasts = self._built("podcasts")
        if podcasts is not None:
            podcasts.stop_all()

    def wait_idle(self, msecs: int) -> None:
        self._transfers.wait_idle(msecs)
        podcasts = self._built("podcasts")
        if podcasts is not None:
            podcasts.wait_idle(msecs)
