"""Database plumbing: the declarative base, a UTC datetime column type, engine and sessions.

The engine is created by :class:`Database` when the app factory or the CLI asks for it, never at
import time. Sessions are opened per request on uvicorn's worker threadpool (sync endpoints) and
on the main thread by CLI commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, Table, create_engine, event, make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic migrations behave the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every table; each domain folder declares its own in models.py."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utc_now() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both backends.

    SQLite drops the offset on storage, so values are normalised to UTC going in and marked UTC
    coming out; PostgreSQL's timestamptz round-trips them unchanged.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # WAL lets readers run beside the single writer; SQLite leaves foreign keys off by default.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


@dataclass(frozen=True)
class PoolSize:
    """A pool sized to the academy's admission slots (server.admission): `size` connections,
    `overflow` more for work outside the slots (the mailer, tus bodies), and a short wait."""

    size: int
    overflow: int = 2
    timeout_s: float = 5.0


def make_engine(url: str, pool: PoolSize | None = None) -> Engine:
    """Create an engine for ``url``; SQLite connections get WAL and foreign keys on connect.
    Without `pool`, SQLAlchemy's defaults (CLI commands use one connection)."""
    options: dict[str, Any] = {}
    if pool is not None and not _in_memory(url):
        options = {
            "pool_size": max(1, pool.size),
            "max_overflow": pool.overflow,
            "pool_timeout": pool.timeout_s,
        }
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _in_memory(url: str) -> bool:
    # SQLAlchemy gives in-memory SQLite a single-connection pool that takes no sizes.
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


class Database:
    """An engine and its session factory, owned by one app or one CLI command."""

    def __init__(self, url: str, pool: PoolSize | None = None) -> None:
        self.engine = make_engine(url, pool)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that rolls back on error; callers commit explicitly."""
        with self.sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def table_of(model: type[Base]) -> Table:
    """A mapped class's Table, typed as such (``__table__`` is typed as a FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
