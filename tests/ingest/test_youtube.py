"""YouTube links: captions through youtube-transcript-api, else the audio through yt-dlp and the
local transcription. No network here: the captions are the library's own parsed response
(FetchedTranscript) as it returns one, and yt-dlp really downloads, from a local HTTP server,
a recording made here."""

from __future__ import annotations

import gc
import http.server
import threading
import warnings
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from youtube_transcript_api import FetchedTranscript, FetchedTranscriptSnippet, VideoUnavailable

from causerie.cli.app import App
from causerie.cli.main import cli
from causerie.errors import LoaderError
from causerie.ingest.limits import Limits
from causerie.ingest.loaders.youtube import MEDIA_TYPE, download_audio, load_youtube, video_id
from causerie.testing import recordings

URL = "https://www.youtube.com/watch?v=Xy12_ab-CD3&list=PL1"
CAPTIONS = FetchedTranscript(
    snippets=[
        FetchedTranscriptSnippet(
            text="Welcome to the Millbrook repair café.", start=0.0, duration=3.2
        ),
        FetchedTranscriptSnippet(
            text="Today: brake pads, which cost about four pounds.", start=3.4, duration=4.1
        ),
        FetchedTranscriptSnippet(text="[Music]", start=7.6, duration=2.0),
        FetchedTranscriptSnippet(
            text="Then the chain: clean it with an old toothbrush.", start=61.0, duration=4.5
        ),
    ],
    video_id="Xy12_ab-CD3",
    language="English",
    language_code="en",
    is_generated=False,
)


def test_video_ids_of_every_kind_of_link() -> None:
    assert video_id("https://youtu.be/Xy12_ab-CD3?t=42") == "Xy12_ab-CD3"
    assert video_id(URL) == "Xy12_ab-CD3"
    assert video_id("https://m.youtube.com/shorts/Xy12_ab-CD3") == "Xy12_ab-CD3"
    assert video_id("https://www.youtube.com/embed/Xy12_ab-CD3") == "Xy12_ab-CD3"
    assert video_id("https://example.org/watch?v=Xy12_ab-CD3") is None
    assert video_id("https://www.youtube.com/@somebody") is None
    assert video_id("https://youtu.be/short") is None


def test_captions_become_timed_passages_that_link_to_the_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[tuple[str, list[str]]] = []

    def captions(video: str, languages: object) -> FetchedTranscript:
        asked.append((video, list(languages)))  # type: ignore[call-overload]
        return CAPTIONS

    document = load_youtube(URL, Limits(speech_languages=("fr", "en")), captions=captions)
    assert asked == [("Xy12_ab-CD3", ["fr", "en"])]  # the user's languages, in order
    assert document.uri == URL and document.media_type == MEDIA_TYPE
    assert [(s.start_s, s.end_s) for s in document.sections][:2] == [(0.0, 3.2), (3.4, 7.5)]
    assert document.metadata == {"language": "en", "captions": "manual"}

    app = App()
    book = app.notebook("yt", create=True)
    outcome = app.ingestor.add_document(app.owner, book, document)
    assert outcome.status == "added"
    out = CliRunner().invoke(cli, ["video", "transcript", URL, "-n", "yt", "--format", "vtt"])
    assert out.exit_code == 0, out.stderr
    assert "00:01:01.000 --> 00:01:05.500\nThen the chain" in out.stdout

    from causerie.assistants.video.web import chip

    chunk = app.store.list_chunks(app.owner, book.id)[-1]
    from causerie.types import Citation

    cited = Citation(1, URL, chunk.locator, chunk.id, chunk.text)
    assert (
        chip(cited, URL)["youtube"]
        == f"https://youtu.be/Xy12_ab-CD3?t={int(chunk.locator.start_s or 0)}"
    )
    app.close()


def test_an_unavailable_video_is_refused_by_its_link() -> None:
    def gone(video: str, languages: object) -> FetchedTranscript:
        raise VideoUnavailable(video)

    with pytest.raises(LoaderError) as info:
        load_youtube(URL, Limits(), captions=gone)
    assert str(info.value) == f"{URL}: YouTube says this video is unavailable"


def settled(function: Any, *args: Any) -> Any:
    """function(*args), then the sockets yt-dlp's generic extractor leaves open (a
    ResourceWarning of the library's, not ours) collected while that warning is ignored."""
    try:
        return function(*args)
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A local HTTP server over tmp_path; yields its base URL."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *args: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_without_captions_the_audio_is_downloaded_and_transcribed(
    served: str, tmp_path: Path, speech_model: Path
) -> None:
    if not recordings.espeak_available():
        pytest.fail("espeak-ng is required here (apt-get install espeak-ng)")
    wav = tmp_path / "talk.wav"
    recordings.speak_sections(["Clean the chain with an old toothbrush."], "en-us", wav)
    recordings.to_video(wav, tmp_path / "talk.webm")
    limits = Limits(speech_model=str(speech_model), speech_languages=("en", "fr"))

    def from_local_server(url: str, folder: Path, limits: Limits) -> Path:
        return settled(download_audio, f"{served}/talk.webm", folder, limits)  # the real yt-dlp

    document = load_youtube(URL, limits, captions=lambda video, languages: None,
                            download=from_local_server)  # fmt: skip
    assert document.uri == URL and document.media_type == MEDIA_TYPE
    assert document.metadata["captions"] == "none" and document.metadata["language"] == "en"
    assert "toothbrush" in document.text.lower()
    assert document.sections[0].start_s is not None

    with pytest.raises(LoaderError) as info:
        settled(download_audio, f"{served}/missing.webm", tmp_path / "out", limits)
    assert str(info.value).startswith(f"{served}/missing.webm: its audio could not be downloaded")
