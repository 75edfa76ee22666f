"""The staffing model "1+1+N" (SPEC §1): where each role belongs and how many a place needs.

The numbers are configuration (``Settings.staffing_model``: role → ``(min, max)``,
``max`` -1 = unbounded), never code. A rule's maximum caps the active members
holding that role at one place (an area or a department) — one grid leader per
grid; its minimum is what a small grid must have to be compliant. Roles that do
not belong on a small grid may be configured too: they are then capped where
they belong (e.g. ``PARK_SECRETARY: (1, 1)`` caps secretaries per park) and left
out of small-grid compliance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import LABELS, AreaKind, MemberRole, StaffingGapKind
from domain.org.models import Area, Member, MemberRoleAssignment
from domain.scope import Scope
from domain.settings import get_settings

# Where each role belongs (SPEC §1).
SMALL_GRID_ROLES = frozenset(
    {
        MemberRole.GRID_LEADER,
        MemberRole.AGENCY_STAFF,
        MemberRole.FULL_TIME_WORKER,
        MemberRole.PART_TIME_WORKER,
    }
)
PARK_ROLES = frozenset({MemberRole.PARK_SECRETARY, MemberRole.PARK_RESPONDER})
DEPARTMENT_ROLES = frozenset({MemberRole.DEPARTMENT_RESPONDER})


@dataclass(frozen=True, slots=True)
class RoleRule:
    role: MemberRole
    minimum: int
    maximum: int | None  # None: no upper bound


def rules(model: Mapping[str, Sequence[int]] | None = None) -> list[RoleRule]:
    """The configured model, in role order; unknown role names are a configuration error."""
    model = get_settings().staffing_model if model is None else model
    out: list[RoleRule] = []
    for name, bounds in model.items():
        lo, hi = int(bounds[0]), int(bounds[1])
        out.append(RoleRule(MemberRole(name), lo, None if hi < 0 else hi))
    order = list(MemberRole)
    return sorted(out, key=lambda r: order.index(r.role))


def grid_rules(model: Mapping[str, Sequence[int]] | None = None) -> list[RoleRule]:
    return [r for r in rules(model) if r.role in SMALL_GRID_ROLES]


def maximum(role: MemberRole, model: Mapping[str, Sequence[int]] | None = None) -> int | None:
    return next((r.maximum for r in rules(model) if r.role == role), None)


def placement_error(
    role: MemberRole,
    *,
    area: Area | None,
    on_department: bool,
    enterprise_grid_id: int | None,
) -> str | None:
    """Why ``role`` cannot be held by a member placed like this, or ``None``."""
    name = LABELS[role.value]
    if role in SMALL_GRID_ROLES:
        if area is None or area.kind != AreaKind.SMALL_GRID:
            return f"“{name}”只能由小网格（网格片区）的成员担任"
        if role == MemberRole.PART_TIME_WORKER and enterprise_grid_id != area.id:
            return f"“{name}”须关联本网格内的企业（请指定所在网格的企业）"
    elif role in PARK_ROLES:
        if area is None or area.kind != AreaKind.PARK:
            return f"“{name}”只能由产业园区的成员担任"
    elif role in DEPARTMENT_ROLES and not on_department:
        return f"“{name}”只能由部门的成员担任"
    return None


# --- compliance ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoleCount:
    rule: RoleRule
    actual: int

    @property
    def gap(self) -> StaffingGap | None:
        r = self.rule
        if self.actual < r.minimum:
            return StaffingGap(r.role, StaffingGapKind.MISSING, r.minimum, self.actual)
        if r.maximum is not None and self.actual > r.maximum:
            return StaffingGap(r.role, StaffingGapKind.OVER, r.maximum, self.actual)
        return None


@dataclass(frozen=True, slots=True)
class StaffingGap:
    """``required`` is the minimum for a missing role, the maximum for one over."""

    role: MemberRole
    kind: StaffingGapKind
    required: int
    actual: int

    @property
    def message(self) -> str:
        name = LABELS[self.role.value]
        if self.kind == StaffingGapKind.MISSING:
            return f"缺{name}{self.required - self.actual}名：至少{self.required}名，现有{self.actual}名"
        return f"{name}超编{self.actual - self.required}名：最多{self.required}名，现有{self.actual}名"


@dataclass(frozen=True, slots=True)
class GridStaffing:
    grid: Area
    roles: list[RoleCount] = field(default_factory=list)

    @property
    def gaps(self) -> list[StaffingGap]:
        return [g for g in (rc.gap for rc in self.roles) if g is not None]

    @property
    def compliant(self) -> bool:
        return not self.gaps


def evaluate(
    grid: Area, counts: Mapping[MemberRole, int], model: Mapping[str, Sequence[int]] | None = None
) -> GridStaffing:
    return GridStaffing(grid, [RoleCount(r, counts.get(r.role, 0)) for r in grid_rules(model)])


async def role_counts(session: AsyncSession, area_ids: Sequence[int]) -> dict[int, dict[MemberRole, int]]:
    """Active members per role at each area (one statement)."""
    if not area_ids:
        return {}
    rows = await session.execute(
        select(Member.area_id, MemberRoleAssignment.role, func.count())
        .join(MemberRoleAssignment, MemberRoleAssignment.member_id == Member.id)
        .where(Member.area_id.in_(area_ids), Member.active.is_(True))
        .group_by(Member.area_id, MemberRoleAssignment.role)
    )
    out: dict[int, dict[MemberRole, int]] = {}
    for area_id, role, n in rows.all():
        out.setdefault(area_id, {})[role] = n
    return out


async def compliance(session: AsyncSession, *, area: Area, scope: Scope | None = None) -> list[GridStaffing]:
    """Every small grid in ``area``'s subtree (and in ``scope``'s data scope) against the
    model, in two statements."""
    stmt = select(Area).where(Area.kind == AreaKind.SMALL_GRID, Area.path.like(f"{area.path}%"))
    if scope is not None:
        stmt = stmt.where(scope.area_clause(Area.path))
    grids = list(await session.scalars(stmt.order_by(Area.path, Area.id)))
    counts = await role_counts(session, [g.id for g in grids])
    return [evaluate(g, counts.get(g.id, {})) for g in grids]
