"""The load bench's figures: latency percentiles, the exactness check on the academy, the report.

Main thread of bench/academy_load.py, after the learners are done. Exactness is read on the
server, through an SQLAlchemy engine on the academy's own database URL (SQLite or PostgreSQL
alike): every learner's client has last_seq equal to its actions and exactly that many
mutation_log rows, all applied, and the tables its actions touch hold exactly the rows its
plan says (forum threads and replies, poll votes, answers, listening positions, progress).
"""

from __future__ import annotations

import os
import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench.load_actions import EFFECT_TABLES, LearnerPlan
from bench.load_client import Learner, Phase, Stats

# Who a row belongs to, per table the actions touch.
OWNER_COLUMN = {"forum_threads": "author_id", "forum_posts": "author_id"}


@dataclass(frozen=True)
class Expected:
    username: str
    user_id: int
    client_id: str
    plan: LearnerPlan
    # Actions the academy confirmed to the learner; fewer than planned for one who gave up
    # (the rest is still queued on their computer: not synced, but not lost).
    acknowledged: int | None = None


def percentiles(values: Sequence[float]) -> dict[str, float | int]:
    """p50/p95/p99/max in milliseconds, and how many values they are of."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    if len(ordered) == 1:
        cuts = [ordered[0]] * 99
    else:
        cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "p50": round(cuts[49] * 1000, 1),
        "p95": round(cuts[94] * 1000, 1),
        "p99": round(cuts[98] * 1000, 1),
        "max": round(ordered[-1] * 1000, 1),
    }


def _grouped(connection: Any, sql: str) -> dict[Any, int]:
    return {row[0]: int(row[1]) for row in connection.execute(text(sql))}


def verify(url: str, expected: Sequence[Expected]) -> dict[str, Any]:
    """Lost and doubled actions and effects, per learner, counted in the academy's tables."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            last_seq = _grouped(connection, "SELECT client_id, last_seq FROM sync_client")
            logged: dict[tuple[str, str], int] = {
                (row[0], row[1]): int(row[2])
                for row in connection.execute(
                    text(
                        "SELECT client_id, status, count(*) FROM mutation_log "
                        "GROUP BY client_id, status"
                    )
                )
            }
            effects = {
                table: _grouped(
                    connection,
                    f"SELECT {OWNER_COLUMN.get(table, 'user_id')}, count(*) FROM {table} "
                    f"GROUP BY {OWNER_COLUMN.get(table, 'user_id')}",
                )
                for table in EFFECT_TABLES
            }
    finally:
        engine.dispose()
    lost = doubled = refused = effects_lost = effects_doubled = exact = not_synced = 0
    mismatches: list[str] = []
    for learner in expected:
        actions = len(learner.plan.items)
        confirmed = actions if learner.acknowledged is None else learner.acknowledged
        applied = logged.get((learner.client_id, "applied"), 0)
        refused_here = logged.get((learner.client_id, "rejected"), 0)
        rows = applied + refused_here
        lost += max(0, confirmed - rows)
        doubled += max(0, rows - actions)
        refused += refused_here
        not_synced += actions - confirmed
        wrong = [] if last_seq.get(learner.client_id) == actions else ["last_seq"]
        if rows != actions or refused_here:
            wrong.append(f"mutation_log {applied} applied + {refused_here} refused")
        for table, want in learner.plan.expected.items():
            if confirmed < actions:
                break  # only part of its work reached the academy: no row count to expect
            got = effects[table].get(learner.user_id, 0)
            effects_lost += max(0, want - got)
            effects_doubled += max(0, got - want)
            if got != want:
                wrong.append(f"{table} {got} (expected {want})")
        if wrong:
            if len(mismatches) < 10:
                mismatches.append(f"{learner.username}: {', '.join(wrong)}")
        else:
            exact += 1
    return {
        "learners_exact": exact,
        "lost": lost,
        "doubled": doubled,
        "not_synced": not_synced,
        "refused": refused,
        "effects_lost": effects_lost,
        "effects_doubled": effects_doubled,
        "mismatches": mismatches,
    }


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process and its live children, from /proc (Linux):
    the academy's, with all its worker processes."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, of in parents.items() if of == parent and child not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(member, 0.0) for member in tree)


_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Timeout)\b.*")


def server_log_problems(log: Path) -> dict[str, Any]:
    """ERROR lines in the academy's log and the exceptions its tracebacks end with (the five
    most frequent), so a 500 in the figures comes with its cause."""
    try:
        text_lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return {"error_lines": 0, "exceptions": {}}
    errors = sum(1 for line in text_lines if line.startswith("ERROR") or " ERROR " in line)
    found = Counter(line[:200] for line in text_lines if _EXCEPTION.match(line))
    return {"error_lines": errors, "exceptions": dict(found.most_common(5))}


def summary(
    stats: Stats,
    learners: Sequence[Learner],
    wall_s: float,
    exactness: Mapping[str, Any],
    about: Mapping[str, Any],
) -> dict[str, Any]:
    """The whole report as one JSON-ready object."""
    applied = sum(learner.applied for learner in learners)
    given_up = [learner for learner in learners if learner.phase is Phase.GAVE_UP]
    reasons = Counter(learner.problem or "?" for learner in given_up)
    return {
        **about,
        "wall_s": round(wall_s, 2),
        "applied": applied,
        "ops_per_s": round(applied / wall_s, 1) if wall_s > 0 else 0.0,
        "latency_ms": {
            "login": percentiles(stats.login_s),
            "push": percentiles(stats.push_s),
            "pull": percentiles(stats.pull_s),
        },
        "http_errors": dict(stats.statuses.most_common()),
        "outcomes": dict(stats.outcomes.most_common()),
        "requests": stats.requests,
        "resent_batches": stats.resent_batches,
        "resent_answered_duplicate": stats.resent_duplicates,
        "waited_s": round(stats.waited_s, 1),
        "learners_synced": sum(1 for learner in learners if learner.phase is Phase.SYNCED),
        "learners_given_up": len(given_up),
        "given_up_because": dict(reasons.most_common(5)),
        "exactness": dict(exactness),
    }


def lines(report: Mapping[str, Any]) -> list[str]:
    """The report for a person: one fact a line."""
    latency = report["latency_ms"]
    exact = report["exactness"]
    log = report.get("server_log", {})
    out = [
        f"{report['backend']} at {report['commit']}: {report['learners']} learners x "
        f"{report['actions']} actions, {report['processes']} process(es), "
        f"{report['concurrency']} requests in flight at most"
        + (
            f", academy run {' '.join(report['server_options'])}"
            if report.get("server_options")
            else ""
        ),
        f"ops/s {report['ops_per_s']} ({report['applied']} applied in {report['wall_s']} s)",
    ]
    for what in ("login", "push", "pull"):
        figures = latency[what]
        if figures.get("n"):
            out.append(
                f"{what} latency ms: p50 {figures['p50']}  p95 {figures['p95']}  "
                f"p99 {figures['p99']}  max {figures['max']}  (n={figures['n']})"
            )
    errors = ", ".join(f"{k}: {v}" for k, v in report["http_errors"].items()) or "none"
    out += [
        f"HTTP errors: {errors}",
        f"learners synced {report['learners_synced']}, given up {report['learners_given_up']}"
        + (f" ({report['given_up_because']})" if report["learners_given_up"] else ""),
        f"resent batches {report['resent_batches']} (outcomes answered duplicate: "
        f"{report['resent_answered_duplicate']}); waited on Retry-After/backoff "
        f"{report['waited_s']} s in all",
        f"on the academy: {exact['learners_exact']} learners exact, lost {exact['lost']}, "
        f"doubled {exact['doubled']}, not synced {exact.get('not_synced', '?')}, "
        f"refused {exact['refused']}, effects lost {exact['effects_lost']}, "
        f"effects doubled {exact['effects_doubled']}",
        *(f"  mismatch: {m}" for m in exact["mismatches"]),
        f"academy log: {log.get('error_lines', '?')} ERROR lines",
        *(f"  {count} x {line}" for line, count in log.get("exceptions", {}).items()),
        f"CPU: generator {report['generator_cpu_s']} s, academy {report['server_cpu_s']} s "
        f"in {report['wall_s']} s wall; load average {report.get('load_average', '?')} "
        "(before, after)",
    ]
    return out
