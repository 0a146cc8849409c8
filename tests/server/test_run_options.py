"""`samen-server run` options for running several processes (issue 17): --workers on SQLite is
refused in one sentence, a database that cannot be used is one line before anything serves,
and the config the worker processes read from the environment is the one the parent built."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from server.config import CONFIG_ENV, ServerConfig
from tests.server_process import free_port, server_command


def _run(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = ["run", "--host", "127.0.0.1", "--port", str(free_port()), *args]
    return subprocess.run(
        server_command(*command, "--data", str(tmp_path / "academy")),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env or {k: v for k, v in os.environ.items() if k != "SAMEN_DATABASE_URL"},
    )


def test_workers_on_sqlite_are_refused_with_the_reason(tmp_path: Path) -> None:
    result = _run(tmp_path, "--workers", "2")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "samen-server: error: --workers above 1 needs PostgreSQL (--database-url): SQLite lets "
        "one process write at a time, so more processes would only wait for each other"
    ]


def test_a_database_that_cannot_be_reached_stops_run_in_one_line(tmp_path: Path) -> None:
    url = "postgresql+psycopg://academy:s3cret@127.0.0.1:9/samen"  # nothing listens on port 9
    for workers in ("1", "2"):
        result = _run(tmp_path, "--workers", workers, env={**os.environ, "SAMEN_DATABASE_URL": url})
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("samen-server: error: cannot use the database postgresql")
        assert "s3cret" not in result.stderr and "Traceback" not in result.stderr
        assert "listening" not in result.stdout


def test_bad_worker_counts_and_prefixes_are_refused(tmp_path: Path) -> None:
    for args, said in (
        (("--workers", "0"), "expected a whole number from 1 up, not '0'"),
        (("--accel-redirect", "internal"), "expected a path that starts and ends with /"),
    ):
        result = _run(tmp_path, *args)
        assert result.returncode == 2
        assert said in result.stderr and "Traceback" not in result.stderr


def test_the_workers_read_back_the_config_the_parent_built(tmp_path: Path) -> None:
    config = ServerConfig(
        data_dir=tmp_path,
        database_url="postgresql+psycopg://samen:pw@127.0.0.1/samen",
        academy_name="Twee",
        sync_requests_per_minute=7,
        smtp_password="secret",
        accel_redirect="/internal/",
        upload_idle_timeout_s=12.5,
    )
    env = config.to_environment()
    assert "secret" not in env[CONFIG_ENV] and "pw@" not in env[CONFIG_ENV]
    assert json.loads(env[CONFIG_ENV])["academy_name"] == "Twee"
    assert ServerConfig.from_environment(env) == config
    # By hand (uvicorn or gunicorn started without samen-server): the data directory is enough.
    assert ServerConfig.from_environment({"SAMEN_DATA_DIR": str(tmp_path)}) == ServerConfig(
        data_dir=tmp_path
    )
