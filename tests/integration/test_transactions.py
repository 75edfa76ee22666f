"""``domain.db.in_transaction``: a transaction PostgreSQL aborts as a deadlock's victim is
run again, whole, in a fresh one; other errors are not retried."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.db import in_transaction
from domain.enums import AreaKind
from domain.org.models import Area
from tests.conftest import Backend
from tests.factories import make_area


async def _two_areas(sm: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with sm.begin() as session:
        a = await make_area(session, kind=AreaKind.DISTRICT)
        b = await make_area(session, kind=AreaKind.DISTRICT)
        return a.id, b.id


async def _touch(session: AsyncSession, area_id: int, name: str) -> None:
    await session.execute(update(Area).where(Area.id == area_id).values(name=name))


async def test_a_deadlock_victim_is_run_again_and_both_go_through(
    backend: Backend, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    x, y = await _two_areas(sessionmaker)
    attempts: list[int] = []
    if backend.kind != "postgresql":
        # SQLite writes one transaction at a time (BEGIN IMMEDIATE): nothing to deadlock.
        async def once(session: AsyncSession) -> str:
            attempts.append(1)
            await _touch(session, x, "甲")
            return "done"

        assert await in_transaction(sessionmaker, once) == "done" and attempts == [1]
        return

    x_locked, y_locked = asyncio.Event(), asyncio.Event()
    other_pid: list[int] = []

    async def victim(session: AsyncSession) -> str:
        attempts.append(1)
        # The first to look for a deadlock is its victim: this one, 50 ms after it waits.
        await session.execute(text("SET LOCAL deadlock_timeout = '50ms'"))
        await _touch(session, x, f"甲{len(attempts)}")
        x_locked.set()
        if len(attempts) == 1:
            await y_locked.wait()
            # Until the other holds y and waits for x (so the deadlock exists when looked for).
            for _ in range(500):
                waiting = await session.scalar(
                    text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": other_pid[0]},
                )
                if waiting:
                    break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError("the other transaction never waited for x")
        await _touch(session, y, f"乙{len(attempts)}")
        return "done"

    async def other() -> None:
        async with sessionmaker.begin() as session:
            await session.execute(text("SET LOCAL deadlock_timeout = '10s'"))
            other_pid.append(int(await session.scalar(text("SELECT pg_backend_pid()"))))
            await _touch(session, y, "丙")
            y_locked.set()
            await x_locked.wait()
            await _touch(session, x, "丁")  # waits for the victim's x: a deadlock

    competitor = asyncio.create_task(other())
    assert await in_transaction(sessionmaker, victim) == "done"
    await competitor
    assert len(attempts) == 2
    async with sessionmaker() as session:
        names = dict((await session.execute(text("SELECT id, name FROM areas WHERE id IN (:x, :y)"),
                                            {"x": x, "y": y})).all())
    # The other committed first (x then held "丁"), then the retry wrote both.
    assert names == {x: "甲2", y: "乙2"}


async def test_other_errors_are_not_retried(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    x, y = await _two_areas(sessionmaker)
    attempts: list[int] = []

    async def clash(session: AsyncSession) -> Any:
        attempts.append(1)
        code = (await session.execute(text("SELECT code FROM areas WHERE id = :y"), {"y": y})).scalar_one()
        await session.execute(update(Area).where(Area.id == x).values(code=code))  # unique code taken

    with pytest.raises(IntegrityError):
        await in_transaction(sessionmaker, clash)
    assert attempts == [1]

    async def broken(session: AsyncSession) -> Any:
        attempts.append(1)
        await session.execute(text("SELECT no_such_column FROM areas"))

    with pytest.raises(DBAPIError):
        await in_transaction(sessionmaker, broken)
    assert attempts == [1, 1]
