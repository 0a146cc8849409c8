"""The one-folder Linux bundle, built by installers/build-linux.sh exactly as a release is:
its self-test passes offscreen, it holds the client and only the Qt parts the client needs,
and its archive installs for one user and uninstalls again.

Building takes about a minute, once per test session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from PyInstaller.archive.readers import CArchiveReader  # type: ignore[import-untyped]

from desktop import __version__
from tests import display
from tests.cli_runner import SECRET_SERVICE

pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "org.samen.Samen"


@dataclass(frozen=True)
class Bundle:
    folder: Path
    archive: Path

    @property
    def program(self) -> Path:
        return self.folder / "samen"

    @property
    def qt(self) -> Path:
        return self.folder / "_internal" / "PySide6" / "Qt"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    out = tmp_path_factory.mktemp("bundle")
    env = {
        **os.environ,
        "SAMEN_SKIP_SETUP": "1",  # the test session already runs in the set-up .venv
        "DIST_DIR": str(out / "dist"),
        "WORK_DIR": str(out / "work"),
    }
    result = subprocess.run(
        [str(ROOT / "installers" / "build-linux.sh")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    archive = out / "dist" / f"samen-{__version__}-linux-{os.uname().machine}.tar.xz"
    assert f"Built {out / 'dist' / 'samen'} (" in result.stdout
    return Bundle(out / "dist" / "samen", archive)


def _run(program: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(program), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
        timeout=120,
        check=False,
    )


def test_the_bundle_passes_its_self_test_offscreen(
    bundle: Bundle, tmp_path: Path, secret_env: dict[str, str]
) -> None:
    result = _run(
        bundle.program,
        "--selftest",
        env={**secret_env, **SECRET_SERVICE, "SAMEN_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok    resources: {bundle.folder / '_internal' / 'resources'}" in result.stdout
    assert "ok    keyring: keyring.backends.SecretService.Keyring" in result.stdout
    assert "ok    audio: played" in result.stdout
    catalogues = bundle.folder / "_internal" / "resources" / "translations"
    assert f"ok    translations: 2 languages (en, nl) in {catalogues}" in result.stdout
    assert result.stdout.splitlines()[-1] == "All checks passed."


def test_the_bundle_speaks_dutch_with_its_compiled_catalogues(
    bundle: Bundle, tmp_path: Path, secret_env: dict[str, str]
) -> None:
    env = {
        **secret_env,
        **SECRET_SERVICE,
        "SAMEN_DATA_DIR": str(tmp_path / "data"),
        "LANGUAGE": "nl",
        "LANG": "nl_NL.UTF-8",
    }
    result = _run(bundle.program, "--selftest", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    vertalingen: 2 talen (en, nl) in " in result.stdout
    assert result.stdout.splitlines()[-1] == "Alle controles zijn geslaagd."
    usage = _run(bundle.program, "login", env=env)
    assert "deze argumenten zijn verplicht: --server, --user" in usage.stderr
    catalogues = bundle.folder / "_internal" / "resources" / "translations"
    assert sorted(p.relative_to(catalogues).as_posix() for p in catalogues.rglob("*.*")) == [
        "en/LC_MESSAGES/samen.mo",
        "nl/LC_MESSAGES/samen.mo",
    ]


def test_the_bundle_passes_its_self_test_on_a_real_x_server(
    bundle: Bundle, tmp_path: Path, secret_env: dict[str, str]
) -> None:
    # The xcb platform plugin and its libraries load only for a real display.
    if not display.available():
        pytest.fail("Xvfb is required (scripts/setup.sh dev installs it)")
    with display.xvfb() as screen:
        result = _run(
            bundle.program,
            "--selftest",
            env={
                **secret_env,
                **SECRET_SERVICE,
                "SAMEN_DATA_DIR": str(tmp_path / "data"),
                "DISPLAY": screen,
                "QT_QPA_PLATFORM": "xcb",
            },
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Qt xcb)" in result.stdout


def test_the_bundle_runs_the_command_line_without_python_installed(
    bundle: Bundle, tmp_path: Path
) -> None:
    clean_env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": "", "SAMEN_DATA_DIR": str(tmp_path)}
    version = _run(bundle.program, "--version", env=clean_env)
    assert version.returncode == 0 and version.stdout.strip() == f"samen {__version__}"
    status = _run(bundle.program, "status", env=clean_env)
    assert status.returncode == 0, status.stderr
    assert "Not logged in" in status.stdout or "not logged in" in status.stdout.lower()
    # The academy server is not part of the client bundle; the demo says so instead of crashing.
    demo = _run(bundle.program, "demo", "--no-window", env=clean_env)
    assert demo.returncode == 1
    assert "The demo needs Samen's server part, which is not installed." in demo.stderr


def test_the_bundle_holds_the_ffmpeg_backend_and_leaves_unused_qt_out(bundle: Bundle) -> None:
    plugins = bundle.qt / "plugins"
    assert (plugins / "multimedia" / "libffmpegmediaplugin.so").is_file()
    assert (plugins / "platforms" / "libqxcb.so").is_file()
    assert (plugins / "platforms" / "libqwayland.so").is_file()
    assert (plugins / "imageformats" / "libqsvg.so").is_file()
    left_out = {"egldeviceintegrations", "generic", "sqldrivers", "webview", "printsupport"}
    assert not left_out & {folder.name for folder in plugins.iterdir()}
    assert {p.name for p in (plugins / "platformthemes").iterdir()} == {"libqxdgdesktopportal.so"}
    # Qt's own words for the window's dialogs and media errors, in Samen's two languages only.
    assert {p.name for p in (bundle.qt / "translations").iterdir()} == {
        "qtbase_nl.qm",
        "qtbase_en.qm",
        "qtmultimedia_nl.qm",
        "qtmultimedia_en.qm",
    }
    files = [path.name for path in bundle.folder.rglob("*")]
    unwanted_names = (
        "WebEngine",
        "Qt6Pdf",
        "VirtualKeyboard",
        "QtQml.abi3",
        "libgtk-3",
        "libstdc++",
    )
    for unwanted in unwanted_names:
        assert not [name for name in files if unwanted in name], unwanted
    # The C++ runtime is the system's (a bundled copy can be older than its OpenGL drivers need).
    assert not [name for name in files if name.startswith(("libstdc++", "libgcc_s"))]
    python_modules = set(CArchiveReader(str(bundle.program)).open_embedded_archive("PYZ.pyz").toc)
    assert {"desktop.app", "desktop.selftest", "keyring.backends.SecretService"} <= python_modules
    for server_side in ("server", "fastapi", "uvicorn", "sqlalchemy", "alembic", "pytest"):
        assert not {m for m in python_modules if m.split(".")[0] == server_side}, server_side


def test_the_bundle_holds_the_icon_font_and_not_qtawesomes_python_side(bundle: Bundle) -> None:
    fonts = bundle.folder / "_internal" / "qtawesome" / "fonts"
    names = {path.suffix: path.name for path in fonts.iterdir()}
    assert len(list(fonts.iterdir())) == 2  # Font Awesome 6 solid and its name map, no other
    assert names[".ttf"].startswith("fontawesome6-solid-webfont-")
    assert names[".json"].startswith("fontawesome6-solid-webfont-charmap-")
    python_modules = set(CArchiveReader(str(bundle.program)).open_embedded_archive("PYZ.pyz").toc)
    assert "desktop.ui.icons" in python_modules
    assert not {m for m in python_modules if m.split(".")[0] in ("qtawesome", "qtpy", "PyQt5")}


def test_the_archive_installs_for_one_user_updates_and_uninstalls(
    bundle: Bundle, tmp_path: Path, secret_env: dict[str, str]
) -> None:
    with tarfile.open(bundle.archive) as archive:
        names = archive.getnames()
        assert "samen/samen" in names and "samen/install.sh" in names
        assert all(name == "samen" or name.startswith("samen/") for name in names)
        archive.extractall(tmp_path / "unpacked", filter="tar")
    home = tmp_path / "Jan de Vries"  # a space in the path: the menu entry must quote it
    home.mkdir()
    env = {
        **os.environ,
        **secret_env,
        **SECRET_SERVICE,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "QT_QPA_PLATFORM": "offscreen",
    }

    def install(*args: str, prefix: Path | None = None) -> subprocess.CompletedProcess[str]:
        script = tmp_path / "unpacked" / "samen" / "install.sh"
        extra = {} if prefix is None else {"PREFIX": str(prefix)}
        return subprocess.run(
            [str(script), *args],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    first = install()
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Note:" not in first.stderr  # its own self-test passed
    prefix = home / ".local" / "opt" / "samen"
    (prefix / "_internal" / "left-over-from-an-old-version").write_text("x")
    again = install()  # an update replaces the folder whole
    assert again.returncode == 0, again.stderr
    assert not (prefix / "_internal" / "left-over-from-an-old-version").exists()

    launcher = home / ".local" / "bin" / "samen"
    assert launcher.resolve() == (prefix / "samen").resolve()
    version = subprocess.run(
        [str(launcher), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert version.stdout.strip() == f"samen {__version__}"
    share = home / ".local" / "share"
    entry = share / "applications" / f"{APP_ID}.desktop"
    assert f'Exec="{prefix}/samen"\n' in entry.read_text()
    validator = shutil.which("desktop-file-validate")
    assert validator is not None
    validated = subprocess.run([validator, str(entry)], capture_output=True, text=True, check=False)
    assert validated.returncode == 0, validated.stdout
    assert (share / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()

    # A PREFIX that holds something else is never replaced or removed.
    elsewhere = tmp_path / "projects"
    (elsewhere / "thesis").mkdir(parents=True)
    for args in ((), ("--uninstall",)):
        refused = install(*args, prefix=elsewhere)
        assert refused.returncode == 1
        assert "is not a Samen installation" in refused.stderr
    assert (elsewhere / "thesis").is_dir()

    # Learners' data lives elsewhere; uninstalling leaves it.
    data = share / "Samen"
    data.mkdir(parents=True, exist_ok=True)
    (data / "samen.sqlite3").write_bytes(b"work")
    uninstall = install("--uninstall")
    assert uninstall.returncode == 0, uninstall.stderr
    assert f"still in {share / 'Samen'}" in uninstall.stdout
    assert not prefix.exists() and not launcher.exists() and not entry.exists()
    assert (data / "samen.sqlite3").read_bytes() == b"work"
