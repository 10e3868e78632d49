"""Several web processes on PostgreSQL spend from one chat rate limit per user."""

from __future__ import annotations

from causerie.web.ratelimit import SharedRateLimiter


def test_two_processes_share_one_bucket_per_user(postgres_url: str) -> None:
    first = SharedRateLimiter(postgres_url, burst=3, refill_s=60.0)
    second = SharedRateLimiter(postgres_url, burst=3, refill_s=60.0)
    try:
        spent = [first.take("alice"), second.take("alice"), first.take("alice")]
        assert spent == [None, None, None]
        wait = second.take("alice")
        assert wait is not None and 1 <= wait <= 60
        assert first.take("bob") is None  # another user's bucket is full
    finally:
        first.close()
        second.close()


def test_the_web_app_on_postgresql_uses_the_shared_limit(postgres_url: str) -> None:
    from causerie.config import load_settings
    from causerie.providers.fake import FakeProvider
    from causerie.web.app import close_app, create_app

    app = create_app(load_settings(database_url=postgres_url), provider_factory=FakeProvider,
                     worker=False)  # fmt: skip
    try:
        assert isinstance(app.state.chat.rate, SharedRateLimiter)
    finally:
        close_app(app)
