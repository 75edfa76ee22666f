"""Organisation queries."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.enums import AreaKind
from api.errors import coded_error
from api.org.types import Area
from api.relay import Connection, connection, expect_id, paginate
from domain.org import repository as org_repo


@strawberry.input(description="区域筛选")
class AreaFilter:
    kind: AreaKind | None = strawberry.field(default=None, description="层级")
    parent_id: strawberry.ID | None = strawberry.field(default=None, description="直接上级")
    under_id: strawberry.ID | None = strawberry.field(
        default=None, description="某区域及其全部下级（整棵子树）"
    )
    search: str | None = strawberry.field(default=None, description="按名称或编码查找")


def _area_pk(gid: strawberry.ID, field: str) -> int:
    pk = expect_id(gid, "Area")
    if pk is None:
        raise coded_error("INVALID", f"{field} 不是区域 ID", field=field)
    return pk


@strawberry.type
class OrgQueries:
    @strawberry.field(description="区域列表")
    async def areas(
        self,
        info: Info,
        filter: AreaFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Area]:
        f = filter or AreaFilter()
        parent_id = _area_pk(f.parent_id, "filter.parentId") if f.parent_id else None
        under_path: str | None = None
        async with info.context.reading() as session:
            if f.under_id:
                under = await session.get(org_repo.Area, _area_pk(f.under_id, "filter.underId"))
                # Unknown area: an empty subtree, not an error that reveals existence.
                under_path = under.path if under else "/none/"
            stmt = org_repo.areas_query(
                kind=f.kind, parent_id=parent_id, under_path=under_path, search=f.search
            )
            rows, w = await paginate(session, stmt, first=first, after=after, last=last, before=before)
        return connection([Area.from_model(r) for r in rows], w)

    @strawberry.field(description="按 ID 或编码获取区域")
    async def area(
        self, info: Info, id: strawberry.ID | None = None, code: str | None = None
    ) -> Area | None:
        async with info.context.reading() as session:
            if id is not None:
                pk = expect_id(id, "Area")
                m = await session.get(org_repo.Area, pk) if pk is not None else None
            elif code is not None:
                m = await org_repo.area_by_code(session, code)
            else:
                raise coded_error("INVALID", "请提供 id 或 code", field="id")
        return Area.from_model(m) if m else None
