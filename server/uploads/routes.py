"""The tus 1.0.0 endpoints under /v1/uploads: OPTIONS, POST (creation), HEAD, PATCH, DELETE
(termination), all bearer-authenticated except OPTIONS.

HEAD, POST and DELETE are plain handlers on uvicorn's worker threadpool. PATCH is async: it
reads the body on the event loop with ``request.stream()`` (never holding it whole) and hands
each block of about 1 MiB to a worker thread to write; database work and fsyncs also run on
worker threads. Bytes that arrived before a connection broke are kept (fsynced, offset
committed), so the client resumes from HEAD.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Depends, Header, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from server.config import ServerConfig
from server.db import Database, utc_now
from server.dependencies import CallerDep, ConfigDep, SessionDep
from server.errors import ApiError
from server.language import _
from server.openapi_doc import error_responses
from server.uploads import files, records
from server.uploads.locks import LeaseKeeper, UploadLeases
from server.uploads.metadata import canonical_uuid, parse_creation
from server.uploads.models import Upload, UploadState
from server.uploads.protocol import (
    CHECKSUM_MISMATCH,
    CREATED_HEADERS,
    DISCOVERY_HEADERS,
    OFFSET_CONTENT_TYPE,
    PATCH_BODY,
    PREFIX,
    STATE_HEADERS,
    TUS_EXTENSIONS,
    TUS_HEADERS,
    TUS_VERSION,
)
from server.uploads.sweeper import ExpirySweeper
from server.wire_limits import whole_number

WRITE_BLOCK = 1024 * 1024  # bytes gathered on the event loop before one threadpool write
CHECKPOINT_BYTES = 16 * 1024 * 1024  # a long PATCH commits its offset this often


def require_tus_version(
    tus_resumable: Annotated[
        str | None,
        Header(description=f"Always {TUS_VERSION}.", json_schema_extra={"enum": [TUS_VERSION]}),
    ] = None,
) -> None:
    if (tus_resumable or "").strip() != TUS_VERSION:
        raise ApiError(
            412,
            "tus_version",
            _("Uploads speak tus {version}; send the header Tus-Resumable: {version}.").format(
                version=TUS_VERSION
            ),
            {"Tus-Version": TUS_VERSION},
        )


def sweep_expired(request: Request) -> None:
    """Runs before every authenticated upload request (a worker thread); cheap when not due."""
    sweeper: ExpirySweeper = request.app.state.upload_sweeper
    sweeper.maybe_sweep()


def uploader(caller: CallerDep, session: SessionDep) -> int:
    # End the token lookup's read transaction: a PATCH may stream for minutes.
    session.rollback()
    return caller.user.id


UploaderDep = Annotated[int, Depends(uploader)]

router = APIRouter(
    prefix=PREFIX,
    tags=["uploads"],
    dependencies=[Depends(require_tus_version), Depends(sweep_expired)],
    responses=error_responses(412),
)
options_router = APIRouter(prefix=PREFIX, tags=["uploads"])


def _http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def _state_headers(upload: Upload) -> dict[str, str]:
    headers = {
        "Upload-Offset": str(upload.received),
        "Upload-Length": str(upload.length),
        "Cache-Control": "no-store",
    }
    if upload.state != UploadState.COMPLETE and upload.expires_at is not None:
        headers["Upload-Expires"] = _http_date(upload.expires_at)
    return headers


def _canonical(upload_id: str) -> str:
    canonical = canonical_uuid(upload_id)
    if canonical is None:
        raise records.no_such_upload()
    return canonical


def _busy() -> ApiError:
    return ApiError(
        423,
        "upload_busy",
        _("This upload is already receiving bytes on another connection; try again in a moment."),
        {"Retry-After": "1"},
    )


@options_router.options(
    "",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "What this server speaks.", "headers": DISCOVERY_HEADERS}},
)
def discover(config: ConfigDep) -> Response:
    """What this server speaks (tus discovery); no login needed."""
    return Response(
        status_code=204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(config.upload_max_bytes),
        },
    )


@router.post(
    "",
    status_code=201,
    response_class=Response,
    responses={
        201: {"description": "Created; send the bytes to Location.", "headers": CREATED_HEADERS},
        **error_responses(400, 409, 413, 415, 429),
    },
)
def create_upload(
    user_id: UploaderDep,
    session: SessionDep,
    config: ConfigDep,
    upload_length: Annotated[str | None, Header(description="The file's size in bytes.")] = None,
    upload_metadata: Annotated[
        str | None,
        Header(description="id, sha256, content_type and filename, each base64 (tus)."),
    ] = None,
) -> Response:
    new = parse_creation(upload_length, upload_metadata, config.upload_max_bytes)
    now = utc_now()
    upload = records.create(session, new, user_id, config, now)
    records.settle(upload, config, now)
    session.commit()
    headers = {"Location": f"{PREFIX}/{upload.id}", **_state_headers(upload)}
    headers.pop("Upload-Length")
    return Response(status_code=201, headers=headers)


@router.head(
    "/{upload_id}",
    response_class=Response,
    responses={
        200: {"description": "How far the upload is.", "headers": STATE_HEADERS},
        **error_responses(404, 410),
    },
)
def upload_offset(
    upload_id: str, user_id: UploaderDep, session: SessionDep, config: ConfigDep
) -> Response:
    now = utc_now()
    upload = records.own_upload(session, _canonical(upload_id), user_id)
    if records.is_expired(upload, now):
        raise records.expired_error(config)
    records.settle(upload, config, now)
    session.commit()
    return Response(status_code=200, headers=_state_headers(upload))


@router.delete(
    "/{upload_id}",
    status_code=204,
    response_class=Response,
    responses={
        204: {"description": "Removed.", "headers": TUS_HEADERS},
        **error_responses(404, 423),
    },
)
def terminate_upload(
    upload_id: str,
    user_id: UploaderDep,
    session: SessionDep,
    config: ConfigDep,
    request: Request,
) -> Response:
    canonical = _canonical(upload_id)
    upload = records.own_upload(session, canonical, user_id)
    leases: UploadLeases = request.app.state.upload_locks
    owner = leases.try_acquire(canonical)
    if owner is None:
        raise _busy()
    try:
        files.remove(config.upload_dir, canonical)
        session.delete(upload)  # its lease goes with it (ON DELETE CASCADE)
        session.commit()
    finally:
        leases.release(canonical, owner)
    return Response(status_code=204)


# -- PATCH -------------------------------------------------------------------------------------


@dataclass
class _Patch:
    """What a PATCH learned before its body: where to write and what to expect."""

    upload_id: str
    length: int
    sha256: str
    offset: int


def _owned(database: Database, upload_id: str, user_id: int) -> None:
    with database.session() as session:
        records.own_upload(session, upload_id, user_id)


def _begin(
    database: Database,
    config: ServerConfig,
    upload_id: str,
    user_id: int,
    offset: int,
    body_length: int | None,
) -> _Patch:
    """Checks under the upload's lock; refreshes the expiry so the sweep leaves it alone."""
    now = utc_now()
    with database.session() as session:
        upload = records.own_upload(session, upload_id, user_id)
        if records.is_expired(upload, now):
            raise records.expired_error(config)
        records.settle(upload, config, now)
        if upload.state == UploadState.FAILED and offset == 0:
            upload.state = UploadState.RECEIVING.value  # sent again after a checksum mismatch
        if upload.state == UploadState.COMPLETE:
            session.commit()
            raise ApiError(
                409,
                "upload_complete",
                _("This upload is already complete."),
                {"Upload-Offset": str(upload.length)},
            )
        if offset != upload.received:
            session.commit()
            raise ApiError(
                409,
                "offset_mismatch",
                _(
                    "The upload is at byte {received}, not {offset}; ask for its offset "
                    "(HEAD) and continue from there."
                ).format(received=upload.received, offset=offset),
                {"Upload-Offset": str(upload.received)},
            )
        if body_length is not None and offset + body_length > upload.length:
            raise _beyond_length(upload.length)
        records.refresh_expiry(upload, config, now)
        session.commit()
        return _Patch(upload.id, upload.length, upload.sha256, upload.received)


def _beyond_length(length: int) -> ApiError:
    return ApiError(
        413,
        "beyond_length",
        _(
            "The body would make the upload longer than its declared {length} bytes; nothing of "
            "it was kept."
        ).format(length=length),
    )


def _save_offset(database: Database, config: ServerConfig, upload_id: str, received: int) -> None:
    with database.session() as session:
        upload = session.get(Upload, upload_id)
        if upload is not None and upload.state == UploadState.RECEIVING:
            upload.received = received
            records.refresh_expiry(upload, config, utc_now())
            session.commit()


def _checkpoint(
    handle: BinaryIO, database: Database, config: ServerConfig, upload_id: str, received: int
) -> None:
    """Bytes first reach the disk, then the offset that vouches for them is committed."""
    handle.flush()
    files.fsync_handle(handle)
    _save_offset(database, config, upload_id, received)


def _conclude(database: Database, config: ServerConfig, patch: _Patch) -> Upload:
    """Every byte arrived: verify the whole file's sha256, then promote it or delete it."""
    folder = config.upload_dir
    actual = files.sha256_of(files.part_path(folder, patch.upload_id))
    now = utc_now()
    with database.session() as session:
        upload = session.get(Upload, patch.upload_id)
        if upload is None:  # terminated while the last bytes were checked
            files.remove(folder, patch.upload_id)
            raise records.no_such_upload()
        if actual == patch.sha256:
            files.promote(folder, patch.upload_id)
            upload.state = UploadState.COMPLETE.value
            upload.received = upload.length
            upload.expires_at = None
        else:
            files.remove(folder, patch.upload_id)
            upload.state = UploadState.FAILED.value
            upload.received = 0
        upload.updated_at = now
        session.commit()
        return upload


async def _body(request: Request, idle_timeout: float) -> AsyncGenerator[bytes, None]:
    """The request body; ends early (without raising) when the client goes away or the body
    stops flowing for `idle_timeout` seconds: what arrived until then is still good."""
    chunks = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(chunks.__anext__(), idle_timeout)
        except (StopAsyncIteration, ClientDisconnect, TimeoutError):
            return
        if chunk:
            yield chunk


async def _keep(keeper: LeaseKeeper) -> None:
    """Renew the upload's lease; 423 if it ran out and another PATCH took the upload over."""
    if not await run_in_threadpool(keeper.renew):
        raise _busy()


async def _receive(
    request: Request, database: Database, config: ServerConfig, patch: _Patch, keeper: LeaseKeeper
) -> int:
    """Append the body to the `.part` file; returns the durable offset afterwards."""
    handle = await run_in_threadpool(
        files.open_for_append, config.upload_dir, patch.upload_id, patch.offset
    )
    received = committed = patch.offset
    block = bytearray()
    try:
        async with aclosing(_body(request, config.upload_idle_timeout_s)) as body:
            async for chunk in body:
                if received + len(block) + len(chunk) > patch.length:
                    # Never a byte past Upload-Length: this PATCH is refused whole.
                    await run_in_threadpool(handle.truncate, patch.offset)
                    if committed != patch.offset:
                        await run_in_threadpool(
                            _save_offset, database, config, patch.upload_id, patch.offset
                        )
                    raise _beyond_length(patch.length)
                block += chunk
                if keeper.due():  # per chunk: a slow line may take minutes for one block
                    await _keep(keeper)
                if len(block) >= WRITE_BLOCK:
                    await run_in_threadpool(files.write_all, handle, bytes(block))
                    received += len(block)
                    block.clear()
                    if received - committed >= CHECKPOINT_BYTES and received < patch.length:
                        await run_in_threadpool(
                            _checkpoint, handle, database, config, patch.upload_id, received
                        )
                        committed = received
        if block:
            await run_in_threadpool(files.write_all, handle, bytes(block))
            received += len(block)
        if received == patch.length:
            # Not committed yet: until the sha256 is checked, HEAD must not say "complete".
            await run_in_threadpool(files.fsync_handle, handle)
        elif received != committed:
            await run_in_threadpool(
                _checkpoint, handle, database, config, patch.upload_id, received
            )
    finally:
        await run_in_threadpool(handle.close)
    return received


@router.patch(
    "/{upload_id}",
    status_code=204,
    response_class=Response,
    responses={
        204: {"description": "The bytes were kept.", "headers": STATE_HEADERS},
        **error_responses(400, 404, 409, 410, 413, 415, 423, 460),
    },
    openapi_extra=PATCH_BODY,
)
async def append_bytes(
    upload_id: str,
    request: Request,
    user_id: UploaderDep,
    upload_offset: Annotated[
        str | None, Header(description="Where these bytes start (the offset HEAD gave).")
    ] = None,
    # Described by the request body above, not as parameters a client could send apart.
    content_type: Annotated[str | None, Header(include_in_schema=False)] = None,
    content_length: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    config: ServerConfig = request.app.state.config
    database: Database = request.app.state.database
    leases: UploadLeases = request.app.state.upload_locks
    if (content_type or "").split(";")[0].strip().lower() != OFFSET_CONTENT_TYPE:
        raise ApiError(
            415,
            "unsupported_media_type",
            _("Upload bytes must be sent with Content-Type: {type}.").format(
                type=OFFSET_CONTENT_TYPE
            ),
        )
    offset = whole_number(upload_offset)
    if offset is None:
        raise ApiError(400, "invalid_request", _("Upload-Offset must be a whole number of bytes."))
    body_length = whole_number(content_length)
    canonical = _canonical(upload_id)
    await run_in_threadpool(_owned, database, canonical, user_id)  # 404 before any 423
    owner = await run_in_threadpool(leases.try_acquire, canonical)
    if owner is None:
        raise _busy()
    try:
        patch = await run_in_threadpool(
            _begin, database, config, canonical, user_id, offset, body_length
        )
        keeper = LeaseKeeper(leases, canonical, owner)
        received = await _receive(request, database, config, patch, keeper)
        if received < patch.length:
            upload = await run_in_threadpool(_reload, database, canonical)
            return Response(status_code=204, headers=_state_headers(upload))
        await _keep(keeper)  # the checksum of a large file takes a while
        upload = await run_in_threadpool(_conclude, database, config, patch)
    finally:
        await run_in_threadpool(leases.release, canonical, owner)
    if upload.state == UploadState.FAILED:
        raise ApiError(
            CHECKSUM_MISMATCH,
            "checksum_mismatch",
            _("The file arrived damaged (checksum mismatch); it will be sent again."),
            {"Upload-Offset": "0"},
        )
    return Response(status_code=204, headers=_state_headers(upload))


def _reload(database: Database, upload_id: str) -> Upload:
    with database.session() as session:
        upload = session.get(Upload, upload_id)
        if upload is None:
            raise records.no_such_upload()
        return upload
