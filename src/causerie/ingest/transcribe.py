"""Recordings become timed text: PyAV decodes (no ffmpeg binary), faster-whisper transcribes.

    options = SpeechOptions(model_folder=..., languages=("fr", "en"))
    transcript = transcribe(data, "lecture.mp4", options)
    transcript.language, transcript.duration_s, transcript.segments  # Segment(start_s, end_s, text)

- The media is probed first: not a recording PyAV can read (corrupt, truncated), no audio track,
  longer than the cap: a LoaderError naming the file, before any decoding.
- The language is detected among the languages the user works in (`languages`): Whisper's free
  choice answered Latin on espeak-ng's French voice. One language given: it is used as is.
- Voice-activity filtering (Silero VAD, shipped inside faster-whisper) skips silences; nothing
  left is "no speech found".
- Word timestamps cut Whisper's segments at sentence ends, so each passage is timed to the
  sentence, not to a 30-second window.
- Repetition loops (a phrase said again and again, a hallucination on noise) are guarded twice:
  faster-whisper falls back to sampling when a window compresses too well, and
  `collapse_repetitions` drops what is left of a loop.
- Progress: `causerie.ingest.progress.report(seconds done, duration)` after each segment.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from causerie.errors import LoaderError
from causerie.ingest.progress import report

SAMPLE_RATE = 16_000
MAX_REPEATS = 2  # a phrase said more than twice in a row is cut back to twice
_SENTENCE_END = re.compile(r"[.!?…]['\"»”)]*$")


@dataclass(frozen=True, slots=True)
class SpeechOptions:
    model_folder: str  # a CTranslate2 Whisper model folder (causerie.ingest.speech_model)
    languages: tuple[str, ...] = ("fr", "en")
    max_duration_s: float = 3 * 3600.0
    threads: int = 0  # 0: all cores
    beam_size: int = 5


@dataclass(frozen=True, slots=True)
class Segment:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True, slots=True)
class Transcript:
    language: str
    duration_s: float
    segments: tuple[Segment, ...]
    language_probabilities: dict[str, float] = field(default_factory=dict)


def describe_duration(seconds: float) -> str:
    """'45 s', '12 min 5 s', '3 h 02 min'."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def probe(data: bytes, name: str, max_duration_s: float) -> float:
    """The recording's duration in seconds (0.0 when the container does not say), after
    checking that PyAV reads it, that it has an audio track and that it is within the cap."""
    import av

    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                kinds = ", ".join(sorted({str(s.type) for s in container.streams})) or "nothing"
                raise LoaderError(name, f"has no audio track to transcribe (it holds: {kinds})")
            stream = container.streams.audio[0]
            duration = 0.0
            if container.duration:
                duration = container.duration / av.time_base
            elif stream.duration and stream.time_base:
                duration = float(stream.duration * stream.time_base)
    except av.error.FFmpegError as exc:
        raise LoaderError(
            name, f"is not a recording that can be read (corrupt or truncated? {exc.strerror})"
        ) from exc
    check_duration(name, duration, max_duration_s)
    return duration


def check_duration(name: str, duration_s: float, max_duration_s: float) -> None:
    if duration_s > max_duration_s:
        raise LoaderError(
            name,
            f"the recording is {describe_duration(duration_s)} long; the limit is "
            f"{describe_duration(max_duration_s)} (the max_media_minutes setting, or "
            "CAUSERIE_MAX_MEDIA_MINUTES, raises it)",
        )


def decode(data: bytes, name: str) -> Any:
    """The audio as 16 kHz mono float32 samples (numpy)."""
    import av
    from faster_whisper import decode_audio

    try:
        audio = decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE)
    except (av.error.FFmpegError, ValueError) as exc:
        raise LoaderError(
            name, f"its audio could not be decoded (corrupt or truncated? {exc})"
        ) from exc
    if not len(audio):
        raise LoaderError(name, "its audio track holds no sound that could be decoded")
    return audio


def load_model(options: SpeechOptions) -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(
        options.model_folder, device="cpu", compute_type="int8", cpu_threads=options.threads
    )


def transcribe(data: bytes, name: str, options: SpeechOptions, model: Any = None) -> Transcript:
    """The recording's timed transcript (see the module docstring)."""
    probed = probe(data, name, options.max_duration_s)
    audio = decode(data, name)
    duration = len(audio) / SAMPLE_RATE
    check_duration(name, duration, options.max_duration_s)  # a container may not say
    if probed and duration < probed * 0.9 - 1.0:
        raise LoaderError(
            name,
            f"is truncated or damaged: its audio stops after {describe_duration(duration)} "
            f"of the {describe_duration(probed)} it announces",
        )
    report(0.0, duration or probed)
    model = model or load_model(options)
    language, probabilities = detect_language(model, audio, options.languages)
    if language is None:
        raise LoaderError(name, "no speech found (the recording is silent or holds only noise)")
    segments, _info = model.transcribe(
        audio,
        language=language,
        beam_size=options.beam_size,
        vad_filter=True,
        word_timestamps=True,
        condition_on_previous_text=False,  # a mistake is not carried into the next window
        compression_ratio_threshold=2.4,  # a window that compresses this well is a loop
        hallucination_silence_threshold=2.0,
    )
    timed: list[Segment] = []
    for segment in segments:
        timed.extend(sentences(segment))
        report(min(segment.end, duration), duration)
    kept = collapse_repetitions(timed)
    if not kept:
        raise LoaderError(name, "no speech found (the recording is silent or holds only noise)")
    report(duration, duration)
    return Transcript(language, duration, tuple(kept), probabilities)


def detect_language(
    model: Any, audio: Any, languages: Sequence[str]
) -> tuple[str | None, dict[str, float]]:
    """The most likely of `languages` (None when the voice detector hears no speech), and
    the probability Whisper gave each of them."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if not get_speech_timestamps(audio, VadOptions()):
        return None, {}
    if len(languages) == 1:
        return languages[0], {languages[0]: 1.0}
    _best, _probability, ranked = model.detect_language(audio, vad_filter=True)
    scores = {code: round(float(p), 4) for code, p in ranked if code in languages}
    if not scores:
        return languages[0], {}
    return max(scores, key=lambda code: scores[code]), scores


def sentences(segment: Any) -> list[Segment]:
    """One Whisper segment cut at its sentence ends, each part timed by its words."""
    words = list(segment.words or ())
    if not words:
        text = " ".join(segment.text.split())
        return [Segment(float(segment.start), float(segment.end), text)] if text else []
    parts: list[Segment] = []
    current: list[Any] = []
    for word in words:
        current.append(word)
        if _SENTENCE_END.search(word.word.strip()):
            parts.append(_joined(current))
            current = []
    if current:
        parts.append(_joined(current))
    return [part for part in parts if part.text]


def _joined(words: Sequence[Any]) -> Segment:
    text = " ".join("".join(w.word for w in words).split())
    return Segment(float(words[0].start), float(words[-1].end), text)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def collapse_repetitions(segments: Iterable[Segment], most: int = MAX_REPEATS) -> list[Segment]:
    """Segments with repetition loops cut back: the same sentence more than `most` times in a
    row keeps `most`, and a phrase of 1-8 words repeated more than `most` times inside a
    sentence keeps `most` copies of it."""
    kept: list[Segment] = []
    run = 0
    for segment in segments:
        text = _collapse_inside(segment.text, most)
        if kept and _normal(text) == _normal(kept[-1].text):
            run += 1
            if run >= most:
                kept[-1] = Segment(kept[-1].start_s, segment.end_s, kept[-1].text)
                continue
        else:
            run = 0
        if _normal(text):
            kept.append(Segment(segment.start_s, segment.end_s, text))
    return kept


def _collapse_inside(text: str, most: int) -> str:
    words = text.split()
    for size in range(1, 9):
        i = 0
        out: list[str] = []
        while i < len(words):
            phrase = [_normal(w) for w in words[i : i + size]]
            repeats = 1
            while (
                len(phrase) == size
                and [_normal(w) for w in words[i + repeats * size : i + (repeats + 1) * size]]
                == phrase
            ):
                repeats += 1
            if repeats > most:
                out.extend(words[i : i + size * most])
                i += size * repeats
            else:
                out.append(words[i])
                i += 1
        words = out
    return " ".join(words)
