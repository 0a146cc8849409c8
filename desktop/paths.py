"""Where Samen keeps its files. Any thread; computed once at start-up by the composition root.

Defaults come from platformdirs. `--data-dir` or SAMEN_DATA_DIR puts everything (database,
media, settings, logs) under one folder, which is what tests, portable installs and the demo use.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktop.private_files import private_dir

APP_NAME = "Samen"
ENV_DATA_DIR = "SAMEN_DATA_DIR"


@dataclass(frozen=True, slots=True)
class Paths:
    data_dir: Path
    config_dir: Path
    cache_dir: Path
    log_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "samen.sqlite3"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def podcast_dir(self) -> Path:
        """Episode audio, chapters and transcripts (kept apart from course media, which
        start-up reconciliation owns)."""
        return self.data_dir / "podcasts"

    @property
    def cover_dir(self) -> Path:
        """Course cover images fetched for the catalogue, before (or without) a download."""
        return self.data_dir / "covers"

    @property
    def upload_dir(self) -> Path:
        """Samen's copies of recordings attached to be sent, until the academy has them."""
        return self.data_dir / "uploads"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    def create(self) -> Paths:
        """Make every folder, owner-only (0700), also ones an older version left open."""
        for folder in (
            self.data_dir,
            self.config_dir,
            self.cache_dir,
            self.log_dir,
            self.media_dir,
            self.podcast_dir,
            self.cover_dir,
            self.upload_dir,
        ):
            private_dir(folder)
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> Paths:
    """Explicit argument, then SAMEN_DATA_DIR, then the platform's per-user folders."""
    chosen = data_dir if data_dir is not None else os.environ.get(ENV_DATA_DIR) or None
    if chosen is not None:
        root = Path(chosen).expanduser().resolve()
        return Paths(root, root / "config", root / "cache", root / "logs")
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return Paths(
        Path(dirs.user_data_dir),
        Path(dirs.user_config_dir),
        Path(dirs.user_cache_dir),
        Path(dirs.user_log_dir),
    )


def resource_dir() -> Path:
    """The read-only `resources/` folder, inside a PyInstaller bundle or a source checkout."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
