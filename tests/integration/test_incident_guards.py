"""What a caller may name and set on incidents (review findings): a manual dispatch
only to departments and officers in scope that fit the incident; an enterprise
reports in its own grid; only the grid settles on the spot; reopening clears the
settled round; naive date-times are Shanghai time; amounts fit NUMERIC(14, 2);
decision facts are kept scrubbed; a project outside the caller's scope is
NOT_FOUND."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FrozenClock
from domain.enums import AreaKind, DepartmentLevel, MemberRole
from domain.org.models import Member
from rules.clock import SHANGHAI
from tests.conftest import GraphQLClient
from tests.factories import (
    IncidentWorld,
    make_area,
    make_department,
    make_enterprise,
    make_incident_world,
    make_member,
    make_project,
    unique,
)
from tests.integration.incident_support import (
    CLOSE,
    DISPATCH,
    REOPEN,
    REPORT,
    clock,  # noqa: F401 — fixture
    codes,
    gid,
    ok,
    report,
    report_input,
    step,
    default_policies,  # noqa: F401 — fixture (autouse)
    world,  # noqa: F401 — fixture
)


def errors(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


# --- dispatchIncident: departments and officers in scope ------------------------------------


@pytest.fixture
async def neighbour(sessionmaker: async_sessionmaker[AsyncSession], world: IncidentWorld) -> dict[str, Any]:
    """Another park of the same district, with its centre and a grid worker."""
    async with sessionmaker.begin() as session:
        park = await make_area(session, kind=AreaKind.PARK, parent=world.areas["district"], name="邻园区")
        grid = await make_area(session, kind=AreaKind.SMALL_GRID, parent=park, name="邻园区网格")
        center = await make_department(
            session, level=DepartmentLevel.PARK_OFFICE, park=park, code=unique("NB-CENTER-"), name="邻园区中心"
        )
        worker = await make_member(session, area=grid, roles=(MemberRole.FULL_TIME_WORKER,), name="邻园网格员")
    return {"park": park, "center": center, "worker": worker}


async def responder_code(sessionmaker: async_sessionmaker[AsyncSession], department: Any) -> tuple[int, str]:
    async with sessionmaker() as session:
        member = await session.get(Member, department.responder_id)
        assert member is not None
        return member.id, member.code


async def test_a_park_admin_dispatches_only_in_scope(
    gql: GraphQLClient, world: IncidentWorld, neighbour: dict[str, Any], login_as: Any,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    park_admin = await login_as("PARK_ADMIN", area=world.park)
    incident = ok(await report(gql, world))
    labor = world.departments["LABOR"]

    async def dispatch(**kw: Any) -> dict[str, Any]:
        return await step(park_admin, DISPATCH, id=incident["id"], reason="人工改派", **kw)

    # another park's centre, and a member of another park: not found (existence not revealed)
    assert errors(await dispatch(departmentId=gid("Department", neighbour["center"]))) == [("departmentId", "NOT_FOUND")]
    assert errors(await dispatch(
        departmentId=gid("Department", labor), officerId=gid("Member", neighbour["worker"]),
    )) == [("officerId", "NOT_FOUND")]
    assert errors(await dispatch(officerId=gid("Member", neighbour["worker"]))) == [("officerId", "NOT_FOUND")]
    # unknown ids: NOT_FOUND, never a server error
    assert errors(await dispatch(departmentId=gid("Department", 987654321))) == [("departmentId", "NOT_FOUND")]
    assert errors(await dispatch(officerId=gid("Member", 987654321))) == [("officerId", "NOT_FOUND")]
    # a visible member who is not the chosen district department's: invalid
    assert errors(await dispatch(
        departmentId=gid("Department", labor), officerId=gid("Member", world.members["worker2"]),
    )) == [("officerId", "INVALID")]
    # the whistle: a district department and its responder
    responder_id, responder = await responder_code(sessionmaker, labor)
    to_labor = ok(await dispatch(departmentId=gid("Department", labor), officerId=gid("Member", responder_id)))
    assert to_labor["department"]["code"] == "LABOR" and to_labor["officer"]["code"] == responder
    # the own park's centre with a member of the park
    back = ok(await dispatch(
        departmentId=gid("Department", world.center), officerId=gid("Member", world.members["worker2"]),
    ))
    assert back["department"]["code"] == world.center.code
    assert back["officer"]["code"] == world.members["worker2"].code and back["status"] == "DISPATCHED"


async def test_an_admin_may_not_dispatch_across_parks(
    gql: GraphQLClient, world: IncidentWorld, neighbour: dict[str, Any]
) -> None:
    incident = ok(await report(gql, world))

    async def dispatch(**kw: Any) -> dict[str, Any]:
        return await step(gql, DISPATCH, id=incident["id"], reason="人工改派", **kw)

    assert errors(await dispatch(departmentId=gid("Department", neighbour["center"]))) == [("departmentId", "INVALID")]
    assert errors(await dispatch(
        departmentId=gid("Department", world.center), officerId=gid("Member", neighbour["worker"]),
    )) == [("officerId", "INVALID")]
    assert errors(await dispatch(departmentId=gid("Department", 987654321))) == [("departmentId", "NOT_FOUND")]


# --- reportIncident: where, and who settles on the spot -------------------------------------


async def test_an_enterprise_reports_only_in_its_own_grid(world: IncidentWorld, login_as: Any) -> None:
    company = await login_as("ENTERPRISE", enterprise=world.enterprise)
    sibling = await report(company, world, category="ENTERPRISE_APPEAL", gridId=gid("Area", world.areas["small2"]))
    assert errors(sibling) == [("gridId", "NOT_FOUND")]
    direct = await report(company, world, category="ENTERPRISE_APPEAL", gridId=gid("Area", world.areas["direct"]))
    assert errors(direct) == [("gridId", "NOT_FOUND")]
    ok(await report(company, world, category="ENTERPRISE_APPEAL"))  # its own grid


async def test_a_partner_does_not_report(world: IncidentWorld, login_as: Any) -> None:
    partner = await login_as("PARTNER", granted=[world.park])
    assert codes(await report(partner, world)) == ["FORBIDDEN"]


async def test_only_the_grid_settles_on_the_spot(
    gql: GraphQLClient, world: IncidentWorld, login_as: Any
) -> None:
    settled = {"resolvedOnSite": True, "resolution": "已当场解决", "category": "NEIGHBOURHOOD"}
    company = await login_as("ENTERPRISE", enterprise=world.enterprise)
    assert errors(await report(company, world, **settled)) == [("resolvedOnSite", "FORBIDDEN")]
    large_leader = await login_as("GRID_LEADER", member=world.members["large_leader"])
    assert ok(await report(large_leader, world, **settled))["resolvedOnSite"] is True
    park_admin = await login_as("PARK_ADMIN", area=world.park)
    assert ok(await report(park_admin, world, **settled))["status"] == "RESOLVED"
    assert ok(await report(gql, world, **settled))["status"] == "RESOLVED"


# --- reopening clears the settled round -------------------------------------------------------


OUTCOME = """query($id: ID!) { incident(id: $id) {
  status resolvedOnSite resolution satisfaction feedback reopenCount timeline { action note } } }"""


async def test_reopening_clears_the_outcome_but_keeps_the_history(
    gql: GraphQLClient, world: IncidentWorld, login_as: Any
) -> None:
    worker = await login_as("GRID_WORKER", member=world.members["worker1"])
    incident = ok(await report(worker, world, category="NEIGHBOURHOOD", resolvedOnSite=True, resolution="调解成功"))
    ok(await step(gql, CLOSE, id=incident["id"], satisfaction=5, comment="很满意"))
    ok(await step(gql, REOPEN, id=incident["id"], reason="又吵起来了"))
    after = (await gql(OUTCOME, {"id": incident["id"]}))["incident"]
    assert after["status"] in ("DISPATCHED", "REPORTED") and after["reopenCount"] == 1
    assert (after["resolvedOnSite"], after["resolution"], after["satisfaction"], after["feedback"]) == (
        False, None, None, None,
    )
    notes = {t["action"]: t["note"] for t in after["timeline"]}
    assert "调解成功" in notes["RESOLVED"] and "很满意" in notes["CLOSED"]


# --- date-times without an offset are Shanghai time -------------------------------------------


LIST = "query($filter: IncidentFilter) { incidents(filter: $filter, first: 50) { nodes { code } } }"


async def test_naive_date_times_are_shanghai_time(
    gql: GraphQLClient, world: IncidentWorld, clock: FrozenClock  # noqa: F811
) -> None:
    now = clock.now()
    local = now.astimezone(SHANGHAI).replace(tzinfo=None)
    occurred = (local - timedelta(hours=2)).isoformat()
    incident = ok(await report(gql, world, occurredAt=occurred))
    shown = (await gql("query($id: ID!) { incident(id: $id) { occurredAt } }", {"id": incident["id"]}))["incident"]
    assert shown["occurredAt"].startswith((now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))

    under = {"areaId": gid("Area", world.grid)}
    window = {"from": (local - timedelta(minutes=1)).isoformat(), "to": (local + timedelta(minutes=1)).isoformat()}
    found = (await gql(LIST, {"filter": {**under, "reportedBetween": window}}))["incidents"]["nodes"]
    assert [n["code"] for n in found] == [incident["code"]]
    later = {"from": (local + timedelta(minutes=1)).isoformat()}
    assert (await gql(LIST, {"filter": {**under, "reportedBetween": later}}))["incidents"]["nodes"] == []
    # the ends of time bound nothing, and never fail
    ends = {"from": "0001-01-01T00:00:00", "to": "9999-12-31T23:59:59"}
    assert len((await gql(LIST, {"filter": {**under, "reportedBetween": ends}}))["incidents"]["nodes"]) == 1
    assert errors(await report(gql, world, occurredAt="0001-01-01T00:00:00")) == [("occurredAt", "INVALID")]


# --- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount", ["NaN", "sNaN", "-NaN", "Infinity", "-Infinity", "1e30", "1000000000000", "-1", "-0.01", "1.005"]
)
async def test_an_amount_must_fit_numeric_14_2(gql: GraphQLClient, world: IncidentWorld, amount: str) -> None:
    assert errors(await report(gql, world, amountInvolved=amount)) == [("amountInvolved", "INVALID")]


async def test_the_largest_amount_is_kept(gql: GraphQLClient, world: IncidentWorld) -> None:
    incident = ok(await report(gql, world, amountInvolved="999999999999.99"))
    shown = (await gql("query($id: ID!) { incident(id: $id) { amountInvolved } }", {"id": incident["id"]}))
    assert shown["incident"]["amountInvolved"] == "999999999999.99"


# --- decision facts are kept scrubbed -------------------------------------------------------


async def test_decision_facts_keep_no_personal_data(gql: GraphQLClient, world: IncidentWorld) -> None:
    incident = ok(await report(gql, world, title="工人13812345678反映欠薪", description="身份证320102199001011234"))
    doc = "query($id: ID!) { incident(id: $id) { title decisions { kind facts } } }"
    shown = (await gql(doc, {"id": incident["id"]}))["incident"]
    assert shown["decisions"]
    stored = json.dumps([d["facts"] for d in shown["decisions"]], ensure_ascii=False)
    assert "13812345678" not in stored and "320102199001011234" not in stored
    assert "138****5678" in stored and "3201**********1234" in stored
    assert [d["facts"]["incident"]["text"] for d in shown["decisions"]][0].startswith("工人138****5678")


# --- projects outside the caller's scope ------------------------------------------------------


async def test_a_project_outside_scope_is_not_found(
    gql: GraphQLClient, world: IncidentWorld, login_as: Any, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker.begin() as session:
        elsewhere = await make_incident_world(session)
        neighbour_firm = await make_enterprise(session, grid=world.grid)
        neighbour_project = await make_project(session, enterprise=neighbour_firm)
    worker = await login_as("GRID_WORKER", member=world.members["worker1"])
    far = gid("Project", elsewhere.project)
    assert errors(await report(worker, world, projectId=far)) == [("projectId", "NOT_FOUND")]
    assert errors(await report(
        worker, world, enterpriseId=gid("Enterprise", world.enterprise), projectId=far,
    )) == [("projectId", "NOT_FOUND")]
    # visible, but another enterprise's: INVALID
    assert errors(await report(
        worker, world, enterpriseId=gid("Enterprise", world.enterprise), projectId=gid("Project", neighbour_project),
    )) == [("projectId", "INVALID")]
    assert errors(await report(
        gql, world, enterpriseId=gid("Enterprise", world.enterprise), projectId=far,
    )) == [("projectId", "INVALID")]
    company = await login_as("ENTERPRISE", enterprise=world.enterprise)
    data = report_input(world, category="ENTERPRISE_APPEAL", projectId=far)
    del data["gridId"]
    assert errors((await company(REPORT, {"input": data}))["reportIncident"]) == [("projectId", "NOT_FOUND")]
    mine = report_input(world, category="ENTERPRISE_APPEAL", projectId=gid("Project", world.project))
    del mine["gridId"]
    assert ok((await company(REPORT, {"input": mine}))["reportIncident"])["grid"]["code"] == world.grid.code
