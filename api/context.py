"""The typed per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.types import Info as _Info

from api.loaders import Loaders
from domain.settings import Settings


@dataclass
class Context:
    settings: Settings
    # Writes: one transaction per mutation (``async with ctx.write.begin()``).
    write: async_sessionmaker[AsyncSession]
    # Reads: short sessions per resolver or loader batch.
    read: async_sessionmaker[AsyncSession]
    loaders: Loaders
    request: Any = None
    response: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self.read() as session:
            yield session


Info = _Info[Context, None]
