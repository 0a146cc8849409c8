"""Where the app benchmarks show their windows: a real X server (Xvfb, Qt's xcb plugin) when
one can be started, else Qt's offscreen platform. Main thread of the bench process.

One Xvfb serves the whole run, so no start-up of an X server is ever timed and every window
(the app's and the bare one) is drawn by the same platform plugin.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests import display

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Screen:
    platform: str  # "xcb" or "offscreen"
    env: dict[str, str]  # QT_QPA_PLATFORM, and DISPLAY for xcb

    @property
    def description(self) -> str:
        if self.platform == "xcb":
            return f"xcb on Xvfb ({self.env['DISPLAY']}, 1280x800x24)"
        return "offscreen (no X server could be started)"


def _works(env: dict[str, str]) -> bool:
    """A bare window can be shown on this platform (libxcb-cursor and friends present)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.startup_probe", "bare"],
            env={**os.environ, **env},
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0 and done.stdout.startswith("SHOWN")


@contextmanager
def screen(prefer_xcb: bool = True) -> Iterator[Screen]:
    with ExitStack() as stack:
        if prefer_xcb and display.available():
            try:
                env = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": stack.enter_context(display.xvfb())}
            except (OSError, RuntimeError):
                env = {}
            if env and _works(env):
                yield Screen("xcb", env)
                return
        yield Screen("offscreen", {"QT_QPA_PLATFORM": "offscreen"})


@contextmanager
def in_this_process(chosen: Screen) -> Iterator[None]:
    """Point this process's Qt at the chosen platform (before its QApplication exists)."""
    with environment(chosen.env):
        yield


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """These environment variables in this process while open; the old values after."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
