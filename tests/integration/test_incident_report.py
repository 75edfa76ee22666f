"""reportIncident: validation, idempotent retries, possible duplicates, history facts,
the grid's own settlement, and a policy failure that never fails a report."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.enums import PolicyKind
from domain.events.models import OutboxEvent
from domain.incidents.models import Incident
from tests.conftest import GraphQLClient
from tests.factories import IncidentWorld
from tests.integration.incident_support import (
    REPORT,
    codes,
    gid,
    ok,
    report,
    report_input,
    default_policies,  # noqa: F401 — fixture (autouse)
    world,  # noqa: F401 — fixture
)


async def count_incidents(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Incident)) or 0)


async def test_every_bad_field_is_named_in_chinese(gql: GraphQLClient, world: IncidentWorld) -> None:
    payload = await report(
        gql, world, title="  ", severity=7, peopleInvolved=-1, amountInvolved="-5", latitude=123.0,
        occurredAt="2099-01-01T00:00:00Z", resolvedOnSite=True,
    )
    assert payload["incident"] is None
    fields = {e["field"]: e for e in payload["userErrors"]}
    assert set(fields) == {"title", "severity", "peopleInvolved", "amountInvolved", "latitude", "occurredAt",
                           "resolution"}
    assert all(e["code"] == "INVALID" for e in fields.values())
    assert fields["severity"]["message"].startswith("严重程度")


async def test_the_grid_must_be_a_grid_the_reporter_sees(gql: GraphQLClient, world: IncidentWorld) -> None:
    assert codes(await report(gql, world, gridId=gid("Area", world.park))) == ["INVALID"]
    assert codes(await report(gql, world, gridId=gid("Area", 987654321))) == ["NOT_FOUND"]
    payload = await report(gql, world, gridId=gid("Area", 987654321))
    assert payload["userErrors"][0]["field"] == "gridId"


async def test_a_retry_returns_the_same_incident_and_another_payload_is_a_duplicate(
    gql: GraphQLClient, world: IncidentWorld, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    crid = f"phone-{uuid.uuid4()}"
    first = await report(gql, world, clientRequestId=crid)
    n = await count_incidents(sessionmaker)
    retry = await report(gql, world, clientRequestId=crid)
    assert retry["replayed"] is True and first["replayed"] is False
    assert ok(retry)["id"] == ok(first)["id"] and retry["incident"]["code"] == first["incident"]["code"]
    assert await count_incidents(sessionmaker) == n
    other = await report(gql, world, clientRequestId=crid, title="另一件事")
    assert codes(other) == ["DUPLICATE"]
    assert other["userErrors"][0]["field"] == "clientRequestId"
    assert first["incident"]["code"] in other["userErrors"][0]["message"]


async def test_another_account_may_use_the_same_request_id(
    gql: GraphQLClient, world: IncidentWorld, login_as: Any
) -> None:
    crid = f"phone-{uuid.uuid4()}"
    worker = await login_as("GRID_WORKER", member=world.members["worker1"], area=world.grid)
    mine = ok(await report(gql, world, clientRequestId=crid))
    theirs = ok(await report(worker, world, clientRequestId=crid))
    assert mine["id"] != theirs["id"]


async def test_possible_duplicates_are_shown_at_report_time(gql: GraphQLClient, world: IncidentWorld) -> None:
    eid = gid("Enterprise", world.enterprise)
    a = ok(await report(gql, world, enterpriseId=eid, category="ENVIRONMENT", title="废水排放"))
    b = await report(gql, world, category="LABOR_DISPUTE", title="欠薪")  # same grid, other category
    c = await report(gql, world, enterpriseId=eid, category="SAFETY_HAZARD", title="通道堵塞")
    assert [d["code"] for d in c["possibleDuplicates"]] == [a["code"]]  # same enterprise
    d = await report(gql, world, category="LABOR_DISPUTE", title="又一起欠薪")
    assert b["incident"]["code"] in [x["code"] for x in d["possibleDuplicates"]]  # same grid and category
    assert d["incident"]["code"] not in [x["code"] for x in d["possibleDuplicates"]]


async def test_history_facts_count_others_not_itself(
    gql: GraphQLClient, world: IncidentWorld
) -> None:
    eid = gid("Enterprise", world.enterprise)
    first = ok(await report(gql, world, enterpriseId=eid))
    facts = first["decisions"][0]
    assert facts["kind"] == "incident-routing"
    for _ in range(3):
        last = ok(await report(gql, world, enterpriseId=eid))
    routing = last["decisions"][0]
    # the fourth report of the enterprise: three others in 30 days → "repeat-enterprise" (level 2)
    assert routing["firedRules"] == ["repeat-enterprise"] and last["level"] == 2


async def test_history_and_time_facts_are_stored_with_the_decision(
    gql: GraphQLClient, world: IncidentWorld
) -> None:
    doc = """query($id: ID!) { incident(id: $id) { decisions { kind facts } } }"""
    incident = ok(await report(gql, world, enterpriseId=gid("Enterprise", world.enterprise)))
    decisions = (await gql(doc, {"id": incident["id"]}))["incident"]["decisions"]
    routing = decisions[0]["facts"]
    flat = routing if "history.enterpriseIncidents30d" in routing else _flatten(routing)
    assert flat["history.enterpriseIncidents30d"] == 0 and flat["history.gridSameCategory7d"] >= 0
    assert flat["grid.code"] == world.grid.code and flat["park.code"] == world.park.code
    assert flat["enterprise.industry"] == "先进制造" and flat["enterprise.hasPartyOrg"] is True
    assert {"time.hour", "time.weekday", "time.date", "time.isWorkday"} <= set(flat)
    assert "incident.level" not in flat and "incident.department" not in flat  # absent at first routing
    officer = _flatten(decisions[1]["facts"]) if "decision.level" not in decisions[1]["facts"] else decisions[1]["facts"]
    assert officer["decision.level"] == 1 and officer["decision.department"] == "GRID_CENTER"
    assert officer["department.level"] == "PARK_OFFICE"


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


async def test_the_grid_settles_on_the_spot(gql: GraphQLClient, world: IncidentWorld, login_as: Any) -> None:
    worker = await login_as("GRID_WORKER", member=world.members["worker1"], area=world.grid)
    incident = ok(await report(worker, world, category="NEIGHBOURHOOD", title="邻里停车纠纷",
                               resolvedOnSite=True, resolution="现场调解，双方达成一致"))
    assert incident["status"] == "RESOLVED" and incident["resolvedOnSite"] is True
    assert incident["officer"]["code"] == world.members["worker1"].code
    assert incident["decisions"][0]["firedRules"] == ["resolved-on-site"]
    assert [t["action"] for t in incident["timeline"]] == ["REPORTED", "RESOLVED"]


async def test_an_enterprise_reports_in_its_own_grid(gql: GraphQLClient, world: IncidentWorld, login_as: Any) -> None:
    company = await login_as("ENTERPRISE", enterprise=world.enterprise)
    data = report_input(world, category="ENTERPRISE_APPEAL", title="用电增容申请迟迟未批")
    del data["gridId"]
    incident = ok((await company(REPORT, {"input": data}))["reportIncident"])
    assert incident["grid"]["code"] == world.grid.code and incident["enterprise"]["name"] == world.enterprise.name
    assert incident["level"] == 2  # enterprise-appeal → the park's centre


async def test_a_viewer_may_not_report(world: IncidentWorld, login_as: Any) -> None:
    viewer = await login_as("VIEWER", area=world.park)
    assert codes(await report(viewer, world)) == ["FORBIDDEN"]


async def test_a_failing_policy_never_fails_a_report(
    gql: GraphQLClient, world: IncidentWorld, app: Any, monkeypatch: pytest.MonkeyPatch,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    registry = app.state.graphql.runtime.registry
    with registry.hold(PolicyKind.INCIDENT_ROUTING.value) as policy:
        def broken(*_a: Any, **_k: Any) -> Any:
            raise RuntimeError("规则引擎内部错误（测试）")

        monkeypatch.setattr(policy, "_run", broken)
    incident = ok(await report(gql, world, peopleInvolved=40))
    routing = incident["decisions"][0]
    assert routing["fallback"] is True and "测试" in routing["error"]
    assert routing["outputs"]["department"] == "GRID_CENTER"  # the document's default
    assert incident["status"] == "DISPATCHED" and incident["level"] == 1


async def test_a_missing_policy_falls_back_to_the_bundled_default(
    gql: GraphQLClient, world: IncidentWorld, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = app.state.graphql.runtime.registry

    def nothing_installed(kind: str, facts: Any, now: Any) -> Any:
        raise LookupError(f"no {kind} policy is installed")

    monkeypatch.setattr(registry, "decide", nothing_installed)
    incident = ok(await report(gql, world))
    assert [d["fallback"] for d in incident["decisions"]] == [True, True]
    assert incident["status"] == "DISPATCHED"
    assert incident["officer"]["code"] == world.members["leader"].code


async def test_a_report_writes_its_events_without_personal_data(
    gql: GraphQLClient, world: IncidentWorld, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    incident = ok(await report(gql, world, title="工人13812345678反映欠薪", description="身份证320102199001011234"))
    async with sessionmaker() as session:
        iid = await session.scalar(select(Incident.id).where(Incident.code == incident["code"]))
        events = list(await session.scalars(
            select(OutboxEvent).where(OutboxEvent.aggregate_type == "Incident", OutboxEvent.aggregate_id == iid)
            .order_by(OutboxEvent.id)
        ))
    assert [e.type for e in events] == ["incident.reported", "incident.dispatched"]
    text = str([e.payload for e in events])
    assert "13812345678" not in text and "320102199001011234" not in text
    assert events[0].payload["code"] == incident["code"] and events[0].area_path == world.grid.path
