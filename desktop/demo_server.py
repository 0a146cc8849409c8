"""The embedded default: a local demo academy on a free loopback port. Main thread, at start-up.

Runs the reference server as a child process (`python -m server`), never by import: desktop and
server only share the wire contract. The demo data lives in its own folder, so trying the demo
never touches a real account.
"""

from __future__ import annotations

import ctypes
import importlib.util
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from desktop.domain.errors import OfflineError, SamenError
from desktop.language.catalogue import _, counted
from desktop.sync.api import ApiClient

DEMO_USER = "demo"
DEMO_PASSWORD = "samen-demo"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class DemoServer:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_file: BinaryIO | None = None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None


def _die_with_parent() -> None:
    """In the child before exec: on Linux, get SIGTERM when Samen dies, even by kill -9,
    so a demo server is never left running on its own."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _server_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "server", *args]


def start_demo_server(
    data_dir: Path, *, startup_timeout: float = 60.0, extra_args: tuple[str, ...] = ()
) -> DemoServer:
    """Seed (idempotent) and start the demo server; raise SamenError with a clear message.
    `extra_args` go to `samen-server run` (the benchmarks lift the rate limit with them)."""
    if importlib.util.find_spec("server") is None:
        raise SamenError(
            _(
                "The demo needs Samen's server part, which is not installed. "
                "Install it with: pip install 'samen[server]'"
            )
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "server.log"
    with log_path.open("ab") as log:
        seeded = subprocess.run(
            [*_server_command("seed-demo", "--data", str(data_dir)), "--password", DEMO_PASSWORD],
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if seeded.returncode != 0:
        raise SamenError(
            _("Preparing the demo academy failed; details are in {file}.").format(file=log_path)
        )
    port = free_port()
    log = log_path.open("ab")
    process = subprocess.Popen(
        _server_command(
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data",
            str(data_dir),
            *extra_args,
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    server = DemoServer(f"http://127.0.0.1:{port}", data_dir, process, log)
    client = ApiClient(server.url, timeout=2.0)
    deadline = time.monotonic() + startup_timeout
    while True:
        if process.poll() is not None:
            server.stop()
            raise SamenError(
                _("The demo academy stopped while starting; details are in {file}.").format(
                    file=log_path
                )
            )
        try:
            client.health()
            return server
        except OfflineError:
            if time.monotonic() > deadline:
                server.stop()
                raise SamenError(
                    counted(
                        "The demo academy did not start within {n} second; details are in {file}.",
                        "The demo academy did not start within {n} seconds; details are in {file}.",
                        round(startup_timeout),
                        file=log_path,
                    )
                ) from None
            time.sleep(0.1)  # Start-up poll only; nothing else is waiting on this thread.
