"""DataLoaders, created per request (a module-level loader would cache forever).

Each batch opens its own short read session: Strawberry resolves sibling fields
concurrently, and one ``AsyncSession`` cannot serve concurrent statements.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from domain.org import repository as org_repo
from domain.org.models import Area

K = TypeVar("K")
V = TypeVar("V")


def _batched(
    sm: async_sessionmaker[AsyncSession],
    fetch: Callable[[AsyncSession, Sequence[Any]], Awaitable[dict[Any, Any]]],
    default: Any = None,
) -> DataLoader[Any, Any]:
    async def load(keys: Sequence[Any]) -> list[Any]:
        async with sm() as session:
            found = await fetch(session, keys)
        return [found.get(k, default) for k in keys]

    return DataLoader(load_fn=load)


def by_id(model: type[Any]) -> Callable[[AsyncSession, Sequence[int]], Awaitable[dict[int, Any]]]:
    async def fetch(session: AsyncSession, ids: Sequence[int]) -> dict[int, Any]:
        rows = await session.scalars(select(model).where(model.id.in_(ids)))
        return {r.id: r for r in rows}

    return fetch


class Loaders:
    def __init__(self, sm: async_sessionmaker[AsyncSession]) -> None:
        self.area: DataLoader[int, Area | None] = _batched(sm, by_id(Area))
        self.area_children_count: DataLoader[int, int] = _batched(
            sm, org_repo.children_counts, default=0
        )
