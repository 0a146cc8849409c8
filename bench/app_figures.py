"""All figures of the desktop app in one run: cold start, idle memory, UI-thread stalls and the
size of the Linux bundle, with a description of the machine. Main thread of the bench process
(the stall part runs the app's window on it; start-ups are child processes).

Usage (from the repository root):
    .venv/bin/python -m bench.app_figures [--only startup|rss|stall|bundle ...] [--quick]
                                          [--bundle-dir dist/samen] [--archive PATH]
    .venv/bin/python bench/app_figures.py [...]

Parts (see each module's docstring for how it measures):
1. startup  bench/startup.py: cold start to the main window shown vs a bare PySide6 window
2. rss      bench/startup.py: idle RSS after the first refresh (same data folder as 1)
3. stall    bench/main_thread.py: largest UI-thread stall during a full sync + a 200 MB download
4. bundle   the PyInstaller folder (installers/build-linux.sh builds it; never built here):
            the sum of its file sizes and the size of its .tar.xz (MB = 2^20 bytes)

--quick shrinks every size for a try in about a minute; the figures are then not the ones to
record. The default run takes about three minutes on a 2-core VM.

--before DIR first runs the same parts of the code checked out in DIR (e.g. a `git worktree`
of an older commit: its own bench, data folder and app, with DIR first on PYTHONPATH, on this
virtualenv) and prints its figures, then this code's: before and after, on one machine, in one
run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository root is not on sys.path yet
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import main_thread, startup
from bench.data_folder import Sizes
from bench.screen import REPO_ROOT
from desktop import __version__
from tests import keyring_service

MB = 1024 * 1024
PARTS = ("startup", "rss", "stall", "bundle")
TARGET_BUNDLE_MB = 190.0
TARGET_ARCHIVE_MB = 75.0


def machine() -> str:
    """CPU model and cores, RAM, kernel, Python, Qt and PySide6, and today's date."""
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    models = [
        line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line
    ]
    meminfo = Path("/proc/meminfo").read_text(encoding="ascii").splitlines()
    total_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    import PySide6
    from PySide6.QtCore import qVersion

    cpu = models[0] if models else platform.processor() or "unknown CPU"
    return (
        f"{cpu}, {os.cpu_count()} cores ({len(models)} in /proc/cpuinfo), "
        f"{total_kb / 1024 / 1024:.1f} GiB RAM, Linux {platform.release()}; "
        f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {PySide6.__version__}; "
        f"{datetime.date.today().isoformat()}"
    )


def tree_bytes(folder: Path) -> int:
    """Sum of the sizes of the regular files under `folder` (like `du -sb`, links not
    followed)."""
    total = 0
    for parent, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(parent) / name
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
    return total


def bundle(folder: Path, archive: Path) -> None:
    print(f"Bundle size ({folder}, {archive.name}):")
    if not folder.is_dir():
        print("  bundle not built: run installers/build-linux.sh")
        return
    size = tree_bytes(folder) / MB
    verdict = "met" if size <= TARGET_BUNDLE_MB else "MISSED"
    print(f"  on disk: {size:.1f} MB (target at most {TARGET_BUNDLE_MB:.0f} MB: {verdict})")
    if archive.is_file():
        packed = archive.stat().st_size / MB
        verdict = "met" if packed <= TARGET_ARCHIVE_MB else "MISSED"
        print(f"  archive: {packed:.1f} MB (target at most {TARGET_ARCHIVE_MB:.0f} MB: {verdict})")
    else:
        print(f"  archive {archive} not found: run installers/build-linux.sh")


def before(code: Path, parts: list[str], *, quick: bool, offscreen: bool) -> None:
    """Run the bench of another checkout (its code first on the path) and pass its output on."""
    code = code.resolve()
    command = [sys.executable, "-m", "bench.app_figures", "--only", *parts]
    command += ["--quick"] * quick + ["--offscreen"] * offscreen
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(code), os.environ.get("PYTHONPATH", "")]),
    }
    print(f"=== before: the code in {code} ===", flush=True)
    done = subprocess.run(command, cwd=code, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the bench of {code} failed (exit {done.returncode})")
    print(flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", choices=PARTS, nargs="+", default=list(PARTS))
    parser.add_argument("--quick", action="store_true", help="small sizes, for a try")
    parser.add_argument("--offscreen", action="store_true", help="do not try Xvfb")
    parser.add_argument("--bundle-dir", type=Path, default=REPO_ROOT / "dist" / "samen")
    parser.add_argument(
        "--archive",
        type=Path,
        default=REPO_ROOT / "dist" / f"samen-{__version__}-linux-x86_64.tar.xz",
    )
    parser.add_argument(
        "--before", type=Path, metavar="DIR", help="first measure the code checked out in DIR"
    )
    args = parser.parse_args(argv)
    quick: bool = args.quick
    wanted = set(args.only)
    if args.before is not None:
        before(args.before, args.only, quick=quick, offscreen=args.offscreen)
        print("=== after: this code ===", flush=True)
    print("Samen desktop app figures")
    print(f"machine: {machine()}")
    if quick:
        print("QUICK RUN: reduced sizes, not figures to record")
    print(flush=True)

    if wanted & {"startup", "rss"}:
        if not keyring_service.available():
            print("start-up and RSS need dbus-daemon and gnome-keyring-daemon on PATH")
        else:
            sizes = Sizes(10, 100, 1_000) if quick else Sizes()
            figures = startup.run(
                sizes,
                runs=(3 if quick else 5) if "startup" in wanted else 0,
                rss_runs=(1 if quick else 3) if "rss" in wanted else 0,
                idle_s=3.0 if quick else 10.0,
                prefer_xcb=not args.offscreen,
            )
            startup.report(figures, sizes)
        print(flush=True)
    if "stall" in wanted:
        stall = main_thread.run(
            media_mb=50 if quick else 200,
            actions=500 if quick else 3_000,
            repeat=1 if quick else 3,
            prefer_xcb=not args.offscreen,
        )
        main_thread.report(stall)
        print(flush=True)
    if "bundle" in wanted:
        bundle(args.bundle_dir, args.archive)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
