"""``node``/``nodes``: resolve any global ID through the loader of its type.

Scoped: each registered type says who may see an object (``visible``); an object
outside the caller's scope is ``null``, exactly like one that does not exist.
Without a ``visible`` function only a whole-district account (ADMIN) sees the type
— fail closed.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from api.context import Info
from api.errors import coded_error
from api.permissions import scope_of
from api.relay import Node, from_global_id
from domain.scope import Scope

# ``visible(info, scope, model)``: may the caller see this object? (may be async)
Visible = Callable[[Info, Scope, Any], bool | Awaitable[bool]]

# type name → (loader attribute on ``Loaders``, GraphQL type with ``from_model``, visibility)
_REGISTRY: dict[str, tuple[str, Callable[[Any], Any], Visible | None]] = {}


def register(type_name: str, loader: str, build: Callable[[Any], Any], visible: Visible | None = None) -> None:
    _REGISTRY[type_name] = (loader, build, visible)


async def is_visible(info: Info, type_name: str, model: Any) -> bool:
    """The registered visibility of ``model`` for the caller (for resolvers that follow
    a reference to an object of another type)."""
    scope = scope_of(info)
    entry = _REGISTRY.get(type_name)
    visible = entry[2] if entry else None
    if visible is None:
        return scope.sees_all
    ok = visible(info, scope, model)
    return bool(await ok) if inspect.isawaitable(ok) else bool(ok)


async def resolve_node(info: Info, gid: str) -> Node | None:
    scope_of(info)  # not logged in: UNAUTHENTICATED, never a silent null
    decoded = from_global_id(gid)
    if decoded is None or decoded[0] not in _REGISTRY:
        return None
    loader_name, build, _ = _REGISTRY[decoded[0]]
    loader = getattr(info.context.loaders, loader_name)
    model = await loader.load(decoded[1])
    if model is None or not await is_visible(info, decoded[0], model):
        return None
    return build(model)


@strawberry.type
class NodeQueries:
    @strawberry.field(description="按全局 ID 获取任意对象")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(description="按全局 ID 批量获取对象（顺序与输入一致，无权或不存在为 null）")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > 100:
            raise coded_error("INVALID", "一次最多 100 个 ID", field="ids")
        resolved: list[Awaitable[Node | None]] = [resolve_node(info, i) for i in ids]
        return list(await asyncio.gather(*resolved))
