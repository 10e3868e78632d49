"""Task 4: generation through Causerie vs llama-cpp-python called directly.

Causerie's side is `LlamaCppProvider.stream`, the model in its runner process; the direct side
is llama-cpp-python in this process, loaded with the same runtime parameters (the ones the
probe chose for this CPU: `LlamaCppProvider.load_in_process`). Same ~1k-token grounded prompt
(HaluEval passages packed and rendered by grounding), greedy decoding and the same max_tokens;
each side forgets its prompt cache before every call (`runner.reset_cache()`,
`llama.reset()`). Sides alternate; ratios are per pair. The ceiling for
generation is memory bandwidth / model bytes (each token reads every weight once), with the
bandwidth measured here by a numpy copy of a large array.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from causerie import grounding
from causerie.types import Chunk, GenerationOptions, Hit, Locator, Source, TextDelta
from harness.common import BENCH_HOME, Results, load_halueval, loadavg, median, note, table


def bandwidth_gb_s(megabytes: int = 512, repeats: int = 5) -> float:
    """Memory bandwidth: the best of a numpy copy (bytes read + written per second) and a
    read-only pass (a float32 dot product, as BLAS runs it on every core), a few tries each.
    Generation reads the weights and writes little, so the read figure is the relevant one
    where it is higher."""
    source = np.ones(megabytes * 1024 * 1024 // 4, dtype=np.float32)
    target = np.empty_like(source)
    copy = read = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        np.copyto(target, source)
        copy = min(copy, time.perf_counter() - started)
        started = time.perf_counter()
        float(np.dot(source, target))
        read = min(read, time.perf_counter() - started)
    return max(2 * source.nbytes / copy, 2 * source.nbytes / read) / 1e9


def grounded_prompt(llama: Any, target_tokens: int) -> tuple[str, list[Any]]:
    """A question and its grounded messages, packed from HaluEval passages to ~target tokens."""
    data = load_halueval()
    item = data.items[0]
    pids = [item.pid] + [p for p in list(data.passages)[:200] if p != item.pid]
    source = Source("s", "n", "halueval.txt", "HaluEval", "text/plain", "en", "h", 0, 0.0)
    hits = []
    for i, pid in enumerate(pids):
        text = data.passages[pid]
        chunk = Chunk(f"c{i}", i, text, Locator(0, len(text)), len(text.split()) * 13 // 10)
        hits.append(Hit(chunk, source))
    messages: list[Any] = []
    for count in range(1, len(hits) + 1):
        sources = grounding.pack_context(hits[:count], budget_tokens=100_000)
        messages = grounding.build_messages(item.question, sources, "en")
        text = "\n".join(m.content for m in messages)
        if len(llama.tokenize(text.encode(), add_bos=True)) >= target_tokens:
            break
    return item.question, messages


def run(results: Results, quick: bool) -> None:
    from causerie.providers.llamacpp import LlamaCppProvider

    provider = LlamaCppProvider(None, n_ctx=4096, home=BENCH_HOME, progress=False)
    started = time.perf_counter()
    choice = provider.runner.start()
    llama = provider.load_in_process()
    model_bytes = provider.model_path.stat().st_size
    note(
        f"generation: runner and in-process model loaded in {time.perf_counter() - started:.1f}"
        f" s, runtime {choice.params.name} ({choice.reason})"
    )
    _, messages = grounded_prompt(llama, 1000)
    options = GenerationOptions(max_tokens=64 if quick else 128, temperature=0.0, seed=0)
    raw = [{"role": m.role, "content": m.content} for m in messages]

    def timed_stream(events: Any, text_of: Any) -> dict[str, Any]:
        first = last = None
        deltas = 0
        for event in events:
            if text_of(event):
                last = time.perf_counter()
                first = first or last
                deltas += 1
        return {"first": first, "last": last, "deltas": deltas}

    def causerie() -> dict[str, Any]:
        provider.runner.reset_cache()
        start = time.perf_counter()
        out = timed_stream(provider.stream(messages, options),
                           lambda e: isinstance(e, TextDelta) and e.text)  # fmt: skip
        return {**out, "start": start}

    def direct() -> dict[str, Any]:
        llama.reset()
        start = time.perf_counter()
        chunks = llama.create_chat_completion(
            messages=raw, stream=True, max_tokens=options.max_tokens,
            temperature=options.temperature, stop=list(options.stop), seed=options.seed,
        )  # fmt: skip
        out = timed_stream(chunks, lambda c: c["choices"][0].get("delta", {}).get("content"))
        return {**out, "start": start}

    causerie()  # warm-up of the runner, not timed
    warm = direct()  # warm-up, not timed
    note(f"generation: warm-up call {warm['last'] - warm['start']:.1f} s")
    prompt_tokens = int(llama.n_tokens)
    pairs = 2 if quick else 5
    runs: dict[str, list[dict[str, Any]]] = {"causerie": [], "llama-cpp-python": []}
    load = loadavg()
    for p in range(pairs):
        for side in (
            ("causerie", "llama-cpp-python") if p % 2 == 0 else ("llama-cpp-python", "causerie")
        ):
            runs[side].append(causerie() if side == "causerie" else direct())
            r = runs[side][-1]
            note(f"generation pair {p + 1} {side}: first token "
                 f"{(r['first'] - r['start']) * 1000:,.0f} ms, {r['deltas']} deltas, "
                 f"{r['last'] - r['start']:.1f} s")  # fmt: skip
    bandwidth = bandwidth_gb_s()
    ceiling = bandwidth * 1e9 / model_bytes

    def ttft(r: dict[str, Any]) -> float:
        return (r["first"] - r["start"]) * 1000

    def rate(r: dict[str, Any]) -> float:
        return (r["deltas"] - 1) / (r["last"] - r["first"]) if r["deltas"] > 1 else 0.0

    rows = []
    summary: dict[str, dict[str, float]] = {}
    for side, values in runs.items():
        summary[side] = {"ttft_ms": median([ttft(r) for r in values]),
                         "tokens_per_s": median([rate(r) for r in values])}  # fmt: skip
        for metric, value in summary[side].items():
            results.add("generation", side, metric, value)
        rows.append([side, f"{summary[side]['ttft_ms']:,.0f}",
                     f"{summary[side]['tokens_per_s']:.1f}", ""])  # fmt: skip
    ttft_pairs = [ttft(a) / ttft(b) for a, b in zip(runs["causerie"], runs["llama-cpp-python"],
                                                    strict=True)]  # fmt: skip
    rate_pairs = [rate(a) / rate(b) for a, b in zip(runs["causerie"], runs["llama-cpp-python"],
                                                    strict=True) if rate(b)]  # fmt: skip
    results.add("generation", "causerie/llama-cpp-python", "ttft_ratio", median(ttft_pairs))
    results.add("generation", "causerie/llama-cpp-python", "tokens_per_s_ratio", median(rate_pairs))
    results.add("generation", "ceiling", "tokens_per_s", ceiling)
    results.add("generation", "machine", "bandwidth_gb_s", bandwidth)
    results.add("generation", "direct/ceiling", "tokens_per_s_ratio",
                summary["llama-cpp-python"]["tokens_per_s"] / ceiling)  # fmt: skip
    rows.append(
        [
            "causerie / direct (paired median)",
            f"{median(ttft_pairs):.3f}",
            f"{median(rate_pairs):.3f}",
            f"{min(ttft_pairs):.2f}-{max(ttft_pairs):.2f}",
        ]
    )
    rows.append([f"ceiling: {bandwidth:.1f} GB/s / {model_bytes / 1e6:.0f} MB", "",
                 f"{ceiling:.1f}", "memory-bandwidth bound"])  # fmt: skip
    table(
        f"4. Generation, default model (Qwen2.5-0.5B Q4_K_M), {prompt_tokens}-token context "
        f"incl. output, up to {options.max_tokens} tokens out, temperature 0, {pairs} "
        f"alternating pairs, load average {load}",
        ["side", "time to first token ms", "generation tokens/s", "note"],
        rows,
    )
