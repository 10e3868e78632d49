"""The embedded default: llama.cpp in-process through `llama-cpp-python`.

    provider = LlamaCppProvider(None, n_ctx=4096, n_threads=0, home=settings.home)

`model_path=None` means the default model (see `default_model`), assembled and verified on
first use. `llama_cpp` is imported lazily, and each model is loaded once per process: Llama
objects are cached per (path, n_ctx, n_threads) and shared by providers. One Llama object
generates one answer at a time; other threads wait their turn.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from causerie.errors import MissingDependency, ProviderError, ProviderUnavailable
from causerie.providers.base import Capabilities
from causerie.types import Event, Finish, FinishReason, GenerationOptions, Message, TextDelta, Usage

if TYPE_CHECKING:
    from llama_cpp import Llama

_FINISH_REASONS: dict[str, FinishReason] = {"stop": "stop", "length": "length"}


class _LoadedModel:
    """A Llama object with the lock that serialises generation on it."""

    def __init__(self, llama: Llama) -> None:
        self.llama = llama
        self.lock = threading.Lock()
        self.owner: int | None = None  # thread id of the stream holding the lock


_cache: dict[tuple[str, int, int], _LoadedModel] = {}
_cache_lock = threading.Lock()
_exit_hooks_registered = False


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _load(path: Path, n_ctx: int, n_threads: int) -> _LoadedModel:
    key = (str(path.resolve()), n_ctx, n_threads)
    with _cache_lock:
        loaded = _cache.get(key)
        if loaded is not None:
            return loaded
        try:
            from llama_cpp import Llama
        except ImportError:
            raise MissingDependency("llama-cpp-python", "llamacpp") from None
        _register_exit_hooks()
        try:
            # verbose=False also sends llama.cpp's C-level logs to /dev/null while loading,
            # and keeps later ones (errors only) on stderr, never on stdout.
            llama = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ProviderUnavailable(
                f"llama.cpp cannot load the model {path}: {exc} — is it a valid GGUF file?"
            ) from None
        loaded = _LoadedModel(llama)
        _cache[key] = loaded
        return loaded


def _register_exit_hooks() -> None:
    global _exit_hooks_registered
    if not _exit_hooks_registered:
        _exit_hooks_registered = True
        atexit.register(_close_devnull_files)  # atexit is LIFO: this one runs last
        atexit.register(_close_all)


def _close_devnull_files() -> None:
    """llama_cpp opens two /dev/null files at import and never closes them: a ResourceWarning
    at exit ("unclosed file") wherever warnings are errors, as in our test runs."""
    utils = sys.modules.get("llama_cpp._utils")
    for name in ("outnull_file", "errnull_file"):
        file = getattr(utils, name, None)
        if file is not None:
            with contextlib.suppress(Exception):
                file.close()


def _close_all() -> None:
    """Free the models before interpreter teardown: Llama.__del__ run during teardown fails
    noisily ("Exception ignored in Llama.__del__") once llama_cpp's globals are gone. A model
    still generating in a daemon thread is left alone rather than freed under its feet."""
    with _cache_lock:
        for loaded in _cache.values():
            if loaded.lock.acquire(timeout=2.0):
                try:
                    with contextlib.suppress(Exception):  # exiting anyway
                        loaded.llama.close()
                finally:
                    loaded.lock.release()
        _cache.clear()


class LlamaCppProvider:
    """Generate in-process with llama.cpp. Honours json_schema through a GBNF grammar."""

    name = "llamacpp"

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        n_ctx: int = 4096,
        n_threads: int = 0,
        *,
        home: Path | None = None,
        progress: bool = True,
    ) -> None:
        """`model_path`: a GGUF file, or None for the default model (assembled under
        `home`, default: the data folder). `n_threads=0` uses every available core."""
        self.n_ctx = n_ctx
        self.n_threads = n_threads if n_threads > 0 else available_cores()
        self.capabilities = Capabilities(structured_output=True, context_window=n_ctx)
        self._explicit_path = Path(model_path).expanduser() if model_path else None
        self._home = home
        self._progress = progress
        self._resolved: Path | None = None
        if self._explicit_path is not None and not self._explicit_path.is_file():
            raise ProviderUnavailable(
                f"llama.cpp model file not found: {self._explicit_path} — set CAUSERIE_MODEL "
                "to an existing GGUF file, or leave it empty for the default model"
            )

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
                from causerie.config import data_home
                from causerie.providers.default_model import ensure_default_model

                home = self._home if self._home is not None else data_home()
                self._resolved = ensure_default_model(home, progress=self._progress)
        return self._resolved

    @property
    def llama(self) -> Llama:
        """The loaded `llama_cpp.Llama` object (shared per process), e.g. for benchmarks."""
        return self._loaded().llama

    def _loaded(self) -> _LoadedModel:
        return _load(self.model_path, self.n_ctx, self.n_threads)

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> Iterator[Event]:
        from causerie.providers import check_allow_model_requests

        check_allow_model_requests(self.name)
        loaded = self._loaded()
        kwargs: dict[str, Any] = {
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": True,
            "max_tokens": options.max_tokens,
            "temperature": options.temperature,
            "stop": list(options.stop),
            "seed": options.seed,
        }
        if options.json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": dict(options.json_schema)}
        return self._events(loaded, kwargs)

    def _events(self, loaded: _LoadedModel, kwargs: dict[str, Any]) -> Iterator[Event]:
        me = threading.get_ident()
        if loaded.owner == me:
            raise ProviderError(
                f"llama.cpp ({self.model_path.name}) is still generating an earlier answer in "
                "this thread; finish or close() that stream before starting another"
            )
        with loaded.lock:
            loaded.owner = me
            try:
                yield from self._generate(loaded.llama, kwargs)
            finally:
                loaded.owner = None

    def _generate(self, llama: Llama, kwargs: dict[str, Any]) -> Iterator[Event]:
        parts: list[str] = []
        finish_reason: str | None = None
        chunks: Any = None
        try:
            try:
                chunks = iter(llama.create_chat_completion(**kwargs))
                for chunk in chunks:
                    choice = chunk["choices"][0]
                    text = choice.get("delta", {}).get("content")
                    if text:
                        parts.append(text)
                        yield TextDelta(text)
                    finish_reason = choice.get("finish_reason") or finish_reason
            except Exception as exc:  # llama.cpp failures (decode errors, grammar errors, ...)
                if not parts:
                    raise ProviderError(
                        f"llama.cpp failed on {self.model_path.name}: {exc}"
                    ) from exc
                yield Finish("interrupted", error=f"llama.cpp failed mid-answer: {exc}")
                return
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # stops generation when the consumer closed us early
        yield self._usage(llama, "".join(parts))
        yield Finish(_FINISH_REASONS.get(finish_reason or "stop", "stop"))

    @staticmethod
    def _usage(llama: Llama, completion: str) -> Usage:
        """Streamed llama.cpp chunks carry no usage: count the completion's tokens and take
        the rest of the evaluated context as the prompt."""
        completion_tokens = len(llama.tokenize(completion.encode("utf-8"), add_bos=False))
        prompt_tokens = max(int(llama.n_tokens) - completion_tokens, 0)
        return Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
