"""Who may see one organisation object (for ``node``/``nodes``): the per-object twin of the
scope filters in ``domain.org.repository``'s list queries. Related rows come through the
request's loaders, so a page of ``nodes`` costs a fixed number of statements."""

from __future__ import annotations

from api.context import Info
from domain.org.models import Area, Department, Enterprise, Member, Project
from domain.scope import Scope


def area(info: Info, scope: Scope, m: Area) -> bool:
    return scope.sees_area(m.path)


async def _area_path(info: Info, area_id: int | None) -> str | None:
    if area_id is None:
        return None
    a = await info.context.loaders.area.load(area_id)
    return a.path if a is not None else None


async def department(info: Info, scope: Scope, m: Department) -> bool:
    if scope.sees_all or m.park_id is None or scope.department_id == m.id:
        return True
    return scope.sees_area(await _area_path(info, m.park_id))


async def member(info: Info, scope: Scope, m: Member) -> bool:
    if scope.sees_all or scope.member_id == m.id:
        return True
    if m.area_id is not None:
        return scope.covers_path(await _area_path(info, m.area_id))
    if m.department_id is not None and scope.department_id == m.department_id:
        return True
    d = await info.context.loaders.department.load(m.department_id) if m.department_id else None
    if d is not None and d.park_id is None and scope.whole_district:
        return True
    return d is not None and d.park_id is not None and scope.covers_path(await _area_path(info, d.park_id))


async def enterprise(info: Info, scope: Scope, m: Enterprise) -> bool:
    if scope.sees_all or scope.enterprise_id == m.id:
        return True
    return scope.covers_path(await _area_path(info, m.grid_id))


async def project(info: Info, scope: Scope, m: Project) -> bool:
    if scope.sees_all or scope.enterprise_id == m.enterprise_id:
        return True
    return scope.covers_path(await _area_path(info, m.grid_id))
