"""`samen --selftest`: does this installation work on this computer? Main thread, then exits.

Checks what an installer can break and a learner cannot see from a traceback: the local store
opens (an existing one is only read), half a second of bundled audio plays through
QtMultimedia's FFmpeg backend, the OS keyring has a usable backend that keeps a secret, and the
bundled resources and CA certificates are present. Prints one line per check and returns 0 only
when all pass, so CI and packagers can run it on a freshly built bundle.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop import __version__
from desktop.paths import Paths, resource_dir

SOUND = Path("sounds") / "selftest.opus"
SOUND_MS = 500
PLAY_TIMEOUT_MS = 15_000
KEYRING_SERVICE = "Samen self-test"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def _store(paths: Paths) -> Check:
    """An existing store is only read (never migrated: the app that owns it may be running,
    or be an older version); a folder without one gets a new, migrated store."""
    database = paths.database
    if not database.exists():
        from desktop.store.db import Store

        store = Store(database)  # what the first start would make
        try:
            version = store.pragma("user_version")
        finally:
            store.close()
        return Check("store", True, f"{database} made (a new store, schema {version})")
    connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        result = connection.execute("PRAGMA quick_check").fetchone()[0]
        version = connection.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return Check("store", False, f"{database} cannot be read: {exc}")
    finally:
        connection.close()
    if result != "ok":
        return Check("store", False, f"{database} is damaged: {result}")
    return Check("store", True, f"{database} (schema {version}, quick_check ok)")


def _resources() -> Check:
    root = resource_dir()
    wanted = [root / "icons" / "samen.svg", root / SOUND]
    missing = [str(path.relative_to(root)) for path in wanted if not path.is_file()]
    if missing:
        return Check("resources", False, f"missing in {root}: {', '.join(missing)}")
    return Check("resources", True, str(root))


def _certificates() -> Check:
    # requests verifies HTTPS against certifi's bundle; a bundle without it cannot log in.
    import certifi

    where = Path(certifi.where())
    if not where.is_file() or where.stat().st_size == 0:
        return Check("https", False, f"CA certificates missing at {where}")
    return Check("https", True, f"CA certificates at {where}")


def _keyring() -> Check:
    import keyring

    from desktop.store.vault import TokenVault

    vault = TokenVault()
    if not vault.persistent:
        return Check("keyring", False, f"{vault.backend_name}: {vault.reason}")
    backend = keyring.get_keyring()
    user, secret = f"check-{os.getpid()}", secrets.token_urlsafe(16)
    try:
        backend.set_password(KEYRING_SERVICE, user, secret)
        read_back = backend.get_password(KEYRING_SERVICE, user)
        backend.delete_password(KEYRING_SERVICE, user)
    except Exception as exc:  # a locked or broken keyring is this check's answer
        return Check("keyring", False, f"{vault.backend_name} refused a test secret: {exc}")
    if read_back != secret:
        return Check("keyring", False, f"{vault.backend_name} did not keep a test secret")
    return Check("keyring", True, f"{vault.backend_name} (kept and deleted a test secret)")


def _ensure_window_system() -> str:
    """The platform Qt will use; offscreen when there is no display, rather than aborting."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("QT_QPA_PLATFORM")
        or os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return os.environ.get("QT_QPA_PLATFORM", "")


def _audio() -> Check:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtMultimedia import QMediaDevices

    from desktop.app import application
    from desktop.media.player import Player

    asked = _ensure_window_system()
    app = application(["samen", "--selftest"])
    platform = app.platformName()
    # QT_QPA_PLATFORM may list fallbacks ("wayland;xcb") and options ("offscreen:fonts").
    if asked and platform not in {choice.split(":")[0] for choice in asked.split(";")}:
        return Check("audio", False, f"Qt platform {asked!r} did not load (got {platform!r})")
    path = resource_dir() / SOUND
    player = Player(app)
    loop = QEventLoop()
    outcome: list[str] = []
    durations: list[int] = []

    def finish(message: str) -> None:
        if not outcome:
            outcome.append(message)
        loop.quit()

    def start(_key: str) -> None:
        durations.append(player.duration())
        player.play()

    player.loaded.connect(start)
    player.finished.connect(lambda _key: finish(""))
    player.failed.connect(finish)
    timer = QTimer(app)
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: finish(f"did not finish within {PLAY_TIMEOUT_MS // 1000} s"))
    timer.start(PLAY_TIMEOUT_MS)
    player.load(path, "selftest:sound")
    if not outcome:  # load() reports a missing file at once
        loop.exec()
    timer.stop()
    player.unload()
    player.deleteLater()
    if outcome[0]:
        return Check("audio", False, f"{path.name}: {outcome[0]}")
    duration = durations[0] if durations else 0
    if abs(duration - SOUND_MS) > 100:
        return Check("audio", False, f"{path.name} decoded as {duration} ms, not {SOUND_MS} ms")
    device = QMediaDevices.defaultAudioOutput()
    # Without a sound card the FFmpeg backend still decodes and clocks the audio, silently.
    heard = device.description() if not device.isNull() else "no audio device, played silently"
    return Check("audio", True, f"played {duration} ms of {path.name} ({heard}; Qt {platform})")


def run_selftest(paths: Paths, write: Callable[[str], None] = print) -> int:
    """Run every check, print a line each, return the exit code (0: all passed)."""
    write(f"Samen {__version__} self-test")
    checks: tuple[tuple[str, Callable[[], Check]], ...] = (
        ("store", lambda: _store(paths)),
        ("resources", _resources),
        ("https", _certificates),
        ("keyring", _keyring),
        ("audio", _audio),
    )
    failed = 0
    for name, check in checks:
        try:
            result = check()
        except Exception as exc:  # e.g. a library missing from a bundle: report, go on
            result = Check(name, False, f"{type(exc).__name__}: {exc}")
        failed += not result.ok
        write(f"{'ok  ' if result.ok else 'FAIL'}  {result.name}: {result.detail}")
    write("All checks passed." if not failed else f"{failed} check(s) failed.")
    return 0 if not failed else 1
