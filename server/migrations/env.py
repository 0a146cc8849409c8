"""Alembic environment: runs inside :func:`server.migrator.upgrade_to_head` on the caller's thread.

The engine comes from ``config.attributes["engine"]``; the ``alembic`` command line may instead
set ``sqlalchemy.url``. No logging configuration is touched so uvicorn's logging stays intact.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from server.db import make_engine
from server.models import metadata

config = context.config


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if isinstance(engine, Engine):
        return engine
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no engine in config.attributes and no sqlalchemy.url set")
    return make_engine(url)


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # A PRAGMA outside any transaction (inside one SQLite ignores it).
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    connection.commit()


def run_online() -> None:
    with _engine().connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode copies a table and drops the old one; with foreign keys on, that drop
            # cascades to every row that refers to it (0005 lost every forum reply this way).
            _sqlite_foreign_keys(connection, on=False)
        try:
            # Batch mode lets later migrations ALTER tables on SQLite by copy-and-move.
            context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, on=True)  # the pooled connection goes on


if context.is_offline_mode():
    run_offline()
else:
    run_online()
