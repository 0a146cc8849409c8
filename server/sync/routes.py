"""POST /v1/sync/push and GET /v1/sync/pull.

The body is read (size-capped; its nesting checked by server.body_depth as it streams in) by
an async dependency on the event loop; parsing and all database work run in the sync
endpoints on uvicorn's worker threadpool. Both endpoints answer
503 ``maintenance`` while ``<data_dir>/maintenance`` exists, and 503 ``busy`` with
Retry-After: 1 when SQLite stays locked past its busy timeout. Each push's results are counted
by outcome for /metrics (server.metrics).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from server.dependencies import CallerDep, ConfigDep, SessionDep
from server.errors import ApiError
from server.language import _, content_language
from server.openapi_doc import error_responses, json_body
from server.social.final_results import publish_due
from server.sync.locks import ClientLocks, is_sqlite_busy
from server.sync.models import SyncClient
from server.sync.pull import build_pull
from server.sync.pull_body import pull_body
from server.sync.push import process_push
from server.sync.rate import RateLimiter
from server.sync.registry import REGISTRY
from server.sync.schemas import PullReply, PushReply, PushRequest
from server.wire_limits import MAX_WIRE_INT, whole_number

MAX_BODY_BYTES = 1024 * 1024
MAX_MUTATIONS = 500
DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 5000
MAINTENANCE_RETRY_AFTER = 30

# Both endpoints pass the rate and maintenance gates: 429 and 503 are every operation's.
log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/sync", tags=["sync"], responses=error_responses(429, 503))


def _too_large() -> ApiError:
    return ApiError(
        413,
        "batch_too_large",
        _("Send at most {mutations} mutations and {size} bytes per push.").format(
            mutations=MAX_MUTATIONS, size=MAX_BODY_BYTES
        ),
    )


def maintenance_gate(config: ConfigDep) -> None:
    """503 while an administrator keeps ``<data_dir>/maintenance`` (e.g. during a backup)."""
    marker = config.data_dir / "maintenance"
    try:
        content = marker.read_text("utf-8", errors="replace").strip()
    except FileNotFoundError:
        return
    except OSError:
        content = ""
    seconds = whole_number(content)  # "²" passes isdigit() but not int()
    if seconds is None:
        seconds = MAINTENANCE_RETRY_AFTER
    raise ApiError(
        503,
        "maintenance",
        _("The academy is being maintained; your changes wait safely on your computer."),
        {"Retry-After": str(seconds)},
    )


async def capped_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it exceeds MAX_BODY_BYTES."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def rate_gate(request: Request) -> None:
    """429 with Retry-After when one login (one installation's token) sends sync requests
    faster than the academy allows. Runs before authentication, so it is cheap to refuse."""
    limiter: RateLimiter = request.app.state.sync_rate
    wait = limiter.check(request.headers.get("authorization", "anonymous"))
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            _("Too many sync requests; Samen will try again shortly."),
            {"Retry-After": str(int(wait))},
        )


def client_locks(request: Request) -> ClientLocks:
    locks: ClientLocks = request.app.state.client_locks
    return locks


def _parse_push(body: bytes) -> PushRequest:
    try:
        raw: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_request", _("The body is not JSON.")) from None
    if isinstance(raw, dict):
        mutations = raw.get("mutations")
        if isinstance(mutations, list) and len(mutations) > MAX_MUTATIONS:
            raise _too_large()
    try:
        return PushRequest.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:3]:
            where = ".".join(str(part) for part in error.get("loc", ())) or "body"
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
        raise ApiError(400, "invalid_request", "; ".join(problems)) from None


def _require_owner(session: Session, client_id: str, user_id: int) -> None:
    owner = session.execute(
        select(SyncClient.user_id).where(SyncClient.client_id == client_id)
    ).scalar_one_or_none()
    if owner != user_id:
        raise ApiError(
            403,
            "client_id_not_owned",
            _("This installation is not registered to you; log in again from it."),
        )


@contextmanager
def _database_as_503(session: Session) -> Iterator[None]:
    """The database failing (locked, disk full, connection lost) is the academy's trouble, not
    the batch's: 503 with Retry-After, so clients wait and resend it instead of refusing
    anything. A handler's own bug is refused per item in process_push."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        session.rollback()
        if isinstance(exc, OperationalError) and is_sqlite_busy(exc):
            raise ApiError(
                503,
                "busy",
                _("The academy is busy; try again in a moment."),
                {"Retry-After": "1"},
            ) from None
        log.error("the database failed during sync: %s", exc)
        raise ApiError(
            503,
            "unavailable",
            _("The academy cannot store changes right now; try again later."),
            {"Retry-After": "30"},
        ) from None


@router.post(
    "/push",
    dependencies=[Depends(maintenance_gate), Depends(rate_gate)],
    response_model=None,
    responses={200: {"model": PushReply}, **error_responses(400, 403, 409, 413)},
    openapi_extra=json_body(PushRequest),
)
def push(
    request: Request,
    caller: CallerDep,
    body: Annotated[bytes, Depends(capped_body)],
    session: SessionDep,
    config: ConfigDep,
    locks: Annotated[ClientLocks, Depends(client_locks)],
) -> JSONResponse:
    envelope = _parse_push(body)
    client_id = str(envelope.client_id)
    user_id = caller.user.id
    with _database_as_503(session):
        _require_owner(session, client_id, user_id)
        session.commit()  # end the read transaction; the batch starts with the row lock
        with locks.exclusive(client_id):
            reply = process_push(
                session,
                REGISTRY,
                user_id,
                client_id,
                envelope.mutations,
                config=config,
                on_start=publish_due,
            )
    request.app.state.metrics.count_push(reply["results"])
    request.app.state.mailer.wake()  # e-mails decided by this batch go out now
    # Rejections' messages are in the push's language: the reply says which.
    return JSONResponse(reply, headers=content_language())


@router.get(
    "/pull",
    dependencies=[Depends(maintenance_gate), Depends(rate_gate)],
    response_model=None,
    responses={200: {"model": PullReply}, **error_responses(403)},
)
def pull(
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    client_id: str,
    cursor: str = "",
    acked_seq: Annotated[int, Query(ge=0, le=MAX_WIRE_INT)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
) -> Response:
    with _database_as_503(session):
        _require_owner(session, client_id.lower(), caller.user.id)
        shared = request.app.state.shared_log
        reply = build_pull(
            session, caller.user.id, client_id.lower(), cursor, acked_seq, limit, shared
        )
        session.rollback()  # read-only
    return Response(pull_body(reply), media_type="application/json")
