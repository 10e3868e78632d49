"""The speaking rate the short-video script is budgeted with: espeak-ng's default voice reads
our own 100-word paragraphs (EN, FR); words / seconds of audio = words per minute.

    python bench/speech_rate.py        # prints the table, writes bench/results/speech_rate.md

The figures are causerie.assistants.repurpose.formats.SPEECH_WPM (update them from here).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

from causerie.assistants.repurpose.formats import SPEECH_WPM, word_count

TEXTS = {
    "en": (
        "The library opened its new reading room in March, and the first month brought more "
        "visitors than the whole of last winter. Staff moved the local history collection to "
        "the ground floor, so people who used to ask for boxes from the basement can now "
        "browse the shelves themselves. Volunteers run a small repair table on Saturdays, "
        "where anyone can bring a lamp, a radio or a torn book and learn how to fix it. The "
        "council has promised to keep the longer opening hours until the end of the year, and "
        "a survey will decide what happens after that."
    ),
    "fr": (
        "La bibliothèque a ouvert sa nouvelle salle de lecture en mars, et le premier mois a "
        "attiré plus de visiteurs que tout l'hiver dernier. L'équipe a installé le fonds "
        "d'histoire locale au rez-de-chaussée, si bien que les lecteurs qui demandaient "
        "autrefois des cartons à la réserve peuvent désormais parcourir les rayons eux-mêmes. "
        "Des bénévoles tiennent une petite table de réparation le samedi, où chacun peut "
        "apporter une lampe, une radio ou un livre déchiré et apprendre à le réparer. La "
        "mairie a promis de garder les horaires élargis jusqu'à la fin de l'année, et une "
        "enquête décidera de la suite."
    ),
}
RESULTS = Path(__file__).parent / "results" / "speech_rate.md"


def seconds_spoken(text: str, language: str) -> float:
    """Seconds of audio espeak-ng's default voice makes of a text."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", language, "-w", str(path), text], check=True)
        with wave.open(str(path)) as audio:
            return audio.getnframes() / audio.getframerate()


def main() -> int:
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not installed (apt-get install espeak-ng)", file=sys.stderr)
        return 1
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True,
                             check=True).stdout.split("  ")[0].strip()  # fmt: skip
    rows = [
        "| language | words | seconds | words/min measured | SPEECH_WPM |",
        "|---|---|---|---|---|",
    ]
    for language, text in TEXTS.items():
        words = word_count(text)
        seconds = seconds_spoken(text, language)
        rows.append(f"| {language} | {words} | {seconds:.2f} | {words * 60 / seconds:.1f} | "
                    f"{SPEECH_WPM[language]} |")  # fmt: skip
    table = "\n".join(rows)
    print(table)
    RESULTS.write_text(f"# Speaking rate for short-video scripts\n\n{version}, default voice "
                       f"and rate.\n\n{table}\n", encoding="utf-8")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
