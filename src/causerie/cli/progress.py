"""Progress bars on stderr (stdout carries only results)."""

from __future__ import annotations

import sys
from typing import Any


def bar(total: int, description: str, unit: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit=unit, file=sys.stderr, leave=True,
                dynamic_ncols=True, mininterval=0.2)  # fmt: skip
