"""Benchmark: what one pushed action costs the academy, in statements and milliseconds, per kind.

Usage: .venv/bin/python bench/push_cost.py [--posts 1000] [--batch 200]
           [--database-url postgresql+psycopg://.../an_empty_database] [--json]

Builds a real academy database (SQLite in a temporary folder, and PostgreSQL too when a URL of
an empty database is given), with a course, a poll, an exercise and a thread of --posts
replies, then pushes one batch per kind through the academy's own push code in-process (as
the push route runs it, without HTTP): --batch actions of progress, playback, answers and
votes, 25 forum replies and 25 new threads (the forum takes 30 posts an hour), and a mixed
batch of --batch actions of every kind. Each kind has its own learner. Prints, per backend and
kind, the statements sent to the database, the milliseconds per action, the transactions and
the longest of them (on SQLite: how long the academy's one write lock was held) (a second
round, with new learners: the first warms SQLAlchemy's statement cache).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# tests/ (the workload) is not installed: the repository root goes on the path first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.db import Database
from server.sync.push import chunk_limits
from tests.push_workload import KINDS, add_learner, mixed, push, workload_database

FORUM_BATCH = 25  # under the 30 posts an hour one learner may send


def measure(database: Database, batch: int, first_user: int) -> list[dict[str, Any]]:
    rows = []
    plans = [
        (name, [make(seq) for seq in range(1, 1 + _size(name, batch))])
        for name, make in KINDS.items()
    ]
    plans.append(("mixed", mixed(batch)))
    for user_id, (name, items) in enumerate(plans, start=first_user):
        client_id = add_learner(database, user_id)
        started = time.perf_counter()
        limits = chunk_limits(database.engine.dialect.name)  # as the academy runs it
        reply, cost = push(database, user_id, client_id, items, limits)
        elapsed = time.perf_counter() - started
        applied = sum(r["status"] == "applied" for r in reply["results"])
        statements = cost.statements
        rows.append(
            {
                "kind": name,
                "actions": len(items),
                "applied": applied,
                "statements": len(statements),
                "statements_per_action": round(len(statements) / len(items), 2),
                "ms_per_action": round(elapsed * 1000 / len(items), 3),
                "transactions": cost.transactions,
                "longest_transaction_ms": round(cost.longest * 1000, 1),
            }
        )
    return rows


def _size(kind: str, batch: int) -> int:
    return FORUM_BATCH if kind.startswith("forum.") else batch


def run(url: str, posts: int, batch: int) -> list[dict[str, Any]]:
    with workload_database(url, posts) as database:
        measure(database, batch, first_user=100)  # warm up: statements compiled and cached
        return measure(database, batch, first_user=200)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000, help="replies already in the thread")
    parser.add_argument("--batch", type=int, default=200, help="actions per non-forum batch")
    parser.add_argument("--database-url", help="an empty PostgreSQL database to measure too")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    results: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="samen-push-cost-") as root:
        results["sqlite"] = run(f"sqlite:///{Path(root) / 'academy.db'}", args.posts, args.batch)
    if args.database_url:
        results["postgresql"] = run(args.database_url, args.posts, args.batch)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for backend, rows in results.items():
        print(f"{backend}: thread of {args.posts} replies")
        print(
            f"  {'kind':<20}{'actions':>8}{'applied':>8}{'stmts/action':>14}{'ms/action':>11}"
            f"{'transactions':>14}{'longest ms':>12}"
        )
        for row in rows:
            print(
                f"  {row['kind']:<20}{row['actions']:>8}{row['applied']:>8}"
                f"{row['statements_per_action']:>14}{row['ms_per_action']:>11}"
                f"{row['transactions']:>14}{row['longest_transaction_ms']:>12}"
            )


if __name__ == "__main__":
    main()
