"""Shared pieces of the demo loader: the fixed clock, the in-memory world, bulk inserts.

Every builder reads and extends one ``World``: the rows it inserted, as small
references (id, code, name …) the later builders need. Nothing here reads the
wall clock; all times derive from ``ANCHOR`` so reruns are identical.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.demo.names import NameMaker

SHANGHAI = ZoneInfo("Asia/Shanghai")
# "Now" of the demo: 2026-11-26 08:00 in Shanghai. History covers the year before it.
ANCHOR = datetime(2026, 11, 26, 8, 0, tzinfo=SHANGHAI).astimezone(UTC)
HISTORY_START = ANCHOR - timedelta(days=365)
# When the organisation rows were entered into the platform.
SETUP_AT = datetime(2025, 11, 3, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)

DISTRICT_CODE = "D01"
DISTRICT_NAME = "临江区"


def local_date(t: datetime) -> date:
    return t.astimezone(SHANGHAI).date()


def at_local(d: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Shanghai on ``d``, as aware UTC."""
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def dec(x: float, places: int = 2) -> Decimal:
    return Decimal(f"{x:.{places}f}")


def weighted(rng: random.Random, table: dict[Any, float]) -> Any:
    keys = list(table)
    return rng.choices(keys, weights=[table[k] for k in keys])[0]


def history_time(rng: random.Random, start: datetime, end: datetime, *, work_hours: bool = True) -> datetime:
    """A random moment in [start, end); during working hours (08–19 Shanghai) by default."""
    span = (end - start).total_seconds()
    for _ in range(20):
        t = start + timedelta(seconds=rng.random() * span)
        if not work_hours or 8 <= t.astimezone(SHANGHAI).hour < 19:
            return t.replace(microsecond=0)
    return t.replace(microsecond=0)


# --- references to inserted rows ------------------------------------------------------


@dataclass
class PersonRef:
    id: int
    code: str
    name: str
    roles: tuple[str, ...]
    active: bool = True
    enterprise_id: int | None = None


@dataclass
class DeptRef:
    id: int
    code: str
    name: str
    responder: PersonRef | None = None


@dataclass
class EnterpriseRef:
    id: int
    name: str
    short: str
    industry: str
    address: str
    contact_name: str
    employees: int
    grid: GridRef
    party_secretary: str | None = None


@dataclass
class ProjectRef:
    id: int
    name: str
    enterprise: EnterpriseRef
    grid: GridRef


@dataclass
class ParkRef:
    id: int
    code: str
    name: str
    short: str
    park_type: str
    path: str
    lat: float
    lon: float
    roads: tuple[str, ...]
    center: DeptRef | None = None
    secretary: PersonRef | None = None
    responder: PersonRef | None = None


@dataclass
class GridRef:
    """A small grid (the unit that holds staff, enterprises and history)."""

    id: int
    code: str
    name: str
    path: str
    park: ParkRef
    large_code: str | None
    lat: float
    lon: float
    has_branch: bool = False
    leader: PersonRef | None = None
    agency: PersonRef | None = None
    full_time: list[PersonRef] = field(default_factory=list)
    part_time: list[PersonRef] = field(default_factory=list)
    enterprises: list[EnterpriseRef] = field(default_factory=list)
    projects: list[ProjectRef] = field(default_factory=list)

    def staff(self) -> list[PersonRef]:
        people = [self.leader, self.agency, *self.full_time, *self.part_time]
        return [p for p in people if p is not None and p.active]

    def workers(self) -> list[PersonRef]:
        """Who patrols and reports: full-time workers first, the leader as a fallback."""
        ft = [p for p in self.full_time if p.active]
        return ft or ([self.leader] if self.leader else [])


@dataclass
class World:
    rng: random.Random
    session: AsyncSession
    names: NameMaker
    district_id: int = 0
    district_path: str = ""
    parks: list[ParkRef] = field(default_factory=list)
    # Large grids: code → (id, park).
    large_grids: dict[str, tuple[int, ParkRef]] = field(default_factory=dict)
    grids: list[GridRef] = field(default_factory=list)
    departments: dict[str, DeptRef] = field(default_factory=dict)
    members: list[PersonRef] = field(default_factory=list)
    enterprises: list[EnterpriseRef] = field(default_factory=list)
    projects: list[ProjectRef] = field(default_factory=list)
    # Short-staffed grids (code → what is missing), decided by ``people``.
    short_of_staff: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    # (grid id, "YYYY-MM") → [incidents reported, of which resolved or closed]; for meeting minutes.
    grid_month_incidents: dict[tuple[int, str], list[int]] = field(default_factory=dict)

    def count(self, what: str, n: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


# --- bulk inserts -----------------------------------------------------------------------


async def insert_ids(session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in one executemany and return their ids in the order given."""
    if not rows:
        return []
    table = model.__table__  # Core, not ORM bulk: one INSERT … RETURNING per batch, not per row
    result = await session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows)
    )
    return list(result.scalars())


async def insert_plain(session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(model.__table__), list(rows))
