"""Benchmark: reading big podcast feeds into the library, and listing it for the Podcasts tab.

Usage: .venv/bin/python bench/podcast_library.py [--episodes 100 1000 3000] [--runs 3]

For each size, a generated RSS feed (with show notes, itunes:duration and Podcasting 2.0
chapters/transcript tags on every item) is served by a loopback HTTP server; the bench times
`PodcastService.subscribe` (fetch + feedparser + the Podcasting 2.0 pass + one transaction to
store every episode), a conditional refresh (HTTP 304), and `PodcastService.episodes()` (what
the Podcasts tab reads, with listening positions), in a real data folder. Prints a line per
size with the median of the runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from email.utils import formatdate
from pathlib import Path

from keyring.backends import fail

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop.core import build_core
from desktop.paths import resolve_paths
from desktop.store.vault import TokenVault
from tests.web_host import WebHost

NS = "https://podcastindex.org/namespace/1.0"


def feed(episodes: int, base: str) -> bytes:
    notes = "Een aflevering over samen leren, met tips en vragen. " * 8
    items = "".join(
        f"<item><title>Aflevering {n}</title><guid>ep-{n}</guid>"
        f"<pubDate>{formatdate(1_600_000_000 + n * 86_400, usegmt=True)}</pubDate>"
        f"<description>{notes}</description><itunes:duration>31:{n % 60:02d}</itunes:duration>"
        f'<enclosure url="{base}/audio/{n}.mp3" type="audio/mpeg" length="{30_000_000 + n}"/>'
        f'<podcast:chapters url="{base}/c/{n}.json" type="application/json+chapters"/>'
        f'<podcast:transcript url="{base}/t/{n}.vtt" type="text/vtt"/></item>'
        for n in range(episodes)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        f'xmlns:podcast="{NS}"><channel><title>Bench</title>{items}</channel></rss>'
    ).encode()


def run(episodes: int, runs: int) -> None:
    subscribe, refresh, listing = [], [], []
    size = 0
    with WebHost() as host:
        body = feed(episodes, host.url(""))
        size = len(body)
        url = host.put("/feed.xml", body, "application/rss+xml")
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as folder:
                core = build_core(resolve_paths(Path(folder)), vault=TokenVault(fail.Keyring()))
                try:
                    started = time.perf_counter()
                    core.podcasts.subscribe(url)
                    subscribe.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    core.podcasts.refresh(url)
                    refresh.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    listed = core.podcasts.episodes()
                    listing.append(time.perf_counter() - started)
                    assert len(listed) == episodes
                finally:
                    core.close()
    print(
        f"{episodes:>6} episodes ({size / 1e6:5.1f} MB feed): "
        f"subscribe {statistics.median(subscribe) * 1000:7.0f} ms, "
        f"refresh (304) {statistics.median(refresh) * 1000:5.1f} ms, "
        f"list {statistics.median(listing) * 1000:6.1f} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, nargs="+", default=[100, 1000, 3000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for episodes in args.episodes:
        run(episodes, args.runs)


if __name__ == "__main__":
    main()
