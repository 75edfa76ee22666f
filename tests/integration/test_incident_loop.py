"""The closed loop over /graphql at each whistle level: report → dispatch → accept →
resolve → close, routed, levelled, assigned and timed by the default policies."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.factories import IncidentWorld
from tests.integration.incident_support import (
    ACCEPT,
    CLOSE,
    RESOLVE,
    actions,
    ok,
    report,
    step,
    default_policies,  # noqa: F401 — fixture (autouse)
    world,  # noqa: F401 — fixture
)

LEVELS = [
    # (what is reported, level, department key, officer key, hours, routing rule)
    pytest.param({"peopleInvolved": 2}, 1, "GRID_CENTER", "leader", 72, [], id="level-1-grid"),
    pytest.param({"peopleInvolved": 12}, 2, "GRID_CENTER", "park_responder", 48, ["labor-park"], id="level-2-park"),
    pytest.param({"peopleInvolved": 40}, 3, "LABOR", None, 24, ["labor-district"], id="level-3-district"),
]


@pytest.mark.parametrize(("given", "level", "dept", "officer", "hours", "rules"), LEVELS)
async def test_the_whole_loop_at_each_level(
    gql: GraphQLClient, world: IncidentWorld, given: dict[str, Any], level: int, dept: str,
    officer: str | None, hours: int, rules: list[str],
) -> None:
    incident = ok(await report(gql, world, **given))
    assert incident["code"].startswith("SJ-")
    assert incident["status"] == "DISPATCHED" and incident["level"] == level
    assert incident["department"]["code"] == world.departments[dept].code
    expected_officer = world.members[officer] if officer else None
    if expected_officer is not None:
        assert incident["officer"]["code"] == expected_officer.code
    else:
        assert incident["officer"]["code"].startswith("R-LABOR-")
    assert incident["grid"]["code"] == world.grid.code
    assert incident["dueAt"] is not None and incident["dueAtLocal"]
    routing, assignment = incident["decisions"]
    assert routing["kind"] == "incident-routing" and routing["firedRules"] == rules
    assert routing["outputs"]["level"] == level and routing["outputs"]["dueInHours"] == hours
    assert assignment["kind"] == "officer-assignment" and not assignment["fallback"]
    assert actions(incident) == ["REPORTED", "DISPATCHED"]
    assert incident["timeline"][0]["decision"]["kind"] == "incident-routing"
    assert incident["timeline"][1]["decision"]["kind"] == "officer-assignment"

    accepted = ok(await step(gql, ACCEPT, id=incident["id"], expectedVersion=incident["version"]))
    assert accepted["status"] == "ACCEPTED" and accepted["version"] == incident["version"] + 1
    resolved = ok(await step(gql, RESOLVE, id=incident["id"], resolution="已督促企业补发工资"))
    assert resolved["status"] == "RESOLVED"
    closed = ok(await step(gql, CLOSE, id=incident["id"], satisfaction=5, comment="工人表示满意"))
    assert closed["status"] == "CLOSED" and closed["satisfaction"] == 5
    assert actions(closed) == ["REPORTED", "DISPATCHED", "ACCEPTED", "RESOLVED", "CLOSED"]
    assert closed["lastTimelineEntry"]["action"] == "CLOSED"
    assert closed["decisions"][0]["correct"] is True
