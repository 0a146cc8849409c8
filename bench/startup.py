"""Benchmark: cold start of Samen to its main window shown, and its idle memory, next to a bare
PySide6 window measured in the same run. Main thread of the bench process; every start is a
fresh child process (bench/startup_probe.py).

Usage: .venv/bin/python -m bench.startup [--courses 50] [--episodes 500] [--actions 10000]
                                         [--runs 5] [--rss-runs 3] [--idle 10] [--offscreen]
   or: .venv/bin/python bench/startup.py [...]               (both from the repository root)

1. Set-up (timed and printed apart): a private D-Bus session with an unlocked gnome-keyring
   (tests/keyring_service.py, the Secret Service the product uses on Linux desktops) holds the
   login token, so a fresh process starts logged in through the real keyring path. The data
   folder gets --courses courses downloaded from the real demo server, a podcast of
   --episodes episodes and --actions pending outbox actions (bench/data_folder.py).
2. With the server running, one start of a copy of the folder (a start syncs the outbox, so the
   copy keeps the measured folder's backlog): shown, and its first refresh (a full sync).
3. The server is stopped (the app starts offline in the field and must not wait on the
   network), then --runs starts of each, bare window and Samen alternating. Before each the
   page cache is dropped (`sync; echo 3 > /proc/sys/vm/drop_caches`) when the kernel allows
   it; otherwise the output says "warm page cache, fresh process".
4. Idle memory: --rss-runs starts of each in idle mode: after the first refresh has finished
   and --idle seconds more, the parent reads VmRSS and VmHWM from /proc/PID/status.

Time is from just before `subprocess.Popen` to the first Paint event of the QMainWindow, both
read from CLOCK_MONOTONIC. Prints medians, every run, the ratios to the bare window of the
window shown and of the first usable Home (target: at most 2x each), and the idle RSS (target:
under 120 MB). MB = 2^20 bytes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository root is not on sys.path yet
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.data_folder import DataFolder, Sizes, build
from bench.screen import REPO_ROOT, Screen, environment, screen
from desktop.demo_server import DEMO_USER
from desktop.store.vault import TokenVault
from tests import keyring_service

MB = 1024 * 1024
TARGET_RATIO = 2.0
TARGET_RSS_MB = 120.0
START_TIMEOUT_S = 120.0


@dataclass
class Start:
    shown_s: float
    usable_s: float | None = None  # Samen: Home lists the learner's courses
    attached_s: float | None = None  # Samen: the pages built (the shell was painted first)
    refreshed_s: float | None = None
    rss: int = 0  # bytes, VmRSS after the idle wait
    hwm: int = 0  # bytes, VmHWM (peak RSS) at the same moment
    logged_in: bool | None = None


@dataclass
class Figures:
    """What bench/app_figures.py prints in its summary."""

    platform: str
    cache: str
    keyring: str
    setup_s: dict[str, float]
    bare: list[Start] = field(default_factory=list)
    samen: list[Start] = field(default_factory=list)
    bare_idle: list[Start] = field(default_factory=list)
    samen_idle: list[Start] = field(default_factory=list)
    online: Start | None = None

    @property
    def ratio(self) -> float:
        return median_shown(self.samen) / median_shown(self.bare)

    @property
    def usable_ratio(self) -> float | None:
        usable = [s.usable_s for s in self.samen if s.usable_s is not None]
        return statistics.median(usable) / median_shown(self.bare) if usable else None

    @property
    def samen_rss_mb(self) -> float:
        return statistics.median(s.rss for s in self.samen_idle) / MB


def median_shown(starts: list[Start]) -> float:
    return statistics.median(s.shown_s for s in starts)


def drop_page_cache() -> bool:
    """True when the kernel dropped its page cache (root outside a container, usually)."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n", encoding="ascii")
    except OSError:
        return False
    return True


def proc_status(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process, in bytes."""
    values: dict[str, int] = {}
    with Path(f"/proc/{pid}/status").open(encoding="ascii") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    return values["VmRSS"], values["VmHWM"]


def start(
    kind: str, data_dir: Path | None, env: dict[str, str], idle_s: float | None, log: Path
) -> Start:
    """One fresh process of the probe; returns when it has exited."""
    command = [sys.executable, "-m", "bench.startup_probe", kind]
    if data_dir is not None:
        command.append(str(data_dir))
    if idle_s is not None:
        command += ["--idle", str(idle_s)]
    with log.open("ab") as errors:
        began = time.monotonic()
        child = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        )
        assert child.stdout is not None
        result: Start | None = None
        try:
            for line in child.stdout:
                word, *rest = line.split()
                if word == "SHOWN":
                    result = Start(shown_s=float(rest[1]) - began)
                    if idle_s is None and kind == "bare":
                        break
                elif word == "USABLE" and result is not None:
                    result.usable_s = float(rest[1]) - began
                elif word == "ATTACHED" and result is not None:
                    result.attached_s = float(rest[1]) - began
                elif word == "REFRESHED" and result is not None:
                    result.refreshed_s = float(rest[1]) - began
                    result.logged_in = rest[2] == "logged_in=True"
                    if idle_s is None:
                        break
                elif word == "IDLE" and result is not None:
                    result.rss, result.hwm = proc_status(int(rest[0]))
                    break
            child.stdout.close()
            code = child.wait(timeout=START_TIMEOUT_S)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    if result is None or code != 0:
        raise SystemExit(f"{kind} start failed (exit {code}); its stderr is in {log}")
    return result


@contextmanager
def secret_service(home: Path) -> Iterator[dict[str, str]]:
    """A private unlocked gnome-keyring; this process's keyring uses it too while open."""
    with keyring_service.secret_service(home) as env, environment(env):
        yield env


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def measure(
    folder: DataFolder, chosen: Screen, root: Path, runs: int, rss_runs: int, idle_s: float
) -> tuple[Figures, Path]:
    env = {**os.environ, **chosen.env}
    env.pop("SAMEN_DATA_DIR", None)
    log = root / "probe-stderr.log"
    vault = TokenVault()
    figures = Figures(chosen.description, "", vault.backend_name, dict(folder.seconds))

    say("one start with the server running (on a copy of the folder)…")
    online_dir = root / "client-online"
    shutil.copytree(folder.data_dir, online_dir)
    drop_page_cache()
    figures.online = start("samen", online_dir, env, 0.0, log)
    shutil.rmtree(online_dir)
    folder.server.stop()

    dropped = True
    for i in range(runs):
        say(f"cold start {i + 1}/{runs} (bare window, then Samen)…")
        dropped = drop_page_cache() and dropped
        figures.bare.append(start("bare", None, env, None, log))
        dropped = drop_page_cache() and dropped
        figures.samen.append(start("samen", folder.data_dir, env, None, log))
    figures.cache = (
        "page cache dropped before each start" if dropped else "warm page cache, fresh process"
    )
    for i in range(rss_runs):
        say(f"idle memory {i + 1}/{rss_runs} ({idle_s:.0f} s idle each)…")
        figures.bare_idle.append(start("bare", None, env, idle_s, log))
        figures.samen_idle.append(start("samen", folder.data_dir, env, idle_s, log))
    return figures, log


def run(sizes: Sizes, runs: int, rss_runs: int, idle_s: float, prefer_xcb: bool) -> Figures:
    with tempfile.TemporaryDirectory(prefix="samen-bench-startup-") as tmp:
        root = Path(tmp)
        with screen(prefer_xcb) as chosen, secret_service(root / "home"):
            vault = TokenVault()
            if not vault.persistent:
                raise SystemExit("the private gnome-keyring is not usable: " + vault.reason)
            folder = build(root, sizes, vault)
            try:
                # A fresh vault has nothing in memory: it reads the keyring, as a fresh
                # process will.
                if TokenVault().load(folder.server.url, DEMO_USER) is None:
                    raise SystemExit("the login token did not reach the keyring")
                figures, _log = measure(folder, chosen, root, runs, rss_runs, idle_s)
            finally:
                folder.server.stop()
    return figures


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def report(figures: Figures, sizes: Sizes) -> None:
    print(
        f"Start-up: {sizes.courses} downloaded courses, {sizes.episodes} podcast episodes, "
        f"{sizes.actions:,} pending actions"
    )
    print(f"platform: {figures.platform}; token in {figures.keyring}")
    print("set-up (once, not part of any start):")
    for step, seconds in figures.setup_s.items():
        print(f"  {step:46} {seconds:7.1f} s")
    if figures.online is not None:
        online = figures.online
        refreshed = ms(online.refreshed_s) if online.refreshed_s is not None else "-"
        print(
            f"server running, one start: shown {ms(online.shown_s)}, first refresh (a full sync "
            f"of the outbox) done {refreshed}, logged in: {online.logged_in}"
        )
    if figures.samen:
        report_start(figures)
    if figures.samen_idle:
        report_rss(figures)


def report_start(figures: Figures) -> None:
    bare, samen = median_shown(figures.bare), median_shown(figures.samen)
    print(
        f"cold start to the window shown, server stopped, median of {len(figures.samen)} "
        f"({figures.cache}):"
    )
    print(f"  bare PySide6 window {ms(bare):>10}   runs: " + runs_text(figures.bare))
    print(f"  Samen               {ms(samen):>10}   runs: " + runs_text(figures.samen))
    verdict = "met" if figures.ratio <= TARGET_RATIO else "MISSED"
    print(f"  ratio {figures.ratio:.2f}x (target at most {TARGET_RATIO:.0f}x: {verdict})")
    usable = [s.usable_s for s in figures.samen if s.usable_s is not None]
    if usable and figures.usable_ratio is not None:
        verdict = "met" if figures.usable_ratio <= TARGET_RATIO else "MISSED"
        print(
            f"  first usable Home (courses listed) {ms(statistics.median(usable))}   runs: "
            + " ".join(f"{u * 1000:.0f}" for u in usable)
        )
        print(
            f"  usable ratio {figures.usable_ratio:.2f}x "
            f"(target at most {TARGET_RATIO:.0f}x: {verdict})"
        )
    attached = [s.attached_s for s in figures.samen if s.attached_s is not None]
    refreshed = [s.refreshed_s for s in figures.samen if s.refreshed_s is not None]
    if attached and refreshed:
        print(
            '  Samen is first painted as its shell ("Opening your courses…"); same starts: '
            f"pages built {ms(statistics.median(attached))}, lists filled by the first "
            f"(offline) refresh {ms(statistics.median(refreshed))} (medians)"
        )


def report_rss(figures: Figures) -> None:
    print(f"idle memory after the first refresh + idle wait, median of {len(figures.samen_idle)}:")
    for name, starts in (("bare PySide6 window", figures.bare_idle), ("Samen", figures.samen_idle)):
        rss = statistics.median(s.rss for s in starts) / MB
        hwm = statistics.median(s.hwm for s in starts) / MB
        print(f"  {name:19} VmRSS {rss:6.1f} MB  VmHWM {hwm:6.1f} MB")
    verdict = "met" if figures.samen_rss_mb < TARGET_RSS_MB else "MISSED"
    print(f"  target: under {TARGET_RSS_MB:.0f} MB: {verdict}")
    offline = [s.refreshed_s for s in figures.samen_idle if s.refreshed_s is not None]
    print(
        f"  Samen's first refresh (offline) done {ms(statistics.median(offline))} after spawn "
        "(warm page cache)"
    )
    logged = {s.logged_in for s in figures.samen_idle}
    print(f"  Samen opened logged in (course list, no login dialog): {logged == {True}}")


def runs_text(starts: list[Start]) -> str:
    return " ".join(f"{s.shown_s * 1000:.0f}" for s in starts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--courses", type=int, default=50)
    parser.add_argument("--episodes", type=int, default=500)
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rss-runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds idle before RSS")
    parser.add_argument("--offscreen", action="store_true", help="do not try Xvfb")
    args = parser.parse_args(argv)
    if not keyring_service.available():
        print("needs dbus-daemon and gnome-keyring-daemon on PATH", file=sys.stderr)
        return 1
    sizes = Sizes(args.courses, args.episodes, args.actions)
    figures = run(sizes, args.runs, args.rss_runs, args.idle, not args.offscreen)
    report(figures, sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
