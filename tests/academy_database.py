"""Which database the academies of a test run use, and a way to read their state.

``SAMEN_TEST_DATABASE=postgresql`` gives every academy data directory its own PostgreSQL
database on the cluster at ``SAMEN_TEST_POSTGRES_URL`` (scripts/postgres.sh starts one);
otherwise (``sqlite``, the default) each academy keeps SQLite in its data directory. Tests read
an academy's tables through :func:`engine_for`, never by opening ``samen.db`` themselves, so
the same test runs on both. Called from test threads and the fixtures' main thread.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    Executable,
    TextClause,
    bindparam,
    create_engine,
    inspect,
    make_url,
    text,
)
from sqlalchemy.pool import NullPool

from server.db import UtcDateTime

BACKEND = os.environ.get("SAMEN_TEST_DATABASE", "sqlite").strip().lower() or "sqlite"
POSTGRES_ADMIN_URL = os.environ.get(
    "SAMEN_TEST_POSTGRES_URL", "postgresql+psycopg://samen@127.0.0.1:55432/postgres"
)
DATABASE_URL_ENV = "SAMEN_DATABASE_URL"  # what `samen-server` reads (server/cli.py)

if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"SAMEN_TEST_DATABASE must be sqlite or postgresql, not {BACKEND!r}")

_created: set[str] = set()
_guard = threading.Lock()


def on_postgresql() -> bool:
    return BACKEND == "postgresql"


def _name(data_dir: Path) -> str:
    # One database per data directory, named by its path (data dirs are unique per test run).
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:20]
    return f"samen_{os.getpid()}_{digest}"


def _admin() -> Engine:
    return create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _create(name: str, template: str | None = None) -> None:
    with _guard:
        if name in _created:
            return
        engine = _admin()
        try:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                like = f' TEMPLATE "{template}"' if template else ""
                connection.execute(text(f'CREATE DATABASE "{name}"{like}'))
        finally:
            engine.dispose()
        _created.add(name)


def database_url(data_dir: Path) -> str | None:
    """The URL the academy in ``data_dir`` uses, created empty on first ask; None on SQLite."""
    if not on_postgresql():
        return None
    name = _name(data_dir)
    _create(name)
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def server_env(data_dir: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a `samen-server` command on ``data_dir``."""
    env = dict(os.environ if base is None else base)
    url = database_url(data_dir)
    if url is None:
        env.pop(DATABASE_URL_ENV, None)
    else:
        env[DATABASE_URL_ENV] = url
    return env


def copy_database(source_dir: Path, target_dir: Path) -> None:
    """Give ``target_dir`` a copy of ``source_dir``'s database (the data files are copied by
    the caller; on SQLite the database is one of them). No server may be using the source."""
    if not on_postgresql():
        return
    database_url(source_dir)
    target = _name(target_dir)
    with _guard:
        _created.discard(target)
    _create(target, template=_name(source_dir))


def url_for(data_dir: Path) -> str:
    """A SQLAlchemy URL for the academy in ``data_dir`` on either backend."""
    return database_url(data_dir) or f"sqlite:///{data_dir / 'samen.db'}"


@contextmanager
def engine_for(data_dir: Path) -> Iterator[Engine]:
    """An engine on the academy's database, for reading (or arranging) its state in a test."""
    engine = create_engine(url_for(data_dir), poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


def _statement(sql: str, params: dict[str, Any]) -> TextClause:
    # Datetimes go in as the server stores them (UtcDateTime), so a test never spells a
    # backend's timestamp format; they must be aware, as everywhere in the academy.
    dates = [
        bindparam(k, type_=UtcDateTime()) for k, v in params.items() if isinstance(v, datetime)
    ]
    return text(sql).bindparams(*dates)


def rows(data_dir: Path, sql: str | Executable, **params: Any) -> list[tuple[Any, ...]]:
    """The rows of one portable query (text with named ``:params``, or a Core select on the
    server's own tables) on the academy in ``data_dir``."""
    statement = _statement(sql, params) if isinstance(sql, str) else sql
    with engine_for(data_dir) as engine, engine.connect() as connection:
        return [tuple(row) for row in connection.execute(statement, params)]


def execute(data_dir: Path, sql: str, **params: Any) -> int:
    """Run and commit one portable statement on the academy in ``data_dir``; rows it changed."""
    with engine_for(data_dir) as engine, engine.begin() as connection:
        return connection.execute(_statement(sql, params), params).rowcount


def json_value(value: Any) -> Any:
    """A JSON column's value from a text query: SQLite gives its text, psycopg decodes it."""
    return json.loads(value) if isinstance(value, str) else value


def snapshot(data_dir: Path) -> dict[str, list[str]]:
    """Every row of every table, in a stable order, to tell whether anything changed."""
    with engine_for(data_dir) as engine, engine.connect() as connection:
        tables = sorted(inspect(connection).get_table_names())
        return {
            table: sorted(
                repr(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{table}"'))
            )
            for table in tables
        }


def drop_all() -> None:
    """Drop the databases this test process created (at the end of the session)."""
    if not on_postgresql():
        return
    with _guard:
        names = sorted(_created)
        _created.clear()
    engine = _admin()
    try:
        with engine.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
