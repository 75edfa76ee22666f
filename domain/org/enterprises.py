"""Use cases of enterprises (企业) and their projects (在建项目).

Same conventions as ``domain.org.service``: the caller's session and scope,
keyword-only arguments, ``DomainError`` for what the person can fix, flush only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import AreaKind, MemberRole, ProjectStatus
from domain.errors import DomainError
from domain.org import history
from domain.org.models import Area, Enterprise, Member, MemberRoleAssignment, Project
from domain.org.validation import KEEP, Problems, fetch, guard, label
from domain.personal_data import encrypt, lookup_hash
from domain.scope import Scope

# --- enterprises ---------------------------------------------------------------------


async def _grid(session: AsyncSession, scope: Scope, grid_id: int | None, *, field: str = "gridId") -> Area:
    grid = await fetch(session, Area, grid_id, what="网格", field=field)
    guard(scope, grid.path, what="网格", field=field)
    if grid.kind != AreaKind.SMALL_GRID:
        raise DomainError("INVALID", f"须选择小网格（网格片区），“{grid.name}”是{label(grid.kind)}", field)
    return grid


async def _check_credit_code(session: AsyncSession, credit_code: str, *, own_id: int | None = None) -> None:
    other = await session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code))
    if other is not None and other.id != own_id:
        raise DomainError(
            "DUPLICATE", f"统一社会信用代码“{credit_code}”已登记（{other.name}）", "creditCode"
        )


def _enterprise_fields(p: Problems, fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if value is KEEP:
            continue
        if key == "name":
            out[key] = p.text(value or "", "name", "企业名称", max_len=200)
        elif key == "credit_code":
            out[key] = p.credit_code(value or "")
        elif key == "industry":
            out[key] = p.optional_text(value, "industry", "行业", max_len=50)
        elif key == "employees":
            if value is None:
                p.add("employees", "从业人数不能为空")
            out[key] = p.non_negative(value, "employees", "从业人数")
        elif key == "has_party_org":
            if value is None:
                p.add("hasPartyOrg", "是否建立党组织不能为空")
            out[key] = value
        elif key == "party_secretary_name":
            out[key] = p.optional_text(value, "partySecretaryName", "党组织书记", max_len=50)
        elif key == "contact_name":
            out[key] = p.optional_text(value, "contactName", "联系人", max_len=50)
        elif key == "contact_phone":
            phone = p.contact_phone(value, "contactPhone")
            out["contact_phone_cipher"] = encrypt(phone) if phone else None
            out["contact_phone_hash"] = lookup_hash(phone) if phone else None
        elif key == "address":
            out[key] = p.optional_text(value, "address", "地址", max_len=200)
        else:
            out[key] = value
    return out


async def create_enterprise(
    session: AsyncSession,
    *,
    scope: Scope,
    name: str,
    credit_code: str,
    grid_id: int,
    industry: str | None = None,
    employees: int = 0,
    has_party_org: bool = False,
    party_secretary_name: str | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    address: str | None = None,
) -> Enterprise:
    p = Problems()
    values = _enterprise_fields(
        p,
        dict(
            name=name, credit_code=credit_code, industry=industry, employees=employees,
            has_party_org=has_party_org, party_secretary_name=party_secretary_name,
            contact_name=contact_name, contact_phone=contact_phone, address=address,
        ),
    )
    p.check()
    grid = await _grid(session, scope, grid_id)
    await _check_credit_code(session, values["credit_code"])
    enterprise = Enterprise(grid_id=grid.id, **values)
    session.add(enterprise)
    await session.flush()
    await history.record(session, scope, "enterprise.create", enterprise)
    return enterprise


async def update_enterprise(
    session: AsyncSession, *, scope: Scope, enterprise_id: int, grid_id: Any = KEEP, **fields: Any
) -> Enterprise:
    """``fields`` are those of ``create_enterprise``; moving to another grid is refused
    while active part-time workers of the old grid are linked to the enterprise."""
    enterprise = await fetch(session, Enterprise, enterprise_id, what="企业", field="id", lock=True)
    old_grid = await session.get(Area, enterprise.grid_id)
    guard(scope, old_grid.path if old_grid else "", what="企业", field="id")
    before = history.state(enterprise)
    p = Problems()
    values = _enterprise_fields(p, fields)
    p.check()
    if grid_id is not KEEP and grid_id != enterprise.grid_id:
        grid = await _grid(session, scope, grid_id)
        linked = list(
            await session.scalars(
                select(Member.name)
                .join(MemberRoleAssignment, MemberRoleAssignment.member_id == Member.id)
                .where(
                    Member.enterprise_id == enterprise.id,
                    Member.active.is_(True),
                    MemberRoleAssignment.role == MemberRole.PART_TIME_WORKER,
                )
            )
        )
        if linked:
            raise DomainError(
                "INVALID",
                f"该企业有本网格的兼职网格员（{'、'.join(linked)}），请先调整其网格或角色再迁移企业",
                "gridId",
            )
        enterprise.grid_id = grid.id
    if "credit_code" in values and values["credit_code"] != enterprise.credit_code:
        await _check_credit_code(session, values["credit_code"], own_id=enterprise.id)
    for key, value in values.items():
        setattr(enterprise, key, value)
    await session.flush()
    await history.record(session, scope, "enterprise.update", enterprise, before=before)
    return enterprise


# --- projects ------------------------------------------------------------------------


async def _enterprise(session: AsyncSession, scope: Scope, enterprise_id: int | None) -> Enterprise:
    enterprise = await fetch(session, Enterprise, enterprise_id, what="企业", field="enterpriseId")
    grid = await session.get(Area, enterprise.grid_id)
    guard(scope, grid.path if grid else "", what="企业", field="enterpriseId")
    return enterprise


def _project_fields(p: Problems, fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if value is KEEP:
            continue
        if key == "name":
            out[key] = p.text(value or "", "name", "项目名称", max_len=200)
        elif key == "status":
            if value is None:
                p.add("status", "项目状态不能为空")
            out[key] = value.value if isinstance(value, ProjectStatus) else value
        elif key == "investment":
            out[key] = p.amount(value, "investment", "投资额（元）")
        else:
            out[key] = value
    return out


async def create_project(
    session: AsyncSession,
    *,
    scope: Scope,
    name: str,
    enterprise_id: int,
    grid_id: int | None = None,
    status: ProjectStatus = ProjectStatus.UNDER_CONSTRUCTION,
    investment: Decimal | None = None,
    started_on: date | None = None,
) -> Project:
    """A project sits in its enterprise's grid unless another grid is given."""
    p = Problems()
    values = _project_fields(p, dict(name=name, status=status, investment=investment, started_on=started_on))
    p.check()
    enterprise = await _enterprise(session, scope, enterprise_id)
    grid = await _grid(session, scope, grid_id if grid_id is not None else enterprise.grid_id)
    project = Project(enterprise_id=enterprise.id, grid_id=grid.id, **values)
    session.add(project)
    await session.flush()
    await history.record(session, scope, "project.create", project)
    return project


async def update_project(
    session: AsyncSession,
    *,
    scope: Scope,
    project_id: int,
    enterprise_id: Any = KEEP,
    grid_id: Any = KEEP,
    **fields: Any,
) -> Project:
    project = await fetch(session, Project, project_id, what="项目", field="id", lock=True)
    grid = await session.get(Area, project.grid_id)
    guard(scope, grid.path if grid else "", what="项目", field="id")
    before = history.state(project)
    p = Problems()
    if enterprise_id is None:
        p.add("enterpriseId", "项目须属于一家企业")
    if grid_id is None:
        p.add("gridId", "项目须属于一个网格")
    values = _project_fields(p, fields)
    p.check()
    if enterprise_id is not KEEP and enterprise_id != project.enterprise_id:
        project.enterprise_id = (await _enterprise(session, scope, enterprise_id)).id
    if grid_id is not KEEP and grid_id != project.grid_id:
        project.grid_id = (await _grid(session, scope, grid_id)).id
    for key, value in values.items():
        setattr(project, key, value)
    await session.flush()
    await history.record(session, scope, "project.update", project, before=before)
    return project
