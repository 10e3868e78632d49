"""The embedded model in its own process, as Ollama and llama.cpp's server run theirs.

    params.py    how llama.cpp loads a model; the candidates the probe tries, in order
    cpu.py       this CPU's model and feature flags (part of the probe's key)
    child.py     the runner process: load once, answer requests over a pipe (JSON lines)
    process.py   one runner process seen from the parent; why it died, in words
    probe.py     find working parameters once per (llama-cpp-python, model hash, CPU); runtime.json
    client.py    the warm runner: restarts after a crash, cancels, one request at a time
    scripted.py  a scripted stand-in for llama_cpp.Llama that crashes on cue (tests)

The parent never imports llama_cpp: a llama.cpp build that uses instructions this CPU lacks
kills a runner with SIGILL, and the user gets a sentence, not a core dump.
"""

from causerie.runner.client import ModelRunner, close_all, model_runner
from causerie.runner.params import CANDIDATES, RuntimeParams
from causerie.runner.probe import RuntimeChoice
from causerie.runner.process import RunnerDied, RunnerSpec

__all__ = [
    "CANDIDATES",
    "ModelRunner",
    "RunnerDied",
    "RunnerSpec",
    "RuntimeChoice",
    "RuntimeParams",
    "close_all",
    "model_runner",
]
