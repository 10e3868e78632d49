"""What this CPU can do, read without running any model code (part of the probe's key).

info = cpu_info()   # CpuInfo(model='AMD EPYC', arch='x86_64', flags=frozenset({...}), cores=2)
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

# The features llama.cpp's CPU kernels choose between; `doctor` prints the ones present.
NOTABLE_FLAGS = (
    "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_vnni",
    "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16",
    "neon", "asimd", "asimddp", "sve", "sve2", "i8mm",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CpuInfo:
    model: str
    arch: str
    flags: frozenset[str]
    cores: int

    def notable_flags(self) -> list[str]:
        return [flag for flag in NOTABLE_FLAGS if flag in self.flags]


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cpu_info(cpuinfo: Path = Path("/proc/cpuinfo")) -> CpuInfo:
    model, flags = _from_proc(cpuinfo)
    return CpuInfo(
        model=model or platform.processor() or "unknown",
        arch=platform.machine() or "unknown",
        flags=flags,
        cores=available_cores(),
    )


def _from_proc(path: Path) -> tuple[str, frozenset[str]]:
    """Model name and feature flags from the first processor block of /proc/cpuinfo (x86:
    `model name` / `flags`; ARM: `Features`, and no model name)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "", frozenset()
    model = ""
    flags: frozenset[str] = frozenset()
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "hardware", "cpu model") and not model:
            model = value.strip()
        elif key in ("flags", "features"):
            flags = frozenset(value.split())
    return model, flags
