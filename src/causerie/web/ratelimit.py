"""A token bucket per key (per user): `burst` requests at once, then one per `refill_s`."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self, burst: int, refill_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if burst < 1 or refill_s <= 0:
            raise ValueError("a rate limit needs burst >= 1 and refill_s > 0")
        self.burst = burst
        self.refill_s = refill_s
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> int | None:
        """Spend one token: None when allowed, else the whole seconds to wait (Retry-After)."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) / self.refill_s)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return None
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) * self.refill_s))


class SharedRateLimiter:
    """The same token bucket, kept in PostgreSQL (table `rate_buckets`) so that every `serve`
    process behind a load balancer spends from one bucket per user, on the database's clock.
    One short transaction per request: the bucket's row is locked, refilled, spent."""

    STEPS = (
        (
            "CREATE TABLE rate_buckets (key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL,"
            " at DOUBLE PRECISION NOT NULL)",
        ),
    )

    def __init__(self, url: str, burst: int, refill_s: float, *, name: str = "chat") -> None:
        from causerie.postgres.db import Database

        if burst < 1 or refill_s <= 0:
            raise ValueError("a rate limit needs burst >= 1 and refill_s > 0")
        self.burst = burst
        self.refill_s = refill_s
        self._prefix = f"{name}:"
        self.db = Database(url, max_size=2)
        self.db.migrate("causerie.web.rate_buckets", self.STEPS)

    def take(self, key: str) -> int | None:
        """Spend one token: None when allowed, else the whole seconds to wait (Retry-After)."""
        now_sql = "extract(epoch FROM clock_timestamp())::float8"
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO rate_buckets (key, tokens, at)"
                f" VALUES (%s, %s, {now_sql}) ON CONFLICT (key) DO NOTHING",
                (self._prefix + key, float(self.burst)),
            )
            row = conn.execute(
                f"SELECT tokens, at, {now_sql} AS now FROM rate_buckets WHERE key = %s FOR UPDATE",
                (self._prefix + key,),
            ).fetchone()
            assert row is not None  # inserted above, or there already
            tokens = min(
                float(self.burst), row["tokens"] + (row["now"] - row["at"]) / self.refill_s
            )
            allowed = tokens >= 1
            conn.execute(
                "UPDATE rate_buckets SET tokens = %s, at = %s WHERE key = %s",
                (tokens - 1 if allowed else tokens, row["now"], self._prefix + key),
            )
        return None if allowed else max(1, math.ceil((1 - tokens) * self.refill_s))

    def close(self) -> None:
        self.db.close()
