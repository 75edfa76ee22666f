"""Incident queries over /graphql: filters, the manual queue, counts by status, scope per
role, and a fixed number of statements for a page whatever its size."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.clock import FrozenClock
from tests.conftest import GraphQLClient
from tests.factories import IncidentWorld
from tests.integration.incident_support import (
    ACCEPT,
    CLOSE,
    RESOLVE,
    clock,  # noqa: F401 — fixture
    codes,
    gid,
    ok,
    report,
    step,
    default_policies,  # noqa: F401 — fixture (autouse)
    world,  # noqa: F401 — fixture
)

LIST = """
query List($filter: IncidentFilter, $orderBy: IncidentOrder, $first: Int, $after: String) {
  incidents(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { code status level overdue }
  }
}
"""

PAGE = """
query Page($filter: IncidentFilter, $first: Int) {
  incidents(filter: $filter, first: $first) {
    totalCount
    nodes {
      code title status level reportedAt reportedAtLocal dueAt
      officer { code name } department { code name } grid { code name }
      lastTimelineEntry { action at note }
    }
  }
}
"""

COUNTS = """
query Counts($areaId: ID) { incidentCountsByStatus(areaId: $areaId) { status count } }
"""
BY_CODE = "query($code: String!) { incidentByCode(code: $code) { code title } }"
ONE = "query($id: ID!) { incident(id: $id) { code } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Incident { code status } } }"


def listed(data: dict[str, Any]) -> list[str]:
    return [n["code"] for n in data["incidents"]["nodes"]]


async def test_filters(gql: GraphQLClient, world: IncidentWorld, clock: FrozenClock) -> None:
    start = clock.now()
    small = ok(await report(gql, world))  # level 1
    park = ok(await report(gql, world, peopleInvolved=12))  # level 2
    district = ok(await report(gql, world, peopleInvolved=40))  # level 3, LABOR
    fire = ok(await report(gql, world, category="FIRE_HAZARD", severity=2, title="消防通道堵塞",
                           gridId=gid("Area", world.areas["small2"])))
    ok(await step(gql, ACCEPT, id=park["id"]))
    under = {"areaId": gid("Area", world.park)}

    assert set(listed(await gql(LIST, {"filter": under, "first": 50}))) == {
        small["code"], park["code"], district["code"], fire["code"]
    }
    assert listed(await gql(LIST, {"filter": {**under, "status": ["ACCEPTED"]}})) == [park["code"]]
    assert listed(await gql(LIST, {"filter": {**under, "level": [3]}})) == [district["code"]]
    assert listed(await gql(LIST, {"filter": {**under, "category": ["FIRE_HAZARD"]}})) == [fire["code"]]
    small2 = {"areaId": gid("Area", world.areas["small2"])}
    assert listed(await gql(LIST, {"filter": small2})) == [fire["code"]]
    labor = gid("Department", world.departments["LABOR"])
    assert listed(await gql(LIST, {"filter": {**under, "departmentId": labor}})) == [district["code"]]
    leader = gid("Member", world.members["leader"])
    assert listed(await gql(LIST, {"filter": {**under, "officerId": leader}})) == [small["code"]]
    assert listed(await gql(LIST, {"filter": {**under, "text": "消防通道"}})) == [fire["code"]]
    assert listed(await gql(LIST, {"filter": {**under, "text": small["code"]}})) == [small["code"]]
    window = {"from": (start - timedelta(minutes=1)).isoformat(), "to": (start + timedelta(minutes=1)).isoformat()}
    assert len(listed(await gql(LIST, {"filter": {**under, "reportedBetween": window}}))) == 4
    later = {"from": (start + timedelta(hours=1)).isoformat()}
    assert listed(await gql(LIST, {"filter": {**under, "reportedBetween": later}})) == []

    clock.advance(hours=25)  # the fire hazard and the district case had 24 hours; the others 48–72
    overdue = await gql(LIST, {"filter": {**under, "overdue": True}})
    assert set(listed(overdue)) == {fire["code"], district["code"]}
    assert all(n["overdue"] for n in overdue["incidents"]["nodes"])
    assert set(listed(await gql(LIST, {"filter": {**under, "overdue": False}}))) == {small["code"], park["code"]}
    by_due = listed(await gql(LIST, {"filter": under, "orderBy": "DUE_AT_ASC"}))
    assert set(by_due[:2]) == {fire["code"], district["code"]}
    # pages follow one another
    page1 = (await gql(LIST, {"filter": under, "first": 3}))["incidents"]
    page2 = (await gql(LIST, {"filter": under, "first": 3, "after": page1["pageInfo"]["endCursor"]}))["incidents"]
    assert page1["pageInfo"]["hasNextPage"] and len(page2["nodes"]) == 1


async def test_by_id_by_code_node_and_counts(gql: GraphQLClient, world: IncidentWorld) -> None:
    a = ok(await report(gql, world))
    b = ok(await report(gql, world))
    ok(await step(gql, ACCEPT, id=b["id"]))
    ok(await step(gql, RESOLVE, id=b["id"], resolution="已处理"))
    ok(await step(gql, CLOSE, id=b["id"], satisfaction=3))
    assert (await gql(BY_CODE, {"code": a["code"]}))["incidentByCode"]["code"] == a["code"]
    assert (await gql(BY_CODE, {"code": "SJ-00000000-0000"}))["incidentByCode"] is None
    assert (await gql(ONE, {"id": a["id"]}))["incident"]["code"] == a["code"]
    assert (await gql(NODE, {"id": a["id"]}))["node"] == {"id": a["id"], "code": a["code"], "status": "DISPATCHED"}
    counts = {c["status"]: c["count"] for c in (await gql(COUNTS, {"areaId": gid("Area", world.park)}))["incidentCountsByStatus"]}
    assert counts == {"REPORTED": 0, "DISPATCHED": 1, "ACCEPTED": 0, "RESOLVED": 0, "CLOSED": 1, "CANCELLED": 0}


async def test_each_role_sees_its_own_scope(gql: GraphQLClient, world: IncidentWorld, login_as: Any) -> None:
    mine = ok(await report(gql, world))  # small1, level 1, the leader
    other_grid = ok(await report(gql, world, gridId=gid("Area", world.areas["small2"])))
    district = ok(await report(gql, world, peopleInvolved=40))  # small1, LABOR
    company = await login_as("ENTERPRISE", enterprise=world.enterprise)
    own = ok(await report(company, world, category="ENTERPRISE_APPEAL", title="用工咨询"))
    under = {"filter": {"areaId": gid("Area", world.park)}, "first": 50}

    worker = await login_as("GRID_WORKER", member=world.members["worker1"], area=world.grid)
    seen = set(listed(await worker(LIST, under)))
    assert {mine["code"], district["code"], own["code"]} <= seen and other_grid["code"] not in seen
    assert (await worker(ONE, {"id": other_grid["id"]}))["incident"] is None
    assert (await worker(NODE, {"id": other_grid["id"]}))["node"] is None
    # in scope, but a worker who is not the officer may not accept: FORBIDDEN
    assert codes(await step(worker, ACCEPT, id=mine["id"])) == ["FORBIDDEN"]
    # out of scope: NOT_FOUND (its existence is not revealed)
    assert codes(await step(worker, ACCEPT, id=other_grid["id"])) == ["NOT_FOUND"]

    officer = await login_as("DEPARTMENT_OFFICER", department=world.departments["LABOR"])
    seen = set(listed(await officer(LIST, {"first": 100, "filter": {"text": district["code"]}})))
    assert seen == {district["code"]}
    assert (await officer(ONE, {"id": mine["id"]}))["incident"] is None
    ok(await step(officer, ACCEPT, id=district["id"]))

    assert listed(await company(LIST, {"first": 50})) == [own["code"]]
    assert (await company(ONE, {"id": mine["id"]}))["incident"] is None

    park_admin = await login_as("PARK_ADMIN", area=world.park)
    assert {mine["code"], other_grid["code"], district["code"], own["code"]} <= set(listed(await park_admin(LIST, under)))


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


async def test_a_page_costs_a_fixed_number_of_statements(
    gql: GraphQLClient, world: IncidentWorld, engine: AsyncEngine, auth_read_every_request: None
) -> None:
    grids = [world.areas["small1"], world.areas["small2"], world.areas["direct"]]
    for i in range(50):
        ok(await report(gql, world, title=f"事件{i}", peopleInvolved=[2, 12, 40][i % 3],
                        gridId=gid("Area", grids[i % 3])))
    variables = {"filter": {"areaId": gid("Area", world.park)}}
    with counting(engine) as auth_only:
        await gql("{ __typename }")
    costs = {}
    for size in (10, 50):
        with counting(engine) as statements:
            data = await gql(PAGE, {**variables, "first": size})
        assert len(data["incidents"]["nodes"]) == size
        assert all(n["officer"] and n["department"] and n["grid"] and n["lastTimelineEntry"]
                   for n in data["incidents"]["nodes"])
        costs[size] = len(statements) - len(auth_only)
    assert costs[10] == costs[50] <= 6, costs
