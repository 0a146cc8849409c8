"""The media player with real files made by ffmpeg/espeak-ng, played offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.media.player import MAX_RATE, MIN_RATE, SKIP_FORWARD_MS, Player
from tests import media_factory

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture
def player(qtbot: QtBot) -> Iterator[Player]:
    player = Player(save_every_ms=200)
    yield player
    player.unload()
    player.deleteLater()


@pytest.mark.parametrize("fmt", ["mp3", "m4a", "opus", "mp4"])
def test_each_format_plays_to_the_end_and_is_saved_there(
    qtbot: QtBot, player: Player, media_dir: Path, fmt: str
) -> None:
    path = media_factory.video(media_dir) if fmt == "mp4" else media_factory.audio(media_dir, fmt)
    saves: list[tuple[str, int, int]] = []
    player.save_due.connect(lambda *args: saves.append(args))
    with qtbot.waitSignal(player.loaded, timeout=10_000):
        player.load(path, f"course:c/{path.name}")
    assert player.duration() > 1000
    player.set_rate(MAX_RATE)  # quicker tests; the end is the end at any speed
    with qtbot.waitSignal(player.finished, timeout=15_000) as finished:
        player.play()
    assert finished.args == [f"course:c/{path.name}"]
    key, position, duration = saves[-1]
    assert key == f"course:c/{path.name}" and position == duration == player.duration()
    assert player.has_video() is (fmt == "mp4")


def test_resume_is_applied_once_loaded_and_skips_are_clamped(
    qtbot: QtBot, player: Player, media_dir: Path
) -> None:
    path = media_factory.audio(media_dir, "mp3", seconds=40)
    with qtbot.waitSignal(player.loaded, timeout=10_000):
        player.load(path, "course:c/long.mp3", resume_ms=12_000)
    assert 39_000 < player.duration() < 41_000
    qtbot.waitUntil(lambda: abs(player.position() - 12_000) < 300, timeout=5_000)
    player.skip_back()
    qtbot.waitUntil(lambda: abs(player.position() - 2_000) < 300, timeout=5_000)
    player.skip_back()  # not before the start
    qtbot.waitUntil(lambda: player.position() < 300, timeout=5_000)
    player.skip_forward()
    qtbot.waitUntil(lambda: abs(player.position() - SKIP_FORWARD_MS) < 300, timeout=5_000)
    player.skip_forward()  # not past the end
    qtbot.waitUntil(lambda: player.position() <= player.duration(), timeout=5_000)
    assert player.position() > 35_000


def test_speed_is_clamped_and_pitch_is_kept(qtbot: QtBot, player: Player) -> None:
    player.set_rate(10)
    assert player.rate() == MAX_RATE
    player.set_rate(0.1)
    assert player.rate() == MIN_RATE
    player.set_rate(1.5)
    assert player.rate() == 1.5
    assert player.pitch_kept  # Qt >= 6.10 with the FFmpeg backend
    player.set_volume(3)
    assert player.volume() == 1.0


def test_positions_are_saved_while_playing_and_on_pause(
    qtbot: QtBot, player: Player, media_dir: Path
) -> None:
    path = media_factory.audio(media_dir, "opus", seconds=40)
    saves: list[int] = []
    player.save_due.connect(lambda _key, position, _duration: saves.append(position))
    with qtbot.waitSignal(player.loaded, timeout=10_000):
        player.load(path, "episode:" + "a" * 32)
    player.play()
    qtbot.waitUntil(lambda: len(saves) >= 3, timeout=10_000)  # every 200 ms in this test
    with qtbot.waitSignal(player.save_due, timeout=5_000):
        player.pause()
    assert saves == sorted(saves) and saves[-1] > 0


def test_the_sleep_timer_pauses_and_saves(qtbot: QtBot, player: Player, media_dir: Path) -> None:
    path = media_factory.audio(media_dir, "m4a", seconds=40)
    with qtbot.waitSignal(player.loaded, timeout=10_000):
        player.load(path, "episode:" + "b" * 32)
    player.play()
    qtbot.waitUntil(player.is_playing, timeout=5_000)
    player._sleep_timer.start(300)  # the learner's choice is in minutes; 0.3 s here
    with qtbot.waitSignals([player.save_due, player.sleep_changed], timeout=5_000):
        pass
    assert not player.is_playing()
    assert player.sleep_remaining_ms() == 0


@pytest.mark.qt_log_ignore("Could not open media")  # what FFmpeg says of the damaged file
def test_damaged_and_missing_files_give_a_clear_message(
    qtbot: QtBot, player: Player, media_dir: Path
) -> None:
    saves: list[object] = []
    player.save_due.connect(lambda *args: saves.append(args))
    with qtbot.waitSignal(player.failed, timeout=10_000) as failed:
        player.load(media_dir / "gone.mp3", "course:c/gone.mp3", title="Lesson 1 audio")
    assert failed.args == ["Lesson 1 audio is not on this computer (any more)."]
    with qtbot.waitSignal(player.failed, timeout=10_000) as failed:
        player.load(media_factory.damaged(media_dir), "course:c/damaged.mp3", title="Les 2")
    assert str(failed.args[0]).startswith("Les 2 cannot be played")
    assert saves == []
