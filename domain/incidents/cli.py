"""``gridgov sla sweep``: one pass of the SLA clock from the command line."""

from __future__ import annotations

from typing import Any

from domain.clock import Clock, FrozenClock, SystemClock
from domain.db import make_engine, make_sessionmaker
from domain.errors import DomainError
from domain.incidents import sla
from domain.incidents.deciding import Deps
from domain.org.repository import area_by_code
from domain.policies.runtime import PolicyRuntime
from rules.clock import parse_instant


async def sweep_once(database_url: str, *, area_code: str | None = None, now: str | None = None) -> dict[str, Any]:
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine, write=True)
    runtime = PolicyRuntime(sessionmaker)
    clock: Clock = FrozenClock(parse_instant(now)) if now else SystemClock()
    try:
        under: str | None = None
        if area_code:
            async with sessionmaker() as session:
                area = await area_by_code(session, area_code)
            if area is None:
                raise DomainError("NOT_FOUND", f"区域 {area_code} 不存在", "area")
            under = area.path
        result = await sla.sweep(sessionmaker, Deps(decider=runtime, clock=clock), under_path=under)
        return {"now": clock.now().isoformat(), **result.as_dict()}
    finally:
        runtime.registry.close()
        await engine.dispose()
