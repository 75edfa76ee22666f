"""The typed per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.types import Info as _Info

from api.loaders import Loaders
from domain.accounts.auth_cache import AuthCache
from domain.clock import Clock, SystemClock
from domain.scope import Scope
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
    # Who is asking (``api.permissions.scope_of``): set once per request by
    # ``api.auth.authenticate``; ``None`` = not logged in.
    scope: Scope | None = None
    # Why a presented token was refused (expired, revoked …), for the UNAUTHENTICATED message.
    auth_error: str | None = None
    # graphql-transport-ws ``connection_init`` payload (subscriptions authenticate from it).
    connection_params: dict[str, Any] | None = None
    # The policies this process decides with (``domain.policies.runtime.PolicyRuntime``).
    runtime: Any = None
    # The clock use cases read (``domain.clock``); tests move a ``FrozenClock`` instead of sleeping.
    clock: Clock = field(default_factory=SystemClock)
    # Writes of use cases whose only write is one statement (``reportIncident``): on
    # PostgreSQL no BEGIN/COMMIT around it (``domain.db.make_sessionmaker``). ``None``: ``write``.
    write_one: async_sessionmaker[AsyncSession] | None = None
    # Tokens authenticated in the last second (``domain.accounts.auth_cache``); ``None``: none kept.
    auth_cache: AuthCache | None = None

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self.read() as session:
            yield session


Info = _Info[Context, None]
