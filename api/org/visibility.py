"""Who may see one organisation object: the per-object twin of the scope filters in
``domain.org.repository``'s list queries, for ``node``/``nodes`` (registered in
``api.schema``) and for every nested reference (``shown``): ``department.responder``,
``member.enterprise``, ``project.enterprise`` … answer ``null`` exactly when ``node`` of
that object would. Related rows come through the request's loaders, so a page of
objects costs a fixed number of statements."""

from __future__ import annotations

from typing import TypeVar

from api.context import Info
from domain.org.models import Area, Department, Enterprise, Member, Project
from domain.org.repository import sees_departments
from domain.scope import Scope

M = TypeVar("M")


async def shown(info: Info, model: M | None) -> M | None:
    """``model`` if the caller may see it (its type's registered visibility), else ``None``."""
    if model is None:
        return None
    from api.node import is_visible  # api.node → api.permissions; imported late, no cycle

    return model if await is_visible(info, type(model).__name__, model) else None


def area(info: Info, scope: Scope, m: Area) -> bool:
    return scope.sees_area(m.path)


async def _area_path(info: Info, area_id: int | None) -> str | None:
    if area_id is None:
        return None
    a = await info.context.loaders.area.load(area_id)
    return a.path if a is not None else None


async def department(info: Info, scope: Scope, m: Department) -> bool:
    if scope.sees_all or scope.department_id == m.id:
        return True
    if not sees_departments(scope):
        return False
    if m.park_id is None:
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
