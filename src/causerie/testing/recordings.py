"""Test recordings made on the spot: espeak-ng reads a script, PyAV wraps it in a container.

    starts = speak_sections(["First part...", "Second part..."], "en-us", tmp / "talk.wav")
    to_video(tmp / "talk.wav", tmp / "talk.mp4")       # MPEG-4 video track + AAC audio
    silence(tmp / "quiet.wav", seconds=4)
    video_without_audio(tmp / "mute.mp4", seconds=2)

Needs the espeak-ng program (Debian: `apt-get install espeak-ng`) and PyAV (the video extra).
Section starts are exact: each section is spoken on its own, then joined with a pause.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from pathlib import Path

ESPEAK = "espeak-ng"


def espeak_available() -> bool:
    return shutil.which(ESPEAK) is not None


def speak(text: str, voice: str, path: Path, words_per_minute: int = 165) -> Path:
    """`text` read by espeak-ng's `voice` into a WAV file (22,050 Hz mono, 16 bits)."""
    subprocess.run(
        [ESPEAK, "-v", voice, "-s", str(words_per_minute), "-w", str(path), text],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return path


def speak_sections(
    sections: Sequence[str], voice: str, path: Path, pause_s: float = 1.5
) -> list[float]:
    """The sections read one after the other, `pause_s` of silence between them, into one WAV
    file; returns the second at which each section starts."""
    starts: list[float] = []
    frames: list[bytes] = []
    rate = width = 0
    position = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for index, text in enumerate(sections):
            part = speak(text, voice, Path(folder) / f"{index}.wav")
            with wave.open(str(part), "rb") as reader:
                rate, width = reader.getframerate(), reader.getsampwidth()
                data = reader.readframes(reader.getnframes())
            if index:
                gap = b"\x00" * (int(rate * pause_s) * width)
                frames.append(gap)
                position += pause_s
            starts.append(round(position, 3))
            frames.append(data)
            position += len(data) / (rate * width)
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(b"".join(frames))
    return starts


def silence(path: Path, seconds: float, rate: int = 16_000) -> Path:
    """A WAV file of digital silence."""
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x00\x00" * int(rate * seconds))
    return path


def to_video(audio: Path, path: Path, fps: int = 4) -> Path:
    """The audio file as a video container (by `path`'s extension): a small grey video track
    for the audio's length and the audio, as VP8 + Opus in .webm (what every browser plays),
    MPEG-4 + AAC in .mp4, .mkv, .mov."""
    import av
    import numpy as np

    webm = path.suffix.lower() == ".webm"
    with av.open(str(audio)) as source, av.open(str(path), "w") as target:
        video = target.add_stream("libvpx" if webm else "mpeg4", rate=fps)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = target.add_stream("libopus" if webm else "aac", rate=16_000)
        sound.layout = "mono"
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=16_000)
        seconds = 0.0
        for frame in source.decode(audio=0):
            seconds += frame.samples / frame.sample_rate
            for resampled in resampler.resample(frame):
                target.mux(sound.encode(resampled))
        for resampled in resampler.resample(None):
            target.mux(sound.encode(resampled))
        target.mux(sound.encode(None))
        grey = np.full((48, 64, 3), 128, dtype=np.uint8)
        for index in range(max(1, int(seconds * fps))):
            picture = av.VideoFrame.from_ndarray(grey, format="rgb24")
            picture.pts = index
            target.mux(video.encode(picture))
        target.mux(video.encode(None))
    return path


def video_without_audio(path: Path, seconds: float = 2.0, fps: int = 4) -> Path:
    """A video file with a video track and no audio track."""
    import av
    import numpy as np

    with av.open(str(path), "w") as target:
        video = target.add_stream("mpeg4", rate=fps)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        grey = np.full((48, 64, 3), 90, dtype=np.uint8)
        for index in range(int(seconds * fps)):
            picture = av.VideoFrame.from_ndarray(grey, format="rgb24")
            picture.pts = index
            target.mux(video.encode(picture))
        target.mux(video.encode(None))
    return path
