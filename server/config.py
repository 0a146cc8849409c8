"""Server configuration: one frozen value built by the CLI (or a test) and handed to the factory.

Plain data, read from any thread.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

# Worker processes import the app by name, so `samen-server run --workers N` hands them the
# config through the environment: JSON in CONFIG_ENV, secrets in their own variables.
CONFIG_ENV = "SAMEN_SERVER_CONFIG"
DATA_DIR_ENV = "SAMEN_DATA_DIR"
# A database URL carries a password: the environment keeps it out of `ps` and shell history.
DATABASE_URL_ENV = "SAMEN_DATABASE_URL"
SMTP_PASSWORD_ENV = "SAMEN_SMTP_PASSWORD"


@dataclass(frozen=True)
class ServerConfig:
    """Everything the server needs to know; defaults suit a single-machine academy."""

    data_dir: Path
    # None means SQLite inside data_dir; any SQLAlchemy URL (e.g. postgresql+psycopg://) works.
    database_url: str | None = None
    academy_name: str = "Samen Academy"
    token_ttl_days: int = 30
    # Sync requests (push and pull) per login per minute; 0 means no limit.
    sync_requests_per_minute: int = 240
    # Where learners and supporters reach this academy's web pages (links in e-mails);
    # None: the address each push came in on.
    public_url: str | None = None
    supporter_requests_per_day: int = 5
    supporter_link_days: int = 14
    # E-mail: with no smtp_host, e-mails are written as .eml files into mail_dir instead.
    mail_from: str = "Samen Academy <no-reply@samen.invalid>"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None  # from the environment, never a command-line flag
    # Uploads (tus): the largest file, how long an unfinished upload is kept after its last
    # bytes arrived, and what one learner may have unfinished at once.
    upload_max_bytes: int = 1024**3
    upload_expiry_s: int = 24 * 3600
    upload_max_incomplete: int = 20
    upload_max_bytes_in_flight: int = 4 * 1024**3
    # A PATCH whose body stops flowing for this long is treated as a broken connection.
    upload_idle_timeout_s: float = 60.0
    # Load (server.admission): requests running at once (= worker threads = pooled database
    # connections), how many more may wait, and how long, well under the client's 15 s.
    threads: int = 8
    queue: int = 64
    queue_wait_s: float = 5.0
    # Of those, pushes running at once and at most waiting (their own line, served first; it
    # holds fewer when pushes are slow, see server.admission.PUSH_WAIT_S).
    push_threads: int = 1
    push_queue: int = 16
    # Who may read /metrics (CIDRs); everyone else gets 404.
    metrics_from: tuple[str, ...] = ("127.0.0.0/8", "::1/128")
    # Behind nginx: answer allowed media and episodes with X-Accel-Redirect to this prefix
    # (e.g. "/internal/") plus the file's path under data_dir; None: the academy sends them.
    accel_redirect: str | None = None

    def to_environment(self) -> dict[str, str]:
        """The variables :meth:`from_environment` reads back; the password stays out of the
        JSON (it travels in SMTP_PASSWORD_ENV, the database URL in DATABASE_URL_ENV)."""
        values = asdict(self)
        values["data_dir"] = str(self.data_dir)
        del values["smtp_password"], values["database_url"]
        env = {CONFIG_ENV: json.dumps(values)}
        if self.database_url:
            env[DATABASE_URL_ENV] = self.database_url
        if self.smtp_password is not None:
            env[SMTP_PASSWORD_ENV] = self.smtp_password
        return env

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> ServerConfig:
        """CONFIG_ENV as written by :meth:`to_environment`, or (for a hand-written uvicorn or
        gunicorn start) just DATA_DIR_ENV with the defaults; raises KeyError without both."""
        values: dict[str, Any] = (
            json.loads(env[CONFIG_ENV]) if CONFIG_ENV in env else {"data_dir": env[DATA_DIR_ENV]}
        )
        known = {field.name for field in fields(cls)}
        # JSON has no tuples: a list read back is the tuple it was (e.g. metrics_from).
        config: dict[str, Any] = {
            key: tuple(value) if isinstance(value, list) else value
            for key, value in values.items()
            if key in known
        }
        config["data_dir"] = Path(config["data_dir"]).expanduser().resolve()
        config["database_url"] = env.get(DATABASE_URL_ENV) or None
        config["smtp_password"] = env.get(SMTP_PASSWORD_ENV)
        return cls(**config)

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'samen.db'}"

    @property
    def media_dir(self) -> Path:
        """Course media live at media_dir/<course_id>/<path>."""
        return self.data_dir / "media"

    @property
    def signing_key_path(self) -> Path:
        """The academy's Ed25519 private key (PKCS8 PEM, mode 0600), created on first start."""
        return self.data_dir / "signing_key.pem"

    @property
    def mail_dir(self) -> Path:
        """Where e-mails are written as .eml files when no SMTP server is configured."""
        return self.data_dir / "mail"

    @property
    def upload_dir(self) -> Path:
        """Uploads grow as upload_dir/<id>.part and are moved to upload_dir/<id> when verified."""
        return self.data_dir / "uploads"

    @property
    def podcast_dir(self) -> Path:
        """Podcast episodes live at podcast_dir/<feed_id>/<file>."""
        return self.data_dir / "podcasts"
