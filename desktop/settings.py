"""Every user setting, declared once with its default and documentation. Any thread (read-only
after load; `save` is called from the worker pool).

Settings live in a small JSON file in the config folder. Unknown keys are kept on save so an older
version does not wipe what a newer one wrote; values of the wrong type fall back to the default.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    default: Any
    doc: str


DECLARED: tuple[Setting, ...] = (
    Setting("server_url", "", "Address of the academy server, e.g. https://academy.example.org."),
    Setting("sync_interval_s", 300, "Seconds between background syncs while online."),
    Setting("request_timeout_s", 15.0, "Seconds to wait for the server before calling it offline."),
    Setting("language", "", "Interface language (nl or en); empty follows the system."),
    Setting("theme", "system", "Colours: system (follow the OS colour scheme), light or dark."),
    Setting(
        "download_unmetered_only", False, "Download only on connections the OS calls unmetered."
    ),
    Setting("podcast_budget_mb", 2000.0, "Disk space automatic episode downloads may use, in MB."),
    Setting(
        "podcast_delete_played_after_h",
        24.0,
        "Hours after an episode was played before its file is deleted (pinned ones never).",
    ),
    Setting(
        "podcast_clean_up",
        True,
        "Delete played episodes' files automatically (after podcast_delete_played_after_h).",
    ),
)
_BY_KEY = {s.key: s for s in DECLARED}

THEMES = ("system", "light", "dark")
LANGUAGES = ("", "en", "nl")
# What "no automatic clean-up" waits: longer than anyone keeps a computer, and still a date.
_KEEP_FOREVER = timedelta(days=100 * 365)


class Settings:
    def __init__(self, path: Path, values: dict[str, Any] | None = None) -> None:
        self._path = path
        self._values: dict[str, Any] = dict(values or {})

    @classmethod
    def load(cls, path: Path) -> Settings:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raw = {}
        except (OSError, ValueError):
            # A damaged settings file must not stop the app: defaults apply, save rewrites it.
            raw = {}
        return cls(path, raw if isinstance(raw, dict) else {})

    def get(self, key: str) -> Any:
        setting = _BY_KEY[key]
        value = self._values.get(key, setting.default)
        expected = type(setting.default)
        # JSON has one number type and bool is an int: accept 20 for 20.0, refuse true for 1.
        if expected is float and type(value) is int:
            return float(value)
        if type(value) is not expected:
            return setting.default
        return value

    def set(self, key: str, value: Any) -> None:
        if key not in _BY_KEY:
            raise KeyError(f"unknown setting {key!r}")
        self._values[key] = value

    def save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".settings-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._values, handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(self._path)


def played_episode_kept_for(settings: Settings) -> timedelta:
    """How long a played episode's file stays before the clean-up deletes it."""
    if not settings.get("podcast_clean_up"):
        return _KEEP_FOREVER
    return timedelta(hours=max(0.0, float(settings.get("podcast_delete_played_after_h"))))
