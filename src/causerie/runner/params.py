"""How llama.cpp is asked to load a model, and the order in which the probe tries them.

    llama = load_llama(path, n_ctx=4096, n_threads=2, params=CANDIDATES[1])

llama.cpp's defaults are the fastest where they work. On some CPUs they do not: on an Intel
Xeon with AMX under KVM, llama-cpp-python 0.3.36 built natively segfaults in `llama_decode` with
its extra buffer types (AMX / repacked weights) and works without them. The probe
(`causerie.runner.probe`) tries the candidates below in order, each in a child process, and
remembers the first that survives a load and a short decode.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_cpp import Llama


@dataclass(frozen=True, slots=True)
class RuntimeParams:
    """One way of loading a model. `name` is what the probe records and `doctor` prints."""

    name: str
    extra_buffer_types: bool = True  # llama.cpp's AMX / repacked weight buffers
    use_mmap: bool = True
    n_batch: int = 512
    max_threads: int = 0  # 0: as many as asked for

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def threads(self, wanted: int) -> int:
        return min(wanted, self.max_threads) if self.max_threads > 0 else wanted


CANDIDATES: tuple[RuntimeParams, ...] = (
    RuntimeParams("default"),
    RuntimeParams("no-extra-buffers", extra_buffer_types=False),
    RuntimeParams("minimal", extra_buffer_types=False, use_mmap=False, n_batch=64, max_threads=1),
)


def params_named(name: str) -> RuntimeParams | None:
    return next((p for p in CANDIDATES if p.name == name), None)


def load_llama(path: Path, *, n_ctx: int, n_threads: int, params: RuntimeParams) -> Llama:
    """A `llama_cpp.Llama` loaded with `params`. Raises ValueError/RuntimeError/OSError for a
    file llama.cpp cannot load (the caller names it). Used by the runner process and by the
    benchmarks' in-process baseline, so that both load the model the same way."""
    from llama_cpp import Llama

    threads = params.threads(n_threads)
    with _model_defaults(extra_buffer_types=params.extra_buffer_types):
        # verbose=False sends llama.cpp's C-level logs to /dev/null while loading.
        return Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_batch=min(params.n_batch, n_ctx),
            n_threads=threads,
            n_threads_batch=threads,
            use_mmap=params.use_mmap,
            verbose=False,
        )


def supports_extra_buffer_switch() -> bool:
    """Whether this llama-cpp-python exposes `use_extra_bufts` (llama.cpp from mid-2025 on)."""
    import llama_cpp.llama_cpp as lib

    return any(name == "use_extra_bufts" for name, *_ in lib.llama_model_params._fields_)


@contextlib.contextmanager
def _model_defaults(*, extra_buffer_types: bool) -> Iterator[None]:
    """`Llama()` takes no argument for `use_extra_bufts`: it starts from
    `llama_model_default_params()`, so that function is wrapped while the model loads."""
    if extra_buffer_types or not supports_extra_buffer_switch():
        yield
        return
    import llama_cpp.llama_cpp as lib

    original = lib.llama_model_default_params

    def defaults() -> Any:
        model_params = original()
        model_params.use_extra_bufts = False
        return model_params

    lib.llama_model_default_params = defaults
    try:
        yield
    finally:
        lib.llama_model_default_params = original
