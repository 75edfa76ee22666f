"""Incident queries: lists, one incident, the manual-dispatch queue, counts by status.

Every query filters through the caller's scope (``domain.incidents.repository.visible``);
a filter naming something the caller cannot see yields an empty list, never an
error that would reveal it.
"""

from __future__ import annotations

import strawberry

from api.context import Info
from api.enums import IncidentStatus
from api.incidents.inputs import IncidentFilter
from api.incidents.types import Incident, IncidentOrder, IncidentStatusCount
from api.permissions import scope_of
from api.relay import Connection, connection, expect_id, paginate
from api.times import bound_utc
from domain.enums import IncidentStatus as IncidentStatusValue
from domain.incidents import repository as repo
from domain.incidents.models import Incident as IncidentModel
from domain.scope import Scope

NOWHERE = "/none/"  # a path no area has: the empty subtree
NO_ID = -1


def _pk(gid: strawberry.ID | None, type_name: str) -> int | None:
    if gid is None:
        return None
    pk = expect_id(gid, type_name)
    return pk if pk is not None else NO_ID


async def _under(info: Info, scope: Scope, area_gid: strawberry.ID | None) -> str | None:
    if area_gid is None:
        return None
    pk = expect_id(area_gid, "Area")
    if pk is None:
        return NOWHERE
    area = await info.context.loaders.area.load(pk)
    if area is None or not scope.sees_area(area.path):
        return NOWHERE
    return area.path


async def _filter(info: Info, scope: Scope, f: IncidentFilter | None) -> repo.Filter:
    f = f or IncidentFilter()
    between = f.reported_between
    return repo.Filter(
        statuses=f.status,
        categories=f.category,
        levels=f.level,
        under_area_id=_pk(f.area_id, "Area"),
        department_id=_pk(f.department_id, "Department"),
        officer_id=_pk(f.officer_id, "Member"),
        enterprise_id=_pk(f.enterprise_id, "Enterprise"),
        overdue=f.overdue,
        awaiting_manual=f.awaiting_manual,
        reported_from=bound_utc(between.from_) if between else None,
        reported_to=bound_utc(between.to) if between else None,
        text=f.text,
    )


async def visible_incident(info: Info, scope: Scope, m: IncidentModel) -> bool:
    """For ``node``: the per-object twin of ``repository.visible``."""
    if repo.sees(scope, m):
        return True
    if scope.enterprise_id is None or m.reporter_account_id is None:
        return False
    # The reporter's enterprise through the batched account loader: ``nodes`` with many
    # incidents costs one statement, not one per incident.
    reporter = await info.context.loaders.account.load(m.reporter_account_id)
    return repo.sees(scope, m, reporter_enterprise_id=reporter.enterprise_id if reporter is not None else None)


@strawberry.type
class IncidentQueries:
    @strawberry.field(description="事件列表（按权限范围筛选）")
    async def incidents(
        self,
        info: Info,
        filter: IncidentFilter | None = None,
        order_by: IncidentOrder = repo.Order.REPORTED_AT_DESC,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Incident]:
        scope = scope_of(info)
        f = await _filter(info, scope, filter)
        stmt = repo.incidents_query(scope, f, order=repo.Order(order_by), now=info.context.clock.now())
        async with info.context.reading() as session:
            rows, w = await paginate(session, stmt, first=first, after=after, last=last, before=before)
        return connection([Incident.from_model(r) for r in rows], w)

    @strawberry.field(description="按 ID 获取事件（无权或不存在为 null）")
    async def incident(self, info: Info, id: strawberry.ID) -> Incident | None:
        scope = scope_of(info)
        pk = expect_id(id, "Incident")
        if pk is None:
            return None
        m = await info.context.loaders.incident.load(pk)
        return Incident.from_model(m) if m is not None and await visible_incident(info, scope, m) else None

    @strawberry.field(description="按事件编号获取事件（无权或不存在为 null）")
    async def incident_by_code(self, info: Info, code: str) -> Incident | None:
        scope = scope_of(info)
        from sqlalchemy import select

        async with info.context.reading() as session:
            m = await session.scalar(select(IncidentModel).where(IncidentModel.code == code.strip()))
        return Incident.from_model(m) if m is not None and await visible_incident(info, scope, m) else None

    @strawberry.field(description="人工派单队列：规则要求人工派单、退单后又指向退单部门或未找到责任人的事件（先到先派）")
    async def manual_dispatch_queue(
        self,
        info: Info,
        area_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Incident]:
        scope = scope_of(info)
        f = repo.Filter(
            statuses=[IncidentStatusValue.REPORTED],
            awaiting_manual=True,
            under_path=await _under(info, scope, area_id),
        )
        stmt = repo.incidents_query(scope, f, order=repo.Order.REPORTED_AT_ASC, now=info.context.clock.now())
        async with info.context.reading() as session:
            rows, w = await paginate(session, stmt, first=first, after=after, last=last, before=before)
        return connection([Incident.from_model(r) for r in rows], w)

    @strawberry.field(description="某区域（含下级；省略则为权限范围内全部）各状态的事件数")
    async def incident_counts_by_status(
        self, info: Info, area_id: strawberry.ID | None = None
    ) -> list[IncidentStatusCount]:
        scope = scope_of(info)
        under = await _under(info, scope, area_id)
        async with info.context.reading() as session:
            counts = await repo.counts_by_status(session, scope, under_path=under)
        return [IncidentStatusCount(status=s, count=counts.get(s.value, 0)) for s in IncidentStatus]  # type: ignore[attr-defined]
