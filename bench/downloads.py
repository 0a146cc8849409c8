"""Benchmark: download a 200 MB course over loopback, clean and with a reset every 20 MB.

Usage: .venv/bin/python bench/downloads.py [--size-mb 200] [--reset-every-mb 20] [--repeat 5]
   or: .venv/bin/python -m bench.downloads [...]          (both from the repository root)

Needs `curl` on PATH (the baseline; `apt-get install curl`). Either way of starting it works:
the script puts the repository root on sys.path itself, because the fault proxy it uses
(tests/faults/proxy.py) is not part of the installed packages.

What it does, all in one run and on 127.0.0.1 only:

1. Writes a course folder to a temp dir (course.json, one lesson, one media file of --size-mb
   random bytes, written in 1 MiB chunks) and imports it with
   `python -m server course import --data DIR SOURCE` into a fresh demo server data dir.
2. Starts the real demo server (`--sync-rate 0`) and logs a client Core in as demo/samen-demo
   with a session-only token vault.
3. Clean: `curl -o FILE` of the media URL (bearer token from the client's session), then
   `core.downloads.download_course(...)` straight against the server; --repeat times, curl
   and client alternating, the media removed between runs. A 200 MB loopback transfer takes
   well under a second and single runs vary by 2x on a shared VM, so the ratio is taken from
   the best time of each (the medians are printed too). The client's RSS is sampled
   from /proc/self/status every 10 ms during each clean download; the peak growth over the
   RSS just before the download is reported (the largest over the repeats).
4. Resets: a FaultProxy (tests/faults/proxy.py, Fault.RESET_EVERY, only for /media/ requests)
   resets the connection after every --reset-every-mb of reply bytes. A second Core logs in
   through the proxy and downloads the course once; `curl` through the same proxy without
   faults is printed for context (the proxy is Python, in this process, and costs throughput).
   Re-downloaded bytes = stats.bytes_received - file size (body bytes the client wrote to disk
   more than once; bytes lost in socket buffers at a reset never reach the client).

MB here is 2**20 bytes. Prints one line per mode, the ratio to curl and the targets
(>= 0.8x curl, <= 1% extra bytes under resets, RSS growth < 30 MB). Exits 0 when every
transfer completed (targets missed are reported, not fatal), 1 on setup failures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from keyring.backends import fail

from desktop.core import Core, build_core
from desktop.demo_server import DEMO_PASSWORD, DEMO_USER, start_demo_server
from desktop.domain.transfer import DownloadReport
from desktop.paths import resolve_paths
from desktop.store.vault import TokenVault
from desktop.sync.api import ApiClient

MB = 1024 * 1024
COURSE_ID = "bench-downloads"
MEDIA_PATH = "video/lesson-1.mp4"
REPO_ROOT = Path(__file__).resolve().parents[1]

TARGET_RATIO = 0.8
TARGET_EXTRA_PCT = 1.0
TARGET_RSS_MB = 30.0


@dataclass
class Result:
    name: str
    seconds: list[float]
    size: int
    requests: int = 0
    resumed: int = 0
    restarted: int = 0
    bytes_received: int = 0
    rss_growth: float | None = None

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def mb_per_s(self) -> float:
        return self.size / MB / self.best

    @property
    def median_mb_per_s(self) -> float:
        return self.size / MB / statistics.median(self.seconds)

    @property
    def extra(self) -> int:
        return self.bytes_received - self.size


def make_course(source: Path, size: int) -> None:
    """course.json plus one media file of `size` random bytes, written 1 MiB at a time."""
    media = source / MEDIA_PATH
    media.parent.mkdir(parents=True)
    with media.open("wb") as out:
        left = size
        while left:
            n = min(MB, left)
            out.write(os.urandom(n))
            left -= n
    course = {
        "id": COURSE_ID,
        "title": "Benchmark: one large video",
        "language": "en",
        "summary": "Made by bench/downloads.py.",
        "lessons": [
            {
                "title": "A long video",
                "body_markdown": "# A long video\n\nWatch it offline.",
                "media": [MEDIA_PATH],
                "exercises": [{"kind": "reflection", "prompt": "What did you notice?"}],
            }
        ],
    }
    (source / "course.json").write_text(json.dumps(course, indent=2), encoding="utf-8")


def import_course(data_dir: Path, source: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "server", "course", "import", "--data", str(data_dir), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stderr.write(done.stdout + done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"course import failed (exit {done.returncode})")


def client(root: Path, name: str, url: str) -> Core:
    core = build_core(resolve_paths(root / name), vault=TokenVault(fail.Keyring()))
    core.session.login(url, DEMO_USER, DEMO_PASSWORD)
    return core


def vm_rss() -> int:
    with Path("/proc/self/status").open(encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class RssPeak:
    """Samples this process's RSS every `interval` s on a thread of its own until stop()."""

    def __init__(self, interval: float = 0.01) -> None:
        self.start = vm_rss()
        self.peak = self.start
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, vm_rss())

    def stop(self) -> float:
        """Peak growth in MB."""
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, vm_rss())
        return (self.peak - self.start) / MB


def curl(url: str, token: str, out: Path, size: int) -> float:
    command = ["curl", "--silent", "--show-error", "--fail", "-o", str(out)]
    command += ["-H", f"Authorization: Bearer {token}", url]
    start = time.perf_counter()
    done = subprocess.run(command, check=False)
    elapsed = time.perf_counter() - start
    got = out.stat().st_size if out.exists() else 0
    out.unlink(missing_ok=True)
    if done.returncode != 0 or got != size:
        raise SystemExit(f"curl failed (exit {done.returncode}, {got} of {size} bytes)")
    return elapsed


def download(core: Core) -> tuple[float, DownloadReport]:
    start = time.perf_counter()
    report = core.downloads.download_course(COURSE_ID)
    elapsed = time.perf_counter() - start
    if report.stats.files_completed != 1:
        raise SystemExit(f"the download did not complete: {report}")
    return elapsed, report


def record(result: Result, report: DownloadReport) -> None:
    stats = report.stats
    result.requests = max(result.requests, stats.requests)
    result.resumed = max(result.resumed, stats.resumed)
    result.restarted = max(result.restarted, stats.restarted)
    result.bytes_received = max(result.bytes_received, stats.bytes_received)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--reset-every-mb", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5, help="clean runs of curl and client")
    args = parser.parse_args()
    if shutil.which("curl") is None:
        print(
            "bench/downloads.py needs curl for its baseline and none is on PATH. "
            "Install it (e.g. `apt-get install curl`) and run again.",
            file=sys.stderr,
        )
        return 1
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from tests.faults.proxy import Fault, FaultProxy  # not installed: from the repository

    size = args.size_mb * MB
    with tempfile.TemporaryDirectory(prefix="samen-bench-") as tmp:
        root = Path(tmp)
        print(f"writing a {args.size_mb} MB course…", file=sys.stderr, flush=True)
        make_course(root / "source", size)
        import_course(root / "server", root / "source")
        print("starting the demo server…", file=sys.stderr, flush=True)
        server = start_demo_server(root / "server", extra_args=("--sync-rate", "0"))
        cores: list[Core] = []
        try:
            core = client(root, "client-clean", server.url)
            cores.append(core)
            token = core.session.token()
            assert token is not None
            media = ApiClient.media_path(COURSE_ID, MEDIA_PATH)
            out = root / "curl.out"

            base = Result("curl", [], size)
            clean = Result("client, clean", [], size)
            rss: list[float] = []
            for i in range(args.repeat):
                print(f"clean run {i + 1}/{args.repeat}…", file=sys.stderr, flush=True)
                base.seconds.append(curl(server.url + media, token, out, size))
                sampler = RssPeak()
                try:
                    seconds, report = download(core)
                finally:
                    rss.append(sampler.stop())
                clean.seconds.append(seconds)
                record(clean, report)
                core.downloads.remove_course_media(COURSE_ID)
            clean.rss_growth = max(rss)

            with FaultProxy("127.0.0.1", int(server.url.rsplit(":", 1)[1])) as proxy:
                print("curl through the proxy, no faults…", file=sys.stderr, flush=True)
                via = Result("curl via proxy, no faults", [], size)
                via.seconds.append(curl(proxy.url + media, token, out, size))
                every = args.reset_every_mb * MB
                proxy.set(Fault.RESET_EVERY, reset_every_bytes=every, path="/media/")
                print(
                    f"client via the proxy, resets every {args.reset_every_mb} MB…", file=sys.stderr
                )
                reset_core = client(root, "client-resets", proxy.url)
                cores.append(reset_core)
                resets = Result(f"client, reset/{args.reset_every_mb} MB", [], size)
                seconds, report = download(reset_core)
                resets.seconds.append(seconds)
                record(resets, report)
                faults = proxy.faults_applied
        finally:
            for c in cores:
                c.close()
            server.stop()

    print(f"{args.size_mb} MB file over loopback (MB = 2^20 bytes); {args.repeat} clean runs each")
    print(
        f"{'mode':27} {'best s':>6} {'MB/s':>6} {'median':>6} {'requests':>8} {'resumed':>7}  "
        "re-downloaded"
    )
    for r in (base, clean, via, resets):
        line = f"{r.name:27} {r.best:6.2f} {r.mb_per_s:6.0f} {r.median_mb_per_s:6.0f}"
        if r.requests:
            line += f" {r.requests:8} {r.resumed:7}  {r.extra:,} B ({100 * r.extra / r.size:.2f}%)"
        print(line)
    for r in (base, clean):
        print(f"{r.name} runs (s): " + " ".join(f"{s:.2f}" for s in r.seconds))
    ratio = clean.mb_per_s / base.mb_per_s
    extra_pct = 100 * resets.extra / size
    rss_growth = clean.rss_growth or 0.0
    under = resets.mb_per_s / base.mb_per_s
    median = clean.median_mb_per_s / base.median_mb_per_s
    print(f"client/curl: clean {ratio:.2f}x (medians {median:.2f}x), under resets {under:.2f}x")
    print(
        f"media requests under RESET_EVERY: {faults} (resumed {resets.resumed}, "
        f"restarted from zero {resets.restarted})"
    )
    print(f"client RSS growth during the clean download (peak): {rss_growth:.1f} MB")

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print(
        f"targets: >= {TARGET_RATIO}x curl {verdict(ratio >= TARGET_RATIO)}; "
        f"<= {TARGET_EXTRA_PCT:.0f}% extra bytes {verdict(extra_pct <= TARGET_EXTRA_PCT)}; "
        f"RSS < {TARGET_RSS_MB:.0f} MB {verdict(rss_growth < TARGET_RSS_MB)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
