"""Benchmark: a whole class syncing at once against one academy (issue 17, capacity).

Usage: .venv/bin/python bench/academy_load.py --learners N [--actions 200]
           [--backend sqlite|postgresql] [--processes P] [--server-tree DIR]
           [--baseline-tree DIR] [--concurrency 64] [--json]

Starts the academy itself (`python -m server run` on a free 127.0.0.1 port, logs to files in
its data directory), from this checkout or from --server-tree DIR (another checkout with its
own .venv, e.g. the recorded baseline: `git worktree add --detach /work/wt-base 38248e2`), on
SQLite in a fresh data directory or on a fresh database of the PostgreSQL cluster at
--postgres-url (scripts/postgres.sh start). Seeds the demo academy and N learners, then all N
learners start at once, as a class at 9:00: each logs in, pushes its actions in the client's
batches and pulls until caught up, through the desktop client's own HTTP code
(bench/load_client.py), with at most --concurrency requests in flight (a bounded pool of
threads on the same 2 cores as the academy: its CPU is reported too). Then the academy's own
tables are checked: every action applied exactly once (bench/load_report.py). Main thread plus
the pool's worker threads. With --baseline-tree the baseline checkout is measured first, the
same way, and the ops/s ratio is reported.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

# The repository root goes on the path first: the bench's modules import desktop and bench.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load_actions import plan  # noqa: E402
from bench.load_client import Learner, Stats  # noqa: E402
from bench.load_report import (  # noqa: E402
    Expected,
    lines,
    process_cpu_s,
    server_log_problems,
    summary,
    verify,
)
from desktop.sync.engine import EngineLimits  # noqa: E402

PASSWORD = "samen-load-bench"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://samen@127.0.0.1:55432/postgres"
START_TIMEOUT_S = 60.0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="A class of learners syncing at once against a real academy."
    )
    parser.add_argument("--learners", type=int, default=10, help="learners (default 10)")
    parser.add_argument("--actions", type=int, default=200, help="actions each (default 200)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--processes", type=int, default=1, help="academy processes (--workers when above 1)"
    )
    parser.add_argument(
        "--server-tree",
        type=Path,
        default=ROOT,
        metavar="DIR",
        help="the checkout whose academy is measured (its .venv if it has one)",
    )
    parser.add_argument(
        "--baseline-tree",
        type=Path,
        default=None,
        metavar="DIR",
        help="measure this checkout first, in one process, and report the ops/s ratio",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SAMEN_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="admin URL of the PostgreSQL cluster (default $SAMEN_TEST_POSTGRES_URL)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=64, help="requests in flight at most (default 64)"
    )
    parser.add_argument(
        "--give-up-s", type=float, default=600.0, help="a learner gives up after (default 600)"
    )
    parser.add_argument("--batch-size", type=int, default=EngineLimits().batch_size)
    parser.add_argument(
        "--server-option",
        action="append",
        default=[],
        metavar="ARG",
        help="pass ARG to the measured academy's `run` (repeat; e.g. --server-option=--threads=4)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data and the database")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser.parse_args(argv)


def _python(tree: Path) -> str:
    own = tree / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


def _commit(tree: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SAMEN_DATABASE_URL", None)  # the bench names the database itself
    return env


@contextmanager
def _database(args: argparse.Namespace) -> Iterator[str | None]:
    """A fresh PostgreSQL database for the run (dropped after it), or None for SQLite."""
    if args.backend == "sqlite":
        yield None
        return
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.pool import NullPool

    name = f"samen_load_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not args.keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _run(command: list[str], tree: Path, log: Path, what: str) -> str:
    """A one-off command of the measured academy; its stderr goes to `log`."""
    with log.open("ab") as err:
        done = subprocess.run(
            command, cwd=tree, env=_env(), stdout=subprocess.PIPE, stderr=err, timeout=900
        )
    if done.returncode != 0:
        said = log.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{what} failed ({done.returncode}):\n{said}")
    return done.stdout.decode()


def _seed(args: argparse.Namespace, data: Path, url: str | None) -> dict[str, Any]:
    python, tree = _python(args.server_tree), args.server_tree.resolve()
    database = ["--database-url", url] if url else []
    log = data / "seed.stderr.log"
    _run([python, "-m", "server", "seed-demo", "--data", str(data), *database], tree, log, "seed")
    seeded = _run(
        [
            python,
            str(ROOT / "bench" / "load_seed.py"),
            "--tree",
            str(tree),
            "--data",
            str(data),
            *database,
            "--learners",
            str(args.learners),
            "--password",
            PASSWORD,
        ],
        tree,
        log,
        "seeding the learners",
    )
    catalogue: dict[str, Any] = json.loads(seeded)
    return catalogue


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(
    args: argparse.Namespace, data: Path, url: str | None
) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    command = [
        _python(args.server_tree),
        "-m",
        "server",
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data",
        str(data),
        "--log-level",
        "warning",
        *(["--database-url", url] if url else []),
        *(["--workers", str(args.processes)] if args.processes > 1 else []),
        *args.server_option,
    ]
    with (
        (data / "server.stdout.log").open("ab") as out,
        (data / "server.stderr.log").open("ab") as err,
    ):
        process = subprocess.Popen(
            command,
            cwd=args.server_tree.resolve(),
            env=_env(),
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = (data / "server.stderr.log").read_text(errors="replace")[-2000:]
            raise SystemExit(f"the academy exited at start:\n{said}")
        try:
            if requests.get(f"{base}/v1/health", timeout=1).status_code == 200:
                return process, base
        except requests.ConnectionError:
            pass
        time.sleep(0.1)  # polling the subprocess until it serves
    _stop(process)
    raise SystemExit(f"the academy did not answer in {START_TIMEOUT_S:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def run_class(learners: Sequence[Learner], concurrency: int) -> float:
    """Every learner starts at once; `concurrency` threads send their requests, one step at a
    time in the order they became due (a learner waiting on Retry-After holds no thread).
    Returns the wall time until the last learner is done."""
    ticket = itertools.count()
    due: list[tuple[float, int, Learner]] = []
    started = time.monotonic()
    for learner in learners:
        learner.started_at = started  # a learner's patience runs from 9:00, not its first turn
        heapq.heappush(due, (started, next(ticket), learner))
    ready = threading.Condition()
    active = len(learners)

    def work() -> None:
        nonlocal active
        while True:
            with ready:
                while True:
                    if active == 0:
                        return
                    if due and due[0][0] <= time.monotonic():
                        _at, _n, learner = heapq.heappop(due)
                        break
                    ready.wait(timeout=(due[0][0] - time.monotonic()) if due else None)
            delay = learner.step()
            with ready:
                if delay is None:
                    active -= 1
                    ready.notify_all()
                else:
                    heapq.heappush(due, (time.monotonic() + delay, next(ticket), learner))
                    ready.notify()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(args: argparse.Namespace) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="samen-load-"))
    try:
        with _database(args) as url:
            seeded = _seed(args, data, url)
            process, base = _start(args, data, url)
            try:
                stats = Stats()
                limits = EngineLimits(batch_size=args.batch_size)
                learners: list[Learner] = []
                for username in seeded["learners"]:
                    learner_plan = plan(username, str(uuid.uuid4()), args.actions, seeded)
                    learner = Learner(
                        base,
                        username,
                        PASSWORD,
                        learner_plan,
                        stats,
                        give_up_s=args.give_up_s,
                        limits=limits,
                    )
                    learners.append(learner)
                load_before = os.getloadavg()[0]  # a shared machine: how busy it was
                cpu, server_cpu = _cpu_self(), process_cpu_s(process.pid)
                wall = run_class(learners, max(1, min(args.concurrency, len(learners))))
                cpu, server_cpu = _cpu_self() - cpu, process_cpu_s(process.pid) - server_cpu
            finally:
                _stop(process)
            expected = [
                Expected(
                    learner.username,
                    seeded["learners"][learner.username],
                    learner.client_id,
                    learner.plan,
                    acknowledged=learner.applied + learner.rejected,
                )
                for learner in learners
            ]
            exactness = verify(seeded["database_url"], expected)
            about = {
                "backend": args.backend,
                "server_tree": str(args.server_tree.resolve()),
                "commit": _commit(args.server_tree),
                "learners": args.learners,
                "actions": args.actions,
                "processes": args.processes,
                "server_options": list(args.server_option),
                "concurrency": max(1, min(args.concurrency, len(learners))),
                "batch_size": args.batch_size,
                "generator_cpu_s": round(cpu, 1),
                "server_cpu_s": round(server_cpu, 1),
                "cores": os.cpu_count(),
                "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
                "server_log": server_log_problems(data / "server.stderr.log"),
            }
            return summary(stats, learners, wall, exactness, about)
    finally:
        if args.keep:
            print(f"data kept in {data}", file=sys.stderr)
        else:
            shutil.rmtree(data, ignore_errors=True)


def _whole(report: dict[str, Any]) -> bool:
    exact = report["exactness"]
    return bool(
        report["learners_given_up"] == 0
        and exact["lost"] == exact["doubled"] == exact["effects_lost"] == 0
        and exact["effects_doubled"] == 0
        and exact["learners_exact"] == report["learners"]
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    baseline = None
    if args.baseline_tree is not None:
        # The recorded baseline, measured in the same run (it has no --workers).
        baseline = measure(
            argparse.Namespace(
                **{
                    **vars(args),
                    "server_tree": args.baseline_tree,
                    "processes": 1,
                    "server_option": [],
                }
            )
        )
    report = measure(args)
    if baseline is None:
        print(json.dumps(report) if args.json else "\n".join(lines(report)))
        return 0 if _whole(report) else 1
    ratio = report["ops_per_s"] / baseline["ops_per_s"] if baseline["ops_per_s"] else None
    ratio_text = "none: the baseline applied nothing" if ratio is None else f"{ratio:.2f}x"
    if args.json:
        print(json.dumps({"baseline": baseline, "measured": report, "ops_ratio": ratio}))
    else:
        print("\n".join([*lines(baseline), "", *lines(report), "", f"ops/s ratio {ratio_text}"]))
    return 0 if _whole(report) else 1


if __name__ == "__main__":
    raise SystemExit(main())
