"""Progress bars on stderr (stdout carries only results)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import Any


def bar(total: int, description: str, unit: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit=unit, file=sys.stderr, leave=True,
                dynamic_ncols=True, mininterval=0.2)  # fmt: skip


@contextmanager
def media_bar(name: str) -> Iterator[Callable[[float, float], None]]:
    """A 'Transcribing NAME' bar over the recording's seconds, with tqdm's rate and time left;
    it appears with the loader's first report (nothing shows for a file that sends none)."""
    shown: list[Any] = []

    def on_progress(done: float, total: float) -> None:
        if not shown:
            label = f"Transcribing {PurePosixPath(name).name}"
            shown.append(bar(round(total), label, "s"))
            shown[0].bar_format = (
                "{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s of audio "
                "[{elapsed}<{remaining}]"
            )
        shown[0].update(round(done) - shown[0].n)

    try:
        yield on_progress
    finally:
        if shown:
            shown[0].close()
