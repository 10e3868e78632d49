"""bench/run's entry point: runs the tasks, prints markdown tables, writes
bench/results/latest.json (long, tidy rows) and bench/results/latest.png.

    bench/run --quick                 # under 10 minutes on 2 cores (embedding cache warm)
    bench/run                         # full
    bench/run --quick --only retrieval,latency
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

from harness.common import RESULTS, CachedE5, Results, loadavg, machine, note

TASKS = ("retrieval", "ingestion", "latency", "generation", "answers", "answerset")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small subsets, < 10 min")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {TASKS}")
    parser.add_argument("--output", default=str(RESULTS / "latest.json"))
    args = parser.parse_args()
    chosen = [t for t in args.only.split(",") if t] or list(TASKS)
    unknown = set(chosen) - set(TASKS)
    if unknown:
        parser.error(f"unknown tasks: {', '.join(sorted(unknown))}")

    os.environ.setdefault("TQDM_DISABLE", "1")
    mode = "quick" if args.quick else "full"
    results = Results(mode)
    started = time.perf_counter()
    print(f"# Causerie benchmarks ({mode})\n\nmachine: {machine()}  \nload average at start: "
          f"{loadavg()}")  # fmt: skip
    embedder = CachedE5()
    failed: list[str] = []
    for task in chosen:
        task_started = time.perf_counter()
        note(f"--- {task}")
        try:
            if task == "retrieval":
                from harness import retrieval_quality

                retrieval_quality.run(results, args.quick, embedder)
            elif task == "ingestion":
                from harness import ingestion

                ingestion.run(results, args.quick)
            elif task == "latency":
                from harness import latency

                latency.run(results, args.quick, embedder)
            elif task == "generation":
                from harness import generation

                generation.run(results, args.quick)
            elif task == "answers":
                import quality

                quality.run(results, args.quick, embedder)
            elif task == "answerset":
                import answerset

                answerset.run(results, args.quick, embedder)
        except Exception:  # one broken task must not lose the others' figures
            traceback.print_exc()
            failed.append(task)
        seconds = time.perf_counter() - task_started
        results.add("run", "bench", f"{task}_seconds", seconds)
        note(f"--- {task}: {seconds:.0f} s")
        embedder.save()

    total = time.perf_counter() - started
    results.add("run", "bench", "duration_seconds", total)
    results.write(Path(args.output))
    try:
        from harness import report

        report.chart(results, Path(args.output).with_suffix(".png"))
    except Exception:
        traceback.print_exc()
        failed.append("chart")
    print(f"\nTotal duration: {total:.0f} s ({mode}); load average at end: {loadavg()}")
    print(f"Results: {args.output}, chart: {Path(args.output).with_suffix('.png')}")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
