"""Reads of the organisation, shared by the API's queries and loaders."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import AccountRole, AreaKind, DepartmentLevel, DutyTag, MemberRole, ProjectStatus
from domain.org.models import (
    Area,
    Department,
    Enterprise,
    Member,
    MemberDuty,
    MemberRoleAssignment,
    Project,
    TrainingRecord,
)
from domain.personal_data import lookup_hash
from domain.scope import Scope


def subtree_prefix(area: Area) -> str:
    """The LIKE prefix that matches ``area`` and everything under it."""
    return f"{area.path}%"


def areas_query(
    *,
    kind: AreaKind | None = None,
    parent_id: int | None = None,
    under_path: str | None = None,
    search: str | None = None,
    scope: Scope | None = None,
) -> Select[tuple[Area]]:
    stmt = select(Area)
    if scope is not None:
        stmt = stmt.where(scope.tree_clause(Area.path))
    if kind is not None:
        stmt = stmt.where(Area.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(Area.parent_id == parent_id)
    if under_path is not None:
        stmt = stmt.where(Area.path.like(f"{under_path}%"))
    if search:
        stmt = stmt.where(Area.name.contains(search) | Area.code.contains(search))
    return stmt.order_by(Area.path, Area.id)


async def children_counts(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(
        select(Area.parent_id, func.count()).where(Area.parent_id.in_(ids)).group_by(Area.parent_id)
    )
    return {pid: n for pid, n in rows.all()}


def path_ids(path: str) -> list[int]:
    """``/1/4/9/`` → ``[1, 4, 9]``."""
    return [int(p) for p in path.strip("/").split("/") if p]


async def area_by_code(session: AsyncSession, code: str) -> Area | None:
    return await session.scalar(select(Area).where(Area.code == code))


# --- members, departments, enterprises, projects -------------------------------------
# Query builders take the caller's ``Scope`` so every list is filtered in one place.


def _subtree_ids(under_path: str) -> Select[tuple[int]]:
    return select(Area.id).where(Area.path.like(f"{under_path}%"))


def _search_term(search: str | None) -> str | None:
    return search.strip() if search and search.strip() else None


def members_query(
    *,
    scope: Scope,
    under_path: str | None = None,
    department_id: int | None = None,
    enterprise_id: int | None = None,
    role: MemberRole | None = None,
    duty: DutyTag | None = None,
    active: bool | None = None,
    has_terminal: bool | None = None,
    party_member: bool | None = None,
    search: str | None = None,
) -> Select[tuple[Member]]:
    """Members in the caller's data scope: by their area, or — for department members —
    by the park of their department; officers also see their own department's."""
    stmt = select(Member)
    if not scope.sees_all:
        visible = [
            scope.area_id_clause(Member.area_id),
            Member.department_id.in_(
                select(Department.id)
                .join(Area, Area.id == Department.park_id)
                .where(scope.area_clause(Area.path))
            ),
        ]
        if scope.department_id is not None:
            visible.append(Member.department_id == scope.department_id)
        if scope.whole_district:  # members of district departments (no park)
            visible.append(
                Member.department_id.in_(select(Department.id).where(Department.park_id.is_(None)))
            )
        if scope.member_id is not None:
            visible.append(Member.id == scope.member_id)
        stmt = stmt.where(or_(*visible))
    if under_path is not None:
        stmt = stmt.where(Member.area_id.in_(_subtree_ids(under_path)))
    if department_id is not None:
        stmt = stmt.where(Member.department_id == department_id)
    if enterprise_id is not None:
        stmt = stmt.where(Member.enterprise_id == enterprise_id)
    if role is not None:
        stmt = stmt.where(
            exists().where(MemberRoleAssignment.member_id == Member.id, MemberRoleAssignment.role == role)
        )
    if duty is not None:
        stmt = stmt.where(exists().where(MemberDuty.member_id == Member.id, MemberDuty.duty == duty))
    if active is not None:
        stmt = stmt.where(Member.active.is_(active))
    if has_terminal is not None:
        stmt = stmt.where(Member.has_terminal.is_(has_terminal))
    if party_member is not None:
        stmt = stmt.where(Member.party_member.is_(party_member))
    if term := _search_term(search):
        match = Member.name.contains(term, autoescape=True) | Member.code.contains(term, autoescape=True)
        if term.isdigit() and len(term) == 11:  # a whole mobile number: find by its keyed hash
            match = match | (Member.phone_hash == lookup_hash(term))
        stmt = stmt.where(match)
    return stmt.order_by(Member.code, Member.id)


def sees_departments(scope: Scope) -> bool:
    """Departments are organisation info for every account that works with the
    organisation; a partner (an outside platform) sees nothing but events and the area
    tree of its grant — no departments, no people."""
    return scope.role is not AccountRole.PARTNER


def departments_query(
    *,
    scope: Scope,
    level: DepartmentLevel | None = None,
    park_id: int | None = None,
    search: str | None = None,
) -> Select[tuple[Department]]:
    """Departments are organisation info: district departments are the public directory;
    a park office is seen by whoever may read its park in the area tree."""
    stmt = select(Department)
    if not scope.sees_all:
        visible = (
            [
                Department.park_id.is_(None),
                Department.park_id.in_(select(Area.id).where(scope.tree_clause(Area.path))),
            ]
            if sees_departments(scope)
            else []
        )
        if scope.department_id is not None:
            visible.append(Department.id == scope.department_id)
        stmt = stmt.where(or_(*visible) if visible else false())
    if level is not None:
        stmt = stmt.where(Department.level == level)
    if park_id is not None:
        stmt = stmt.where(Department.park_id == park_id)
    if term := _search_term(search):
        stmt = stmt.where(
            Department.name.contains(term, autoescape=True) | Department.code.contains(term, autoescape=True)
        )
    return stmt.order_by(Department.level, Department.code, Department.id)


def enterprises_query(
    *,
    scope: Scope,
    under_path: str | None = None,
    industry: str | None = None,
    has_party_org: bool | None = None,
    search: str | None = None,
) -> Select[tuple[Enterprise]]:
    stmt = select(Enterprise)
    if not scope.sees_all:
        visible = [scope.area_id_clause(Enterprise.grid_id)]
        if scope.enterprise_id is not None:
            visible.append(Enterprise.id == scope.enterprise_id)
        stmt = stmt.where(or_(*visible))
    if under_path is not None:
        stmt = stmt.where(Enterprise.grid_id.in_(_subtree_ids(under_path)))
    if industry is not None:
        stmt = stmt.where(Enterprise.industry == industry)
    if has_party_org is not None:
        stmt = stmt.where(Enterprise.has_party_org.is_(has_party_org))
    if term := _search_term(search):
        stmt = stmt.where(
            Enterprise.name.contains(term, autoescape=True)
            | Enterprise.credit_code.startswith(term.upper(), autoescape=True)
        )
    return stmt.order_by(Enterprise.name, Enterprise.id)


def projects_query(
    *,
    scope: Scope,
    enterprise_id: int | None = None,
    under_path: str | None = None,
    status: ProjectStatus | None = None,
    search: str | None = None,
) -> Select[tuple[Project]]:
    stmt = select(Project)
    if not scope.sees_all:
        visible = [scope.area_id_clause(Project.grid_id)]
        if scope.enterprise_id is not None:
            visible.append(Project.enterprise_id == scope.enterprise_id)
        stmt = stmt.where(or_(*visible))
    if under_path is not None:
        stmt = stmt.where(Project.grid_id.in_(_subtree_ids(under_path)))
    if enterprise_id is not None:
        stmt = stmt.where(Project.enterprise_id == enterprise_id)
    if status is not None:
        stmt = stmt.where(Project.status == status.value)
    if term := _search_term(search):
        stmt = stmt.where(Project.name.contains(term, autoescape=True))
    return stmt.order_by(Project.name, Project.id)


# --- batched reads for the API's DataLoaders (one statement per batch) ---------------


async def roles_by_member(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[MemberRole]]:
    rows = await session.execute(
        select(MemberRoleAssignment.member_id, MemberRoleAssignment.role).where(
            MemberRoleAssignment.member_id.in_(ids)
        )
    )
    out: dict[int, list[MemberRole]] = {}
    for member_id, role in rows.all():
        out.setdefault(member_id, []).append(role)
    order = list(MemberRole)
    return {k: sorted(v, key=order.index) for k, v in out.items()}


async def duties_by_member(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[DutyTag]]:
    rows = await session.execute(
        select(MemberDuty.member_id, MemberDuty.duty).where(MemberDuty.member_id.in_(ids))
    )
    out: dict[int, list[DutyTag]] = {}
    for member_id, duty in rows.all():
        out.setdefault(member_id, []).append(duty)
    order = list(DutyTag)
    return {k: sorted(v, key=order.index) for k, v in out.items()}


async def trainings_by_member(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[TrainingRecord]]:
    rows = await session.scalars(
        select(TrainingRecord)
        .where(TrainingRecord.member_id.in_(ids))
        .order_by(TrainingRecord.held_on, TrainingRecord.id)
    )
    out: dict[int, list[TrainingRecord]] = {}
    for r in rows:
        out.setdefault(r.member_id, []).append(r)
    return out


async def holders_by_area(
    session: AsyncSession, area_ids: Sequence[int], role: MemberRole
) -> dict[int, list[Member]]:
    """Active members holding ``role`` at each area, by code."""
    rows = await session.scalars(
        select(Member)
        .join(MemberRoleAssignment, MemberRoleAssignment.member_id == Member.id)
        .where(Member.area_id.in_(area_ids), Member.active.is_(True), MemberRoleAssignment.role == role)
        .order_by(Member.code, Member.id)
    )
    out: dict[int, list[Member]] = {}
    for m in rows:
        out.setdefault(m.area_id, []).append(m)  # type: ignore[arg-type]
    return out


async def grid_leaders(session: AsyncSession, area_ids: Sequence[int]) -> dict[int, Member]:
    """The active grid leader of each area (the first by code, should there be several)."""
    found = await holders_by_area(session, area_ids, MemberRole.GRID_LEADER)
    return {area_id: members[0] for area_id, members in found.items()}


async def project_counts(session: AsyncSession, enterprise_ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(
        select(Project.enterprise_id, func.count())
        .where(Project.enterprise_id.in_(enterprise_ids))
        .group_by(Project.enterprise_id)
    )
    return {eid: n for eid, n in rows.all()}


async def member_by_code(session: AsyncSession, code: str) -> Member | None:
    return await session.scalar(select(Member).where(Member.code == code))


async def department_by_code(session: AsyncSession, code: str) -> Department | None:
    return await session.scalar(select(Department).where(Department.code == code))


async def enterprise_by_credit_code(session: AsyncSession, credit_code: str) -> Enterprise | None:
    return await session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code))
