"""Use cases of the grid force (网格力量): add, change, move, deactivate members; roles,
duties, department responders.

A member belongs to exactly one place — an area, or (responders) a department —
and each role only where it belongs (``staffing.placement_error``); the staffing
model's maximum caps the active holders of a role at one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import DepartmentLevel, DutyTag, MemberRole
from domain.errors import DomainError, DomainErrors
from domain.org import history, staffing
from domain.org.models import Area, Department, Enterprise, Member, MemberDuty, MemberRoleAssignment
from domain.org.validation import (
    KEEP,
    Problems,
    area_path,
    department_path,
    fetch,
    guard,
    label,
)
from domain.personal_data import encrypt, lookup_hash
from domain.scope import Scope

UnavailableReason = Literal["DEACTIVATED", "MOVED"]
MemberUnavailableHook = Callable[..., Awaitable[None]]

on_member_unavailable: list[MemberUnavailableHook] = []
"""Called inside the member's transaction, in order, when a member stops being
available where they were: deactivated (``reason="DEACTIVATED"``) or moved to
another area or department (``reason="MOVED"``; ``member`` already shows the new
place, ``previous_area_id`` / ``previous_department_id`` the old one).

Signature: ``async def hook(session, member, *, reason, previous_area_id,
previous_department_id, note) -> None``. The incidents package registers the
re-assignment of the member's open incidents by the officer policy here (SPEC §2:
re-assigned or queued, never orphaned); a hook may raise ``DomainError`` to refuse.
"""


async def _member_unavailable(
    session: AsyncSession,
    member: Member,
    *,
    reason: UnavailableReason,
    previous_area_id: int | None,
    previous_department_id: int | None,
    note: str | None = None,
) -> None:
    await session.flush()
    for hook in list(on_member_unavailable):
        await hook(
            session,
            member,
            reason=reason,
            previous_area_id=previous_area_id,
            previous_department_id=previous_department_id,
            note=note,
        )


# --- places --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    area: Area | None
    department: Department | None
    enterprise: Enterprise | None

    @property
    def name(self) -> str:
        return self.area.name if self.area else self.department.name if self.department else ""

    def same_as(self, member: Member) -> bool:
        return (self.area.id if self.area else None) == member.area_id and (
            self.department.id if self.department else None
        ) == member.department_id


async def _place(
    session: AsyncSession,
    scope: Scope,
    *,
    area_id: int | None,
    department_id: int | None,
    enterprise_id: int | None,
) -> Place:
    if area_id is not None and department_id is not None:
        raise DomainError("INVALID", "成员只能属于一个区域或一个部门，不能同时属于两者", "departmentId")
    if area_id is None and department_id is None:
        raise DomainError("INVALID", "请指定成员所属的区域或部门", "areaId")
    area = department = enterprise = None
    if area_id is not None:
        area = await fetch(session, Area, area_id, what="区域", field="areaId")
        guard(scope, area.path, what="区域", field="areaId")
    else:
        department = await fetch(session, Department, department_id, what="部门", field="departmentId")
        guard(scope, await department_path(session, department), what="部门", field="departmentId")
    if enterprise_id is not None:
        enterprise = await fetch(session, Enterprise, enterprise_id, what="企业", field="enterpriseId")
        grid = await session.get(Area, enterprise.grid_id)
        guard(scope, grid.path if grid else "", what="企业", field="enterpriseId")
        if area is None:
            raise DomainError("INVALID", "部门的成员不能关联企业", "enterpriseId")
        if grid is None or not grid.path.startswith(area.path):
            raise DomainError("INVALID", f"企业“{enterprise.name}”不在“{area.name}”范围内", "enterpriseId")
    return Place(area, department, enterprise)


def _role_problems(place: Place, roles: Sequence[MemberRole]) -> list[DomainError]:
    if not roles:
        return [DomainError("INVALID", "成员至少需要一个角色", "roles")]
    return [
        DomainError("INVALID", message, "roles")
        for role in roles
        if (
            message := staffing.placement_error(
                role,
                area=place.area,
                on_department=place.department is not None,
                enterprise_grid_id=place.enterprise.grid_id if place.enterprise else None,
            )
        )
    ]


def _check_roles(place: Place, roles: Sequence[MemberRole]) -> None:
    if problems := _role_problems(place, roles):
        raise DomainErrors(problems)


async def _check_capacity(
    session: AsyncSession, place: Place, roles: Iterable[MemberRole], *, member_id: int | None
) -> None:
    """No more active holders of a role at one place than the staffing model allows."""
    capped = [(r, cap) for r in roles if (cap := staffing.maximum(r)) is not None]
    if not capped:
        return
    # Lock the place so two concurrent appointments cannot both take the last seat.
    if place.area is not None:
        await session.execute(select(Area.id).where(Area.id == place.area.id).with_for_update())
        at = Member.area_id == place.area.id
    else:
        assert place.department is not None
        await session.execute(
            select(Department.id).where(Department.id == place.department.id).with_for_update()
        )
        at = Member.department_id == place.department.id
    for role, cap in capped:
        stmt = (
            select(Member.name)
            .join(MemberRoleAssignment, MemberRoleAssignment.member_id == Member.id)
            .where(at, Member.active.is_(True), MemberRoleAssignment.role == role)
            .order_by(Member.code)
        )
        if member_id is not None:
            stmt = stmt.where(Member.id != member_id)
        holders = list(await session.scalars(stmt))
        if len(holders) >= cap:
            raise DomainError(
                "CONFLICT",
                f"“{place.name}”已有{label(role)}{len(holders)}名（{'、'.join(holders)}），"
                f"按配备标准最多{cap}名；请先调整现任人员的角色",
                "roles",
            )


# --- look-ups ------------------------------------------------------------------------


async def _member(session: AsyncSession, scope: Scope, member_id: int | None, *, field: str = "id") -> Member:
    member = await fetch(session, Member, member_id, what="成员", field=field, lock=True)
    if member.area_id is not None:
        path = await area_path(session, member.area_id)
    else:
        department = await session.get(Department, member.department_id)
        path = await department_path(session, department) if department else ""
    guard(scope, path, what="成员", field=field)
    return member


async def current_roles(session: AsyncSession, member_id: int) -> list[MemberRole]:
    rows = await session.scalars(
        select(MemberRoleAssignment.role).where(MemberRoleAssignment.member_id == member_id)
    )
    order = list(MemberRole)
    return sorted(rows, key=order.index)


async def current_duties(session: AsyncSession, member_id: int) -> list[DutyTag]:
    rows = await session.scalars(select(MemberDuty.duty).where(MemberDuty.member_id == member_id))
    order = list(DutyTag)
    return sorted(rows, key=order.index)


async def member_state(session: AsyncSession, member: Member) -> dict[str, Any]:
    """A member as the audit log keeps it: their columns (no phone), roles and duties."""
    return history.state(
        member, roles=await current_roles(session, member.id), duties=await current_duties(session, member.id)
    )


async def _check_code(session: AsyncSession, code: str, *, own_id: int | None = None) -> None:
    other = await session.scalar(select(Member).where(Member.code == code))
    if other is not None and other.id != own_id:
        raise DomainError("DUPLICATE", f"成员编码“{code}”已被使用（{other.name}）", "code")


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


async def _replace_roles(session: AsyncSession, member: Member, roles: Sequence[MemberRole]) -> None:
    await session.execute(delete(MemberRoleAssignment).where(MemberRoleAssignment.member_id == member.id))
    session.add_all(MemberRoleAssignment(member_id=member.id, role=r) for r in roles)
    await session.flush()


async def _release_responsibilities(session: AsyncSession, member: Member, roles: Sequence[MemberRole]) -> None:
    """A department's responder who no longer qualifies stops being it."""
    departments = await session.scalars(select(Department).where(Department.responder_id == member.id))
    for department in departments:
        if not _qualifies_as_responder(member, roles, department):
            department.responder_id = None


def _qualifies_as_responder(member: Member, roles: Sequence[MemberRole], department: Department) -> bool:
    """A member of the department holding ``DEPARTMENT_RESPONDER``, or — for a park office —
    a park responder (园区应哨责任人) of that park."""
    if not member.active:
        return False
    if member.department_id == department.id and MemberRole.DEPARTMENT_RESPONDER in roles:
        return True
    return (
        department.level == DepartmentLevel.PARK_OFFICE
        and member.area_id is not None
        and member.area_id == department.park_id
        and MemberRole.PARK_RESPONDER in roles
    )


def _apply_phone(member: Member, phone: str | None) -> None:
    member.phone_cipher = encrypt(phone) if phone else None
    member.phone_hash = lookup_hash(phone) if phone else None


# --- use cases -----------------------------------------------------------------------


async def add_member(
    session: AsyncSession,
    *,
    scope: Scope,
    code: str,
    name: str,
    area_id: int | None = None,
    department_id: int | None = None,
    enterprise_id: int | None = None,
    roles: Sequence[MemberRole] = (),
    duties: Sequence[DutyTag] = (),
    party_member: bool = False,
    phone: str | None = None,
    has_terminal: bool = False,
    on_duty_date: date | None = None,
) -> Member:
    p = Problems()
    code = p.code(code)
    name = p.text(name, "name", "姓名", max_len=50)
    phone = p.mobile(phone)
    roles, duties = _unique(roles), _unique(duties)
    place = await _place(session, scope, area_id=area_id, department_id=department_id, enterprise_id=enterprise_id)
    p.errors += _role_problems(place, roles)  # every input problem at once
    p.check()
    await _check_code(session, code)
    await _check_capacity(session, place, roles, member_id=None)
    member = Member(
        code=code,
        name=name,
        area_id=place.area.id if place.area else None,
        department_id=place.department.id if place.department else None,
        enterprise_id=place.enterprise.id if place.enterprise else None,
        party_member=party_member,
        has_terminal=has_terminal,
        on_duty_date=on_duty_date,
        active=True,
    )
    _apply_phone(member, phone)
    session.add(member)
    await session.flush()
    session.add_all(MemberRoleAssignment(member_id=member.id, role=r) for r in roles)
    session.add_all(MemberDuty(member_id=member.id, duty=d) for d in duties)
    await session.flush()
    await history.record(session, scope, "member.create", member, after=await member_state(session, member))
    return member


async def update_member(
    session: AsyncSession,
    *,
    scope: Scope,
    member_id: int,
    code: Any = KEEP,
    name: Any = KEEP,
    enterprise_id: Any = KEEP,
    party_member: Any = KEEP,
    phone: Any = KEEP,
    has_terminal: Any = KEEP,
    on_duty_date: Any = KEEP,
) -> Member:
    """Changes a member's own data; the place is changed by ``move_member``."""
    member = await _member(session, scope, member_id)
    before = await member_state(session, member)
    p = Problems()
    if code is not KEEP:
        code = p.code(code or "")
    if name is not KEEP:
        name = p.text(name or "", "name", "姓名", max_len=50)
    if phone is not KEEP:
        phone = p.mobile(phone)
    for field, value in (("partyMember", party_member), ("hasTerminal", has_terminal)):
        if value is None:
            p.add(field, "该项不能为空")
    p.check()
    if enterprise_id is not KEEP and enterprise_id != member.enterprise_id:
        place = await _place(
            session, scope, area_id=member.area_id, department_id=member.department_id, enterprise_id=enterprise_id
        )
        _check_roles(place, await current_roles(session, member.id))
        member.enterprise_id = enterprise_id
    if code is not KEEP and code != member.code:
        await _check_code(session, code, own_id=member.id)
        member.code = code
    if name is not KEEP:
        member.name = name
    if phone is not KEEP:
        _apply_phone(member, phone)
    if party_member is not KEEP:
        member.party_member = party_member
    if has_terminal is not KEEP:
        member.has_terminal = has_terminal
    if on_duty_date is not KEEP:
        member.on_duty_date = on_duty_date
    await session.flush()
    after = await member_state(session, member)
    if phone is not KEEP:
        after["phone_changed"] = True  # the number itself is never in the audit log
    await history.record(session, scope, "member.update", member, before=before, after=after)
    return member


async def move_member(
    session: AsyncSession,
    *,
    scope: Scope,
    member_id: int,
    area_id: int | None = None,
    department_id: int | None = None,
    enterprise_id: int | None = None,
    roles: Sequence[MemberRole] | None = None,
    note: str | None = None,
) -> Member:
    """Moves a member to another area or department, optionally with new roles (their
    roles must fit the new place). Their open work is handed to ``on_member_unavailable``."""
    member = await _member(session, scope, member_id)
    before = await member_state(session, member)
    place = await _place(session, scope, area_id=area_id, department_id=department_id, enterprise_id=enterprise_id)
    old_roles = await current_roles(session, member.id)
    new_roles = old_roles if roles is None else _unique(roles)
    _check_roles(place, new_roles)
    moved = not place.same_as(member)
    if member.active:
        gained = new_roles if moved else [r for r in new_roles if r not in old_roles]
        await _check_capacity(session, place, gained, member_id=member.id)
    previous_area_id, previous_department_id = member.area_id, member.department_id
    member.area_id = place.area.id if place.area else None
    member.department_id = place.department.id if place.department else None
    member.enterprise_id = place.enterprise.id if place.enterprise else None
    if new_roles != old_roles:
        await _replace_roles(session, member, new_roles)
    await _release_responsibilities(session, member, new_roles)
    if moved and member.active:
        await _member_unavailable(
            session, member, reason="MOVED", previous_area_id=previous_area_id,
            previous_department_id=previous_department_id, note=note,
        )
    await session.flush()
    await history.record(session, scope, "member.move", member, before=before, after=await member_state(session, member))
    return member


async def deactivate_member(
    session: AsyncSession, *, scope: Scope, member_id: int, note: str | None = None
) -> Member:
    """Takes a member out of service (kept for history and figures, never deleted)."""
    member = await _member(session, scope, member_id)
    if not member.active:
        raise DomainError("INVALID", f"成员“{member.name}”已停用", "id")
    before = await member_state(session, member)
    member.active = False
    await _release_responsibilities(session, member, await current_roles(session, member.id))
    await _member_unavailable(
        session, member, reason="DEACTIVATED", previous_area_id=member.area_id,
        previous_department_id=member.department_id, note=note,
    )
    await session.flush()
    await history.record(
        session, scope, "member.deactivate", member, before=before, after=await member_state(session, member)
    )
    return member


async def set_member_roles(
    session: AsyncSession, *, scope: Scope, member_id: int, roles: Sequence[MemberRole]
) -> Member:
    member = await _member(session, scope, member_id)
    before = await member_state(session, member)
    roles = _unique(roles)
    enterprise = await session.get(Enterprise, member.enterprise_id) if member.enterprise_id else None
    area = await session.get(Area, member.area_id) if member.area_id else None
    department = await session.get(Department, member.department_id) if member.department_id else None
    place = Place(area, department, enterprise)
    _check_roles(place, roles)
    old_roles = await current_roles(session, member.id)
    if member.active:
        await _check_capacity(session, place, [r for r in roles if r not in old_roles], member_id=member.id)
    await _replace_roles(session, member, roles)
    await _release_responsibilities(session, member, roles)
    await session.flush()
    await history.record(
        session, scope, "member.set_roles", member, before=before, after=await member_state(session, member)
    )
    return member


async def set_member_duties(
    session: AsyncSession, *, scope: Scope, member_id: int, duties: Sequence[DutyTag]
) -> Member:
    member = await _member(session, scope, member_id)
    before = await member_state(session, member)
    await session.execute(delete(MemberDuty).where(MemberDuty.member_id == member.id))
    session.add_all(MemberDuty(member_id=member.id, duty=d) for d in _unique(duties))
    await session.flush()
    await history.record(
        session, scope, "member.set_duties", member, before=before, after=await member_state(session, member)
    )
    return member


async def set_department_responder(
    session: AsyncSession, *, scope: Scope, department_id: int, member_id: int | None
) -> Department:
    """Sets (or, with ``None``, clears) a department's whistle responder (应哨责任人).

    The responder is an active member of the department — who is given the role
    ``DEPARTMENT_RESPONDER`` if they lack it — or, for a park office, an active park
    responder (园区应哨责任人) of its park.
    """
    department = await fetch(session, Department, department_id, what="部门", field="departmentId", lock=True)
    guard(scope, await department_path(session, department), what="部门", field="departmentId")
    before = history.state(department)
    if member_id is None:
        department.responder_id = None
        await session.flush()
        await history.record(session, scope, "department.set_responder", department, before=before)
        return department
    member = await _member(session, scope, member_id, field="memberId")
    if not member.active:
        raise DomainError("INVALID", f"成员“{member.name}”已停用，不能担任应哨责任人", "memberId")
    roles = await current_roles(session, member.id)
    if member.department_id == department.id and MemberRole.DEPARTMENT_RESPONDER not in roles:
        place = Place(None, department, None)
        await _check_capacity(session, place, [MemberRole.DEPARTMENT_RESPONDER], member_id=member.id)
        roles = [*roles, MemberRole.DEPARTMENT_RESPONDER]
        await _replace_roles(session, member, roles)
    if not _qualifies_as_responder(member, roles, department):
        raise DomainError(
            "INVALID",
            f"“{member.name}”不是“{department.name}”的成员，不能担任其应哨责任人"
            "（园区科室也可由本园区的园区应哨责任人担任）",
            "memberId",
        )
    department.responder_id = member.id
    await session.flush()
    await history.record(session, scope, "department.set_responder", department, before=before)
    return department
