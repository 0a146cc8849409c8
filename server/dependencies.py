"""FastAPI dependencies shared by the routers: config, a DB session, the authenticated caller.

They run on uvicorn's worker threadpool, in the same thread as the sync endpoint using them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from server.auth.tokens import Caller, resolve_token
from server.config import ServerConfig
from server.content.signing import AcademySigner
from server.db import Database
from server.errors import unauthorized
from server.language import _


def get_config(request: Request) -> ServerConfig:
    config: ServerConfig = request.app.state.config
    return config


def get_session(request: Request) -> Iterator[Session]:
    database: Database = request.app.state.database
    with database.session() as session:
        yield session


# Closed when the endpoint returns, before the reply is sent ("function"), not after its last
# byte: a media file streaming for minutes must not keep a pooled connection, which is sized
# to the admission slots (server.admission), and a slot is freed once the reply starts.
_SESSION = Depends(get_session, scope="function")


# A security scheme, not a plain header, so the OpenAPI document says how to log in. It never
# answers itself (auto_error=False): a missing or foreign token is our 401 with the envelope.
_BEARER = HTTPBearer(auto_error=False, description="The token from POST /v1/auth/login.")


def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
) -> str:
    token = credentials.credentials.strip() if credentials is not None else ""
    if not token:
        raise unauthorized()
    return token


def get_caller(
    token: Annotated[str, Depends(bearer_token)],
    session: Annotated[Session, _SESSION],
) -> Caller:
    caller = resolve_token(session, token)
    if caller is None:
        raise unauthorized(_("Your session has ended; log in again."))
    return caller


ConfigDep = Annotated[ServerConfig, Depends(get_config)]
SessionDep = Annotated[Session, _SESSION]
CallerDep = Annotated[Caller, Depends(get_caller)]


def get_signer(request: Request) -> AcademySigner:
    signer: AcademySigner = request.app.state.signer
    return signer


SignerDep = Annotated[AcademySigner, Depends(get_signer)]
