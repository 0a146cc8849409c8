"""The hand-written Alembic migrations build exactly the schema the models declare."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from server.db import Database
from server.migrator import alembic_config, upgrade_to_head
from server.models import metadata


def test_migrations_match_the_models(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'check.db'}")
    try:
        upgrade_to_head(database.engine)
        upgrade_to_head(database.engine)  # a second run is a no-op
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        database.dispose()


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    try:
        upgrade_to_head(database.engine)
        command.downgrade(alembic_config(database.engine), "base")
        assert inspect(database.engine).get_table_names() == ["alembic_version"]
        upgrade_to_head(database.engine)
        assert "users" in inspect(database.engine).get_table_names()
    finally:
        database.dispose()
