"""The role → scope table (SPEC §5) and the checks every resolver relies on."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from api.personal import may_see_full
from domain.enums import AccountRole as R
from domain.errors import DomainError
from domain.org.models import Area
from domain.scope import SYSTEM, AccountLinks, Scope, ancestor_paths, scope_for

DISTRICT, PARK, LARGE, GRID, OTHER_PARK, OTHER_GRID = "/1/", "/1/2/", "/1/2/3/", "/1/2/3/4/", "/1/9/", "/1/9/10/"


def links(role: R, **kw: object) -> AccountLinks:
    return AccountLinks(account_id=7, role=role, **kw)  # type: ignore[arg-type]


def test_ancestor_paths() -> None:
    assert ancestor_paths(GRID) == ["/1/", "/1/2/", "/1/2/3/"]
    assert ancestor_paths(DISTRICT) == []


# role, links, data scope (covers_path) of GRID / OTHER_GRID, tree (sees_area) of DISTRICT / GRID / OTHER_GRID, read_only
CASES = [
    (R.ADMIN, {}, (True, True), (True, True, True), False),
    (R.VIEWER, {"area_path": DISTRICT}, (True, True), (True, True, True), True),
    (R.POLICY_EDITOR, {"area_path": DISTRICT}, (True, True), (True, True, True), True),
    (R.PARK_ADMIN, {"area_path": PARK}, (True, False), (True, True, False), False),
    (R.GRID_LEADER, {"member_id": 3, "member_area_path": GRID}, (True, False), (True, True, False), False),
    (R.GRID_WORKER, {"member_id": 3, "member_area_path": GRID}, (True, False), (True, True, False), False),
    (R.DEPARTMENT_OFFICER, {"department_id": 5}, (False, False), (True, True, True), False),
    (R.DEPARTMENT_OFFICER, {"department_id": 5, "department_park_path": OTHER_PARK}, (False, False), (True, False, True), False),
    (R.ENTERPRISE, {"enterprise_id": 8, "enterprise_grid_path": GRID}, (False, False), (True, True, False), False),
    (R.PARTNER, {"granted_paths": (PARK,)}, (False, False), (True, True, False), True),
    # missing links: nothing (fail closed)
    (R.PARK_ADMIN, {}, (False, False), (False, False, False), False),
    (R.GRID_WORKER, {"member_id": 3}, (False, False), (False, False, False), False),
    (R.VIEWER, {}, (False, False), (False, False, False), True),
]


@pytest.mark.parametrize(("role", "kw", "data", "tree", "read_only"), CASES)
def test_scope_for_each_role(
    role: R, kw: dict[str, object], data: tuple[bool, bool], tree: tuple[bool, bool, bool], read_only: bool
) -> None:
    scope = scope_for(links(role, **kw))
    assert (scope.covers_path(GRID), scope.covers_path(OTHER_GRID)) == data
    assert (scope.sees_area(DISTRICT), scope.sees_area(GRID), scope.sees_area(OTHER_GRID)) == tree
    assert scope.read_only is read_only
    assert scope.role is role


def test_partner_events_are_its_granted_areas() -> None:
    scope = scope_for(links(R.PARTNER, granted_paths=(PARK,)))
    assert scope.event_paths == (PARK,) and scope.area_paths == ()
    park_admin = scope_for(links(R.PARK_ADMIN, area_path=PARK))
    assert park_admin.event_paths == (PARK,)


def _sql(clause: object) -> str:
    return str(select(Area.id).where(clause).compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))  # type: ignore[arg-type]


def test_sql_clauses() -> None:
    park = scope_for(links(R.PARK_ADMIN, area_path=PARK))
    assert "areas.path LIKE '/1/2/%'" in _sql(park.area_clause(Area.path))
    tree = _sql(park.tree_clause(Area.path))
    assert "LIKE '/1/2/%'" in tree and "IN ('/1/')" in tree
    assert "1 = 1" in _sql(SYSTEM.area_clause(Area.path)) or "true" in _sql(SYSTEM.area_clause(Area.path)).lower()
    nothing = scope_for(links(R.ENTERPRISE, enterprise_id=1))
    assert "0 = 1" in _sql(nothing.area_clause(Area.path)) or "false" in _sql(nothing.area_clause(Area.path)).lower()
    assert "SELECT areas.id" in _sql(park.area_id_clause(Area.parent_id))


def _code(scope: Scope, path: str | None, **kw: object) -> str | None:
    try:
        scope.check_write(path, **kw)  # type: ignore[arg-type]
    except DomainError as exc:
        return exc.code
    return None


def test_writes() -> None:
    admin = scope_for(links(R.ADMIN))
    park = scope_for(links(R.PARK_ADMIN, area_path=PARK))
    viewer = scope_for(links(R.VIEWER, area_path=DISTRICT))
    worker = scope_for(links(R.GRID_WORKER, member_id=1, member_area_path=GRID))
    assert _code(admin, GRID) is None and _code(admin, None) is None
    assert _code(park, GRID) is None
    assert _code(park, OTHER_GRID) == "NOT_FOUND"  # not revealed
    assert _code(park, DISTRICT, area_itself=True) == "FORBIDDEN"  # visible as a breadcrumb, not theirs
    assert _code(park, OTHER_PARK, area_itself=True) == "NOT_FOUND"
    assert _code(park, None) == "FORBIDDEN"  # district-wide objects
    assert _code(viewer, GRID) == "FORBIDDEN"
    assert _code(worker, GRID) == "FORBIDDEN"
    assert _code(worker, GRID, roles={R.GRID_WORKER}) is None  # a use case may widen the writers
    assert _code(worker, OTHER_GRID, roles={R.GRID_WORKER}) == "NOT_FOUND"


@pytest.mark.parametrize(
    ("role", "kw", "subject", "path", "full"),
    [
        (R.ADMIN, {}, ("Member", 1), OTHER_GRID, True),
        (R.PARK_ADMIN, {"area_path": PARK}, ("Member", 1), GRID, True),
        (R.PARK_ADMIN, {"area_path": PARK}, ("Member", 1), OTHER_GRID, False),
        (R.PARK_ADMIN, {"area_path": PARK}, ("Member", 1), None, False),
        (R.GRID_LEADER, {"member_id": 3, "member_area_path": GRID}, ("Member", 1), GRID, True),
        (R.GRID_WORKER, {"member_id": 3, "member_area_path": GRID}, ("Member", 1), GRID, False),
        (R.GRID_WORKER, {"member_id": 3, "member_area_path": GRID}, ("Member", 3), GRID, True),  # own number
        (R.VIEWER, {"area_path": DISTRICT}, ("Member", 1), GRID, False),
        (R.POLICY_EDITOR, {"area_path": DISTRICT}, ("Member", 1), GRID, False),
        (R.DEPARTMENT_OFFICER, {"department_id": 5}, ("Member", 1), GRID, False),
        (R.ENTERPRISE, {"enterprise_id": 8, "enterprise_grid_path": GRID}, ("Enterprise", 8), GRID, True),
        (R.ENTERPRISE, {"enterprise_id": 8, "enterprise_grid_path": GRID}, ("Enterprise", 9), GRID, False),
        (R.PARTNER, {"granted_paths": (PARK,)}, ("Member", 1), GRID, False),
    ],
)
def test_who_sees_full_personal_data(
    role: R, kw: dict[str, object], subject: tuple[str, int], path: str | None, full: bool
) -> None:
    scope = scope_for(links(role, **kw))
    assert may_see_full(scope, subject_type=subject[0], subject_id=subject[1], area_path=path) is full


def test_breadcrumb_children_and_whole_district() -> None:
    worker = scope_for(links(R.GRID_WORKER, member_id=1, member_area_path=GRID))
    assert worker.children_on_path(DISTRICT) == {PARK}
    assert worker.children_on_path(PARK) == {LARGE}
    assert worker.children_on_path(GRID) is None  # its own subtree: every child
    partner = scope_for(links(R.PARTNER, granted_paths=(PARK, OTHER_PARK)))
    assert partner.children_on_path(DISTRICT) == {PARK, OTHER_PARK}
    assert scope_for(links(R.VIEWER, area_path=DISTRICT)).whole_district
    assert not scope_for(links(R.PARK_ADMIN, area_path=PARK)).whole_district
    assert SYSTEM.whole_district
