"""Auth endpoints: login, logout, me. Sync handlers, so they run on uvicorn's worker threadpool."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.auth.accounts import find_user
from server.auth.models import User
from server.auth.passwords import burn_verification, hash_password, needs_rehash, verify_password
from server.auth.schemas import LoginReply, LoginRequest, Me, UserOut
from server.auth.tokens import issue_token, revoke
from server.content.schemas import AcademyKeyOut
from server.dependencies import CallerDep, ConfigDep, SessionDep, SignerDep
from server.errors import ApiError
from server.language import _
from server.openapi_doc import error_responses
from server.sync.models import SyncClient

router = APIRouter(prefix="/v1", tags=["auth"])


def _invalid_credentials() -> ApiError:
    # One answer for unknown user and wrong password, so names cannot be probed.
    return ApiError(401, "invalid_credentials", _("Wrong user name or password."))


def _client_id_taken() -> ApiError:
    return ApiError(
        403,
        "client_id_taken",
        _("This installation is registered to another user of this academy."),
    )


def _bind_client(session: Session, client_id: str, user: User) -> None:
    """Bind an installation to its first user; sync state must never cross accounts."""
    client = session.get(SyncClient, client_id)
    if client is None:
        session.add(SyncClient(client_id=client_id, user_id=user.id))
    elif client.user_id != user.id:
        raise _client_id_taken()


@router.post("/auth/login", response_model=LoginReply, responses=error_responses(401, 403))
def login(
    body: LoginRequest, session: SessionDep, config: ConfigDep, signer: SignerDep
) -> LoginReply:
    user = find_user(session, body.username)
    password_hash = user.password_hash if user is not None else None
    # The password check takes tens of milliseconds of argon2: it holds no database
    # connection (ending the read transaction gives it back to the pool), so a class logging
    # in at once does not queue the rest of the academy behind its hashing.
    session.rollback()
    if user is None or password_hash is None:
        burn_verification(body.password)
        raise _invalid_credentials()
    if not verify_password(password_hash, body.password):
        raise _invalid_credentials()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(body.password)
    client_id = str(body.client_id)
    _bind_client(session, client_id, user)
    issued = issue_token(session, user, client_id, timedelta(days=config.token_ttl_days))
    try:
        session.commit()
    except IntegrityError:
        # Another user's login bound this client_id between our check and our commit.
        session.rollback()
        raise _client_id_taken() from None
    return LoginReply(
        token=issued.token,
        expires_at=issued.expires_at,
        user=UserOut.of(user),
        academy=config.academy_name,
        academy_key=AcademyKeyOut.model_validate(signer.academy_key()),
    )


@router.post("/auth/logout", status_code=204, response_class=Response)
def logout(caller: CallerDep, session: SessionDep) -> Response:
    revoke(caller.token)
    session.commit()
    return Response(status_code=204)


@router.get("/me", response_model=Me)
def me(caller: CallerDep) -> Me:
    return Me(user=UserOut.of(caller.user))
