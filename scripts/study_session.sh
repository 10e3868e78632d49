#!/usr/bin/env bash
# A recorded CLI study session on the quiz the embedded model wrote in scripts/quiz_check.py:
# take it (answers piped: right and wrong in turn), turn it into flashcards, review them,
# stats, an Anki export opened back, and re-imported. No model call (cards --from-quiz).
# Run after `quiz_check.py --home DIR` (and --summarise, which saves the quiz):
#
#     bash scripts/study_session.sh DIR > session.txt 2>&1
#
# Each command is echoed with '$ ' before its output (stdout and stderr together).
set -u
home="${1:?usage: study_session.sh DATA_DIR}"
export CAUSERIE_HOME="$home"
nb=study-check

run() {
    printf '\n$ %s\n' "$*"
    "$@" 2>&1 | tr '\r' '\n' | grep -v '^\s*$' | grep -v 'it/s\]$' | grep -v '?card/s\]$'
}
review() {  # answers typed: Enter (show), a rating; for each card
    printf '\n$ printf %q | causerie study review -n %s\n' "$1" "$nb"
    printf "$1" | causerie study review -n "$nb" 2>&1
}

quiz_id=$(causerie study quizzes -n "$nb" --json | python -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')
answers=$(causerie study quiz -n "$nb" --id "$quiz_id" --json | python -c '
import json, sys
for i, item in enumerate(json.load(sys.stdin)):  # right answers (in other words) and wrong ones
    print(item["answer"].lower().rstrip(".") if i % 2 == 0 else "I think it is the moon")')
run causerie study quizzes -n "$nb"
printf '\n$ causerie study quiz -n %s --id %s   # answers typed:\n%s\n' "$nb" "$quiz_id" "$answers"
printf '%s\n' "$answers" | causerie study quiz -n "$nb" --id "$quiz_id" 2>&1
run causerie study cards -n "$nb" --from-quiz "$quiz_id"
review '\n3\n\n1\n\nbien\n\n4\n\n3\n'
run causerie study review -n "$nb"
run causerie study stats -n "$nb" --days 3
run causerie study export -n "$nb" -o "$home/deck.apkg"
run causerie study export -n "$nb" -o "$home/deck.csv"
printf '\n$ python - <<EOF  # open the .apkg back: zip + SQLite collection\n'
python - "$home/deck.apkg" <<'EOF'
import sqlite3, sys, tempfile, zipfile
from pathlib import Path
from causerie.assistants.study.anki import read_apkg

path = Path(sys.argv[1])
with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as folder:
    print("members:", archive.namelist())
    archive.extract("collection.anki2", folder)
    conn = sqlite3.connect(Path(folder) / "collection.anki2")
    notes = conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
    cards = conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0]
    decks = conn.execute("SELECT decks FROM col").fetchone()[0]
    conn.close()
print(f"notes: {notes}, cards: {cards}, deck named 'Causerie::study-check': {'Causerie::study-check' in decks}")
for front, back in read_apkg(path):
    print(f"  {front}  ->  {back}")
EOF
run causerie study import "$home/deck.apkg" -n anki-copy
run causerie study cards -n anki-copy --list
