"""Benchmark: the longest stall of the UI thread while the real main window syncs a backlog and
downloads a 200 MB course. Main (UI) thread of the bench process, which runs the window;
the app's own worker threads do the sync and the download.

Usage: .venv/bin/python -m bench.main_thread [--media-mb 200] [--actions 3000] [--repeat 3]
                                             [--offscreen]
   or: .venv/bin/python bench/main_thread.py [...]           (both from the repository root)

Set-up (not measured): a course with one --media-mb file (bench/downloads.py writes and imports
it with `samen-server course import`), the real demo server on loopback, a client Core logged in
(session-only token) with the catalogue fetched and --actions pending outbox actions.

Measured: the real main window (`desktop.app.create_window`, with the app's TaskRunner and its
main-thread garbage collector, as `run_gui` builds them) is shown; a second later the bench
triggers the window's "Sync now" action and `MainWindow.download_course`, as the learner would,
and runs the event loop until the download queue has run dry, the sync window (and the refresh
the finished download starts) is over, the worker pool is idle, and half a second more.
A precise 5 ms QTimer beats on the UI thread all along; each gap between two beats beyond the
interval is time the thread could not react. Prints the largest stall (target: under 50 ms),
the p99 gap, the number of gaps over 16 ms (a missed frame) and over 50 ms, and when the worst
ones happened. --repeat runs in the same window: the outbox is refilled and the course's media
removed between runs.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository root is not on sys.path yet
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keyring.backends import fail
from PySide6.QtCore import QEventLoop, Qt, QTimer

from bench.data_folder import fill_outbox
from bench.downloads import COURSE_ID, MB, import_course, make_course
from bench.screen import in_this_process, screen
from desktop.app import application, create_window
from desktop.core import Core, build_core
from desktop.demo_server import DEMO_PASSWORD, DEMO_USER, start_demo_server
from desktop.paths import resolve_paths
from desktop.store.vault import TokenVault
from desktop.ui.collector import MainThreadCollector
from desktop.ui.main_window import MainWindow
from desktop.ui.tasks import TaskRunner

BEAT_MS = 5
TARGET_STALL_MS = 50.0
SETTLE_MS = 1000  # after show: the first layout and paint are start-up, not this figure
TAIL_MS = 500
TIMEOUT_S = 300.0


@dataclass
class Run:
    """One sync plus download under the heartbeat."""

    acked: int
    seconds: float
    gaps_ms: list[float]
    worst: list[tuple[float, float]]  # (gap ms, when: s after the trigger)

    @property
    def stall_ms(self) -> float:
        return max(self.gaps_ms) - BEAT_MS

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.gaps_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]

    def over(self, ms: float) -> int:
        return sum(1 for gap in self.gaps_ms if gap > ms)


@dataclass
class Figures:
    platform: str
    media_mb: int
    actions: int
    runs: list[Run]

    @property
    def stall_ms(self) -> float:
        return max(r.stall_ms for r in self.runs)


class Heartbeat:
    """Stamps each timeout of a precise timer; gaps are computed after the run."""

    def __init__(self) -> None:
        self.beats: list[float] = []
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(BEAT_MS)
        self._timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        self.beats.append(time.perf_counter())

    def start(self) -> None:
        self.beats.append(time.perf_counter())
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def run_window(window: MainWindow, runner: TaskRunner) -> tuple[Heartbeat, float, float]:
    """Trigger sync and download; run the loop until both are over. Returns the heartbeat, the
    trigger's perf_counter and the seconds until done."""
    downloaded = False

    def on_finished() -> None:
        nonlocal downloaded
        downloaded = True

    assert window.pages is not None  # attached by create_window
    downloads = window.pages.sync_page().downloads  # Sync & storage's Downloads
    downloads.finished.connect(on_finished)
    heart = Heartbeat()
    heart.start()
    wait(200)  # a baseline of quiet beats before the work starts
    triggered = time.perf_counter()
    window.sync_action.trigger()
    window.download_course(COURSE_ID)
    loop = QEventLoop()

    def check() -> None:
        if time.perf_counter() - triggered > TIMEOUT_S:
            loop.quit()
        if downloaded and not window.refreshing and runner.running == 0:
            loop.quit()

    poll = QTimer()
    poll.setInterval(50)
    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    done = time.perf_counter() - triggered
    wait(TAIL_MS)
    heart.stop()
    downloads.finished.disconnect(on_finished)
    if not downloaded:
        raise SystemExit(f"the download did not finish within {TIMEOUT_S:.0f} s")
    return heart, triggered, done


def measure(
    core: Core, client_id: str, window: MainWindow, runner: TaskRunner, actions: int
) -> Run:
    """Refill the outbox, run once, then put the course back to not downloaded."""
    fill_outbox(core, client_id, actions)
    heart, triggered, seconds = run_window(window, runner)
    acked = actions - core.queue.waiting_count()
    core.downloads.remove_course_media(COURSE_ID)
    core.downloads.forget_finished()
    beats = heart.beats
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(beats)]
    worst = sorted(((gap, beats[i + 1] - triggered) for i, gap in enumerate(gaps)), reverse=True)
    return Run(acked, seconds, gaps, worst[:5])


def run(media_mb: int, actions: int, repeat: int, prefer_xcb: bool) -> Figures:
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="samen-bench-stall-") as tmp:
        root = Path(tmp)
        print(f"writing and importing a {media_mb} MB course…", file=sys.stderr, flush=True)
        make_course(root / "source", media_mb * MB)
        import_course(root / "server", root / "source")
        server = start_demo_server(root / "server", extra_args=("--sync-rate", "0"))
        vault = TokenVault(fail.Keyring())  # type: ignore[no-untyped-call]
        core = build_core(resolve_paths(root / "client"), vault=vault)
        try:
            account = core.session.login(server.url, DEMO_USER, DEMO_PASSWORD)
            core.catalogue.refresh()
            with screen(prefer_xcb) as chosen, in_this_process(chosen):
                app = application([sys.argv[0]])
                collector = MainThreadCollector(app)
                runner = TaskRunner(app)
                window = create_window(core, runner)
                window.show()
                wait(SETTLE_MS)
                for i in range(repeat):
                    say(f"sync and download {i + 1}/{repeat}, the heartbeat running…")
                    runs.append(measure(core, account.client_id, window, runner, actions))
                window.close()
                runner.wait_idle()
                collector.close()
        finally:
            core.close()
            server.stop()
    return Figures(chosen.description, media_mb, actions, runs)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def report(figures: Figures) -> None:
    print(
        f"UI thread during a full sync of {figures.actions:,} actions and a "
        f"{figures.media_mb} MB download, {len(figures.runs)} runs "
        f"(platform: {figures.platform}; heartbeat every {BEAT_MS} ms)"
    )
    for n, r in enumerate(figures.runs, 1):
        print(
            f"  run {n}: done after {r.seconds:.1f} s, {r.acked:,} acked; {len(r.gaps_ms):,} gaps: "
            f"largest stall {r.stall_ms:.1f} ms, p99 gap {r.p99_ms:.1f} ms, "
            f"> 16 ms: {r.over(16)}, > 50 ms: {r.over(50)}"
        )
        print(
            "         worst gaps (ms @ s after the trigger): "
            + ", ".join(f"{gap:.0f} @ {when:.2f}" for gap, when in r.worst)
        )
    verdict = "met" if figures.stall_ms < TARGET_STALL_MS else "MISSED"
    print(
        f"  largest stall over all runs {figures.stall_ms:.1f} ms "
        f"(target under {TARGET_STALL_MS:.0f} ms: {verdict})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--media-mb", type=int, default=200)
    parser.add_argument("--actions", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--offscreen", action="store_true", help="do not try Xvfb")
    args = parser.parse_args(argv)
    report(run(args.media_mb, args.actions, args.repeat, not args.offscreen))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
