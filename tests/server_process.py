"""Runs a real Samen server as a subprocess on loopback, for server and end-to-end tests.

Output goes to files in the data directory (never a pipe, which could fill up and block the
server); a failed start raises with the server's stderr.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests import academy_database

DEMO_PASSWORD = "samen-demo"
START_TIMEOUT = 60.0  # generous: CI machines are shared and busy


def free_port() -> int:
    """A loopback port that was free a moment ago (the server binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "server", *args]


def run_cli(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one `samen-server` command to completion and return its result (never raises).
    A command on a data directory (`--data DIR`) uses that academy's test database."""
    if "--data" in args[:-1]:
        env = academy_database.server_env(Path(args[args.index("--data") + 1]), env)
    return subprocess.run(
        server_command(*args),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    port: int
    extra_args: tuple[str, ...] = ()
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def stderr_log(self) -> Path:
        return self.data_dir / "server.stderr.log"

    @property
    def stdout_log(self) -> Path:
        return self.data_dir / "server.stdout.log"

    def start(self) -> None:
        """(Re)start on the same port and data dir; returns once /v1/health answers."""
        if self._process is not None and self._process.poll() is None:
            return
        with self.stdout_log.open("ab") as out, self.stderr_log.open("ab") as err:
            self._process = subprocess.Popen(
                server_command(
                    "run",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--data",
                    str(self.data_dir),
                    "--log-level",
                    "warning",
                    *self.extra_args,
                ),
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                env=academy_database.server_env(self.data_dir),
            )
        self._wait_until_healthy()

    def stop(self) -> None:
        """Terminate the server and wait for it; the data directory stays."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL, as a power cut or an OOM kill would; the data directory stays."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)

    def _wait_until_healthy(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                raise RuntimeError(f"samen server exited during start-up:\n{self._stderr_tail()}")
            try:
                reply = requests.get(f"{self.url}/v1/health", timeout=1)
                if reply.status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)  # test helper only: poll until the subprocess is ready
        self.stop()
        raise RuntimeError(
            f"samen server did not answer /v1/health within {START_TIMEOUT:.0f} s:\n"
            f"{self._stderr_tail()}"
        )

    def _stderr_tail(self) -> str:
        try:
            return self.stderr_log.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no stderr log)"


def copy_academy(source: Path, target: Path) -> None:
    """Make ``target`` a copy of the academy in ``source`` (its files and its database, on
    either backend). No server may be running on ``source``."""
    shutil.copytree(source, target)
    academy_database.copy_database(source, target)


def seed_demo_academy(data_dir: Path) -> None:
    result = run_cli("seed-demo", "--data", str(data_dir))
    if result.returncode != 0:
        raise RuntimeError(f"seed-demo failed ({result.returncode}):\n{result.stderr}")


def start_server(
    data_dir: Path, *, seed_demo: bool = True, extra_args: tuple[str, ...] = ()
) -> LiveServer:
    """Seed (optionally) and start a server on a free loopback port; `extra_args` go to
    `samen-server run` (e.g. ("--sync-rate", "3"))."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if seed_demo:
        seed_demo_academy(data_dir)
    port = free_port()
    server = LiveServer(
        url=f"http://127.0.0.1:{port}", data_dir=data_dir, port=port, extra_args=extra_args
    )
    server.start()
    return server
