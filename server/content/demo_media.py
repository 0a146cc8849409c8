"""Generates the demo academy's media files: PNG images (pure Python), speech (espeak-ng, then
ffmpeg to mp3) and a short test video (ffmpeg). Missing tools degrade to a WAV tone or no video,
with a warning. Runs on the CLI's main thread plus a small pool of threads that only wait on
subprocesses.
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import wave
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Warn = Callable[[str], None]

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class MediaTools:
    """Paths of the external programs, or None when not installed."""

    ffmpeg: str | None
    espeak: str | None

    @classmethod
    def detect(cls, warn: Warn) -> MediaTools:
        ffmpeg = shutil.which("ffmpeg")
        espeak = shutil.which("espeak-ng") or shutil.which("espeak")
        if espeak is None:
            warn("espeak-ng not found: demo audio will be a plain tone instead of speech")
        if ffmpeg is None:
            warn("ffmpeg not found: demo audio stays WAV and the demo videos are skipped")
        return cls(ffmpeg=ffmpeg, espeak=espeak)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def write_png(
    path: Path,
    top: tuple[int, int, int],
    bottom: tuple[int, int, int],
    width: int = 480,
    height: int = 270,
) -> None:
    """A vertical gradient with a light band of circles, enough to tell images apart."""
    rows = bytearray()
    for y in range(height):
        t = y / max(height - 1, 1)
        base = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        rows.append(0)  # PNG filter type "none" for this row
        for x in range(width):
            cx = (x % 60) - 30
            cy = y - height // 2
            inside = cx * cx + cy * cy < 400
            rows.extend((255, 255, 255) if inside else base)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _png_chunk(b"IEND", b"")
    )


def write_cover(
    tools: MediaTools,
    path: Path,
    top: tuple[int, int, int],
    bottom: tuple[int, int, int],
    words: str,
    warn: Warn,
) -> None:
    """A 640x360 cover: a diagonal gradient with `words` in large letters (ffmpeg's gradients
    and drawtext); the pure-Python gradient when ffmpeg cannot draw text here."""
    if tools.ffmpeg:
        path.parent.mkdir(parents=True, exist_ok=True)
        c0, c1 = (f"0x{r:02x}{g:02x}{b:02x}" for r, g, b in (top, bottom))
        text = words.replace("\\", "").replace("'", "").replace(":", "")
        try:
            _run(
                [
                    tools.ffmpeg, "-y", "-v", "error", "-f", "lavfi", "-i",
                    f"gradients=s=640x360:c0={c0}:c1={c1}:x0=0:y0=0:x1=640:y1=360"
                    ":nb_colors=2:seed=1",
                    "-vf",
                    "drawbox=x=0:y=250:w=640:h=110:color=black@0.30:t=fill,"
                    f"drawtext=text='{text}':fontcolor=white:fontsize=52:x=32:y=276",
                    "-frames:v", "1", "-map_metadata", "-1", "-fflags", "+bitexact", str(path),
                ]
            )  # fmt: skip
            return
        except (OSError, subprocess.SubprocessError) as exc:
            warn(f"ffmpeg could not draw {path.name} ({exc}); using a plain gradient")
            path.unlink(missing_ok=True)
    write_png(path, top, bottom, 640, 360)


def write_tone(path: Path, seconds: float = 2.0, frequency: float = 440.0) -> None:
    """A fading sine tone as 16-bit mono WAV: the stand-in when espeak-ng is missing."""
    frames = int(SAMPLE_RATE * seconds)
    samples = bytearray()
    for n in range(frames):
        envelope = 1.0 - n / frames
        value = int(12_000 * envelope * math.sin(2 * math.pi * frequency * n / SAMPLE_RATE))
        samples.extend(struct.pack("<h", value))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(bytes(samples))


def wav_seconds(path: Path) -> int:
    with wave.open(str(path), "rb") as wav:
        return max(1, math.ceil(wav.getnframes() / wav.getframerate()))


def _run(args: list[str]) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=60)


@dataclass(frozen=True)
class Speech:
    path: Path
    duration_seconds: int


def write_speech(tools: MediaTools, text: str, voice: str, stem: Path, warn: Warn) -> Speech:
    """Speak ``text`` into stem.mp3 (or stem.wav without ffmpeg); never raises for tool trouble."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    wav = stem.with_suffix(".wav")
    spoken = False
    if tools.espeak:
        try:
            _run([tools.espeak, "-v", voice, "-s", "150", "-w", str(wav), text])
            spoken = True
        except (OSError, subprocess.SubprocessError) as exc:
            warn(f"espeak-ng failed for {stem.name} ({exc}); using a tone instead")
    if not spoken:
        write_tone(wav)
    duration = wav_seconds(wav)
    if tools.ffmpeg:
        mp3 = stem.with_suffix(".mp3")
        try:
            # bitexact + no metadata keep the bytes (and so the sha256) stable between runs.
            _run(
                [
                    tools.ffmpeg,
                    "-y",
                    "-v",
                    "error",
                    "-i",
                    str(wav),
                    "-map_metadata",
                    "-1",
                    "-fflags",
                    "+bitexact",
                    "-ac",
                    "1",
                    "-c:a",
                    "libmp3lame",
                    "-b:a",
                    "48k",
                    str(mp3),
                ]
            )
        except (OSError, subprocess.SubprocessError) as exc:
            warn(f"ffmpeg could not encode {mp3.name} ({exc}); keeping WAV")
            mp3.unlink(missing_ok=True)
        else:
            wav.unlink()
            return Speech(mp3, duration)
    return Speech(wav, duration)


def write_video(tools: MediaTools, path: Path, frequency: int, warn: Warn) -> bool:
    """A 2 s 320x240 H.264/AAC test pattern; False (with a warning) when it cannot be made."""
    if not tools.ffmpeg:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        _run(
            [
                tools.ffmpeg,
                "-y",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=320x240:rate=25:duration=2",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency={frequency}:duration=2",
                "-map_metadata",
                "-1",
                "-fflags",
                "+bitexact",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-b:a",
                "64k",
                "-shortest",
                "-movflags",
                "+faststart",
                str(path),
            ]
        )
    except (OSError, subprocess.SubprocessError) as exc:
        warn(f"ffmpeg could not make {path.name} ({exc}); skipping the video")
        path.unlink(missing_ok=True)
        return False
    return True
