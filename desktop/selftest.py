"""`samen --selftest`: does this installation work on this computer? Main thread, then exits.

Checks what an installer can break and a learner cannot see from a traceback: the local store
opens (an existing one is only read), half a second of bundled audio plays through
QtMultimedia's FFmpeg backend, the OS keyring has a usable backend that keeps a secret, and the
bundled resources, the compiled translation catalogues (Samen's and Qt's own, for nl and en)
and CA certificates are present. Prints one line per check, in the learner's language, and
returns 0 only when all pass, so CI and packagers can run it on a freshly built bundle.
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
from desktop.language import catalogue
from desktop.language.catalogue import N_, _, counted
from desktop.paths import Paths, resource_dir

SOUND = Path("sounds") / "selftest.opus"
SOUND_MS = 500
PLAY_TIMEOUT_MS = 15_000
KEYRING_SERVICE = "Samen self-test"
# Qt's own catalogues the window loads (desktop/ui/qt_language.py), per language.
QT_CATALOGUES = ("qtbase", "qtmultimedia")

# Each check's name as a person reads it in the report.
_NAMES = {
    "store": N_("store"),
    "resources": N_("resources"),
    "translations": N_("translations"),
    "https": N_("https"),
    "keyring": N_("keyring"),
    "audio": N_("audio"),
}


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
        return Check(
            "store",
            True,
            _("{database} made (a new store, schema {version})").format(
                database=database, version=version
            ),
        )
    connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        result = connection.execute("PRAGMA quick_check").fetchone()[0]
        version = connection.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return Check(
            "store",
            False,
            _("{database} cannot be read: {problem}").format(database=database, problem=exc),
        )
    finally:
        connection.close()
    if result != "ok":
        return Check(
            "store",
            False,
            _("{database} is damaged: {problem}").format(database=database, problem=result),
        )
    return Check(
        "store",
        True,
        _("{database} (schema {version}, quick_check ok)").format(
            database=database, version=version
        ),
    )


def _resources() -> Check:
    root = resource_dir()
    wanted = [root / "icons" / "samen.svg", root / SOUND]
    missing = [str(path.relative_to(root)) for path in wanted if not path.is_file()]
    if missing:
        return Check(
            "resources",
            False,
            _("missing in {folder}: {files}").format(folder=root, files=", ".join(missing)),
        )
    return Check("resources", True, str(root))


def _translations() -> Check:
    """Samen's compiled catalogue for every language it speaks, and Qt's own words for its
    dialogs and media errors in the languages Qt does not speak by itself."""
    from PySide6.QtCore import QLibraryInfo

    folder = catalogue.translations_dir()
    missing = [language for language in catalogue.LANGUAGES if not catalogue.loaded(language)]
    if missing:
        return Check(
            "translations",
            False,
            _("no compiled catalogue for {languages} in {folder}").format(
                languages=", ".join(missing), folder=folder
            ),
        )
    qt_folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    qt_missing = [
        f"{name}_{language}.qm"
        for language in catalogue.LANGUAGES
        if language != catalogue.SOURCE_LANGUAGE
        for name in QT_CATALOGUES
        if not (qt_folder / f"{name}_{language}.qm").is_file()
    ]
    if qt_missing:
        return Check(
            "translations",
            False,
            _("Qt's translations missing in {folder}: {files}").format(
                folder=qt_folder, files=", ".join(qt_missing)
            ),
        )
    return Check(
        "translations",
        True,
        counted(
            "{n} language ({languages}) in {folder}",
            "{n} languages ({languages}) in {folder}",
            len(catalogue.LANGUAGES),
            languages=", ".join(catalogue.LANGUAGES),
            folder=folder,
        ),
    )


def _certificates() -> Check:
    # requests verifies HTTPS against certifi's bundle; a bundle without it cannot log in.
    import certifi

    where = Path(certifi.where())
    if not where.is_file() or where.stat().st_size == 0:
        return Check("https", False, _("CA certificates missing at {file}").format(file=where))
    return Check("https", True, _("CA certificates at {file}").format(file=where))


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
        return Check(
            "keyring",
            False,
            _("{keyring} refused a test secret: {problem}").format(
                keyring=vault.backend_name, problem=exc
            ),
        )
    if read_back != secret:
        return Check(
            "keyring",
            False,
            _("{keyring} did not keep a test secret").format(keyring=vault.backend_name),
        )
    return Check(
        "keyring",
        True,
        _("{keyring} (kept and deleted a test secret)").format(keyring=vault.backend_name),
    )


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
        return Check(
            "audio",
            False,
            _("Qt platform {asked} did not load (got {platform})").format(
                asked=repr(asked), platform=repr(platform)
            ),
        )
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
    timer.timeout.connect(
        lambda: finish(
            counted(
                "did not finish within {n} second",
                "did not finish within {n} seconds",
                PLAY_TIMEOUT_MS // 1000,
            )
        )
    )
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
        return Check(
            "audio",
            False,
            _("{file} decoded as {duration} ms, not {expected} ms").format(
                file=path.name, duration=duration, expected=SOUND_MS
            ),
        )
    device = QMediaDevices.defaultAudioOutput()
    # Without a sound card the FFmpeg backend still decodes and clocks the audio, silently.
    heard = device.description() if not device.isNull() else _("no audio device, played silently")
    return Check(
        "audio",
        True,
        _("played {duration} ms of {file} ({device}; Qt {platform})").format(
            duration=duration, file=path.name, device=heard, platform=platform
        ),
    )


def run_selftest(paths: Paths, write: Callable[[str], None] = print) -> int:
    """Run every check, print a line each, return the exit code (0: all passed)."""
    write(_("Samen {version} self-test").format(version=__version__))
    checks: tuple[tuple[str, Callable[[], Check]], ...] = (
        ("store", lambda: _store(paths)),
        ("resources", _resources),
        ("translations", _translations),
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
        # Translators: the marks before each check in `samen --selftest`: keep them short.
        mark = _("ok") if result.ok else _("FAIL")
        name = _(_NAMES[result.name]) if result.name in _NAMES else result.name
        write(f"{mark:<4}  {name}: {result.detail}")
    if not failed:
        write(_("All checks passed."))
    else:
        write(counted("{n} check failed.", "{n} checks failed.", failed))
    return 0 if not failed else 1
