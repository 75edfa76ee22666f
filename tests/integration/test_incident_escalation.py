"""Escalation (吹哨) by each trigger, 退单 re-routing, manual dispatch, and re-assignment
when a member leaves — all decided by the default policies and recorded."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import DomainError
from domain.events.models import OutboxEvent
from domain.incidents.models import Incident
from tests.conftest import GraphQLClient
from tests.factories import IncidentWorld
from tests.integration.incident_support import (
    ACCEPT,
    CLOSE,
    DISPATCH,
    ESCALATE,
    REJECT,
    REOPEN,
    RESOLVE,
    SUPERVISE,
    actions,
    gid,
    ok,
    report,
    step,
    default_policies,  # noqa: F401 — fixture (autouse)
    world,  # noqa: F401 — fixture
)

QUEUE = """
query Queue($areaId: ID) {
  manualDispatchQueue(areaId: $areaId, first: 50) { totalCount nodes { code awaitingManual status } }
}
"""
DEACTIVATE = """
mutation Deactivate($input: DeactivateMemberInput!) {
  deactivateMember(input: $input) { userErrors { field code message } }
}
"""


def last_decision(incident: dict[str, Any], kind: str) -> dict[str, Any]:
    return [d for d in incident["decisions"] if d["kind"] == kind][-1]


async def test_an_accepted_incident_raised_to_a_new_officer_is_no_longer_accepted(
    gql: GraphQLClient, world: IncidentWorld
) -> None:
    incident = ok(await report(gql, world))
    ok(await step(gql, ACCEPT, id=incident["id"]))
    accepted = await gql("query($id: ID!) { incident(id: $id) { status acceptedAt } }", {"id": incident["id"]})
    assert accepted["incident"]["status"] == "ACCEPTED" and accepted["incident"]["acceptedAt"]
    raised = ok(await step(gql, ESCALATE, id=incident["id"], reason="网格调解不成"))
    assert raised["status"] == "DISPATCHED" and raised["officer"]["code"] == world.members["park_responder"].code
    after = await gql("query($id: ID!) { incident(id: $id) { status acceptedAt } }", {"id": incident["id"]})
    assert after["incident"] == {"status": "DISPATCHED", "acceptedAt": None}


async def test_manual_whistle_raises_grid_to_park_to_district_then_holds(
    gql: GraphQLClient, world: IncidentWorld
) -> None:
    incident = ok(await report(gql, world))
    assert (incident["level"], incident["officer"]["code"]) == (1, world.members["leader"].code)

    park = ok(await step(gql, ESCALATE, id=incident["id"], reason="网格调解不成"))
    assert park["status"] == "DISPATCHED" and park["level"] == 2 and park["escalations"] == 1
    assert park["department"]["code"] == world.center.code
    assert park["officer"]["code"] == world.members["park_responder"].code
    esc = last_decision(park, "incident-escalation")
    assert esc["firedRules"] == ["to-park"] and esc["outputs"]["level"] == 2
    assert last_decision(park, "incident-routing")["note"].startswith("升级后重新分流")
    escalated = [t for t in park["timeline"] if t["action"] == "ESCALATED"][-1]
    assert (escalated["fromLevel"], escalated["toLevel"]) == (1, 2)
    assert escalated["decision"]["kind"] == "incident-escalation"

    district = ok(await step(gql, ESCALATE, id=incident["id"], reason="园区协调不成"))
    assert district["level"] == 3 and district["department"]["code"] == "LABOR"
    assert district["officer"]["code"].startswith("R-LABOR-")
    assert last_decision(district, "incident-routing")["firedRules"] == ["labor-district"]

    held = ok(await step(gql, ESCALATE, id=incident["id"], reason="再次吹哨"))
    assert held["level"] == 3 and held["escalations"] == 2  # the ceiling: nothing escalates
    assert held["timeline"][-1]["action"] == "CLOCK_RESTARTED"
    assert last_decision(held, "incident-escalation")["firedRules"] == ["hold-at-district"]
    assert held["dueAt"] != district["dueAt"] and "重新计时 48 小时" in held["timeline"][-1]["note"]


async def test_supervision_escalates_through_the_policy(gql: GraphQLClient, world: IncidentWorld) -> None:
    incident = ok(await report(gql, world))
    ok(await step(gql, ACCEPT, id=incident["id"]))
    after = ok(await step(gql, SUPERVISE, id=incident["id"], note="请三日内办结"))
    assert after["timeline"][-3]["action"] == "SUPERVISED" and after["timeline"][-3]["note"] == "请三日内办结"
    assert after["level"] == 2 and after["status"] == "DISPATCHED"  # the new officer must accept
    assert last_decision(after, "incident-escalation")["firedRules"] == ["to-park"]


async def test_reopening_counts_and_escalates_the_second_time(gql: GraphQLClient, world: IncidentWorld) -> None:
    incident = ok(await report(gql, world))
    for _ in range(1):
        ok(await step(gql, ACCEPT, id=incident["id"]))
        ok(await step(gql, RESOLVE, id=incident["id"], resolution="已调解"))
    ok(await step(gql, CLOSE, id=incident["id"], satisfaction=2))
    first = ok(await step(gql, REOPEN, id=incident["id"], reason="工资仍未发放"))
    assert first["status"] == "DISPATCHED" and first["reopenCount"] == 1 and first["level"] == 1
    assert first["officer"]["code"] == world.members["leader"].code
    assert actions(first)[-2:] == ["REOPENED", "CLOCK_RESTARTED"]
    assert last_decision(first, "incident-escalation")["firedRules"] == ["reopened-first"]

    ok(await step(gql, ACCEPT, id=incident["id"]))
    ok(await step(gql, RESOLVE, id=incident["id"], resolution="再次调解"))
    second = ok(await step(gql, REOPEN, id=incident["id"], reason="仍未解决"))
    assert second["reopenCount"] == 2 and second["level"] == 2
    assert second["officer"]["code"] == world.members["park_responder"].code
    assert last_decision(second, "incident-escalation")["firedRules"] == ["reopened-again-to-park"]


async def test_a_return_reroutes_and_a_returning_department_again_goes_to_the_manual_queue(
    gql: GraphQLClient, world: IncidentWorld, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    incident = ok(await report(gql, world, peopleInvolved=40))
    assert incident["department"]["code"] == "LABOR"
    returned = ok(await step(gql, REJECT, id=incident["id"], reason="属于建设领域纠纷，非本部门职责"))
    assert returned["returnedBy"] == ["LABOR"]
    assert returned["status"] == "REPORTED" and returned["awaitingManual"] is True
    assert returned["department"] is None and returned["officer"] is None
    assert actions(returned)[-2:] == ["RETURNED", "QUEUED"]
    routings = [d for d in returned["decisions"] if d["kind"] == "incident-routing"]
    assert routings[0]["correct"] is False  # the first routing was wrong
    assert routings[-1]["firedRules"] == ["returned-labor"]
    queue = (await gql(QUEUE, {"areaId": gid("Area", world.park)}))["manualDispatchQueue"]
    assert [n["code"] for n in queue["nodes"]] == [incident["code"]]

    construction = world.departments["CONSTRUCTION"]
    dispatched = ok(await step(
        gql, DISPATCH, id=incident["id"], departmentId=gid("Department", construction), reason="转区住建局办理"
    ))
    assert dispatched["status"] == "DISPATCHED" and dispatched["awaitingManual"] is False
    assert dispatched["department"]["code"] == "CONSTRUCTION"
    assert dispatched["officer"]["code"].startswith("R-CONSTRUCTION-")
    assert [d["correct"] for d in dispatched["decisions"] if d["kind"] == "incident-routing"] == [False, False]
    queue = (await gql(QUEUE, {"areaId": gid("Area", world.park)}))["manualDispatchQueue"]
    assert queue["totalCount"] == 0

    async with sessionmaker() as session:
        types = list(await session.scalars(
            select(OutboxEvent.type).where(OutboxEvent.aggregate_type == "Incident",
                                           OutboxEvent.aggregate_id == (await load_id(session, incident["code"])))
            .order_by(OutboxEvent.id)
        ))
    assert types == ["incident.reported", "incident.dispatched", "incident.returned", "incident.queued",
                     "incident.dispatched"]


async def load_id(session: AsyncSession, code: str) -> int:
    return int(await session.scalar(select(Incident.id).where(Incident.code == code)))  # type: ignore[arg-type]


async def test_a_return_picking_another_department_dispatches_again(
    gql: GraphQLClient, world: IncidentWorld
) -> None:
    incident = ok(await report(gql, world, category="SAFETY_HAZARD", severity=3, title="配电箱冒烟",
                              description="仓库配电箱冒烟，有焦糊味", peopleInvolved=0))
    assert incident["department"]["code"] == "FIRE" and incident["level"] == 3
    after = ok(await step(gql, REJECT, id=incident["id"], reason="未起火，属安全生产隐患"))
    assert after["returnedBy"] == ["FIRE"]
    assert after["status"] == "DISPATCHED" and after["department"]["code"] == "EMERGENCY"
    assert last_decision(after, "incident-routing")["firedRules"] == ["safety-district"]
    assert actions(after)[-2:] == ["RETURNED", "DISPATCHED"]


async def test_manual_dispatch_to_another_department_marks_the_routing_incorrect(
    gql: GraphQLClient, world: IncidentWorld
) -> None:
    incident = ok(await report(gql, world))
    police = world.departments["POLICE"]
    after = ok(await step(gql, DISPATCH, id=incident["id"], departmentId=gid("Department", police),
                          level=3, reason="涉及打架，改派公安"))
    assert after["department"]["code"] == "POLICE" and after["level"] == 3
    assert last_decision(after, "incident-routing")["correct"] is False
    assert "改派" in last_decision(after, "incident-routing")["note"]
    assert after["timeline"][-1]["note"] == "人工派单：涉及打架，改派公安"


async def test_a_deactivated_officer_hands_open_incidents_on_through_the_policy(
    gql: GraphQLClient, world: IncidentWorld
) -> None:
    incident = ok(await report(gql, world))
    assert incident["officer"]["code"] == world.members["leader"].code
    body = await gql(DEACTIVATE, {"input": {"id": gid("Member", world.members["leader"]), "note": "调任"}})
    assert body["deactivateMember"]["userErrors"] == []
    after = (await gql("query($id: ID!) { incident(id: $id) { officer { code } status timeline { action note } } }",
                       {"id": incident["id"]}))["incident"]
    # level-1: GRID_LEADER@GRID (gone) → FULL_TIME_WORKER@GRID: two qualify, the lower code wins
    assert after["officer"]["code"] == world.members["worker1"].code
    assert after["status"] == "DISPATCHED"
    assert after["timeline"][-1]["action"] == "REASSIGNED" and "停用" in after["timeline"][-1]["note"]


async def test_an_accepted_incident_whose_officer_leaves_waits_for_the_next_one_to_accept(
    gql: GraphQLClient, world: IncidentWorld
) -> None:
    incident = ok(await report(gql, world))
    ok(await step(gql, ACCEPT, id=incident["id"]))
    query = ("query($id: ID!) { incident(id: $id) { officer { code } status acceptedAt dispatchedAt dueAt"
             " timeline { action fromStatus toStatus } } }")
    before = (await gql(query, {"id": incident["id"]}))["incident"]
    body = await gql(DEACTIVATE, {"input": {"id": gid("Member", world.members["leader"]), "note": "调任"}})
    assert body["deactivateMember"]["userErrors"] == []
    after = (await gql(query, {"id": incident["id"]}))["incident"]
    assert after["officer"]["code"] == world.members["worker1"].code
    assert after["status"] == "DISPATCHED" and after["acceptedAt"] is None
    # The incident's own clock is kept: when it was dispatched and when it is due.
    assert (after["dispatchedAt"], after["dueAt"]) == (before["dispatchedAt"], before["dueAt"])
    assert after["timeline"][-1] == {"action": "REASSIGNED", "fromStatus": "ACCEPTED", "toStatus": "DISPATCHED"}


async def _trail(session: AsyncSession, incident_id: int) -> tuple[int, int]:
    """(decisions, timeline entries) recorded for the incident so far."""
    from sqlalchemy import func

    from domain.incidents.models import IncidentTimelineEntry
    from domain.policies.models import DecisionRecord

    decisions = await session.scalar(
        select(func.count()).select_from(DecisionRecord)
        .where(DecisionRecord.subject_type == "incident", DecisionRecord.subject_id == incident_id))
    entries = await session.scalar(
        select(func.count()).select_from(IncidentTimelineEntry).where(IncidentTimelineEntry.incident_id == incident_id))
    return int(decisions or 0), int(entries or 0)


async def test_a_reassignment_retried_after_a_conflict_leaves_one_decision_and_one_entry(
    gql: GraphQLClient, world: IncidentWorld, app: Any, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    from sqlalchemy.orm.attributes import set_committed_value

    from domain.incidents.deciding import Deps
    from domain.incidents.people import reassign_one

    leader = world.members["leader"].id
    incident_id = await load_id_by_code(sessionmaker, ok(await report(gql, world))["code"])
    deps = Deps(decider=app.state.graphql.runtime)
    async with sessionmaker.begin() as session:
        before = await _trail(session, incident_id)
        stale = await session.get(Incident, incident_id)
        assert stale is not None and stale.officer_id == leader
        # As if read before somebody else's change: the version check fails, and the
        # failed attempt leaves nothing behind.
        set_committed_value(stale, "version", stale.version - 1)
        with pytest.raises(DomainError) as failed:
            await reassign_one(session, deps, stale, leader, attempts=1)
        assert failed.value.code == "CONFLICT"
        assert await _trail(session, incident_id) == before
        set_committed_value(stale, "version", stale.version - 1)
        assert await reassign_one(session, deps, stale, leader) is True
        assert stale.officer_id == world.members["worker1"].id
        assert await _trail(session, incident_id) == (before[0] + 1, before[1] + 1)


async def test_a_reassignment_gives_way_when_somebody_else_moved_the_incident_first(
    gql: GraphQLClient, world: IncidentWorld, app: Any, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    from sqlalchemy import update

    from domain.incidents.deciding import Deps
    from domain.incidents.people import reassign_one

    leader, other = world.members["leader"].id, world.members["worker2"].id
    incident_id = await load_id_by_code(sessionmaker, ok(await report(gql, world))["code"])
    deps = Deps(decider=app.state.graphql.runtime)
    async with sessionmaker.begin() as session:
        stale = await session.get(Incident, incident_id)
        assert stale is not None and stale.officer_id == leader
        before = await _trail(session, incident_id)
        # Somebody else hands it to another member after it was read (the loaded object keeps the old row).
        await session.execute(
            update(Incident).where(Incident.id == incident_id)
            .values(officer_id=other, version=Incident.version + 1)
            .execution_options(synchronize_session=False)
        )
        assert await reassign_one(session, deps, stale, leader) is False
        assert stale.officer_id == other
        assert await _trail(session, incident_id) == before


async def load_id_by_code(sessionmaker: async_sessionmaker[AsyncSession], code: str) -> int:
    async with sessionmaker() as session:
        return await load_id(session, code)
