"""Reads of the organisation, shared by the API's queries and loaders."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import AreaKind
from domain.org.models import Area


def subtree_prefix(area: Area) -> str:
    """The LIKE prefix that matches ``area`` and everything under it."""
    return f"{area.path}%"


def areas_query(
    *,
    kind: AreaKind | None = None,
    parent_id: int | None = None,
    under_path: str | None = None,
    search: str | None = None,
) -> Select[tuple[Area]]:
    stmt = select(Area)
    if kind is not None:
        stmt = stmt.where(Area.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(Area.parent_id == parent_id)
    if under_path is not None:
        stmt = stmt.where(Area.path.like(f"{under_path}%"))
    if search:
        stmt = stmt.where(Area.name.contains(search) | Area.code.contains(search))
    return stmt.order_by(Area.path, Area.id)


async def areas_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Area]:
    rows = await session.scalars(select(Area).where(Area.id.in_(ids)))
    return {a.id: a for a in rows}


async def children_counts(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(
        select(Area.parent_id, func.count()).where(Area.parent_id.in_(ids)).group_by(Area.parent_id)
    )
    return {pid: n for pid, n in rows.all()}


def path_ids(path: str) -> list[int]:
    """``/1/4/9/`` → ``[1, 4, 9]``."""
    return [int(p) for p in path.strip("/").split("/") if p]


async def area_by_code(session: AsyncSession, code: str) -> Area | None:
    return await session.scalar(select(Area).where(Area.code == code))
