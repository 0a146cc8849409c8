"""A real headless browser for tests of the academy's web pages: Debian's Chromium driven by
Playwright (which never downloads a browser of its own here). Test thread only.

Chromium is started the way this machine's closed network needs: no background networking,
no component updates, no first-run, a fresh profile per use."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless=new",
    "--no-sandbox",  # tests run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> Path | None:
    found = CHROMIUM if CHROMIUM.exists() else None
    which = shutil.which("chromium")
    return found or (Path(which) if which else None)


@contextmanager
def browser_page(profile: Path) -> Iterator[Page]:
    """One page in a fresh headless Chromium; closed with everything it opened."""
    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Debian's chromium is missing; scripts/setup.sh dev installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(executable),
            headless=True,
            args=FLAGS,
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()
