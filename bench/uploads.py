"""Benchmark: upload a recording over loopback with tus, clean and with the link cut every N MB.

Usage: .venv/bin/python bench/uploads.py [--size-mb 64] [--cut-every-mb 8] [--repeat 3]
   or: .venv/bin/python -m bench.uploads [...]          (both from the repository root)

All on 127.0.0.1: starts a demo server (tests/server_process.py), logs a client Core in as the
demo learner, writes --size-mb random bytes to a temp file, then

1. Clean: `attach` (copy + sha256) and `send_pending` straight to the server, --repeat times;
   the best time of each step is printed (single runs vary a lot on a shared VM).
2. Cut: through the fault proxy (tests/faults/proxy.py, Fault.RESET_MID_REQUEST), which resets
   each connection after --cut-every-mb of request bytes; prints the time and the bytes sent
   more than once (stats.bytes_sent - size; at most one 1 MiB chunk per cut is the target).

MB here is 2**20 bytes. Exits 0 when every upload completed and arrived identical.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # tests/ (server process, fault proxy) is not installed

from desktop.core import Core  # noqa: E402
from desktop.sync.uploads import CHUNK_SIZE, TusUploader  # noqa: E402
from tests.faults.proxy import Fault, FaultProxy  # noqa: E402
from tests.integration.sync_helpers import client  # noqa: E402
from tests.server_process import start_server  # noqa: E402

MB = 1024 * 1024


def upload_once(core: Core, source: Path) -> tuple[float, float, str]:
    """Seconds to attach and to send; the upload id."""
    started = time.perf_counter()
    upload_id = core.uploads.attach(source)
    attached = time.perf_counter()
    report = core.uploads.send_pending()
    sent = time.perf_counter()
    if report.completed != 1:
        raise SystemExit(f"upload did not complete: {report}")
    return attached - started, sent - attached, upload_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=64)
    parser.add_argument("--cut-every-mb", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    size = args.size_mb * MB
    with tempfile.TemporaryDirectory(prefix="samen-bench-uploads-") as temp:
        root = Path(temp)
        source = root / "recording.webm"
        with source.open("wb") as out:
            for _ in range(args.size_mb):
                out.write(os.urandom(MB))
        server = start_server(root / "server", seed_demo=True, extra_args=("--sync-rate", "0"))
        try:
            core = client(root / "client", server.url)
            attach_s, send_s = [], []
            for _ in range(args.repeat):
                attach, send, upload_id = upload_once(core, source)
                attach_s.append(attach)
                send_s.append(send)
                arrived = server.data_dir / "uploads" / upload_id
                if arrived.stat().st_size != size:
                    raise SystemExit("the upload arrived with the wrong size")
                arrived.unlink()
            print(
                f"clean: attach {args.size_mb / min(attach_s):.0f} MB/s, "
                f"send {args.size_mb / min(send_s):.0f} MB/s (best of {args.repeat})"
            )
            core.close()
            with FaultProxy("127.0.0.1", server.port) as proxy:
                cut = client(root / "client-cut", proxy.url)
                cut.uploads.uploader = lambda s: TusUploader(s.client(), retry_pause_s=0.01)
                proxy.set(Fault.RESET_MID_REQUEST, reset_every_bytes=args.cut_every_mb * MB)
                _attach, send, upload_id = upload_once(cut, source)
                stats = cut.uploads.last_stats[upload_id]
                extra = stats.bytes_sent - size
                print(
                    f"cut every {args.cut_every_mb} MB: send {args.size_mb / send:.0f} MB/s, "
                    f"{stats.interrupted} interruptions, {extra / MB:.2f} MB sent twice "
                    f"(target <= {stats.interrupted * CHUNK_SIZE / MB:.0f} MB)"
                )
                cut.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
