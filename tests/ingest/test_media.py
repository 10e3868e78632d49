"""Recordings become timed passages: espeak-ng speaks, PyAV wraps, faster-whisper transcribes.

The real loader runs on recordings made here (causerie.testing.recordings), through the CLI's
`add`: a bad recording is refused with an error naming it, and the notebook keeps what it had.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from causerie.cli.main import cli
from causerie.errors import LoaderError
from causerie.ingest.limits import Limits
from causerie.ingest.loaders import load_file
from causerie.ingest.transcribe import (
    Segment,
    SpeechOptions,
    collapse_repetitions,
    decode,
    detect_language,
    load_model,
)
from causerie.testing import recordings

needs_espeak = pytest.mark.skipif(
    not recordings.espeak_available() and os.environ.get("CAUSERIE_SPEECH_TESTS") != "required",
    reason="espeak-ng is not installed (apt-get install espeak-ng)",
)

EN = [
    "Good morning. My name is Amelia Corran, and I teach urban ecology.",
    "Now the bees. The rooftop hives produced eleven tons of honey last year.",
]
FR = ["Bonjour à toutes et à tous. Je dirige l'observatoire, dans les Alpes."]


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not recordings.espeak_available():
        pytest.fail("espeak-ng is required here (CAUSERIE_SPEECH_TESTS=required)")
    folder = tmp_path_factory.mktemp("media")
    made: dict[str, Path] = {}
    made["starts"] = folder / "starts.json"
    starts = recordings.speak_sections(EN, "en-us", folder / "lecture.wav")
    made["starts"].write_text(json.dumps(starts))
    made["lecture.wav"] = folder / "lecture.wav"
    made["lecture.mp4"] = recordings.to_video(folder / "lecture.wav", folder / "lecture.mp4")
    made["lecture.mkv"] = recordings.to_video(folder / "lecture.wav", folder / "lecture.mkv")
    made["fr.wav"] = folder / "fr.wav"
    recordings.speak_sections(FR, "fr-fr", made["fr.wav"])
    made["mute.mp4"] = recordings.video_without_audio(folder / "mute.mp4")
    made["quiet.wav"] = recordings.silence(folder / "quiet.wav", seconds=5)
    whole = made["lecture.mp4"].read_bytes()
    made["cut.mp4"] = folder / "cut.mp4"
    made["cut.mp4"].write_bytes(whole[: len(whole) // 2])  # mp4's index is lost
    whole = made["lecture.mkv"].read_bytes()
    made["cut.mkv"] = folder / "cut.mkv"
    made["cut.mkv"].write_bytes(whole[: len(whole) // 2])  # readable, but half the audio
    made["garbage.mp3"] = folder / "garbage.mp3"
    made["garbage.mp3"].write_bytes(b"ID3 this is not audio at all " * 64)
    made["empty.mp4"] = folder / "empty.mp4"
    made["empty.mp4"].write_bytes(b"")
    return made


@pytest.fixture
def speech(speech_model: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAUSERIE_SPEECH_MODEL", str(speech_model))
    return speech_model


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@needs_espeak
def test_a_video_becomes_timed_passages_with_a_progress_bar(
    media: dict[str, Path], speech: Path
) -> None:
    added = run("add", str(media["lecture.mp4"]), "--notebook", "talks")
    assert added.exit_code == 0, added.stderr
    assert "lecture.mp4" in added.stdout and ", en)" in added.stdout
    assert "Transcribing lecture.mp4" in added.stderr and "s of audio" in added.stderr
    sources = run("sources", "--notebook", "talks")
    assert "video/mp4" in sources.stdout

    from causerie.cli.app import App

    app = App()
    book = app.notebook("talks")
    chunks = app.store.list_chunks(app.owner, book.id)
    assert chunks and all(c.locator.start_s is not None for c in chunks)
    text = " ".join(c.text for c in chunks).lower()
    assert "urban ecology" in text and "honey" in text
    second_start = json.loads(media["starts"].read_text())[1]
    honey = next(c for c in chunks if "honey" in c.text.lower())
    assert honey.locator.end_s is not None
    assert honey.locator.start_s <= second_start + 1.0 <= honey.locator.end_s
    app.close()


@needs_espeak
def test_language_is_chosen_among_the_users_languages(media: dict[str, Path], speech: Path) -> None:
    options = SpeechOptions(model_folder=str(speech), languages=("fr", "en"))
    audio = decode(media["fr.wav"].read_bytes(), "fr.wav")
    language, probabilities = detect_language(load_model(options), audio, options.languages)
    assert language == "fr" and set(probabilities) == {"fr", "en"}
    forced = load_file(str(media["lecture.wav"]), Limits(speech_model=str(speech),
                                                         speech_languages=("en",)))  # fmt: skip
    assert forced.metadata["language"] == "en"
    assert [s.start_s for s in forced.sections] == sorted(s.start_s for s in forced.sections)


BAD = {
    "cut.mp4": "is not a recording that can be read (corrupt or truncated?",
    "cut.mkv": "is truncated or damaged: its audio stops after",
    "garbage.mp3": "is not a recording that can be read",
    "mute.mp4": "has no audio track to transcribe (it holds: video)",
    "quiet.wav": "no speech found",
    "empty.mp4": "is an empty file",
}


@needs_espeak
def test_bad_recordings_are_refused_by_name_and_the_notebook_keeps_its_sources(
    media: dict[str, Path], speech: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nThe rooftop hives are on ninety buildings.\n")
    assert run("add", str(notes), "--notebook", "n").exit_code == 0
    before = run("sources", "--notebook", "n").stdout
    for name, problem in BAD.items():
        added = run("add", str(media[name]), "--notebook", "n")
        assert added.exit_code == 1, name
        assert f"{media[name]}: {problem}" in added.stderr, added.stderr
        assert run("sources", "--notebook", "n").stdout == before


@needs_espeak
def test_a_recording_longer_than_the_cap_says_how_to_raise_it(
    media: dict[str, Path], speech: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(LoaderError) as info:
        load_file(str(media["lecture.mp4"]), Limits(speech_model=str(speech), max_media_s=3))
    assert str(info.value).startswith(f"{media['lecture.mp4']}: the recording is ")
    assert "the limit is 3 s (the max_media_minutes setting, or CAUSERIE_MAX_MEDIA_MINUTES" in (
        str(info.value)
    )
    with pytest.raises(LoaderError) as info:
        load_file(str(media["lecture.wav"]), Limits(max_media_bytes=100_000))
    assert "the limit is 97.7 KB (CAUSERIE_MAX_MEDIA_MB raises it)" in str(info.value)
    monkeypatch.setenv("CAUSERIE_MAX_MEDIA_MINUTES", "1")  # the setting reaches the loader
    long_enough = recordings.silence(media["quiet.wav"].with_name("long.wav"), seconds=61)
    added = run("add", str(long_enough), "--notebook", "n")
    assert added.exit_code == 1
    assert "the recording is 1 min 1 s long; the limit is 1 min" in added.stderr


def test_repetition_loops_are_cut_back() -> None:
    looped = [
        Segment(0.0, 2.0, "The hives are on the roof."),
        Segment(2.0, 4.0, "Thank you. Thank you. Thank you. Thank you. Thank you."),
        Segment(4.0, 5.0, "the the the the the the honey"),
        *(Segment(5.0 + i, 6.0 + i, "Subscribe to the channel!") for i in range(6)),
        Segment(12.0, 13.0, "The end."),
    ]
    kept = collapse_repetitions(looped)
    assert [s.text for s in kept] == [
        "The hives are on the roof.",
        "Thank you. Thank you.",
        "the the honey",
        "Subscribe to the channel!",
        "Subscribe to the channel!",
        "The end.",
    ]
    assert kept[4].end_s == 11.0  # the loop's time is kept by the last copy
