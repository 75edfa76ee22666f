"""Organisation mutations: one input, one transaction, a payload with ``userErrors``.

Each resolver decodes the input, then runs one domain use case through
``api.use_case.run_use_case`` (one transaction; a ``DomainError`` becomes ``userErrors``).
"""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import UNSET

from api.context import Info
from api.errors import UserError
from api.org import inputs as i
from api.org.types import Area, Department, Enterprise, Member, Project
from api.use_case import pk_of, run_use_case
from domain.org import members as member_service
from domain.org import service
from domain.org.validation import KEEP
from domain.scope import Scope


# --- decoding ------------------------------------------------------------------------


def _opt_pk(gid: Any, type_name: str, *, what: str, field: str) -> Any:
    """``UNSET`` → ``KEEP``, ``None`` → ``None``, an id → its primary key."""
    if gid is UNSET:
        return KEEP
    return None if gid is None else pk_of(gid, type_name, what=what, field=field)


def _given(**fields: Any) -> dict[str, Any]:
    """Update arguments with ``UNSET`` turned into ``KEEP``."""
    return {k: KEEP if v is UNSET else v for k, v in fields.items()}


def _center(value: Any) -> dict[str, Any]:
    if value is UNSET:
        return {}
    return {
        "center_name": value.name if value else None,
        "center_address": value.address if value else None,
        "center_phone": value.phone if value else None,
    }


def _party(value: Any) -> dict[str, Any]:
    if value is UNSET:
        return {}
    return {
        "party_org_name": value.name if value else None,
        "party_org_kind": value.kind if value else None,
        "party_secretary": value.secretary if value else None,
    }


# --- payloads ------------------------------------------------------------------------


@strawberry.type(description="区域变更结果")
class AreaResult:
    area: Area | None = strawberry.field(description="区域（出错时为 null）")
    user_errors: list[UserError] = strawberry.field(description="用户可处理的错误")


@strawberry.type(description="成员变更结果")
class MemberResult:
    member: Member | None = strawberry.field(description="成员（出错时为 null）")
    user_errors: list[UserError] = strawberry.field(description="用户可处理的错误")


@strawberry.type(description="部门变更结果")
class DepartmentResult:
    department: Department | None = strawberry.field(description="部门（出错时为 null）")
    user_errors: list[UserError] = strawberry.field(description="用户可处理的错误")


@strawberry.type(description="企业变更结果")
class EnterpriseResult:
    enterprise: Enterprise | None = strawberry.field(description="企业（出错时为 null）")
    user_errors: list[UserError] = strawberry.field(description="用户可处理的错误")


@strawberry.type(description="项目变更结果")
class ProjectResult:
    project: Project | None = strawberry.field(description="项目（出错时为 null）")
    user_errors: list[UserError] = strawberry.field(description="用户可处理的错误")


@strawberry.type(description="新建区域的结果")
class CreateAreaPayload(AreaResult): ...


@strawberry.type(description="修改区域的结果")
class UpdateAreaPayload(AreaResult): ...


@strawberry.type(description="新增成员的结果")
class AddMemberPayload(MemberResult): ...


@strawberry.type(description="修改成员的结果")
class UpdateMemberPayload(MemberResult): ...


@strawberry.type(description="调整成员区域或部门的结果")
class MoveMemberPayload(MemberResult): ...


@strawberry.type(description="停用成员的结果")
class DeactivateMemberPayload(MemberResult): ...


@strawberry.type(description="设置成员角色的结果")
class SetMemberRolesPayload(MemberResult): ...


@strawberry.type(description="设置成员职责标签的结果")
class SetMemberDutiesPayload(MemberResult): ...


@strawberry.type(description="新建部门的结果")
class CreateDepartmentPayload(DepartmentResult): ...


@strawberry.type(description="修改部门的结果")
class UpdateDepartmentPayload(DepartmentResult): ...


@strawberry.type(description="设置应哨责任人的结果")
class SetDepartmentResponderPayload(DepartmentResult): ...


@strawberry.type(description="登记企业的结果")
class CreateEnterprisePayload(EnterpriseResult): ...


@strawberry.type(description="修改企业的结果")
class UpdateEnterprisePayload(EnterpriseResult): ...


@strawberry.type(description="登记项目的结果")
class CreateProjectPayload(ProjectResult): ...


@strawberry.type(description="修改项目的结果")
class UpdateProjectPayload(ProjectResult): ...


def _area(m: Any) -> Area | None:
    return Area.from_model(m) if m is not None else None


def _member(m: Any) -> Member | None:
    return Member.from_model(m) if m is not None else None


def _department(m: Any) -> Department | None:
    return Department.from_model(m) if m is not None else None


def _enterprise(m: Any) -> Enterprise | None:
    return Enterprise.from_model(m) if m is not None else None


def _project(m: Any) -> Project | None:
    return Project.from_model(m) if m is not None else None


def _area_id(gid: Any, field: str) -> Any:
    return _opt_pk(gid, "Area", what="区域" if field != "parentId" else "上级区域", field=field)


# --- mutations -----------------------------------------------------------------------


@strawberry.type
class OrgMutations:
    # areas

    @strawberry.mutation(description="新建区域（区、产业园区、大网格、小网格）")
    async def create_area(self, info: Info, input: i.CreateAreaInput) -> CreateAreaPayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await service.create_area(
                session, scope=scope, code=input.code, name=input.name, kind=input.kind,
                parent_id=_area_id(input.parent_id, "parentId"), brand=input.brand, park_type=input.park_type,
                boundary=input.boundary, **_center(input.service_center), **_party(input.party_organization),
            )

        m, errors = await run_use_case(info, act)
        return CreateAreaPayload(area=_area(m), user_errors=errors)

    @strawberry.mutation(description="修改区域；改上级区域即连同全部下级一起迁移")
    async def update_area(self, info: Info, input: i.UpdateAreaInput) -> UpdateAreaPayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await service.update_area(
                session, scope=scope, area_id=pk_of(input.id, "Area", what="区域", field="id"),
                parent_id=_area_id(input.parent_id, "parentId"),
                **_given(code=input.code, name=input.name, kind=input.kind, brand=input.brand,
                         park_type=input.park_type, boundary=input.boundary),
                **_center(input.service_center), **_party(input.party_organization),
            )

        m, errors = await run_use_case(info, act)
        return UpdateAreaPayload(area=_area(m), user_errors=errors)

    # members

    @strawberry.mutation(description="新增成员")
    async def add_member(self, info: Info, input: i.AddMemberInput) -> AddMemberPayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await member_service.add_member(
                session, scope=scope, code=input.code, name=input.name,
                area_id=_area_id(input.area_id, "areaId"),
                department_id=_opt_pk(input.department_id, "Department", what="部门", field="departmentId"),
                enterprise_id=_opt_pk(input.enterprise_id, "Enterprise", what="企业", field="enterpriseId"),
                roles=input.roles, duties=input.duties, party_member=input.party_member, phone=input.phone,
                has_terminal=input.has_terminal, on_duty_date=input.on_duty_date,
            )

        m, errors = await run_use_case(info, act)
        return AddMemberPayload(member=_member(m), user_errors=errors)

    @strawberry.mutation(description="修改成员信息")
    async def update_member(self, info: Info, input: i.UpdateMemberInput) -> UpdateMemberPayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await member_service.update_member(
                session, scope=scope, member_id=pk_of(input.id, "Member", what="成员", field="id"),
                enterprise_id=_opt_pk(input.enterprise_id, "Enterprise", what="企业", field="enterpriseId"),
                **_given(code=input.code, name=input.name, party_member=input.party_member, phone=input.phone,
                         has_terminal=input.has_terminal, on_duty_date=input.on_duty_date),
            )

        m, errors = await run_use_case(info, act)
        return UpdateMemberPayload(member=_member(m), user_errors=errors)

    @strawberry.mutation(description="调整成员的区域或部门（其未办结事件按责任人规则重新指派）")
    async def move_member(self, info: Info, input: i.MoveMemberInput) -> MoveMemberPayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await member_service.move_member(
                session, scope=scope, member_id=pk_of(input.id, "Member", what="成员", field="id"),
                area_id=_area_id(input.area_id, "areaId"),
                department_id=_opt_pk(input.department_id, "Department", what="部门", field="departmentId"),
                enterprise_id=_opt_pk(input.enterprise_id, "Enterprise", what="企业", field="enterpriseId"),
                roles=input.roles, note=input.note,
            )

        m, errors = await run_use_case(info, act)
        return MoveMemberPayload(member=_member(m), user_errors=errors)

    @strawberry.mutation(description="停用成员（其未办结事件按责任人规则重新指派）")
    async def deactivate_member(self, info: Info, input: i.DeactivateMemberInput) -> DeactivateMemberPayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await member_service.deactivate_member(
                session, scope=scope, member_id=pk_of(input.id, "Member", what="成员", field="id"), note=input.note
            )

        m, errors = await run_use_case(info, act)
        return DeactivateMemberPayload(member=_member(m), user_errors=errors)

    @strawberry.mutation(description="设置成员角色（整体替换）")
    async def set_member_roles(self, info: Info, input: i.SetMemberRolesInput) -> SetMemberRolesPayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await member_service.set_member_roles(
                session, scope=scope, member_id=pk_of(input.id, "Member", what="成员", field="id"), roles=input.roles
            )

        m, errors = await run_use_case(info, act)
        return SetMemberRolesPayload(member=_member(m), user_errors=errors)

    @strawberry.mutation(description="设置成员职责标签（整体替换）")
    async def set_member_duties(self, info: Info, input: i.SetMemberDutiesInput) -> SetMemberDutiesPayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await member_service.set_member_duties(
                session, scope=scope, member_id=pk_of(input.id, "Member", what="成员", field="id"),
                duties=input.duties,
            )

        m, errors = await run_use_case(info, act)
        return SetMemberDutiesPayload(member=_member(m), user_errors=errors)

    # departments

    @strawberry.mutation(description="新建部门")
    async def create_department(self, info: Info, input: i.CreateDepartmentInput) -> CreateDepartmentPayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await service.create_department(
                session, scope=scope, code=input.code, name=input.name, level=input.level,
                park_id=_opt_pk(input.park_id, "Area", what="园区", field="parkId"),
                has_platform_account=input.has_platform_account,
            )

        m, errors = await run_use_case(info, act)
        return CreateDepartmentPayload(department=_department(m), user_errors=errors)

    @strawberry.mutation(description="修改部门")
    async def update_department(self, info: Info, input: i.UpdateDepartmentInput) -> UpdateDepartmentPayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await service.update_department(
                session, scope=scope, department_id=pk_of(input.id, "Department", what="部门", field="id"),
                park_id=_opt_pk(input.park_id, "Area", what="园区", field="parkId"),
                **_given(code=input.code, name=input.name, level=input.level,
                         has_platform_account=input.has_platform_account),
            )

        m, errors = await run_use_case(info, act)
        return UpdateDepartmentPayload(department=_department(m), user_errors=errors)

    @strawberry.mutation(description="设置部门的应哨责任人")
    async def set_department_responder(
        self, info: Info, input: i.SetDepartmentResponderInput
    ) -> SetDepartmentResponderPayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await member_service.set_department_responder(
                session, scope=scope,
                department_id=pk_of(input.department_id, "Department", what="部门", field="departmentId"),
                member_id=_opt_pk(input.member_id, "Member", what="成员", field="memberId"),
            )

        m, errors = await run_use_case(info, act)
        return SetDepartmentResponderPayload(department=_department(m), user_errors=errors)

    # enterprises and projects

    @strawberry.mutation(description="登记企业")
    async def create_enterprise(self, info: Info, input: i.CreateEnterpriseInput) -> CreateEnterprisePayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await service.create_enterprise(
                session, scope=scope, name=input.name, credit_code=input.credit_code,
                grid_id=pk_of(input.grid_id, "Area", what="网格", field="gridId"),
                industry=input.industry, employees=input.employees, has_party_org=input.has_party_org,
                party_secretary_name=input.party_secretary_name, contact_name=input.contact_name,
                contact_phone=input.contact_phone, address=input.address,
            )

        m, errors = await run_use_case(info, act)
        return CreateEnterprisePayload(enterprise=_enterprise(m), user_errors=errors)

    @strawberry.mutation(description="修改企业")
    async def update_enterprise(self, info: Info, input: i.UpdateEnterpriseInput) -> UpdateEnterprisePayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await service.update_enterprise(
                session, scope=scope, enterprise_id=pk_of(input.id, "Enterprise", what="企业", field="id"),
                grid_id=_opt_pk(input.grid_id, "Area", what="网格", field="gridId"),
                **_given(name=input.name, credit_code=input.credit_code, industry=input.industry,
                         employees=input.employees, has_party_org=input.has_party_org,
                         party_secretary_name=input.party_secretary_name, contact_name=input.contact_name,
                         contact_phone=input.contact_phone, address=input.address),
            )

        m, errors = await run_use_case(info, act)
        return UpdateEnterprisePayload(enterprise=_enterprise(m), user_errors=errors)

    @strawberry.mutation(description="登记项目")
    async def create_project(self, info: Info, input: i.CreateProjectInput) -> CreateProjectPayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await service.create_project(
                session, scope=scope, name=input.name,
                enterprise_id=pk_of(input.enterprise_id, "Enterprise", what="企业", field="enterpriseId"),
                grid_id=_opt_pk(input.grid_id, "Area", what="网格", field="gridId"),
                status=input.status, investment=input.investment, started_on=input.started_on,
            )

        m, errors = await run_use_case(info, act)
        return CreateProjectPayload(project=_project(m), user_errors=errors)

    @strawberry.mutation(description="修改项目")
    async def update_project(self, info: Info, input: i.UpdateProjectInput) -> UpdateProjectPayload:
        async def act(session: AsyncSession, scope: Scope) -> Any:
            return await service.update_project(
                session, scope=scope, project_id=pk_of(input.id, "Project", what="项目", field="id"),
                enterprise_id=_opt_pk(input.enterprise_id, "Enterprise", what="企业", field="enterpriseId"),
                grid_id=_opt_pk(input.grid_id, "Area", what="网格", field="gridId"),
                **_given(name=input.name, status=input.status, investment=input.investment,
                         started_on=input.started_on),
            )

        m, errors = await run_use_case(info, act)
        return UpdateProjectPayload(project=_project(m), user_errors=errors)
