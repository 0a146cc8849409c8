"""Real media made by the tests: espeak-ng speech encoded by ffmpeg (mp3, m4a, opus), an H.264
mp4, and broken files. Each file is made once per session."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SPEECH = "Samen leren. Learning together helps you remember more and give up less."

_AUDIO_CODECS = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "48k"],
    "m4a": ["-c:a", "aac", "-b:a", "48k"],
    "opus": ["-c:a", "libopus", "-b:a", "32k"],
}


def _run(args: list[str]) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=60)


def _ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    assert found, "ffmpeg is needed (scripts/setup.sh installs it)"
    return found


def speech_wav(folder: Path, text: str = SPEECH) -> Path:
    wav = folder / "speech.wav"
    if not wav.exists():
        espeak = shutil.which("espeak-ng")
        assert espeak, "espeak-ng is needed (scripts/setup.sh installs it)"
        folder.mkdir(parents=True, exist_ok=True)
        _run([espeak, "-v", "en", "-s", "170", "-w", str(wav), text])
    return wav


def audio(folder: Path, fmt: str, seconds: float | None = None) -> Path:
    """Speech as `fmt` (mp3, m4a, opus); with `seconds`, padded with silence to that length."""
    name = f"speech-{seconds or 0:g}s.{fmt}"
    path = folder / name
    if not path.exists():
        pad = ["-af", f"apad=whole_dur={seconds}"] if seconds else []
        _run([_ffmpeg(), "-y", "-v", "error", "-i", str(speech_wav(folder)), *pad,
              *_AUDIO_CODECS[fmt], str(path)])  # fmt: skip
    return path


def video(folder: Path, seconds: int = 2) -> Path:
    path = folder / f"pattern-{seconds}s.mp4"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        _run([
            _ffmpeg(), "-y", "-v", "error",
            "-f", "lavfi", "-i", f"testsrc=size=160x120:rate=10:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path),
        ])  # fmt: skip
    return path


def damaged(folder: Path) -> Path:
    """An .mp3 that is no audio at all."""
    path = folder / "damaged.mp3"
    path.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 40)
    return path


def picture(folder: Path, name: str = "cover.png", size: str = "320x180") -> Path:
    """A real PNG or JPEG (by `name`'s extension): a test pattern of `size` pixels."""
    path = folder / name
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        _run([
            _ffmpeg(), "-y", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size={size}:rate=1",
            "-frames:v", "1", str(path),
        ])  # fmt: skip
    return path
