"""Async factories: each creates the rows a test asserts on, with unique codes."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import AreaKind, DepartmentLevel, DutyTag, MemberRole
from domain.org.models import (
    Area,
    Department,
    Enterprise,
    Member,
    MemberDuty,
    MemberRoleAssignment,
    Project,
)

_seq = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_seq)}-{uuid.uuid4().hex[:6]}"


async def make_area(
    session: AsyncSession, *, kind: AreaKind, parent: Area | None = None, **fields: Any
) -> Area:
    area = Area(
        code=fields.pop("code", unique(kind.value[:1])),
        name=fields.pop("name", f"测试{kind.value}"),
        kind=kind,
        parent_id=parent.id if parent else None,
        depth=(parent.depth + 1) if parent else 0,
        **fields,
    )
    session.add(area)
    await session.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    await session.flush()
    return area


async def make_area_tree(session: AsyncSession) -> dict[str, Area]:
    """district → park → large grid → two small grids, plus a small grid directly under the park."""
    district = await make_area(session, kind=AreaKind.DISTRICT, name="测试区")
    park = await make_area(session, kind=AreaKind.PARK, parent=district, name="测试园区", park_type="先进制造", brand="共享党建")
    large = await make_area(session, kind=AreaKind.LARGE_GRID, parent=park, name="第一大网格")
    small1 = await make_area(session, kind=AreaKind.SMALL_GRID, parent=large, name="一号网格")
    small2 = await make_area(session, kind=AreaKind.SMALL_GRID, parent=large, name="二号网格")
    direct = await make_area(session, kind=AreaKind.SMALL_GRID, parent=park, name="园区直属网格")
    return {"district": district, "park": park, "large": large, "small1": small1, "small2": small2, "direct": direct}


# --- organisation (issue 4) ----------------------------------------------------------

_credit_rng = __import__("random").Random(4)


def credit_code() -> str:
    """A valid, unique unified social credit code (GB 32100 check characters)."""
    from domain.identifiers import make_credit_code

    return make_credit_code(_credit_rng)


def mobile() -> str:
    """A unique, valid mainland mobile number."""
    return f"139{next(_seq) % 10**8:08d}"


async def make_member(
    session: AsyncSession,
    *,
    area: Area | None = None,
    department: Any = None,
    enterprise: Any = None,
    roles: tuple[MemberRole, ...] = (),
    duties: tuple[DutyTag, ...] = (),
    phone: str | None = None,
    **fields: Any,
) -> Member:
    """A member row written directly (no staffing checks: tests build odd situations too)."""
    from domain.personal_data import encrypt, lookup_hash

    member = Member(
        code=fields.pop("code", unique("M")),
        name=fields.pop("name", "测试成员"),
        area_id=area.id if area else None,
        department_id=department.id if department else None,
        enterprise_id=enterprise.id if enterprise else None,
        phone_cipher=encrypt(phone) if phone else None,
        phone_hash=lookup_hash(phone) if phone else None,
        **fields,
    )
    session.add(member)
    await session.flush()
    session.add_all(MemberRoleAssignment(member_id=member.id, role=r) for r in roles)
    session.add_all(MemberDuty(member_id=member.id, duty=d) for d in duties)
    await session.flush()
    return member


async def make_department(
    session: AsyncSession, *, level: DepartmentLevel = DepartmentLevel.DISTRICT_DEPARTMENT, park: Area | None = None, **fields: Any
) -> Department:
    department = Department(
        code=fields.pop("code", unique("D")),
        name=fields.pop("name", "测试部门"),
        level=level,
        park_id=park.id if park else None,
        **fields,
    )
    session.add(department)
    await session.flush()
    return department


async def make_enterprise(session: AsyncSession, *, grid: Area, **fields: Any) -> Enterprise:
    enterprise = Enterprise(
        name=fields.pop("name", f"测试企业{next(_seq)}"),
        credit_code=fields.pop("credit_code", None) or credit_code(),
        grid_id=grid.id,
        **fields,
    )
    session.add(enterprise)
    await session.flush()
    return enterprise


async def make_project(session: AsyncSession, *, enterprise: Enterprise, grid: Area | None = None, **fields: Any) -> Project:
    project = Project(
        name=fields.pop("name", f"测试项目{next(_seq)}"),
        enterprise_id=enterprise.id,
        grid_id=grid.id if grid else enterprise.grid_id,
        **fields,
    )
    session.add(project)
    await session.flush()
    return project


# --- incidents (issue 6) -------------------------------------------------------------

# District departments the default policies name; department codes are unique in the
# database, so they are created once per test database and shared by the tests.
SEED_DEPARTMENTS = {
    "LABOR": "区人社局", "CONSTRUCTION": "区住建局", "EMERGENCY": "区应急管理局", "FIRE": "区消防救援大队",
    "ENVIRONMENT": "区生态环境局", "POLICE": "区公安分局", "PETITION": "区信访局", "GOVERNANCE": "区综治中心",
}


async def seed_department(session: AsyncSession, code: str) -> Department:
    """The district department ``code`` with an active responder (created on first use)."""
    from sqlalchemy import select

    found = await session.scalar(select(Department).where(Department.code == code))
    if found is not None:
        return found
    department = await make_department(session, code=code, name=SEED_DEPARTMENTS.get(code, code))
    responder = await make_member(
        session, department=department, roles=(MemberRole.DEPARTMENT_RESPONDER,), name=f"{code}应哨人",
        code=unique(f"R-{code}-"),
    )
    department.responder_id = responder.id
    await session.flush()
    return department


class IncidentWorld:
    """A park of its own with a grid force, its centre, an enterprise, and the district
    departments: everything reportIncident routes and assigns to."""

    areas: dict[str, Area]
    members: dict[str, Member]
    departments: dict[str, Department]
    enterprise: Enterprise
    project: Project

    @property
    def grid(self) -> Area:
        return self.areas["small1"]

    @property
    def park(self) -> Area:
        return self.areas["park"]

    @property
    def center(self) -> Department:
        return self.departments["GRID_CENTER"]


async def make_incident_world(session: AsyncSession) -> IncidentWorld:
    w = IncidentWorld()
    w.areas = await make_area_tree(session)
    park, large, small1 = w.areas["park"], w.areas["large"], w.areas["small1"]
    center = await make_department(
        session, level=DepartmentLevel.PARK_OFFICE, park=park, code=f"{park.code}-CENTER", name="网格化服务管理中心"
    )
    w.members = {
        "leader": await make_member(session, area=small1, roles=(MemberRole.GRID_LEADER,), name="网格长甲", code=unique("A-")),
        "worker1": await make_member(session, area=small1, roles=(MemberRole.FULL_TIME_WORKER,), name="网格员乙", code=unique("B-")),
        "worker2": await make_member(session, area=small1, roles=(MemberRole.FULL_TIME_WORKER,), name="网格员丙", code=unique("C-")),
        "large_leader": await make_member(session, area=large, roles=(MemberRole.GRID_LEADER,), name="大网格长丁", code=unique("D-")),
        "park_responder": await make_member(session, area=park, roles=(MemberRole.PARK_RESPONDER,), name="园区应哨人戊", code=unique("E-")),
        "park_secretary": await make_member(session, area=park, roles=(MemberRole.PARK_SECRETARY,), name="园区书记己", code=unique("F-")),
    }
    center.responder_id = w.members["park_responder"].id
    w.departments = {"GRID_CENTER": center}
    for code in SEED_DEPARTMENTS:
        w.departments[code] = await seed_department(session, code)
    w.enterprise = await make_enterprise(session, grid=small1, industry="先进制造", employees=120, has_party_org=True)
    w.project = await make_project(session, enterprise=w.enterprise)
    await session.flush()
    return w
