"""The mail assistant, measured: quality on a fictional mailbox with a hand list, and IMAP sync
speed and peak memory on a generated mailbox.

    python bench/mail_bench.py                      # both parts; writes bench/results/mail.md
    python bench/mail_bench.py --only quality       # or --only sync --messages 5000,50000

Quality: causerie.testing.mail_samples (31 messages, FR and EN, written for Causerie) added to
a notebook; threads, statuses and languages against the hand list; then, with the embedded
default model (Qwen2.5-Coder-0.5B, or --model PATH), a summary of every thread that is not a
newsletter (action items and deadlines scored against the hand list) and a draft reply to
every thread whose last message is someone else's (language, tu/vous, and the numbers and dates
it states that the thread lacks, counted in code by kit.dates.invented_facts: must be 0).

Sync: a Maildir of N generated messages (threads of 1 to 5 messages, FR and EN, one in ten
quoted-printable) served by a real dovecot over IMAPS; `causerie mail sync --no-embed` in a
child process under /usr/bin/time (wall time, peak resident memory), then (up to 5,000
messages) the same ones as an mbox through `causerie mail add --no-embed`, the peer measured
in the same run.
"""

from __future__ import annotations

import argparse
import email.utils
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "mail.md"
CAUSERIE = Path(sys.executable).parent / "causerie"
PEER_MAX = 5000  # the mbox peer runs on the smaller sizes only (same code path after reading)
MODEL = Path("/tmp/causerie-bench-home/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ----------------------------------------------------------------------------- quality


def keys(message_ids: list[str]) -> tuple[str, ...]:
    return tuple(m.strip("<").split(".", 1)[0].upper() for m in message_ids)


@dataclass
class Score:
    expected: int = 0
    found: int = 0
    produced: int = 0
    matched: int = 0
    rows: list[str] = field(default_factory=list)

    def recall(self) -> str:
        return f"{self.found}/{self.expected}"

    def precision(self) -> str:
        return f"{self.matched}/{self.produced}"


def quality(model: Path | None, lines: list[str]) -> None:
    """`model` None: no language model (a fake one whose replies are never kept), so what is
    measured is the code's part alone: threads, statuses, languages, the extractive summaries
    with the deadlines and requests found in code; no drafts."""
    from causerie.assistants.kit.dates import invented_facts
    from causerie.assistants.mail.assistant import MailAssistant
    from causerie.assistants.mail.ingest import add_messages
    from causerie.assistants.mail.mailboxes import read_mailboxes
    from causerie.backends import open_records
    from causerie.config import load_settings
    from causerie.ingest.language import detect_language
    from causerie.providers.default_model import ensure_default_model
    from causerie.testing.mail_samples import EXPECTED, ME, fictional_mailbox, write_mbox
    from causerie.types import LOCAL_OWNER
    from causerie.wiring import Services

    if model == MODEL:
        ensure_default_model(MODEL.parents[1], progress=True)
    home = Path(tempfile.mkdtemp(prefix="causerie-mail-bench-"))
    # the bench home keeps the runtime probe (once per CPU and model); the data go to `home`
    settings = load_settings(
        home=MODEL.parents[1],
        provider="llamacpp",
        model=str(model or MODEL),
        embedder="none",
        database_url=f"sqlite:///{home}/mail.sqlite3",
    )
    if model is None:
        from causerie.providers.fake import FakeProvider

        services = Services(settings, provider_factory=FakeProvider)
    else:
        services = Services(settings)
    records = open_records(settings)
    notebook = services.store.ensure_notebook(LOCAL_OWNER, "mail")
    mbox = write_mbox(fictional_mailbox(), home / "inbox.mbox")
    from causerie.assistants.mail.store import MailBox

    box = MailBox(records, LOCAL_OWNER, notebook.id)
    added = add_messages(services.ingestor, box, notebook, read_mailboxes([str(mbox)], print))
    mail = MailAssistant(services, records, LOCAL_OWNER, notebook, {ME})
    threads = mail.threads()
    by_first = {keys(t.message_ids)[0]: t for t in threads}
    got = sorted(keys(t.message_ids) for t in threads)
    exact = sum(1 for t in EXPECTED.threads if t in got)
    lines += [
        "## Fictional mailbox (causerie.testing.mail_samples)",
        "",
        f"{added.added} messages (FR and EN), {len(threads)} threads rebuilt; hand list: "
        f"{len(EXPECTED.threads)} threads, **{exact}/{len(EXPECTED.threads)} exact**.",
        "",
        "| thread | language | status (hand) | status (found) | messages |",
        "|---|---|---|---|---|",
    ]
    for first, thread in sorted(by_first.items()):
        lines.append(
            f"| {thread.subject} | {thread.language} (hand: {EXPECTED.language[first]}) "
            f"| {EXPECTED.status[first]} | {thread.status} | "
            f"{' '.join(keys(thread.message_ids))} |"
        )
    style = mail.style().to_json()
    lines += [
        "",
        "Style profile learned from the owner's 9 messages:",
        "",
        "```json",
        json.dumps(style, ensure_ascii=False, indent=1),
        "```",
        "",
    ]

    scores: dict[str, dict[str, Score]] = {
        lang: {"items": Score(), "deadlines": Score()} for lang in ("en", "fr")
    }
    timings: list[float] = []
    from_model = 0
    detail = ["", "### Summaries (model output after the code checks)", ""]
    for first, thread in sorted(by_first.items()):
        if thread.status == "newsletter":
            continue
        language = EXPECTED.language[first]
        started = time.perf_counter()
        made = mail.summary(thread.id)
        timings.append(time.perf_counter() - started)
        data = (
            made.to_json()
            if made
            else {
                "summary": "(refused)",
                "action_items": [],
                "deadlines": [],
                "rejected": [],
                "extractive": True,
            }
        )
        from_model += not data["extractive"]
        expected_items = [i for i in EXPECTED.action_items if i.thread == first]
        items_score = scores[language]["items"]
        items_score.expected += len(expected_items)
        items_score.produced += len(data["action_items"])
        for item in expected_items:
            hit = any(
                (item.due is None or produced["due"] == item.due)
                and any(w in produced["text"].casefold() for w in item.words)
                for produced in data["action_items"]
            )
            items_score.found += hit
        for produced in data["action_items"]:
            items_score.matched += any(
                (item.due is None or produced["due"] == item.due)
                and any(w in produced["text"].casefold() for w in item.words)
                for item in expected_items
            )
        days = {d["date"] for d in data["deadlines"]} | {
            i["due"] for i in data["action_items"] if i["due"]
        }
        expected_days = set(EXPECTED.deadlines.get(first, ()))
        deadline_score = scores[language]["deadlines"]
        deadline_score.expected += len(expected_days)
        deadline_score.found += len(expected_days & days)
        deadline_score.produced += len(days)
        deadline_score.matched += len(days & expected_days)
        detail += [
            f"**{thread.subject}** ({language}, {timings[-1]:.1f} s, "
            f"{'extractive fallback' if data['extractive'] else 'model'}): {data['summary']}",
            "",
            *[
                f"- item: {i['text']} (owner {i['owner']}, due {i['due']}) {i['citations']}"
                for i in data["action_items"]
            ],
            *[f"- deadline: {d['date']} {d['what']} {d['citations']}" for d in data["deadlines"]],
            f"- hand list: items {[(i.words[0], i.due) for i in expected_items]}, days "
            f"{sorted(expected_days)}; left out by code: {len(data['rejected'])}",
            "",
        ]
    lines += [
        "### Action items and deadlines vs the hand list "
        + ("(code only: no model)" if model is None else "(embedded model)"),
        "",
        "| language | action items found | items that match the list | deadlines found | "
        "days given that are on the list |",
        "|---|---|---|---|---|",
    ]
    for language, score in scores.items():
        items, days = score["items"], score["deadlines"]
        lines.append(
            f"| {language} | {items.recall()} | {items.precision()} | {days.recall()} "
            f"| {days.precision()} |"
        )
    lines.append(
        f"\nSummaries kept from the model: {from_model}/{len(timings)} (the others: "
        "the extractive fallback, the messages' own sentences). Deadlines come from "
        "code (every day a message states, the latest agreed one kept) plus the "
        "model's checked ones; action items from the model, or from code (requests "
        "addressed to the owner) in the fallback. Summary time per thread: median "
        f"{statistics.median(timings):.1f} s ({len(timings)} threads)."
    )

    if model is None:
        lines += detail
        records.close()
        services.close()
        return
    draft_rows = [
        "",
        "### Drafts (embedded model)",
        "",
        "| thread | correspondent's language | draft language | tu/vous | invented numbers"
        "/dates | tries rejected | time |",
        "|---|---|---|---|---|---|---|",
    ]
    invented_total = 0
    right_language = 0
    drafted = 0
    for first, thread in sorted(by_first.items()):
        last = thread.messages[-1]
        if thread.status == "newsletter" or last.sender_address == ME:
            continue
        started = time.perf_counter()
        draft = mail.draft(thread.id)
        seconds = time.perf_counter() - started
        want = EXPECTED.language[first]
        if draft is None:
            draft_rows.append(
                f"| {thread.subject} | {want} | refused | - | - | 3 | {seconds:.1f} s |"
            )
            continue
        drafted += 1
        sources = mail.sources(thread)
        invented = invented_facts(
            draft.body, [(s.hit.chunk.text, s.written) for s in sources], sources[-1].written
        )
        invented_total += len(invented)
        written_in = detect_language(draft.body, among=("en", "fr"))
        right_language += written_in == want
        address = mail.style().address_for(last.sender_address, want) or "-"
        draft_rows.append(
            f"| {thread.subject} | {want} | {written_in} | {address} | "
            f"{len(invented)} | {len(draft.rejected)} | {seconds:.1f} s |"
        )
        detail += [f"**Draft, {thread.subject}**:", "", "```", draft.text, "```", ""]
    lines += draft_rows
    lines.append(
        f"\n{drafted} drafts kept; in the right language: {right_language}/{drafted}; "
        f"invented numbers or dates in kept drafts: **{invented_total}**."
    )
    lines += detail
    records.close()
    services.close()


# ----------------------------------------------------------------------------- sync

WORDS = {
    "en": ("budget", "meeting", "invoice", "schedule", "draft", "report", "venue", "order"),
    "fr": ("budget", "réunion", "facture", "planning", "maquette", "rapport", "salle", "commande"),
}
BODIES = {
    "en": "Hi {name},\n\nCould you send the {word} for {project} by next Friday? We agreed on "
    "{n} units last week.\n\nBest regards,\n{sender}",
    "fr": "Bonjour {name},\n\nPourriez-vous envoyer {word} pour {project} avant vendredi "
    "prochain ? Nous avions convenu de {n} unités.\n\nBien à vous,\n{sender}",
}  # fmt: skip
NAMES = ("Ana", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Hugo", "Inès", "Jonas")


def generated(count: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, 8, tzinfo=UTC)
    out: list[bytes] = []
    thread_root: tuple[str, str] | None = None
    left = 0
    for i in range(count):
        language = "fr" if i % 2 else "en"
        sender, name = rng.sample(NAMES, 2)
        if left == 0:
            word = rng.choice(WORDS[language])
            subject = f"{word.capitalize()} {rng.randrange(1000)}"
            thread_root = (f"<g{i}@bench.example>", subject)
            left = rng.randint(0, 4)
            reply_to: str | None = None
        else:
            left -= 1
            reply_to = thread_root[0] if thread_root else None
        message = EmailMessage()
        message["From"] = f"{sender} <{sender.lower()}@bench.example>"
        message["To"] = f"{name} <{name.lower()}@bench.example>"
        message["Date"] = email.utils.format_datetime(start + timedelta(minutes=7 * i))
        message["Subject"] = ("Re: " if reply_to else "") + (thread_root[1] if thread_root else "")
        message["Message-ID"] = f"<g{i}@bench.example>"
        if reply_to:
            message["In-Reply-To"] = reply_to
            message["References"] = reply_to
        body = BODIES[language].format(
            name=name,
            sender=sender,
            project=f"P{i % 97}",
            word=rng.choice(WORDS[language]),
            n=rng.randrange(500),
        )
        message.set_content(body, cte="quoted-printable" if i % 10 == 0 else None)
        out.append(message.as_bytes(policy=SMTP))
    return out


def timed(args: list[str], env: dict[str, str], stdin: str = "") -> tuple[float, int, str]:
    """(wall seconds, peak resident memory in MiB, stdout) of one causerie command."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "TIME %e %M", str(CAUSERIE), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    marker = [line for line in done.stderr.splitlines() if line.startswith("TIME ")]
    if done.returncode != 0 or not marker:
        raise RuntimeError(f"{args[:2]} failed: {done.stderr[-2000:]}")
    _, seconds, kib = marker[-1].split()
    return float(seconds), int(kib) // 1024, done.stdout


def sync(sizes: list[int], lines: list[str]) -> None:
    from causerie.testing.dovecot import Dovecot
    from causerie.testing.mail_samples import write_mbox

    lines += [
        "## Sync speed and peak memory (generated mailboxes)",
        "",
        "| messages | way | wall time | messages/s | peak RSS | load average before |",
        "|---|---|---|---|---|---|",
    ]
    for size in sizes:
        messages = generated(size)
        with Dovecot() as server:
            folder = server.maildir / "cur"
            for sub in ("cur", "new", "tmp"):
                (server.maildir / sub).mkdir(parents=True, exist_ok=True)
            for number, raw in enumerate(messages):
                (folder / f"{1700000000 + number}.M{number}P1.bench:2,").write_bytes(raw)
            server.deliver([])  # owned by the mail user
            home = Path(tempfile.mkdtemp(prefix="causerie-mail-sync-"))
            env = {**os.environ, "CAUSERIE_HOME": str(home), "CAUSERIE_EMBEDDER": "none"}
            before = load()
            seconds, peak, out = timed(
                [
                    "mail",
                    "sync",
                    server.url(),
                    "-n",
                    "bench",
                    "--cafile",
                    server.cafile,
                    "--password-stdin",
                    "--no-embed",
                    "--json",
                ],
                env,
                server.password + "\n",
            )
            result = json.loads(out)
            assert result["added"] == size, result
            lines.append(
                f"| {size} | IMAPS sync (dovecot) | {seconds:.0f} s | "
                f"{size / seconds:.0f} | {peak} MiB | {before} |"
            )
            print(lines[-1], flush=True)
        if size > PEER_MAX:
            continue
        from email import message_from_bytes, policy

        mbox_home = Path(tempfile.mkdtemp(prefix="causerie-mail-add-"))
        mbox = write_mbox(
            [message_from_bytes(m, policy=policy.default) for m in messages],
            mbox_home / "generated.mbox",
        )
        del messages
        env = {**os.environ, "CAUSERIE_HOME": str(mbox_home), "CAUSERIE_EMBEDDER": "none"}
        before = load()
        seconds, peak, out = timed(
            ["mail", "add", str(mbox), "-n", "bench", "--no-embed", "--json"], env
        )
        lines.append(
            f"| {size} | mbox file (`mail add`) | {seconds:.0f} s | "
            f"{size / seconds:.0f} | {peak} MiB | {before} |"
        )
        print(lines[-1], flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="quality,sync")
    parser.add_argument("--messages", default="5000,50000", help="sync sizes, comma-separated")
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--no-model", action="store_true", help="the code's part only (fast)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    lines = [
        "# Mail assistant benchmark",
        "",
        f"`python bench/mail_bench.py --only {args.only}"
        f"{' --messages ' + args.messages if 'sync' in args.only else ''}"
        f"{' --no-model' if args.no_model else ''}` on "
        f"{os.uname().nodename}, {os.cpu_count()} cores, {date.today().isoformat()}, "
        f"load average at start {load()} (other jobs were running on the machine).",
        "",
    ]
    if "sync" in args.only:
        sync([int(n) for n in args.messages.split(",")], lines)
        lines.append("")
    if "quality" in args.only:
        quality(None if args.no_model else args.model, lines)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
