"""Prepares storage: the data directories and the Alembic migrations shipped in the package
(no alembic.ini needed on disk).

Called once at app startup (on the event loop, before any request) and by CLI commands
(main thread). Works from an installed wheel because the scripts are package data.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from server.config import ServerConfig
from server.private_files import private_dir, private_file, tighten

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# pg_advisory_lock's key for "migrating the academy's schema" (any fixed number; "samen" in hex).
MIGRATION_LOCK = 0x73616D656E


def alembic_config(engine: Engine) -> Config:
    """An Alembic Config pointing at the packaged scripts and reusing ``engine``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Handing over the engine keeps our connect-time pragmas and avoids %-escaping the URL.
    cfg.attributes["engine"] = engine
    return cfg


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when already there. On PostgreSQL
    several academy processes may start at once: an advisory lock lets one migrate at a time."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), "head")
        return
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            command.upgrade(alembic_config(engine), "head")
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            lock.commit()


def prepare_storage(config: ServerConfig, engine: Engine) -> None:
    """Create the data directories and bring the schema to head; safe to repeat.

    Folders, the SQLite database and its journals end up owner-only, also ones an older
    version left readable (see server/private_files.py)."""
    for directory in (
        config.data_dir,
        config.media_dir,
        config.podcast_dir,
        config.upload_dir,
        config.mail_dir,
    ):
        private_dir(directory)
    for path in config.mail_dir.iterdir():
        tighten(path)
    tighten(config.signing_key_path)
    _private_sqlite_file(engine)
    upgrade_to_head(engine)


def _private_sqlite_file(engine: Engine) -> None:
    """Create a SQLite database file 0600 before the first connection: SQLite then gives its
    `-wal` and `-shm` the same mode."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite's own error on connect says so, as before
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        tighten(path.with_name(path.name + suffix))
