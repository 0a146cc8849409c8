"""The app factory. Importing this module creates nothing; :func:`create_app` builds an app
whose lifespan (on uvicorn's event loop, before the first request) prepares the data directory
and migrates the database. Endpoints run on the event loop (async) or worker threadpool (sync),
which is as large as the database pool and the admission slots (server.admission).

:func:`app_from_environment` is the factory worker processes import by name (`samen-server run
--workers N`, or uvicorn/gunicorn started by hand, see docs/server.md): it reads the
ServerConfig from the environment. Every process of one academy shares its state through the
database (push and upload locks, rate limits, mail leases) and the data directory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from server import admission
from server.academy import router as academy_router
from server.auth.routes import router as auth_router
from server.body_depth import BodyDepthGuard
from server.config import ServerConfig
from server.content.routes import router as content_router
from server.content.signing import AcademySigner
from server.db import Database, PoolSize
from server.errors import install_error_handlers
from server.health import router as health_router
from server.language import LanguageMiddleware
from server.metrics import Metrics, MetricsMiddleware, networks
from server.migrator import prepare_storage
from server.openapi_doc import install as install_openapi
from server.peer.routes import router as peer_router
from server.podcasts.routes import router as podcast_router
from server.supporter.log_redaction import install as redact_supporter_links
from server.supporter.mailer import Mailer
from server.supporter.pages import router as supporter_router
from server.sync.locks import ClientLocks
from server.sync.rate import DatabaseRateLimiter, RateLimiter
from server.sync.routes import router as sync_router
from server.sync.shared_log import SharedLog
from server.uploads.locks import UploadLeases
from server.uploads.protocol import TusHeaders
from server.uploads.routes import options_router as upload_options_router
from server.uploads.routes import router as upload_router
from server.uploads.sweeper import ExpirySweeper


def create_app(config: ServerConfig) -> FastAPI:
    # Lazy: no connection until first use.
    database = Database(config.sqlalchemy_url, PoolSize(config.threads))
    metrics = Metrics()
    metrics.watch_pool(database.engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        admission.size_threadpool(config.threads)
        prepare_storage(config, database.engine)
        # The academy's manifest-signing key: created here on the first start, then reused.
        app.state.signer = AcademySigner.load_or_create(config.signing_key_path)
        redact_supporter_links()
        mailer.start()
        try:
            yield
        finally:
            mailer.stop()
            database.dispose()

    app = FastAPI(title="Samen academy", version="1", lifespan=lifespan)
    app.state.config = config
    app.state.database = database
    app.state.metrics = metrics
    mailer = Mailer(config, database)
    app.state.mailer = mailer
    app.state.client_locks = ClientLocks()
    app.state.shared_log = SharedLog()  # each process reads a course's changes once
    app.state.sync_rate = (
        DatabaseRateLimiter(database, config.sync_requests_per_minute)
        if database.engine.dialect.name == "postgresql"  # maybe several processes
        else RateLimiter(config.sync_requests_per_minute)
    )
    app.state.upload_locks = UploadLeases(database, config.upload_idle_timeout_s)
    app.state.upload_sweeper = ExpirySweeper(config, database, app.state.upload_locks)
    app.add_middleware(TusHeaders)
    app.add_middleware(BodyDepthGuard)
    slots = admission.Admission(
        config.threads,
        config.queue,
        config.queue_wait_s,
        pushes=config.push_threads,
        push_queue=config.push_queue,
    )
    admission.install(app, slots, metrics)
    app.add_middleware(MetricsMiddleware, metrics=metrics, allowed=networks(config.metrics_from))
    # Outermost of ours: every later layer, endpoint and worker thread sees the language.
    app.add_middleware(LanguageMiddleware)
    install_error_handlers(app)
    install_openapi(app)
    for router in (
        health_router,
        academy_router,
        auth_router,
        content_router,
        podcast_router,
        sync_router,
        supporter_router,
        peer_router,
        upload_options_router,
        upload_router,
    ):
        app.include_router(router)
    return app


def app_from_environment() -> FastAPI:
    """The app for the ServerConfig in the environment (see ServerConfig.from_environment)."""
    return create_app(ServerConfig.from_environment())
