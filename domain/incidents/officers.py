"""Officer selectors resolved against the organisation (POLICY.md "Officer selectors").

- ``{"role": R, "scope": "GRID" | "LARGE_GRID" | "PARK" | "DISTRICT"}``: an active
  member holding R on the incident's own grid, or on its nearest area of that kind;
- ``{"role": "DEPARTMENT_RESPONDER"}``: the decided department's responder (应哨责任人)
  — its ``responder_id`` if active, else its active members holding that role;
- ``{"member": CODE}``: that member, if active.

The decision's ``officer`` is tried first, then ``otherwise`` in order, then the
park's ``PARK_RESPONDER``. Among several who qualify for one selector, the one with
the fewest open incidents wins (``members.open_incidents``, kept by the database),
then the lowest member code. All candidates of
every selector are ranked by one SQL statement — unless the place was loaded with its
role holders (``Place.holders``, the report path on PostgreSQL) and the selectors it
needs are all role-at-area ones: then they are answered from those holders, ranked by
the same rule in the same database read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from domain.direct import Direct, column_keys, detached
from domain.enums import AreaKind, MemberRole
from domain.incidents.facts import Place
from domain.org.models import Department, Member, MemberRoleAssignment

SCOPES: dict[str, AreaKind] = {
    "GRID": AreaKind.SMALL_GRID,
    "LARGE_GRID": AreaKind.LARGE_GRID,
    "PARK": AreaKind.PARK,
    "DISTRICT": AreaKind.DISTRICT,
}
PARK_RESPONDER: dict[str, str] = {"role": MemberRole.PARK_RESPONDER.value, "scope": "PARK"}
_MEMBER_KEYS = column_keys(Member)


@dataclass(frozen=True, slots=True)
class Assignment:
    """Who was found, by which selector (index into the tried list), or nobody."""

    member_id: int | None
    member_code: str | None
    selector_index: int | None
    selectors: tuple[dict[str, Any], ...]
    member: Member | None = None

    @property
    def found(self) -> bool:
        return self.member_id is not None

    def note(self) -> str:
        if self.member_id is None:
            return "未找到责任人，转人工派单"
        sel = self.selectors[self.selector_index or 0]
        return f"选定责任人 {self.member_code}（候选规则 {self.selector_index}：{describe(sel)}）"


def describe(selector: dict[str, Any]) -> str:
    if "member" in selector:
        return f"指定人员 {selector['member']}"
    role, scope = selector.get("role"), selector.get("scope")
    return f"{role}@{scope}" if scope else str(role)


def selectors_of(outputs: dict[str, Any] | None) -> tuple[dict[str, Any], ...]:
    """``officer``, then ``otherwise``, then the park's PARK_RESPONDER (deduplicated)."""
    outputs = outputs or {}
    tried: list[dict[str, Any]] = []
    first = outputs.get("officer")
    if isinstance(first, dict):
        tried.append(first)
    for s in outputs.get("otherwise") or []:
        if isinstance(s, dict):
            tried.append(s)
    if PARK_RESPONDER not in tried:
        tried.append(PARK_RESPONDER)
    return tuple(tried)


def _scope_area(place: Place, scope: str | None) -> int | None:
    if scope in (None, "GRID"):
        return place.grid.id
    kind = SCOPES.get(scope)
    area = place.of_kind(kind) if kind else None
    return area.id if area is not None else None


# A selector is resolved by a statement of one of four shapes; a decision's list of
# selectors is one UNION ALL of them. Statements are built once per list of shapes
# (bind parameters carry the codes, roles and areas).
_MEMBER, _ROLE_AT, _NAMED_RESPONDER, _RESPONDERS = "member", "role", "named", "responders"


def _shape_and_params(
    i: int, selector: dict[str, Any], place: Place, department: Department | None
) -> tuple[str, dict[str, Any]] | None:
    if "member" in selector:
        return _MEMBER, {f"sel{i}_code": str(selector["member"])}
    role = selector.get("role")
    if role == MemberRole.DEPARTMENT_RESPONDER.value:
        if department is None:
            return None
        if department.responder_id is not None:
            return _NAMED_RESPONDER, {f"sel{i}_named": department.responder_id, f"sel{i}_dept": department.id}
        return _RESPONDERS, {f"sel{i}_dept": department.id}
    try:
        member_role = MemberRole(role)
    except ValueError:
        return None
    area_id = _scope_area(place, selector.get("scope"))
    if area_id is None:
        return None
    return _ROLE_AT, {f"sel{i}_role": member_role, f"sel{i}_area": area_id}


def _part(i: int, shape: str) -> Any:
    cols = (literal(i).label("rank"), Member.id.label("id"))
    active = Member.active.is_(True)
    if shape == _MEMBER:
        return select(*cols).where(Member.code == bindparam(f"sel{i}_code"), active)
    if shape == _ROLE_AT:
        return (
            select(*cols)
            .join(MemberRoleAssignment, MemberRoleAssignment.member_id == Member.id)
            .where(MemberRoleAssignment.role == bindparam(f"sel{i}_role"), Member.area_id == bindparam(f"sel{i}_area"), active)
        )
    holds = select(MemberRoleAssignment.member_id).where(
        MemberRoleAssignment.member_id == Member.id,
        MemberRoleAssignment.role == MemberRole.DEPARTMENT_RESPONDER,
    )
    if shape == _RESPONDERS:
        return select(*cols).where(active, Member.department_id == bindparam(f"sel{i}_dept"), holds.exists())
    # The named responder if active; otherwise the department's other responders.
    named = bindparam(f"sel{i}_named")
    named_active = select(Member.id).where(Member.id == named, Member.active.is_(True))
    return select(*cols).where(
        active,
        or_(
            Member.id == named,
            and_(Member.department_id == bindparam(f"sel{i}_dept"), holds.exists(), ~named_active.exists()),
        ),
    )


def _from_holders(
    selectors: tuple[dict[str, Any], ...], place: Place, department: Department | None
) -> Assignment | None:
    """The answer from ``place.holders``, or ``None`` when a selector tried before one is
    found needs the database (a member code, a department's responders)."""
    holders = place.holders
    if holders is None:
        return None
    for i, selector in enumerate(selectors):
        found = _shape_and_params(i, selector, place, department)
        if found is None:
            continue  # names nobody here: the statement would skip it too
        shape, params = found
        if shape != _ROLE_AT:
            return None
        member = holders.get((params[f"sel{i}_area"], params[f"sel{i}_role"]))
        if member is not None:
            return Assignment(member.id, member.code, i, selectors, member)
    return Assignment(None, None, None, selectors)


@lru_cache(maxsize=256)
def _statement(shapes: tuple[tuple[int, str], ...], exclude: bool) -> Direct:
    u = union_all(*(_part(i, shape) for i, shape in shapes)).subquery("candidates")
    stmt = select(u.c.rank, Member).join(Member, Member.id == u.c.id)
    if exclude:
        stmt = stmt.where(u.c.id != bindparam("exclude_member_id"))
    # ``open_incidents``: kept by the database (migration 0002), not counted per report.
    return Direct(stmt.order_by(u.c.rank, Member.open_incidents, Member.code).limit(1))


async def assign(
    session: AsyncSession,
    outputs: dict[str, Any] | None,
    *,
    place: Place,
    department: Department | None,
    exclude_member_id: int | None = None,
) -> Assignment:
    """Resolve the officer-assignment decision to one member, or nobody (one statement at
    most; none when ``place.holders`` answers it).

    ``exclude_member_id``: a member who may not be chosen (being re-assigned away).
    """
    selectors = selectors_of(outputs)
    if exclude_member_id is None and (known := _from_holders(selectors, place, department)) is not None:
        return known
    shapes: list[tuple[int, str]] = []
    params: dict[str, Any] = {}
    for i, selector in enumerate(selectors):
        found = _shape_and_params(i, selector, place, department)
        if found is not None:
            shapes.append((i, found[0]))
            params.update(found[1])
    if not shapes:
        return Assignment(None, None, None, selectors)
    if exclude_member_id is not None:
        params["exclude_member_id"] = exclude_member_id
    rows = await _statement(tuple(shapes), exclude_member_id is not None).rows(session, params)
    if not rows:
        return Assignment(None, None, None, selectors)
    member = detached(Member, _MEMBER_KEYS, rows[0][1:])
    return Assignment(member.id, member.code, int(rows[0][0]), selectors, member)
