"""Relay plumbing: the ``Node`` interface, opaque global IDs, cursor connections.

Global IDs are base64 of ``Type:pk``. They are opaque to clients but decodable,
so scope — not obscurity — protects objects (NOTES.md).
Cursors are offsets into the filtered, ordered list (``graphql-relay``'s
``arrayconnection:N``), so ``first/after/last/before`` all work on any list.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import coded_error

MAX_PAGE = 100
DEFAULT_PAGE = 20

T = TypeVar("T")


def to_global_id(type_name: str, pk: int | str) -> strawberry.ID:
    return strawberry.ID(base64.b64encode(f"{type_name}:{pk}".encode()).decode())


# Primary keys are positive 64-bit integers (BIGINT); anything else is not one of ours.
MAX_PK = 2**63 - 1
_MAX_PK_DIGITS = len(str(MAX_PK))


def _ascii_int(text: str) -> int | None:
    """``"42"`` → 42; ``None`` for anything but plain ASCII digits (``str.isdigit`` also
    accepts full-width and other Unicode digits, which ``int`` would happily read)."""
    if not text or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def from_global_id(gid: str) -> tuple[str, int] | None:
    """``(type, pk)``, or ``None`` for anything that is not one of our ids: not base64,
    no type, a key that is not plain ASCII digits, or not in ``1 … 2**63 - 1`` (a larger
    number would overflow the database's BIGINT and fail the statement)."""
    if not isinstance(gid, str) or len(gid) > 200:
        return None
    try:
        raw = base64.b64decode(gid.encode(), validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        return None
    type_name, _, digits = raw.partition(":")
    if len(digits) > _MAX_PK_DIGITS:
        return None
    pk = _ascii_int(digits)
    if not type_name or pk is None or not 0 < pk <= MAX_PK:
        return None
    return type_name, pk


def expect_id(gid: str, type_name: str) -> int | None:
    decoded = from_global_id(gid)
    return decoded[1] if decoded and decoded[0] == type_name else None


@strawberry.interface(description="可按全局 ID 获取的对象")
class Node:
    id: strawberry.ID = strawberry.field(description="全局 ID（不透明）")


@strawberry.type(description="分页信息")
class PageInfo:
    has_next_page: bool = strawberry.field(description="之后是否还有")
    has_previous_page: bool = strawberry.field(description="之前是否还有")
    start_cursor: str | None = strawberry.field(description="本页第一条的游标")
    end_cursor: str | None = strawberry.field(description="本页最后一条的游标")


@strawberry.type(description="连接中的一条边")
class Edge(Generic[T]):
    node: T = strawberry.field(description="对象")
    cursor: str = strawberry.field(description="游标")


@strawberry.type(description="分页连接")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="本页的边")
    page_info: PageInfo = strawberry.field(description="分页信息")
    total_count: int = strawberry.field(description="符合条件的总数")

    @strawberry.field(description="本页的对象（edges 的简写）")
    def nodes(self) -> list[T]:  # type: ignore[valid-type]
        return [e.node for e in self.edges]


def _cursor(offset: int) -> str:
    return base64.b64encode(f"arrayconnection:{offset}".encode()).decode()


def _offset(cursor: str, field: str) -> int:
    try:
        raw = base64.b64decode(cursor.encode(), validate=True).decode()
        prefix, _, n = raw.partition(":")
        offset = _ascii_int(n) if len(n) <= _MAX_PK_DIGITS else None
        if prefix == "arrayconnection" and offset is not None:
            return offset
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise coded_error("INVALID", f"游标 {field} 无效", field=field)


@dataclass(frozen=True, slots=True)
class Window:
    start: int
    end: int
    total: int


def window(
    total: int, *, first: int | None, after: str | None, last: int | None, before: str | None
) -> Window:
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE:
            raise coded_error("INVALID", f"{name} 必须在 0 到 {MAX_PAGE} 之间", field=name)
    start, end = 0, total
    if after is not None:
        start = min(max(_offset(after, "after") + 1, 0), total)
    if before is not None:
        end = max(min(_offset(before, "before"), total), start)
    if first is None and last is None:
        first = DEFAULT_PAGE
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    return Window(start, end, total)


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> tuple[list[Any], Window]:
    """Two statements whatever the page size: the count and the page."""
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    w = window(total or 0, first=first, after=after, last=last, before=before)
    if w.end <= w.start:
        return [], w
    rows = (await session.scalars(stmt.offset(w.start).limit(w.end - w.start))).all()
    return list(rows), w


def connection(items: list[T], w: Window) -> Connection[T]:
    edges = [Edge(node=item, cursor=_cursor(w.start + i)) for i, item in enumerate(items)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=w.end < w.total,
            has_previous_page=w.start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=w.total,
    )
