"""``node``/``nodes``: resolve any global ID through the loader of its type."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from api.context import Info
from api.errors import coded_error
from api.relay import Node, from_global_id

# type name → (loader attribute on ``Loaders``, GraphQL type with ``from_model``)
_REGISTRY: dict[str, tuple[str, Callable[[Any], Any]]] = {}


def register(type_name: str, loader: str, build: Callable[[Any], Any]) -> None:
    _REGISTRY[type_name] = (loader, build)


async def resolve_node(info: Info, gid: str) -> Node | None:
    decoded = from_global_id(gid)
    if decoded is None or decoded[0] not in _REGISTRY:
        return None
    loader_name, build = _REGISTRY[decoded[0]]
    loader = getattr(info.context.loaders, loader_name)
    model = await loader.load(decoded[1])
    return build(model) if model is not None else None


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
