"""A last-resort watchdog for a test that hangs where pytest-timeout cannot reach it.

pytest-timeout runs with its signal method, so a slow test fails alone and the run goes on.
A signal handler only runs between Python bytecodes, though: a test stuck inside C++ (Qt,
QtMultimedia, a blocking C call) never sees it. This plugin gives every test a watchdog
thread that, long after the test's own timeout, dumps every thread's stack and ends the
process, so a hung run still ends with a reason. It runs on a timer thread of its own.
"""

from __future__ import annotations

import faulthandler
import os
import sys
import threading
from collections.abc import Iterator

import pytest

# How much longer than its own timeout a test may run before the watchdog ends the run.
GRACE_FACTOR = 3.0
GRACE_S = 60.0


def limit_of(item: pytest.Item) -> float | None:
    """The test's pytest-timeout limit in seconds (its marker, else the ini value); None: no
    limit (0 or unset)."""
    marker = item.get_closest_marker("timeout")
    raw: object = None
    if marker is not None:
        raw = marker.args[0] if marker.args else marker.kwargs.get("timeout")
    if raw is None:
        raw = item.config.getini("timeout")
    try:
        seconds = float(str(raw))
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def _end_the_run(config: pytest.Config, nodeid: str, after: float) -> None:
    # pytest holds stderr in a capture file that os._exit would throw away: let it go first.
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        capture.suspend_global_capture(in_=True)
    sys.stderr.write(
        f"\n+++ {nodeid} still runs {after:.0f} s after it started, past its timeout: it is "
        "stuck outside Python. Every thread's stack follows; the run ends here. +++\n"
    )
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    sys.stderr.flush()
    os._exit(1)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    limit = limit_of(item)
    timer: threading.Timer | None = None
    if limit is not None:
        after = limit * GRACE_FACTOR + GRACE_S
        timer = threading.Timer(after, _end_the_run, args=(item.config, item.nodeid, after))
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
