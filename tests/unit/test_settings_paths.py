"""Settings declared once with defaults; paths from platformdirs or an override."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from desktop.paths import resolve_paths
from desktop.settings import DECLARED, Settings, played_episode_kept_for


def test_every_setting_has_a_default_and_a_doc() -> None:
    for setting in DECLARED:
        assert setting.doc.endswith(".")
        assert setting.default is not None


def test_defaults_then_saved_values(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings.load(path)
    assert settings.get("sync_interval_s") == 300
    settings.set("sync_interval_s", 60)
    settings.save()
    assert Settings.load(path).get("sync_interval_s") == 60


def test_damaged_file_or_wrong_type_falls_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    assert Settings.load(path).get("server_url") == ""
    path.write_text('{"sync_interval_s": "often", "download_unmetered_only": 1}')
    loaded = Settings.load(path)
    assert loaded.get("sync_interval_s") == 300
    assert loaded.get("download_unmetered_only") is False


def test_unknown_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        Settings.load(tmp_path / "s.json").set("no_such_thing", 1)


def test_data_dir_override_by_argument_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMEN_DATA_DIR", str(tmp_path / "env"))
    assert resolve_paths().data_dir == tmp_path / "env"
    explicit = resolve_paths(tmp_path / "arg")
    assert explicit.data_dir == tmp_path / "arg"
    assert explicit.database.parent == tmp_path / "arg"
    monkeypatch.delenv("SAMEN_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_paths().data_dir == tmp_path / "xdg" / "Samen"


def test_whole_number_is_accepted_for_a_decimal_setting(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"request_timeout_s": 20, "sync_interval_s": true}')
    loaded = Settings.load(path)
    assert loaded.get("request_timeout_s") == 20.0
    assert loaded.get("sync_interval_s") == 300


def test_played_episodes_are_kept_for_the_hours_set_or_for_good(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    assert played_episode_kept_for(settings) == timedelta(hours=24)
    settings.set("podcast_delete_played_after_h", 168)
    assert played_episode_kept_for(settings) == timedelta(days=7)
    settings.set("podcast_clean_up", False)
    assert played_episode_kept_for(settings) > timedelta(days=365 * 50)
    assert settings.get("theme") == "system"
