"""tus uploads over real HTTP against a real server process: creation, offsets, completion with
sha256, refusals, expiry, termination and one PATCH at a time."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import requests

from server.auth.models import Role, User
from server.db import Database
from server.migrator import upgrade_to_head
from server.sync.mutations import MutationContext, Rejected, RetryLater
from server.uploads.models import Upload, UploadState
from server.uploads.readiness import UploadInfo, require_upload
from tests.faults.proxy import Fault, FaultProxy
from tests.server.api import assert_error, token_for
from tests.server.sync_api import add_learner
from tests.server.upload_api import OCTETS, TUS, TusSession, sha, stored
from tests.server_process import LiveServer, start_server

MB = 1024 * 1024
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def payload(n: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(n)


@pytest.fixture(scope="module")
def learner(live_server: LiveServer) -> TusSession:
    """A learner of its own, so the per-learner limits of other tests never interfere."""
    return TusSession(live_server, token_for(live_server, add_learner(live_server, "uploader")))


def wait_for(condition: object, what: str, timeout: float = 10.0) -> None:
    """Poll a condition the server reaches on its own (test helper; asserts nothing on time)."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen"
        time.sleep(0.02)


# -- discovery and the happy path ----------------------------------------------------------------


def test_options_tells_what_the_server_speaks(live_server: LiveServer) -> None:
    reply = requests.options(f"{live_server.url}/v1/uploads", timeout=10)
    assert reply.status_code == 204
    assert reply.headers["Tus-Resumable"] == "1.0.0"
    assert reply.headers["Tus-Version"] == "1.0.0"
    assert reply.headers["Tus-Extension"] == "creation,expiration,termination"
    assert int(reply.headers["Tus-Max-Size"]) == 1024**3


def test_create_head_patch_until_complete(learner: TusSession, live_server: LiveServer) -> None:
    data = payload(2 * MB + 12_345)
    upload_id = str(uuid.uuid4())
    created = learner.create(data, upload_id.upper())  # any UUID spelling; stored canonical
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"/v1/uploads/{upload_id}"
    assert created.headers["Tus-Resumable"] == "1.0.0"
    assert parsedate_to_datetime(created.headers["Upload-Expires"]).tzinfo is not None

    head = learner.head(upload_id)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == "0"
    assert head.headers["Upload-Length"] == str(len(data))
    assert head.headers["Cache-Control"] == "no-store"
    assert head.headers["Tus-Resumable"] == "1.0.0"
    assert "Upload-Expires" in head.headers

    first = learner.patch(upload_id, 0, data[:MB])
    assert first.status_code == 204, first.text
    assert first.headers["Upload-Offset"] == str(MB)
    assert "Upload-Expires" in first.headers
    assert learner.offset(upload_id) == MB
    final, part = stored(live_server, upload_id)
    assert part.stat().st_size == MB and not final.exists()

    # The rest as a chunked body (no Content-Length): streamed all the same.
    rest = data[MB:]
    last = learner.patch(
        upload_id, MB, (rest[i : i + 100_000] for i in range(0, len(rest), 100_000))
    )
    assert last.status_code == 204, last.text
    assert last.headers["Upload-Offset"] == str(len(data))
    assert "Upload-Expires" not in last.headers
    assert final.read_bytes() == data
    assert not part.exists()
    done = learner.head(upload_id)
    assert done.headers["Upload-Offset"] == done.headers["Upload-Length"] == str(len(data))
    assert "Upload-Expires" not in done.headers
    # A complete upload takes no more bytes.
    assert_error(learner.patch(upload_id, len(data), b"x"), 409, "upload_complete")


def test_creating_again_returns_the_same_upload(learner: TusSession) -> None:
    data = payload(300_000, seed=2)
    upload_id = learner.new(data)
    assert learner.patch(upload_id, 0, data[:100_000]).status_code == 204
    again = learner.create(data, upload_id)  # the first reply was lost, say
    assert again.status_code == 201
    assert again.headers["Location"] == f"/v1/uploads/{upload_id}"
    assert again.headers["Upload-Offset"] == "100000"
    assert learner.offset(upload_id) == 100_000


def test_same_id_with_other_content_is_a_conflict(learner: TusSession) -> None:
    data = payload(1000, seed=3)
    upload_id = learner.new(data)
    body = assert_error(learner.create(data + b"!", upload_id), 409, "upload_mismatch")
    assert "other content" in body["error"]["message"]
    other_sha = sha(b"something else")
    assert_error(learner.create(data, upload_id, digest=other_sha), 409, "upload_mismatch")


def test_another_learners_upload_looks_unknown(
    learner: TusSession, live_server: LiveServer
) -> None:
    data = payload(5000, seed=4)
    upload_id = learner.new(data)
    assert learner.patch(upload_id, 0, data[:1000]).status_code == 204
    other = TusSession(live_server, token_for(live_server, "anna"))
    unknown = str(uuid.uuid4())
    assert other.head(upload_id).status_code == other.head(unknown).status_code == 404
    theirs = assert_error(other.patch(upload_id, 1000, data[1000:]), 404, "not_found")
    nobodys = assert_error(other.patch(unknown, 1000, data[1000:]), 404, "not_found")
    assert theirs == nobodys
    assert_error(other.delete(upload_id), 404, "not_found")
    taken = assert_error(other.create(data, upload_id), 409, "upload_id_taken")
    assert "choose a new id" in taken["error"]["message"]
    assert learner.offset(upload_id) == 1000  # untouched by all that


def test_a_wrong_offset_is_a_conflict_that_names_the_right_one(learner: TusSession) -> None:
    data = payload(4000, seed=5)
    upload_id = learner.new(data)
    reply = learner.patch(upload_id, 10, data[10:])
    body = assert_error(reply, 409, "offset_mismatch")
    assert reply.headers["Upload-Offset"] == "0"
    assert "HEAD" in body["error"]["message"]
    assert learner.offset(upload_id) == 0


def test_no_byte_beyond_the_declared_length(learner: TusSession, live_server: LiveServer) -> None:
    data = payload(10_000, seed=6)
    upload_id = learner.new(data)
    assert learner.patch(upload_id, 0, data[:4000]).status_code == 204
    declared = learner.patch(upload_id, 4000, data[4000:] + b"extra")
    assert_error(declared, 413, "beyond_length")
    # Without Content-Length the server finds out while reading, and keeps nothing of it.
    chunked = learner.patch(upload_id, 4000, iter([data[4000:], b"extra"]))
    assert_error(chunked, 413, "beyond_length")
    assert learner.offset(upload_id) == 4000
    assert stored(live_server, upload_id)[1].stat().st_size == 4000
    assert learner.patch(upload_id, 4000, data[4000:]).status_code == 204
    assert stored(live_server, upload_id)[0].read_bytes() == data


@pytest.mark.parametrize(
    ("kwargs", "status", "code", "says"),
    [
        ({"content_type": "application/pdf"}, 415, "unsupported_type", "audio and video"),
        ({"content_type": "text/html"}, 415, "unsupported_type", "audio and video"),
        ({"length": 1024**3 + 1}, 413, "upload_too_large", "at most 1024.0 MB"),
        ({"length": 0}, 400, "invalid_request", "empty file"),
        ({"digest": "abc123"}, 400, "invalid_request", "64 hexadecimal"),
        ({"digest": "g" * 64}, 400, "invalid_request", "64 hexadecimal"),
        ({"upload_id": "not-a-uuid"}, 400, "invalid_request", "UUID"),
        ({"filename": "x" * 300}, 400, "invalid_request", "file name"),
    ],
)
def test_creation_refuses_with_a_clear_message(
    learner: TusSession, kwargs: dict[str, object], status: int, code: str, says: str
) -> None:
    reply = learner.create(b"abc", **kwargs)  # type: ignore[arg-type]
    body = assert_error(reply, status, code)
    assert says in body["error"]["message"]
    assert reply.headers["Tus-Resumable"] == "1.0.0"


def test_malformed_headers_are_refused(learner: TusSession, live_server: LiveServer) -> None:
    url = f"{live_server.url}/v1/uploads"
    auth = {"Authorization": f"Bearer {learner.token}"}
    bad_metadata = {**auth, **TUS, "Upload-Length": "3", "Upload-Metadata": "id %%%"}
    body = assert_error(
        requests.post(url, headers=bad_metadata, timeout=10), 400, "invalid_request"
    )
    assert "Upload-Metadata" in body["error"]["message"]
    no_length = {**auth, **TUS, "Upload-Metadata": ""}
    assert_error(requests.post(url, headers=no_length, timeout=10), 400, "invalid_request")
    no_version = requests.post(url, headers={**auth, "Upload-Length": "3"}, timeout=10)
    assert_error(no_version, 412, "tus_version")
    assert no_version.headers["Tus-Version"] == "1.0.0"
    anonymous = requests.post(url, headers={**TUS, "Upload-Length": "3"}, timeout=10)
    assert_error(anonymous, 401, "unauthorized")
    assert anonymous.headers["Tus-Resumable"] == "1.0.0"
    upload_id = learner.new(b"abc")
    assert_error(learner.patch(upload_id, 0, b"abc", "text/plain"), 415, "unsupported_media_type")
    headers = learner.headers(**{"Content-Type": OCTETS})
    no_offset = requests.patch(f"{url}/{upload_id}", headers=headers, data=b"a", timeout=10)
    assert_error(no_offset, 400, "invalid_request")


# -- checksum --------------------------------------------------------------------------------------


def test_a_damaged_file_is_refused_deleted_and_can_be_sent_again(
    learner: TusSession, live_server: LiveServer
) -> None:
    data = payload(200_000, seed=7)
    damaged = bytearray(data)
    damaged[123_456] ^= 0xFF
    upload_id = learner.new(data)
    assert learner.patch(upload_id, 0, bytes(damaged[:100_000])).status_code == 204
    reply = learner.patch(upload_id, 100_000, bytes(damaged[100_000:]))
    assert reply.status_code == 460
    assert reply.json()["error"] == {
        "code": "checksum_mismatch",
        "message": "The file arrived damaged (checksum mismatch); it will be sent again.",
    }
    final, part = stored(live_server, upload_id)
    assert not final.exists() and not part.exists()
    assert learner.offset(upload_id) == 0
    # Sent again from 0, right this time.
    assert learner.patch(upload_id, 0, data).status_code == 204
    assert final.read_bytes() == data


# -- termination and concurrency -------------------------------------------------------------------


def test_termination_removes_the_upload(learner: TusSession, live_server: LiveServer) -> None:
    data = payload(50_000, seed=8)
    upload_id = learner.new(data)
    assert learner.patch(upload_id, 0, data[:20_000]).status_code == 204
    assert learner.delete(upload_id).status_code == 204
    assert learner.head(upload_id).status_code == 404
    assert not any(path.exists() for path in stored(live_server, upload_id))
    assert_error(learner.delete(upload_id), 404, "not_found")
    # The id is free again for the same learner.
    assert learner.create(data, upload_id).status_code == 201
    assert learner.offset(upload_id) == 0


def test_a_second_patch_at_once_is_refused_and_bytes_never_interleave(
    learner: TusSession, live_server: LiveServer
) -> None:
    data = payload(600_000, seed=9)
    upload_id = learner.new(data)
    release = threading.Event()
    first_reply: list[requests.Response] = []

    def slow_body() -> Iterator[bytes]:
        yield data[:200_000]
        release.wait(20)
        yield data[200_000:400_000]

    sender = threading.Thread(
        target=lambda: first_reply.append(learner.patch(upload_id, 0, slow_body()))
    )
    sender.start()
    try:
        part = stored(live_server, upload_id)[1]
        wait_for(part.exists, "the first PATCH starting")  # it holds the upload's lock now
        second = learner.patch(upload_id, 0, b"z" * 1000)
        body = assert_error(second, 423, "upload_busy")
        assert "another connection" in body["error"]["message"]
        assert_error(learner.delete(upload_id), 423, "upload_busy")
    finally:
        release.set()
        sender.join(30)
    assert first_reply[0].status_code == 204
    assert first_reply[0].headers["Upload-Offset"] == "400000"
    assert learner.patch(upload_id, 400_000, data[400_000:]).status_code == 204
    assert stored(live_server, upload_id)[0].read_bytes() == data


def test_a_connection_cut_mid_body_keeps_what_arrived(
    learner: TusSession, live_server: LiveServer
) -> None:
    data = payload(3 * MB, seed=10)
    upload_id = learner.new(data)
    with FaultProxy("127.0.0.1", live_server.port) as proxy:
        proxy.set(Fault.RESET_MID_REQUEST, reset_every_bytes=MB + 300_000)
        cut = TusSession(LiveServer(proxy.url, live_server.data_dir, proxy.port), learner.token)
        with pytest.raises(requests.ConnectionError):
            cut.patch(upload_id, 0, data)
    part = stored(live_server, upload_id)[1]
    wait_for(lambda: learner.offset(upload_id) > 0, "the server saving what arrived")
    kept = learner.offset(upload_id)
    assert MB <= kept < MB + 300_000  # the head took a little of the allowance
    assert part.read_bytes() == data[:kept]
    assert learner.patch(upload_id, kept, data[kept:]).status_code == 204
    assert stored(live_server, upload_id)[0].read_bytes() == data


# -- limits ----------------------------------------------------------------------------------------


def test_unfinished_uploads_per_learner_are_limited(live_server: LiveServer) -> None:
    me = TusSession(live_server, token_for(live_server, add_learner(live_server, "busy")))
    ids = [me.new(payload(10, seed=n)) for n in range(20)]
    body = assert_error(me.create(payload(10, seed=99)), 429, "too_many_uploads")
    assert "20 unfinished uploads" in body["error"]["message"]
    # Finishing one makes room.
    assert me.patch(ids[0], 0, payload(10, seed=0)).status_code == 204
    assert me.create(payload(10, seed=99)).status_code == 201


def test_bytes_in_flight_per_learner_are_limited(live_server: LiveServer) -> None:
    me = TusSession(live_server, token_for(live_server, add_learner(live_server, "big")))
    for n in range(4):
        assert me.create(b"", length=1024**3, digest=sha(bytes([n]))).status_code == 201
    body = assert_error(me.create(b"x"), 429, "too_many_upload_bytes")
    assert "4096 MB" in body["error"]["message"]


# -- expiry ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """An academy whose unfinished uploads expire one second after their last bytes."""
    server = start_server(
        tmp_path_factory.mktemp("short-lived"),
        seed_demo=True,
        extra_args=("--upload-expiry-s", "1"),
    )
    yield server
    server.stop()


def test_an_unfinished_upload_expires_and_its_bytes_are_swept(short_lived: LiveServer) -> None:
    me = TusSession(short_lived, token_for(short_lived))
    data = payload(100_000, seed=11)
    upload_id = me.new(data)
    assert me.patch(upload_id, 0, data[:50_000]).status_code == 204
    part = stored(short_lived, upload_id)[1]
    assert part.exists()
    time.sleep(1.5)  # let it expire (the expiry is the setup here, not something measured)
    gone = me.head(upload_id)
    assert gone.status_code == 410
    assert gone.headers["Tus-Resumable"] == "1.0.0"
    assert not part.exists()  # that request triggered the sweep
    body = assert_error(me.patch(upload_id, 50_000, data[50_000:]), 410, "upload_expired")
    assert "started again" in body["error"]["message"]
    # Creating it again starts over from 0.
    assert me.create(data, upload_id).status_code == 201
    assert me.offset(upload_id) == 0
    assert me.patch(upload_id, 0, data).status_code == 204
    assert stored(short_lived, upload_id)[0].read_bytes() == data


def test_the_sweep_runs_without_the_expired_upload_being_asked_about(
    short_lived: LiveServer,
) -> None:
    me = TusSession(short_lived, token_for(short_lived))
    data = payload(10_000, seed=12)
    forgotten = me.new(data)
    assert me.patch(forgotten, 0, data[:5000]).status_code == 204
    part: Path = stored(short_lived, forgotten)[1]
    time.sleep(1.5)
    me.new(payload(10, seed=13))  # any upload request may sweep
    assert not part.exists()


# -- require_upload, for the mutation that will reference an upload ------------------------------


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'readiness.db'}")
    upgrade_to_head(database.engine)
    with database.session() as session:
        for user_id in (1, 2):
            session.add(
                User(
                    id=user_id,
                    username=f"u{user_id}",
                    display_name="U",
                    role=Role.LEARNER,
                    password_hash="-",
                )
            )
        session.commit()
    yield database
    database.dispose()


def _add_upload(
    database: Database, state: UploadState, *, user_id: int = 1, expires_in: float = 3600
) -> str:
    upload_id = str(uuid.uuid4())
    with database.session() as session:
        session.add(
            Upload(
                id=upload_id,
                user_id=user_id,
                length=10,
                received=10 if state is UploadState.COMPLETE else 3,
                sha256="a" * 64,
                filename="talk.m4a",
                content_type="audio/mp4",
                state=state.value,
                expires_at=None
                if state is UploadState.COMPLETE
                else NOW + timedelta(seconds=expires_in),
            )
        )
        session.commit()
    return upload_id


def _require(database: Database, upload_id: str, user_id: int = 1) -> UploadInfo:
    with database.session() as session:
        ctx = MutationContext(
            session=session, connection=session.connection(), user_id=user_id, now=NOW
        )
        return require_upload(ctx, upload_id)


def test_a_complete_upload_is_returned(database: Database) -> None:
    upload_id = _add_upload(database, UploadState.COMPLETE)
    info = _require(database, upload_id.upper())
    assert info == UploadInfo(upload_id, 10, "a" * 64, "talk.m4a", "audio/mp4")
    assert info.path(Path("/srv/uploads")) == Path("/srv/uploads") / upload_id


def test_an_unfinished_upload_means_retry_later(database: Database) -> None:
    with pytest.raises(RetryLater) as raised:
        _require(database, _add_upload(database, UploadState.RECEIVING))
    assert raised.value.seconds > 0
    assert "still being uploaded" in str(raised.value)


@pytest.mark.parametrize(
    ("state", "expires_in", "code", "says"),
    [
        (UploadState.EXPIRED, 3600, "upload_expired", "not finished in time"),
        (UploadState.RECEIVING, -1, "upload_expired", "not finished in time"),
        (UploadState.FAILED, 3600, "upload_failed", "arrived damaged"),
    ],
)
def test_a_lost_upload_is_refused_for_good(
    database: Database, state: UploadState, expires_in: float, code: str, says: str
) -> None:
    with pytest.raises(Rejected) as raised:
        _require(database, _add_upload(database, state, expires_in=expires_in))
    assert raised.value.code == code
    assert says in raised.value.message


@pytest.mark.parametrize("whose", ["unknown", "another learner's", "not a uuid"])
def test_an_upload_not_of_the_caller_is_not_found(database: Database, whose: str) -> None:
    upload_id = {
        "unknown": str(uuid.uuid4()),
        "another learner's": _add_upload(database, UploadState.COMPLETE, user_id=2),
        "not a uuid": "../../etc/passwd",
    }[whose]
    with pytest.raises(Rejected) as raised:
        _require(database, upload_id)
    assert raised.value.code == "upload_not_found"
    assert "never reached the academy" in raised.value.message
