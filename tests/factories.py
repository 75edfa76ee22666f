"""Async factories: each creates the rows a test asserts on, with unique codes."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import AreaKind
from domain.org.models import Area

_seq = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_seq)}-{uuid.uuid4().hex[:6]}"


async def make_area(
    session: AsyncSession, *, kind: AreaKind, parent: Area | None = None, **fields: Any
) -> Area:
    area = Area(
        code=fields.pop("code", unique(kind.value[:1])),
        name=fields.pop("name", f"测试{kind.value}"),
        kind=kind,
        parent_id=parent.id if parent else None,
        depth=(parent.depth + 1) if parent else 0,
        **fields,
    )
    session.add(area)
    await session.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    await session.flush()
    return area


async def make_area_tree(session: AsyncSession) -> dict[str, Area]:
    """district → park → large grid → two small grids, plus a small grid directly under the park."""
    district = await make_area(session, kind=AreaKind.DISTRICT, name="测试区")
    park = await make_area(session, kind=AreaKind.PARK, parent=district, name="测试园区", park_type="先进制造", brand="共享党建")
    large = await make_area(session, kind=AreaKind.LARGE_GRID, parent=park, name="第一大网格")
    small1 = await make_area(session, kind=AreaKind.SMALL_GRID, parent=large, name="一号网格")
    small2 = await make_area(session, kind=AreaKind.SMALL_GRID, parent=large, name="二号网格")
    direct = await make_area(session, kind=AreaKind.SMALL_GRID, parent=park, name="园区直属网格")
    return {"district": district, "park": park, "large": large, "small1": small1, "small2": small2, "direct": direct}
