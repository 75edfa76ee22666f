"""Organisation queries: areas, members, departments, enterprises, projects, staffing.

Every list is a cursor connection filtered by the caller's scope; a filter naming an
area the caller cannot see (or that does not exist) yields an empty list, never an
error that would reveal it.
"""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.context import Info
from api.enums import AreaKind, DepartmentLevel, DutyTag, MemberRole, ProjectStatus
from api.errors import coded_error
from api.org.staffing import StaffingCompliance
from api.org.types import Area, Department, Enterprise, Member, Project
from api.permissions import scope_of
from api.relay import Connection, connection, expect_id, paginate
from domain.org import repository as org_repo
from domain.org import staffing as domain_staffing
from domain.org.models import Area as AreaModel
from domain.org.models import Department as DepartmentModel
from domain.org.models import Enterprise as EnterpriseModel
from domain.org.models import Member as MemberModel
from domain.org.models import Project as ProjectModel
from domain.scope import Scope

NOWHERE = "/none/"  # a path no area has: the empty subtree


@strawberry.input(description="区域筛选")
class AreaFilter:
    kind: AreaKind | None = strawberry.field(default=None, description="层级")
    parent_id: strawberry.ID | None = strawberry.field(default=None, description="直接上级")
    under_id: strawberry.ID | None = strawberry.field(
        default=None, description="某区域及其全部下级（整棵子树）"
    )
    search: str | None = strawberry.field(default=None, description="按名称或编码查找")


@strawberry.input(description="成员筛选")
class MemberFilter:
    area_id: strawberry.ID | None = strawberry.field(default=None, description="某区域及其全部下级的成员")
    department_id: strawberry.ID | None = strawberry.field(default=None, description="某部门的成员")
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description="关联某企业的成员")
    role: MemberRole | None = strawberry.field(default=None, description="担任某角色")
    duty: DutyTag | None = strawberry.field(default=None, description="有某职责标签")
    active: bool | None = strawberry.field(default=None, description="在岗（true）或已停用（false）")
    has_terminal: bool | None = strawberry.field(default=None, description="是否配备移动终端/APP")
    party_member: bool | None = strawberry.field(default=None, description="是否党员")
    search: str | None = strawberry.field(
        default=None, description="按姓名或编码查找（输入完整手机号码可按号码查找）"
    )


@strawberry.input(description="部门筛选")
class DepartmentFilter:
    level: DepartmentLevel | None = strawberry.field(default=None, description="层级")
    park_id: strawberry.ID | None = strawberry.field(default=None, description="所属园区")
    search: str | None = strawberry.field(default=None, description="按名称或编码查找")


@strawberry.input(description="企业筛选")
class EnterpriseFilter:
    area_id: strawberry.ID | None = strawberry.field(default=None, description="某区域及其全部下级的企业")
    industry: str | None = strawberry.field(default=None, description="行业")
    has_party_org: bool | None = strawberry.field(default=None, description="是否建立党组织")
    search: str | None = strawberry.field(
        default=None, description="按企业名称或统一社会信用代码（前缀）查找"
    )


@strawberry.input(description="项目筛选")
class ProjectFilter:
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description="所属企业")
    area_id: strawberry.ID | None = strawberry.field(default=None, description="某区域及其全部下级的项目")
    status: ProjectStatus | None = strawberry.field(default=None, description="状态")
    search: str | None = strawberry.field(default=None, description="按项目名称查找")


def _pk(gid: strawberry.ID, type_name: str, field: str, what: str) -> int:
    pk = expect_id(gid, type_name)
    if pk is None:
        raise coded_error("INVALID", f"{field} 不是{what} ID", field=field)
    return pk


def _area_pk(gid: strawberry.ID, field: str) -> int:
    return _pk(gid, "Area", field, "区域")


async def _subtree(session: AsyncSession, scope: Scope, gid: strawberry.ID | None, field: str) -> str | None:
    """The path of a filter's area; an unknown or invisible area is the empty subtree."""
    if gid is None:
        return None
    path = await session.scalar(select(AreaModel.path).where(AreaModel.id == _area_pk(gid, field)))
    return path if path is not None and scope.sees_area(path) else NOWHERE


def _page(first: int | None, after: str | None, last: int | None, before: str | None) -> dict[str, Any]:
    return {"first": first, "after": after, "last": last, "before": before}


async def _one(info: Info, stmt: Any) -> Any:
    async with info.context.reading() as session:
        return await session.scalar(stmt)


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
        scope = scope_of(info)
        f = filter or AreaFilter()
        parent_id = _area_pk(f.parent_id, "filter.parentId") if f.parent_id else None
        async with info.context.reading() as session:
            under_path = await _subtree(session, scope, f.under_id, "filter.underId")
            stmt = org_repo.areas_query(
                kind=f.kind, parent_id=parent_id, under_path=under_path, search=f.search, scope=scope
            )
            rows, w = await paginate(session, stmt, **_page(first, after, last, before))
        return connection([Area.from_model(r) for r in rows], w)

    @strawberry.field(description="按 ID 或编码获取区域")
    async def area(
        self, info: Info, id: strawberry.ID | None = None, code: str | None = None
    ) -> Area | None:
        scope = scope_of(info)
        if id is not None:
            stmt = select(AreaModel).where(AreaModel.id == expect_id(id, "Area"))
        elif code is not None:
            stmt = select(AreaModel).where(AreaModel.code == code)
        else:
            raise coded_error("INVALID", "请提供 id 或 code", field="id")
        m = await _one(info, stmt)
        return Area.from_model(m) if m is not None and scope.sees_area(m.path) else None

    @strawberry.field(description="成员列表（网格力量）")
    async def members(
        self,
        info: Info,
        filter: MemberFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Member]:
        scope = scope_of(info)
        f = filter or MemberFilter()
        async with info.context.reading() as session:
            stmt = org_repo.members_query(
                scope=scope,
                under_path=await _subtree(session, scope, f.area_id, "filter.areaId"),
                department_id=(
                    _pk(f.department_id, "Department", "filter.departmentId", "部门") if f.department_id else None
                ),
                enterprise_id=(
                    _pk(f.enterprise_id, "Enterprise", "filter.enterpriseId", "企业") if f.enterprise_id else None
                ),
                role=f.role,
                duty=f.duty,
                active=f.active,
                has_terminal=f.has_terminal,
                party_member=f.party_member,
                search=f.search,
            )
            rows, w = await paginate(session, stmt, **_page(first, after, last, before))
        return connection([Member.from_model(r) for r in rows], w)

    @strawberry.field(description="按 ID 或编码获取成员")
    async def member(
        self, info: Info, id: strawberry.ID | None = None, code: str | None = None
    ) -> Member | None:
        if id is not None:
            where = MemberModel.id == expect_id(id, "Member")
        elif code is not None:
            where = MemberModel.code == code
        else:
            raise coded_error("INVALID", "请提供 id 或 code", field="id")
        m = await _one(info, org_repo.members_query(scope=scope_of(info)).where(where))
        return Member.from_model(m) if m is not None else None

    @strawberry.field(description="部门列表")
    async def departments(
        self,
        info: Info,
        filter: DepartmentFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Department]:
        f = filter or DepartmentFilter()
        stmt = org_repo.departments_query(
            scope=scope_of(info),
            level=f.level,
            park_id=_area_pk(f.park_id, "filter.parkId") if f.park_id else None,
            search=f.search,
        )
        async with info.context.reading() as session:
            rows, w = await paginate(session, stmt, **_page(first, after, last, before))
        return connection([Department.from_model(r) for r in rows], w)

    @strawberry.field(description="按 ID 或编码获取部门")
    async def department(
        self, info: Info, id: strawberry.ID | None = None, code: str | None = None
    ) -> Department | None:
        if id is not None:
            where = DepartmentModel.id == expect_id(id, "Department")
        elif code is not None:
            where = DepartmentModel.code == code
        else:
            raise coded_error("INVALID", "请提供 id 或 code", field="id")
        m = await _one(info, org_repo.departments_query(scope=scope_of(info)).where(where))
        return Department.from_model(m) if m is not None else None

    @strawberry.field(description="企业列表")
    async def enterprises(
        self,
        info: Info,
        filter: EnterpriseFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Enterprise]:
        scope = scope_of(info)
        f = filter or EnterpriseFilter()
        async with info.context.reading() as session:
            stmt = org_repo.enterprises_query(
                scope=scope,
                under_path=await _subtree(session, scope, f.area_id, "filter.areaId"),
                industry=f.industry,
                has_party_org=f.has_party_org,
                search=f.search,
            )
            rows, w = await paginate(session, stmt, **_page(first, after, last, before))
        return connection([Enterprise.from_model(r) for r in rows], w)

    @strawberry.field(description="按 ID 或统一社会信用代码获取企业")
    async def enterprise(
        self, info: Info, id: strawberry.ID | None = None, credit_code: str | None = None
    ) -> Enterprise | None:
        if id is not None:
            where = EnterpriseModel.id == expect_id(id, "Enterprise")
        elif credit_code is not None:
            where = EnterpriseModel.credit_code == credit_code.strip()
        else:
            raise coded_error("INVALID", "请提供 id 或 creditCode", field="id")
        m = await _one(info, org_repo.enterprises_query(scope=scope_of(info)).where(where))
        return Enterprise.from_model(m) if m is not None else None

    @strawberry.field(description="项目列表")
    async def projects(
        self,
        info: Info,
        filter: ProjectFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Project]:
        scope = scope_of(info)
        f = filter or ProjectFilter()
        async with info.context.reading() as session:
            stmt = org_repo.projects_query(
                scope=scope,
                enterprise_id=(
                    _pk(f.enterprise_id, "Enterprise", "filter.enterpriseId", "企业") if f.enterprise_id else None
                ),
                under_path=await _subtree(session, scope, f.area_id, "filter.areaId"),
                status=f.status,
                search=f.search,
            )
            rows, w = await paginate(session, stmt, **_page(first, after, last, before))
        return connection([Project.from_model(r) for r in rows], w)

    @strawberry.field(description="按 ID 获取项目")
    async def project(self, info: Info, id: strawberry.ID) -> Project | None:
        where = ProjectModel.id == expect_id(id, "Project")
        m = await _one(info, org_repo.projects_query(scope=scope_of(info)).where(where))
        return Project.from_model(m) if m is not None else None

    @strawberry.field(description="人员配备达标情况：区域内每个小网格对照配备标准（1+1+N）")
    async def staffing_compliance(self, info: Info, area_id: strawberry.ID) -> StaffingCompliance | None:
        scope = scope_of(info)
        pk = _area_pk(area_id, "areaId")
        async with info.context.reading() as session:
            area = await session.get(AreaModel, pk)
            if area is None or not scope.sees_area(area.path):
                return None
            results = await domain_staffing.compliance(session, area=area, scope=scope)
        return StaffingCompliance(area_model=area, results=results)
