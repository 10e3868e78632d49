"""Loaders: one per format, found by file extension, media type or URL scheme.

    load_source("notes/guide.md")            -> Document (the Markdown loader)
    load_source("https://example.org/page")  -> Document (fetched, then chosen by Content-Type)

Every failure is an InputError subclass whose message names the input and the reason:
UnsupportedFormat (no loader), LoaderError (missing, empty, too large, corrupt...), BlockedURL.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from causerie.errors import InputError, LoaderError, UnsupportedFormat
from causerie.ingest.limits import DEFAULT_LIMITS, Limits, describe_size
from causerie.ingest.loaders import docx, email, html, markdown, media, pdf, subtitles, text
from causerie.ingest.loaders.base import LoaderSpec
from causerie.types import Document

if TYPE_CHECKING:
    import httpx

    from causerie.ingest.fetch import Resolver

__all__ = [
    "URL_SCHEMES",
    "LoaderSpec",
    "is_url",
    "load_bytes",
    "load_file",
    "load_source",
    "load_url",
    "loader_for_extension",
    "loader_for_media_type",
    "register",
    "supported_extensions",
    "web_url_problem",
]

URL_SCHEMES = ("http", "https")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_GENERIC_MEDIA_TYPES = ("", "application/octet-stream", "binary/octet-stream")

_BY_EXTENSION: dict[str, LoaderSpec] = {}
_BY_MEDIA_TYPE: dict[str, LoaderSpec] = {}


def register(spec: LoaderSpec) -> None:
    """Add (or replace) a loader for its extensions and media types."""
    for extension in spec.extensions:
        _BY_EXTENSION[extension.lower()] = spec
    for media_type in spec.media_types:
        _BY_MEDIA_TYPE[media_type.lower()] = spec


for _spec in (
    text.SPEC,
    markdown.SPEC,
    html.SPEC,
    pdf.SPEC,
    docx.SPEC,
    subtitles.SRT_SPEC,
    subtitles.VTT_SPEC,
    email.SPEC,
    *media.SPECS,
):
    register(_spec)


def supported_extensions() -> tuple[str, ...]:
    return tuple(sorted(_BY_EXTENSION))


def loader_for_extension(extension: str) -> LoaderSpec | None:
    """The loader for '.md' (or 'md'), case-insensitive; None when there is none."""
    extension = extension.lower()
    if extension and not extension.startswith("."):
        extension = f".{extension}"
    return _BY_EXTENSION.get(extension)


def loader_for_media_type(media_type: str) -> LoaderSpec | None:
    """The loader for a Content-Type ('text/html; charset=utf-8' works too); None if none."""
    return _BY_MEDIA_TYPE.get(media_type.split(";", 1)[0].strip().lower())


def _unsupported_extension(name: str, suffix: str) -> UnsupportedFormat:
    kind = f"files ending in {suffix}" if suffix else "files without an extension"
    return UnsupportedFormat(
        name, f"{kind} are not supported; supported: {', '.join(supported_extensions())}"
    )


def is_url(target: str) -> bool:
    return bool(_URL.match(target))


def web_url_problem(url: str) -> str | None:
    """Why `url` is not an http(s) URL with a host (None when it is). The message never says
    anything about files on this machine."""
    try:
        parts = urlsplit(url.strip()) if isinstance(url, str) else None
        _ = parts.port if parts is not None else None  # a port that is not a number
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts is None or not is_url(url.strip()):
        return "must be an http:// or https:// URL (a file path is not accepted)"
    if parts.scheme.lower() not in URL_SCHEMES:
        return f"{parts.scheme}:// URLs are not supported; use http:// or https://"
    if not parts.hostname:
        return "the URL has no host name"
    return None


def load_source(target: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Load a file path or an http(s) URL into a Document (the single ingestion entry point)."""
    if not target.strip():
        raise LoaderError(repr(target), "no file name or URL was given")
    if is_url(target):
        scheme = target.split(":", 1)[0].lower()
        if scheme not in URL_SCHEMES:
            raise UnsupportedFormat(
                target, f"{scheme}:// URLs are not supported; use http:// or https://"
            )
        return load_url(target, limits)
    return load_file(target, limits)


def load_file(path: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Load a local file. Document.uri is `path` exactly as given."""
    file = Path(path)
    try:
        if not file.exists():
            raise LoaderError(path, "file not found")
        if file.is_dir():
            raise LoaderError(path, "is a directory, not a file")
        if not file.is_file():
            raise LoaderError(path, "is not a regular file")
        spec = loader_for_extension(file.suffix)
        if spec is None:
            raise _unsupported_extension(path, file.suffix)
        cap, setting = limits.max_bytes_for(spec.media)
        size = file.stat().st_size
        _check_size(path, size, cap, setting)
        with file.open("rb") as handle:
            data = handle.read(cap + 1)
    except PermissionError as exc:
        raise LoaderError(path, "cannot be read (permission denied)") from exc
    except OSError as exc:
        raise LoaderError(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from exc
    _check_size(path, len(data), cap, setting)  # the file may have changed since stat()
    return load_bytes(data, path, spec, limits)


def _check_size(name: str, size: int, limit: int, setting: str) -> None:
    if size == 0:
        raise LoaderError(name, "is an empty file")
    if size > limit:
        raise LoaderError(
            name,
            f"file too large ({describe_size(size)}); the limit is {describe_size(limit)}"
            f" ({setting} raises it)",
        )


def load_bytes(
    data: bytes, name: str, spec: LoaderSpec, limits: Limits = DEFAULT_LIMITS
) -> Document:
    """Run one loader on bytes already read; library errors come out as LoaderError."""
    try:
        document = spec.load(data, name, limits)
    except InputError:
        raise
    except RecursionError as exc:
        raise LoaderError(name, f"is too deeply nested to be read as {spec.name}") from exc
    except MemoryError as exc:
        raise LoaderError(name, "is too large to be read in memory") from exc
    except Exception as exc:  # never let a raw library traceback reach the user
        raise LoaderError(
            name, f"could not be read as {spec.name} ({type(exc).__name__}: {str(exc)[:160]})"
        ) from exc
    if not document.text.strip():
        raise LoaderError(name, "contains no text")
    return document


def load_url(
    url: str,
    limits: Limits = DEFAULT_LIMITS,
    *,
    transport: httpx.BaseTransport | None = None,
    resolver: Resolver | None = None,
    allow_private: bool = False,
    reader: Callable[[bytes, str, LoaderSpec, Limits], Document] | None = None,
) -> Document:
    """Fetch an http(s) URL (see causerie.ingest.fetch) and load it by its Content-Type.
    Anything but an http(s) URL (a file path above all) is refused before any I/O.

    transport, resolver and allow_private go to fetch_url: they are seams for tests.
    `reader` parses the bytes (default load_bytes, in this process).
    """
    from causerie.ingest.fetch import fetch_url, system_resolver

    problem = web_url_problem(url)
    if problem:
        raise UnsupportedFormat(repr(url), problem)
    from causerie.ingest.loaders import youtube

    if youtube.video_id(url):  # captions, else the audio transcribed
        return youtube.load_youtube(url, limits, reader=reader)

    fetched = fetch_url(
        url,
        limits,
        transport=transport,
        resolver=resolver or system_resolver,
        allow_private=allow_private,
    )
    spec = loader_for_media_type(fetched.media_type)
    if spec is None and fetched.media_type in _GENERIC_MEDIA_TYPES:
        suffix = PurePosixPath(urlsplit(fetched.final_url).path).suffix
        spec = loader_for_extension(suffix) if suffix else None
    if spec is None:
        supported = ", ".join(sorted({s.media_type for s in _BY_MEDIA_TYPE.values()}))
        shown = fetched.media_type or "no content type"
        raise UnsupportedFormat(
            url, f"the server sent {shown}, which cannot be read; supported: {supported}"
        )
    if not fetched.data:
        raise LoaderError(url, "the server sent an empty answer")
    document = (reader or load_bytes)(fetched.data, url, spec, limits)
    if fetched.final_url != url:
        metadata = {**document.metadata, "final_url": fetched.final_url}
        document = dataclasses.replace(document, metadata=metadata)
    return document
