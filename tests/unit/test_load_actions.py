"""The load bench pushes work a real academy takes: every generated action of a few learners
is `applied` (a bench that pushes refusals measures nothing), and the exactness check reads the
academy's own tables back as exact. Runs on SQLite or PostgreSQL (SAMEN_TEST_DATABASE)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from bench.load_actions import MIX, batches, plan
from bench.load_client import Learner, Phase, Stats
from bench.load_report import Expected, verify
from desktop.sync.engine import EngineLimits
from tests import academy_database
from tests.server_process import start_server

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "load-test-password"

pytestmark = pytest.mark.timeout(300)


def _seed(data_dir: Path, learners: int) -> dict[str, object]:
    url = academy_database.database_url(data_dir)
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load_seed.py"),
            "--tree",
            str(ROOT),
            "--data",
            str(data_dir),
            *(["--database-url", url] if url else []),
            "--learners",
            str(learners),
            "--password",
            PASSWORD,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seeded: dict[str, object] = json.loads(done.stdout)
    return seeded


def test_every_generated_action_is_applied_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "academy"
    server = start_server(data_dir)
    try:
        seeded = _seed(data_dir, 3)
        learners_seeded = seeded["learners"]
        assert isinstance(learners_seeded, dict) and len(learners_seeded) == 3
        stats = Stats()
        # Batches of 64: the 200 actions go in several pushes, as a longer queue would.
        limits = EngineLimits(batch_size=64)
        learners, expected = [], []
        for username, user_id in learners_seeded.items():
            learner_plan = plan(username, str(uuid.uuid4()), 200, seeded)
            assert set(learner_plan.count_by_name()) == {*MIX, "progress.update"}
            assert len(batches(learner_plan.items, 64)) == 4
            learner = Learner(
                server.url, username, PASSWORD, learner_plan, stats, give_up_s=240, limits=limits
            )
            learners.append(learner)
            expected.append(Expected(username, int(user_id), learner.client_id, learner_plan))
        for learner in learners:
            while (delay := learner.step()) is not None:
                time.sleep(delay)  # honouring a Retry-After, as the client does
        assert [learner.phase for learner in learners] == [Phase.SYNCED] * 3
        assert dict(stats.outcomes) == {"applied": 600}
        assert [learner.academy_last_seq for learner in learners] == [200] * 3
        assert len(stats.push_s) == 12 and len(stats.login_s) == 3
    finally:
        server.stop()
    assert verify(str(seeded["database_url"]), expected) == {
        "learners_exact": 3,
        "lost": 0,
        "doubled": 0,
        "not_synced": 0,
        "refused": 0,
        "effects_lost": 0,
        "effects_doubled": 0,
        "mismatches": [],
    }


def test_a_resent_batch_is_answered_duplicate_and_not_applied_twice(tmp_path: Path) -> None:
    data_dir = tmp_path / "academy"
    server = start_server(data_dir)
    try:
        seeded = _seed(data_dir, 1)
        learners_seeded = seeded["learners"]
        assert isinstance(learners_seeded, dict)
        [(username, user_id)] = learners_seeded.items()
        stats = Stats()
        learner_plan = plan(str(username), str(uuid.uuid4()), 40, seeded)
        learner = Learner(server.url, str(username), PASSWORD, learner_plan, stats, give_up_s=240)
        while learner.phase is Phase.LOGIN:
            time.sleep(learner.step() or 0.0)  # a busy machine may time a login out: again
        # The academy stores the batch but its reply is lost: the client sends it again.
        learner.api.push(learner.client_id, learner_plan.items)
        learner.session.resending = True
        while (delay := learner.step()) is not None:
            time.sleep(delay)
        assert learner.phase is Phase.SYNCED
        assert stats.resent_duplicates == 40 and dict(stats.outcomes) == {"applied": 40}
    finally:
        server.stop()
    result = verify(
        str(seeded["database_url"]),
        [Expected(str(username), int(user_id), learner.client_id, learner_plan)],
    )
    assert result["learners_exact"] == 1 and result["doubled"] == result["effects_doubled"] == 0
