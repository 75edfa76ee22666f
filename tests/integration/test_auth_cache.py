"""Tokens answered from memory for a second (``domain.accounts.auth_cache``): a scope
write in this process takes effect on the next request; another worker's write at most
``ttl`` later; expiry is never cached."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.accounts.auth_cache import AuthCache
from domain.accounts.models import Account
from domain.db import make_engine, make_sessionmaker
from domain.settings import Settings
from tests.conftest import GraphQLClient

ME = "query { viewer { role } }"


class ManualClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock(app: Any) -> Iterator[ManualClock]:
    """The app's auth cache on a clock the test moves."""
    cache: AuthCache = app.state.graphql.auth_cache
    manual = ManualClock()
    kept = cache._clock  # noqa: SLF001 — the test swaps the clock, nothing else
    cache._clock = manual  # noqa: SLF001
    cache.invalidate()
    try:
        yield manual
    finally:
        cache._clock = kept  # noqa: SLF001
        cache.invalidate()


def _refused(result: dict[str, Any]) -> bool:
    return any((e.get("extensions") or {}).get("code") == "UNAUTHENTICATED" for e in result.get("errors") or [])


async def test_a_write_in_this_process_takes_effect_on_the_next_request(
    login_as: Any, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    viewer: GraphQLClient = await login_as("VIEWER")
    assert not _refused(await viewer.raw(ME))
    assert not _refused(await viewer.raw(ME))  # answered from memory
    async with sessionmaker.begin() as s:  # the same engine as the app: this process
        await s.execute(update(Account).where(Account.id == viewer.account_id).values(active=False))
    assert _refused(await viewer.raw(ME))


async def test_another_workers_write_reaches_this_one_within_the_ttl(
    login_as: Any, settings: Settings, clock: ManualClock
) -> None:
    viewer: GraphQLClient = await login_as("VIEWER")
    clock.t += 0.01  # (creating the account emptied the cache at this very instant)
    assert not _refused(await viewer.raw(ME))
    other_worker = make_engine(settings.database_url)  # its own engine: not followed here
    try:
        async with make_sessionmaker(other_worker).begin() as s:
            await s.execute(update(Account).where(Account.id == viewer.account_id).values(token_generation=99))
    finally:
        await other_worker.dispose()
    clock.t += 0.5
    assert not _refused(await viewer.raw(ME))  # still the answer of half a second ago
    clock.t += 0.6
    assert _refused(await viewer.raw(ME))  # the bound: one second


def test_entries_expire_and_an_answer_read_across_an_invalidation_is_not_kept() -> None:
    clock = ManualClock()
    cache = AuthCache(1.0, clock=clock)
    cache.put("a", "who-a", read_at=clock())
    assert cache.get("a") == "who-a"
    clock.t += 1.0
    assert cache.get("a") is None
    read_at = clock()
    cache.invalidate()  # a scope write while "b" was being read
    cache.put("b", "stale", read_at=read_at)
    assert cache.get("b") is None


def test_ttl_zero_keeps_nothing_and_the_size_is_bounded() -> None:
    off = AuthCache(0)
    off.put("a", "x", read_at=off.now())
    assert off.get("a") is None
    small = AuthCache(10, size=2)
    for k in "abc":
        small.put(k, k, read_at=small.now())
    assert small.get("a") is None and small.get("b") == "b" and small.get("c") == "c"


async def test_nothing_is_kept_while_a_scope_write_is_uncommitted(settings: Settings, login_as: Any) -> None:
    """The engine's commit event fires before the COMMIT reaches the database: an answer
    read in between would be the old one, so none is kept until the connection is back."""
    viewer: GraphQLClient = await login_as("VIEWER")
    engine = make_engine(settings.database_url)
    cache = AuthCache(10.0)
    cache.follow_writes(engine)
    try:
        async with make_sessionmaker(engine).begin() as s:
            await s.execute(update(Account).where(Account.id == viewer.account_id).values(display_name="改名"))
            read_at = cache.now()
            cache.put("token", "answer read while the write is open", read_at=read_at)
            assert cache.get("token") is None
        # Committed and checked in: answers read from now on are kept again.
        cache.put("token", "fresh", read_at=cache.now() + 1e-6)
        assert cache.get("token") == "fresh"
    finally:
        await engine.dispose()
