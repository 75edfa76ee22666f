"""Use cases of the organisation: areas and departments here; members in
``domain.org.members``, enterprises and projects in ``domain.org.enterprises`` (all
re-exported here, so ``domain.org.service`` is the one façade). Every function takes
the caller's session (one transaction, owned by the caller) and keyword-only
arguments, checks the caller's ``Scope``, raises ``DomainError`` for anything
the person at the screen can fix, and flushes — never commits. Update functions
take ``KEEP`` for what the caller did not give; ``None`` clears.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import Base
from domain.enums import AreaKind, DepartmentLevel, PartyOrgKind
from domain.errors import DomainError
from domain.org.enterprises import (  # noqa: F401 — one façade for the organisation's use cases
    create_enterprise,
    create_project,
    update_enterprise,
    update_project,
)
from domain.org.members import (  # noqa: F401
    add_member,
    deactivate_member,
    move_member,
    on_member_unavailable,
    set_department_responder,
    set_member_duties,
    set_member_roles,
    update_member,
)
from domain.org import history
from domain.org.models import Area, Department, Enterprise, Member, MemberRoleAssignment
from domain.org.validation import (
    KEEP,
    Problems,
    department_path,
    fetch,
    guard,
    label,
)
from domain.scope import Scope

# --- areas ---------------------------------------------------------------------------

# Which kind may sit under which (SPEC §1): a park may hold small grids directly.
ALLOWED_PARENTS: dict[AreaKind, tuple[AreaKind, ...]] = {
    AreaKind.DISTRICT: (),
    AreaKind.PARK: (AreaKind.DISTRICT,),
    AreaKind.LARGE_GRID: (AreaKind.PARK,),
    AreaKind.SMALL_GRID: (AreaKind.PARK, AreaKind.LARGE_GRID),
}

# Tables holding a copy of an area's path whose rows are not history: moving an area
# rewrites them. The outbox is history (partners already received those events).
_PATH_COPY_EXCLUDED = frozenset({"outbox_events"})


def nesting_error(kind: AreaKind, parent_kind: AreaKind | None) -> str | None:
    allowed = ALLOWED_PARENTS[kind]
    if parent_kind is None:
        if allowed:
            return f"{label(kind)}必须有上级区域（{'或'.join(label(k) for k in allowed)}）"
        return None
    if not allowed:
        return f"{label(kind)}是最上级区域，不能有上级区域"
    if parent_kind not in allowed:
        return f"{label(kind)}不能设在{label(parent_kind)}之下，上级只能是{'或'.join(label(k) for k in allowed)}"
    return None


def _boundary_problem(boundary: Any) -> str | None:
    if boundary is None:
        return None
    if not isinstance(boundary, dict) or boundary.get("type") not in ("Polygon", "MultiPolygon"):
        return "边界须为 GeoJSON Polygon 或 MultiPolygon 对象"
    if not isinstance(boundary.get("coordinates"), list) or not boundary["coordinates"]:
        return "边界缺少坐标（coordinates）"
    return None


async def _check_area_code(session: AsyncSession, code: str, *, own_id: int | None = None) -> None:
    other = await session.scalar(select(Area.id).where(Area.code == code))
    if other is not None and other != own_id:
        raise DomainError("DUPLICATE", f"区域编码“{code}”已被使用", "code")


async def _parent(session: AsyncSession, scope: Scope, parent_id: int | None) -> Area | None:
    if parent_id is None:
        return None
    parent = await fetch(session, Area, parent_id, what="上级区域", field="parentId")
    guard(scope, parent.path, what="上级区域", field="parentId", area_itself=True)
    return parent


def _area_fields(p: Problems, fields: dict[str, Any]) -> dict[str, Any]:
    """Normalises and checks the descriptive fields present in ``fields``."""
    checks = {
        "center_name": lambda v: p.optional_text(v, "serviceCenter.name", "服务管理中心名称", max_len=100),
        "center_address": lambda v: p.optional_text(v, "serviceCenter.address", "服务管理中心地址", max_len=200),
        "center_phone": lambda v: p.service_phone(v, "serviceCenter.phone"),
        "party_org_name": lambda v: p.optional_text(v, "partyOrganization.name", "党组织名称", max_len=100),
        "party_secretary": lambda v: p.optional_text(v, "partyOrganization.secretary", "党组织书记", max_len=50),
        "brand": lambda v: p.optional_text(v, "brand", "特色品牌", max_len=100),
        "park_type": lambda v: p.optional_text(v, "parkType", "园区类型", max_len=50),
    }
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if value is KEEP:
            continue
        out[key] = checks[key](value) if key in checks else value
    if "boundary" in out and (problem := _boundary_problem(out["boundary"])):
        p.add("boundary", problem)
    if out.get("party_org_kind") is not None and not out.get("party_org_name", True):
        p.add("partyOrganization.name", "填写党组织类型时须填写党组织名称")
    return out


async def create_area(
    session: AsyncSession,
    *,
    scope: Scope,
    code: str,
    name: str,
    kind: AreaKind,
    parent_id: int | None = None,
    center_name: str | None = None,
    center_address: str | None = None,
    center_phone: str | None = None,
    party_org_name: str | None = None,
    party_org_kind: PartyOrgKind | None = None,
    party_secretary: str | None = None,
    brand: str | None = None,
    boundary: dict[str, Any] | None = None,
    park_type: str | None = None,
) -> Area:
    p = Problems()
    code = p.code(code)
    name = p.text(name, "name", "名称", max_len=100)
    extra = _area_fields(
        p,
        dict(
            center_name=center_name, center_address=center_address, center_phone=center_phone,
            party_org_name=party_org_name, party_org_kind=party_org_kind, party_secretary=party_secretary,
            brand=brand, boundary=boundary, park_type=park_type,
        ),
    )
    p.check()
    parent = await _parent(session, scope, parent_id)
    if parent is None:
        guard(scope, None, what="上级区域", field="parentId")  # a new root: the district's own
    if problem := nesting_error(kind, parent.kind if parent else None):
        raise DomainError("INVALID", problem, "parentId" if parent or kind != AreaKind.DISTRICT else "kind")
    await _check_area_code(session, code)
    area = Area(
        code=code, name=name, kind=kind, parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0, path="", **extra,
    )
    session.add(area)
    await session.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    await session.flush()
    await history.record(session, scope, "area.create", area)
    return area


async def update_area(
    session: AsyncSession,
    *,
    scope: Scope,
    area_id: int,
    code: Any = KEEP,
    name: Any = KEEP,
    kind: Any = KEEP,
    parent_id: Any = KEEP,
    **fields: Any,
) -> Area:
    """Changes an area; a new ``parent_id`` moves it with its whole subtree.

    ``fields`` are the descriptive columns of ``create_area`` (``brand``, ``center_name`` …).
    """
    area = await fetch(session, Area, area_id, what="区域", field="id", lock=True)
    guard(scope, area.path, what="区域", field="id", area_itself=True)
    before = history.state(area)
    p = Problems()
    if code is not KEEP:
        code = p.code(code or "")
    if name is not KEEP:
        name = p.text(name or "", "name", "名称", max_len=100)
    if kind is None:
        p.add("kind", "层级不能为空")
    extra = _area_fields(p, fields)
    p.check()

    if code is not KEEP and code != area.code:
        await _check_area_code(session, code, own_id=area.id)
        area.code = code
    if name is not KEEP:
        area.name = name
    new_kind: AreaKind = area.kind if kind is KEEP else kind
    parent: Area | None
    moving = parent_id is not KEEP and parent_id != area.parent_id
    if moving:
        parent = await _parent(session, scope, parent_id)
        if parent is not None and parent.path.startswith(area.path):
            raise DomainError("INVALID", "不能把区域移到它自己或它的下级区域之下", "parentId")
        if parent is None:
            guard(scope, None, what="上级区域", field="parentId")
    else:
        parent = await session.get(Area, area.parent_id) if area.parent_id is not None else None
    if new_kind != area.kind or moving:
        if problem := nesting_error(new_kind, parent.kind if parent else None):
            raise DomainError("INVALID", problem, "parentId" if moving else "kind")
    if new_kind != area.kind:
        await _check_children_fit(session, area, new_kind)
        await _check_kind_change_keeps_members(session, area)
        area.kind = new_kind
    if moving:
        await _move_subtree(session, area, parent)
    for key, value in extra.items():
        setattr(area, key, value)
    await session.flush()
    await history.record(session, scope, "area.update", area, before=before)
    return area


async def _check_children_fit(session: AsyncSession, area: Area, new_kind: AreaKind) -> None:
    kinds = set(await session.scalars(select(Area.kind).where(Area.parent_id == area.id).distinct()))
    for child_kind in sorted(kinds):
        if problem := nesting_error(child_kind, new_kind):
            raise DomainError("INVALID", f"不能改为{label(new_kind)}：其下级{problem}", "kind")


async def _check_kind_change_keeps_members(session: AsyncSession, area: Area) -> None:
    """Roles belong to a kind of area: an area whose active members hold roles keeps its kind."""
    held = await session.scalar(
        select(func.count())
        .select_from(Member)
        .join(MemberRoleAssignment, MemberRoleAssignment.member_id == Member.id)
        .where(Member.area_id == area.id, Member.active.is_(True))
    )
    enterprises = await session.scalar(select(func.count()).where(Enterprise.grid_id == area.id))
    if held or enterprises:
        raise DomainError(
            "INVALID", f"该区域已有在岗人员或企业，不能修改层级（现为{label(area.kind)}）", "kind"
        )


def path_copy_tables() -> list[Any]:
    """Every table with an ``area_path`` copy, except history (``_PATH_COPY_EXCLUDED``)."""
    import domain.models  # noqa: F401 — the whole metadata, whoever imported what

    return [
        t
        for t in Base.metadata.sorted_tables
        if "area_path" in t.c and t.name not in _PATH_COPY_EXCLUDED
    ]


async def _move_subtree(session: AsyncSession, area: Area, parent: Area | None) -> None:
    """Re-roots ``area``: the materialised path and depth of its whole subtree, and every
    ``area_path`` copy under it (incidents, orders, field records), in a few statements."""
    await session.flush()
    old = area.path
    new = f"{parent.path if parent else '/'}{area.id}/"
    delta = (parent.depth + 1 if parent else 0) - area.depth

    def rebased(column: Any) -> Any:
        return literal(new, String) + func.substr(column, len(old) + 1, type_=String)

    await session.execute(
        update(Area)
        .where(Area.path.like(f"{old}%"))
        .values(path=rebased(Area.path), depth=Area.depth + delta)
        .execution_options(synchronize_session=False)
    )
    for table in path_copy_tables():
        await session.execute(
            update(table)
            .where(table.c.area_path.like(f"{old}%"))
            .values(area_path=rebased(table.c.area_path))
        )
    # Rows of the subtree already in this session now hold stale paths.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Area) and obj is not area and obj.path.startswith(old):
            session.expire(obj)
    area.parent_id = parent.id if parent else None
    area.path = new
    area.depth += delta


# --- departments ---------------------------------------------------------------------

RESERVED_DEPARTMENT_CODES = frozenset({"GRID_CENTER"})


async def _department_park(
    session: AsyncSession, scope: Scope, level: DepartmentLevel, park_id: int | None
) -> Area | None:
    if level == DepartmentLevel.DISTRICT_DEPARTMENT:
        if park_id is not None:
            raise DomainError("INVALID", "区职能部门不属于任何园区，请不要指定园区", "parkId")
        guard(scope, None, what="部门", field="level")
        return None
    if park_id is None:
        raise DomainError("INVALID", "园区科室须指定所属园区", "parkId")
    park = await fetch(session, Area, park_id, what="园区", field="parkId")
    guard(scope, park.path, what="园区", field="parkId")
    if park.kind != AreaKind.PARK:
        raise DomainError("INVALID", f"园区科室只能属于产业园区，“{park.name}”是{label(park.kind)}", "parkId")
    return park


async def _check_department_code(session: AsyncSession, code: str, *, own_id: int | None = None) -> None:
    if code.upper() in RESERVED_DEPARTMENT_CODES:
        raise DomainError("INVALID", f"“{code}”是规则中的保留代码（指事件所在园区的网格服务管理中心），不能用作部门编码", "code")
    other = await session.scalar(select(Department.id).where(Department.code == code))
    if other is not None and other != own_id:
        raise DomainError("DUPLICATE", f"部门编码“{code}”已被使用", "code")


async def create_department(
    session: AsyncSession,
    *,
    scope: Scope,
    code: str,
    name: str,
    level: DepartmentLevel,
    park_id: int | None = None,
    has_platform_account: bool = False,
) -> Department:
    p = Problems()
    code = p.code(code)
    name = p.text(name, "name", "名称", max_len=100)
    p.check()
    await _department_park(session, scope, level, park_id)
    await _check_department_code(session, code)
    department = Department(
        code=code, name=name, level=level, park_id=park_id, has_platform_account=has_platform_account
    )
    session.add(department)
    await session.flush()
    await history.record(session, scope, "department.create", department)
    return department


async def update_department(
    session: AsyncSession,
    *,
    scope: Scope,
    department_id: int,
    code: Any = KEEP,
    name: Any = KEEP,
    level: Any = KEEP,
    park_id: Any = KEEP,
    has_platform_account: Any = KEEP,
) -> Department:
    department = await fetch(session, Department, department_id, what="部门", field="id", lock=True)
    guard(scope, await department_path(session, department), what="部门", field="id")
    before = history.state(department)
    p = Problems()
    if code is not KEEP:
        code = p.code(code or "")
    if name is not KEEP:
        name = p.text(name or "", "name", "名称", max_len=100)
    if level is None:
        p.add("level", "部门层级不能为空")
    if has_platform_account is None:
        p.add("hasPlatformAccount", "是否开通平台账号不能为空")
    p.check()
    new_level = department.level if level is KEEP else level
    new_park = department.park_id if park_id is KEEP else park_id
    if new_level == DepartmentLevel.DISTRICT_DEPARTMENT and park_id is KEEP and level is not KEEP:
        new_park = None  # becoming a district department leaves the park
    if new_level != department.level or new_park != department.park_id:
        await _department_park(session, scope, new_level, new_park)
        department.level, department.park_id = new_level, new_park
    if code is not KEEP and code != department.code:
        await _check_department_code(session, code, own_id=department.id)
        department.code = code
    if name is not KEEP:
        department.name = name
    if has_platform_account is not KEEP:
        department.has_platform_account = has_platform_account
    await session.flush()
    await history.record(session, scope, "department.update", department, before=before)
    return department
