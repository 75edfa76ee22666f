"""The staffing model and the area nesting rules, without a database."""

from __future__ import annotations

import pytest

from domain.enums import AreaKind, MemberRole, StaffingGapKind
from domain.org import staffing
from domain.org.models import Area
from domain.org.service import nesting_error

MODEL = {"GRID_LEADER": (1, 1), "AGENCY_STAFF": (1, 1), "FULL_TIME_WORKER": (1, 2), "PART_TIME_WORKER": (0, -1)}
R = MemberRole


def grid(kind: AreaKind = AreaKind.SMALL_GRID, id: int = 7) -> Area:
    return Area(id=id, code="G", name="网格", kind=kind, path=f"/1/{id}/", depth=2)


@pytest.mark.parametrize(
    ("counts", "gaps"),
    [
        ({R.GRID_LEADER: 1, R.AGENCY_STAFF: 1, R.FULL_TIME_WORKER: 1}, set()),
        ({R.GRID_LEADER: 1, R.AGENCY_STAFF: 1, R.FULL_TIME_WORKER: 2, R.PART_TIME_WORKER: 40}, set()),
        ({}, {(R.GRID_LEADER, "MISSING", 1, 0), (R.AGENCY_STAFF, "MISSING", 1, 0), (R.FULL_TIME_WORKER, "MISSING", 1, 0)}),
        ({R.GRID_LEADER: 2, R.AGENCY_STAFF: 1, R.FULL_TIME_WORKER: 3},
         {(R.GRID_LEADER, "OVER", 1, 2), (R.FULL_TIME_WORKER, "OVER", 2, 3)}),
    ],
)
def test_evaluate_a_grid(counts: dict[MemberRole, int], gaps: set[tuple[MemberRole, str, int, int]]) -> None:
    result = staffing.evaluate(grid(), counts, MODEL)
    assert {(g.role, g.kind.value, g.required, g.actual) for g in result.gaps} == gaps
    assert result.compliant == (not gaps)


def test_rules_come_from_configuration() -> None:
    rules = staffing.rules({"PART_TIME_WORKER": (2, -1), "GRID_LEADER": (1, 1), "PARK_SECRETARY": (1, 1)})
    assert [(r.role, r.minimum, r.maximum) for r in rules] == [
        (R.PARK_SECRETARY, 1, 1), (R.GRID_LEADER, 1, 1), (R.PART_TIME_WORKER, 2, None)
    ]
    # Park roles are capped where they belong but are not part of a small grid's compliance.
    assert [r.role for r in staffing.grid_rules({"PARK_SECRETARY": (1, 1), "GRID_LEADER": (1, 1)})] == [R.GRID_LEADER]
    assert staffing.maximum(R.PART_TIME_WORKER, MODEL) is None and staffing.maximum(R.FULL_TIME_WORKER, MODEL) == 2
    with pytest.raises(ValueError):
        staffing.rules({"CAPTAIN": (1, 1)})


def test_gap_messages_say_what_is_missing_or_over() -> None:
    missing = staffing.StaffingGap(R.FULL_TIME_WORKER, StaffingGapKind.MISSING, 1, 0)
    over = staffing.StaffingGap(R.GRID_LEADER, StaffingGapKind.OVER, 1, 3)
    assert missing.message == "缺专职网格员1名：至少1名，现有0名"
    assert over.message == "网格长（党总支书记）超编2名：最多1名，现有3名"


@pytest.mark.parametrize(
    ("role", "kind", "on_department", "enterprise_grid", "ok"),
    [
        (R.GRID_LEADER, AreaKind.SMALL_GRID, False, None, True),
        (R.GRID_LEADER, AreaKind.LARGE_GRID, False, None, False),
        (R.AGENCY_STAFF, AreaKind.PARK, False, None, False),
        (R.PART_TIME_WORKER, AreaKind.SMALL_GRID, False, 7, True),
        (R.PART_TIME_WORKER, AreaKind.SMALL_GRID, False, 8, False),
        (R.PART_TIME_WORKER, AreaKind.SMALL_GRID, False, None, False),
        (R.PARK_SECRETARY, AreaKind.PARK, False, None, True),
        (R.PARK_RESPONDER, AreaKind.SMALL_GRID, False, None, False),
        (R.DEPARTMENT_RESPONDER, None, True, None, True),
        (R.DEPARTMENT_RESPONDER, AreaKind.SMALL_GRID, False, None, False),
        (R.GRID_LEADER, None, True, None, False),
    ],
)
def test_a_role_only_where_it_belongs(
    role: MemberRole, kind: AreaKind | None, on_department: bool, enterprise_grid: int | None, ok: bool
) -> None:
    error = staffing.placement_error(
        role, area=grid(kind) if kind else None, on_department=on_department, enterprise_grid_id=enterprise_grid
    )
    assert (error is None) == ok, error


@pytest.mark.parametrize(
    ("kind", "parent", "ok"),
    [
        (AreaKind.DISTRICT, None, True),
        (AreaKind.DISTRICT, AreaKind.DISTRICT, False),
        (AreaKind.PARK, AreaKind.DISTRICT, True),
        (AreaKind.PARK, None, False),
        (AreaKind.LARGE_GRID, AreaKind.PARK, True),
        (AreaKind.LARGE_GRID, AreaKind.DISTRICT, False),
        (AreaKind.SMALL_GRID, AreaKind.PARK, True),
        (AreaKind.SMALL_GRID, AreaKind.LARGE_GRID, True),
        (AreaKind.SMALL_GRID, AreaKind.SMALL_GRID, False),
        (AreaKind.SMALL_GRID, AreaKind.DISTRICT, False),
    ],
)
def test_area_nesting(kind: AreaKind, parent: AreaKind | None, ok: bool) -> None:
    assert (nesting_error(kind, parent) is None) == ok
