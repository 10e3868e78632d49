"""YouTube links: the video's captions when it has some in one of the user's languages
(youtube-transcript-api), else its audio (yt-dlp, audio only: no ffmpeg needed) transcribed
locally like any recording (causerie.ingest.loaders.media).

    video_id("https://youtu.be/dQw4w9WgXcQ?t=42")  -> "dQw4w9WgXcQ"
    document = load_youtube(url, limits)             # sections timed in seconds, like a .vtt

Needs the `video` extra. The source's uri stays the link the user gave, so citations open
the video at their second (`https://youtu.be/ID?t=SECONDS`).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from causerie.errors import LoaderError
from causerie.ingest.limits import Limits, describe_size
from causerie.ingest.loaders.base import LoaderSpec
from causerie.ingest.loaders.media import INSTALL_HINT, SPECS
from causerie.types import Document, Section, content_hash

MEDIA_TYPE = "video/x-youtube"
HOSTS = ("youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be",
         "www.youtube-nocookie.com")  # fmt: skip
_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")

Captions = Callable[[str, Sequence[str]], Any]  # (video id, languages) -> FetchedTranscript | None
Download = Callable[[str, Path, Limits], Path]  # (url, folder, limits) -> the audio file
Reader = Callable[[bytes, str, LoaderSpec, Limits], Document]


def video_id(url: str) -> str | None:
    """The video id of a YouTube watch, short, embed, shorts or live link; None otherwise."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or host not in HOSTS:
        return None
    path = [p for p in parts.path.split("/") if p]
    if host == "youtu.be":
        found = path[0] if path else ""
    elif path[:1] == ["watch"]:
        found = parse_qs(parts.query).get("v", [""])[0]
    elif len(path) >= 2 and path[0] in ("embed", "shorts", "live", "v"):
        found = path[1]
    else:
        found = ""
    return found if _ID.match(found) else None


def fetch_captions(video: str, languages: Sequence[str]) -> Any:
    """The video's captions in the first of `languages` it has (manual ones before generated
    ones, as the library orders them); None when it has none in those languages."""
    from youtube_transcript_api import (
        NoTranscriptFound,
        TranscriptsDisabled,
        YouTubeTranscriptApi,
    )

    try:
        return YouTubeTranscriptApi().fetch(video, languages=list(languages))
    except (NoTranscriptFound, TranscriptsDisabled):
        return None


def captions_document(fetched: Any, url: str) -> Document:
    """A Document from youtube-transcript-api's FetchedTranscript: one section per caption."""
    sections = []
    for snippet in fetched.snippets:
        text = " ".join(str(snippet.text).split())
        if text:
            start = float(snippet.start)
            sections.append(
                Section(text=text, start_s=start, end_s=start + float(snippet.duration))
            )
    raw = "\n".join(f"{s.start_s}\t{s.text}" for s in sections)
    return Document(
        uri=url,
        title=f"YouTube {fetched.video_id}",
        media_type=MEDIA_TYPE,
        sections=tuple(sections),
        content_hash=content_hash(f"youtube:{fetched.video_id}:{raw}"),
        metadata={
            "language": fetched.language_code,
            "captions": "generated" if fetched.is_generated else "manual",
        },
    )


def download_audio(url: str, folder: Path, limits: Limits) -> Path:
    """The video's best audio-only stream, downloaded by yt-dlp into `folder`."""
    from yt_dlp import YoutubeDL
    from yt_dlp.utils import DownloadError

    options = {
        "format": "bestaudio/best",
        "outtmpl": str(folder / "audio.%(ext)s"),
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "noplaylist": True,
        "max_filesize": limits.max_media_bytes,
        "socket_timeout": limits.url_timeout_s,
        "match_filter": _not_longer_than(limits.max_media_s),
    }
    try:
        with YoutubeDL(options) as downloader:
            info = downloader.extract_info(url, download=True)
            path = Path(downloader.prepare_filename(info))
    except DownloadError as exc:
        reason = re.sub(r"^ERROR:\s*", "", str(exc)).strip()
        raise LoaderError(url, f"its audio could not be downloaded ({reason[:200]})") from None
    if not path.is_file():
        raise LoaderError(url, "its audio could not be downloaded (larger than the limit?)")
    return path


def _not_longer_than(seconds: float) -> Callable[..., str | None]:
    def check(info: dict[str, Any], *, incomplete: bool = False) -> str | None:
        duration = info.get("duration")
        if duration and float(duration) > seconds:
            return f"the video is {duration:.0f} s long, over the {seconds:.0f} s limit"
        return None

    return check


def load_youtube(
    url: str,
    limits: Limits,
    *,
    captions: Captions = fetch_captions,
    download: Download = download_audio,
    reader: Reader | None = None,
) -> Document:
    """Captions in one of the user's languages, else the audio transcribed (read by `reader`,
    default in this process; the web's jobs pass one that reads in the loader sandbox)."""
    video = video_id(url)
    if video is None:
        raise LoaderError(url, "is not a YouTube video link")
    try:
        import youtube_transcript_api  # noqa: F401
        import yt_dlp  # noqa: F401
    except ImportError:
        raise LoaderError(url, f"YouTube links need the video extra: {INSTALL_HINT}") from None
    fetched = _captions(url, video, limits, captions)
    if fetched is not None and list(fetched.snippets):
        return captions_document(fetched, url)
    with tempfile.TemporaryDirectory(prefix="causerie-youtube-") as folder:
        path = download(url, Path(folder), limits)
        size = path.stat().st_size
        if size > limits.max_media_bytes:
            raise LoaderError(url, f"its audio is {describe_size(size)}, over the "
                              f"{describe_size(limits.max_media_bytes)} limit "
                              "(CAUSERIE_MAX_MEDIA_MB raises it)")  # fmt: skip
        data = path.read_bytes()
        spec = next((s for s in SPECS if path.suffix.lower() in s.extensions), SPECS[0])
    from causerie.ingest.loaders import load_bytes

    document = (reader or load_bytes)(data, url, spec, limits)
    return Document(document.uri, f"YouTube {video}", MEDIA_TYPE, document.sections,
                    document.content_hash, {**document.metadata, "captions": "none"})  # fmt: skip


def _captions(url: str, video: str, limits: Limits, captions: Captions) -> Any:
    """The captions, None when there are none to use; a LoaderError when YouTube says the
    video cannot be had at all (other failures fall back to the audio)."""
    try:
        from youtube_transcript_api import VideoUnavailable
    except ImportError:  # pragma: no cover - checked by the caller
        return None
    try:
        return captions(video, limits.speech_languages)
    except VideoUnavailable:
        raise LoaderError(url, "YouTube says this video is unavailable") from None
    except Exception:  # blocked, rate-limited, offline: the audio may still come
        return None
