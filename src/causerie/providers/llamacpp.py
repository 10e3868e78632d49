"""The embedded default: llama.cpp through `llama-cpp-python`, in a runner process of its own.

    provider = LlamaCppProvider(None, n_ctx=4096, n_threads=0, home=settings.home)

`model_path=None` means an embedded model (see `default_model`: the default one, or the one
`embedded` names), assembled and verified on first use. The model runs in a child process
(`causerie.runner`): the first start on a new (llama-cpp-python, model, CPU) combination
probes runtime parameters that work, a crash there ends one request with a clear error instead
of the app, and the next request starts a fresh runner. Providers with the same model, context
size and threads share one warm runner.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from causerie.compute import generation_threads
from causerie.errors import ProviderUnavailable
from causerie.providers.base import Capabilities
from causerie.runner import ModelRunner, RunnerSpec, model_runner
from causerie.runner.cpu import available_cores
from causerie.types import Event, GenerationOptions, Message

if TYPE_CHECKING:
    from llama_cpp import Llama

__all__ = ["LlamaCppProvider", "available_cores"]


class LlamaCppProvider:
    """Generate with llama.cpp in a runner process. Honours json_schema through a GBNF grammar."""

    name = "llamacpp"

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        n_ctx: int = 4096,
        n_threads: int = 0,
        *,
        home: Path | None = None,
        progress: bool = True,
        runtime: str = "auto",
        backend: Mapping[str, Any] | None = None,
        embedded: str = "",
    ) -> None:
        """`model_path`: a GGUF file, or None for the default model (assembled under
        `home`, default: the data folder). `n_threads=0` follows the thread policy
        (`causerie.compute`): every core, one fewer while a notebook embeds in this process.
        `runtime`: "auto" (probe once, remember) or a name from `causerie.runner.CANDIDATES`.
        `backend`: None for llama.cpp; a `causerie.runner.scripted` script in tests.
        `embedded`: with no `model_path`, the registered embedded model to use ('' = the
        default; `causerie.providers.default_model.MODELS`)."""
        self.n_ctx = n_ctx
        self.n_threads = n_threads if n_threads > 0 else available_cores()
        self._threads_by_policy = n_threads <= 0
        # one request at a time: the runner serialises generations, even across processes
        self.capabilities = Capabilities(
            structured_output=True, context_window=n_ctx, max_concurrency=1
        )
        self.runtime = runtime
        self._backend_json = json.dumps(dict(backend), sort_keys=True) if backend else ""
        self._explicit_path = Path(model_path).expanduser() if model_path else None
        from causerie.providers.default_model import model_named

        self.embedded = model_named(embedded)
        self._home = home
        self._progress = progress
        self._resolved: Path | None = None
        if self._explicit_path is not None and not self._explicit_path.is_file():
            raise ProviderUnavailable(
                f"llama.cpp model file not found: {self._explicit_path} — set CAUSERIE_MODEL "
                "to an existing GGUF file, or leave it empty for the default model"
            )

    @property
    def home(self) -> Path:
        from causerie.config import data_home

        return self._home if self._home is not None else data_home()

    @property
    def model_path(self) -> Path:
        """The GGUF file; for the default model, assembles and verifies it on first access."""
        if self._resolved is None:
            if self._explicit_path is not None:
                if not self._explicit_path.is_file():
                    raise ProviderUnavailable(
                        f"llama.cpp model file not found: {self._explicit_path}"
                    )
                self._resolved = self._explicit_path
            else:
                from causerie.providers.default_model import ensure_default_model

                self._resolved = ensure_default_model(
                    self.home, progress=self._progress, spec=self.embedded.spec
                )
        return self._resolved

    @property
    def runner(self) -> ModelRunner:
        """The warm runner this provider generates with (shared per process)."""
        spec = RunnerSpec(
            model_path=self.model_path.resolve(),
            n_ctx=self.n_ctx,
            n_threads=self.n_threads,
            home=self.home,
            runtime=self.runtime,
            backend_json=self._backend_json,
            progress=self._progress,
        )
        return model_runner(spec)

    def load_in_process(self) -> Llama:
        """The model loaded in this process, with the runtime parameters the runner uses
        (probed first if needed): the baseline of the benchmarks. Not for serving: a crash
        here takes the calling process down."""
        from causerie.runner.params import load_llama

        choice = self.runner.start()
        return load_llama(
            self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, params=choice.params
        )

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> Iterator[Event]:
        from causerie.providers import check_allow_model_requests

        check_allow_model_requests(self.name)
        kwargs: dict[str, Any] = {
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": options.max_tokens,
            "temperature": options.temperature,
            "stop": list(options.stop),
            "seed": options.seed,
        }
        if options.json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": dict(options.json_schema)}
        threads = generation_threads(self.n_threads) if self._threads_by_policy else self.n_threads
        return self.runner.generate(kwargs, threads=threads)
