"""The SLA clock as a FrozenClock moves: a due-soon warning at 80 % once per window,
escalation through the policy when time runs out, never twice for one deadline; and
``gridgov sla sweep`` runs one pass."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FrozenClock
from domain.events.models import OutboxEvent
from domain.incidents import sla
from domain.incidents.models import Incident
from tests.conftest import Backend, GraphQLClient
from tests.factories import IncidentWorld
from tests.integration.incident_support import (
    INCIDENT,
    actions,
    clock,  # noqa: F401 — fixture
    ok,
    report,
    default_policies,  # noqa: F401 — fixture (autouse)
    world,  # noqa: F401 — fixture
)


async def sweep(app: Any, sessionmaker: async_sessionmaker[AsyncSession], world: IncidentWorld) -> sla.SweepResult:
    """One pass over this test's park only (other tests' incidents are not ours to move)."""
    return await sla.sweep(sessionmaker, app.state.graphql.incident_deps, under_path=world.park.path)


async def fetch(gql: GraphQLClient, incident: dict[str, Any]) -> dict[str, Any]:
    return (await gql(INCIDENT, {"id": incident["id"]}))["incident"]  # type: ignore[no-any-return]


async def test_the_clock_warns_then_escalates_and_never_twice_for_one_deadline(
    gql: GraphQLClient, world: IncidentWorld, app: Any, clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    incident = ok(await report(gql, world))  # level 1, 72 hours
    assert (await sweep(app, sessionmaker, world)).as_dict() == {
        "escalated": 0, "restarted": 0, "warned": 0, "failed": []
    }

    clock.advance(hours=57)  # 79 %: nothing yet
    assert (await sweep(app, sessionmaker, world)).warned == 0
    clock.advance(hours=1)  # 80.5 %
    assert (await sweep(app, sessionmaker, world)).warned == 1
    assert (await sweep(app, sessionmaker, world)).warned == 0  # once per window
    now = await fetch(gql, incident)
    assert actions(now)[-1] == "DUE_SOON" and now["level"] == 1 and not now["overdue"]

    clock.advance(hours=14)  # 72 hours: due
    result = await sweep(app, sessionmaker, world)
    assert (result.escalated, result.warned) == (1, 0)
    assert (await sweep(app, sessionmaker, world)).escalated == 0  # not twice for one deadline
    now = await fetch(gql, incident)
    assert now["level"] == 2 and now["wasOverdue"] is True and not now["overdue"]
    assert now["officer"]["code"] == world.members["park_responder"].code
    escalated = [t for t in now["timeline"] if t["action"] == "ESCALATED"]
    assert len(escalated) == 1 and escalated[0]["actorName"] == "SLA 时钟" and "超期" in escalated[0]["note"]
    assert [d for d in now["decisions"] if d["kind"] == "incident-escalation"][0]["firedRules"] == ["to-park"]

    clock.advance(hours=40)  # a new 48-hour window: warned again at 80 %
    assert (await sweep(app, sessionmaker, world)).warned == 1
    clock.advance(hours=8)
    assert (await sweep(app, sessionmaker, world)).escalated == 1
    now = await fetch(gql, incident)
    assert now["level"] == 3 and now["department"]["code"] == "LABOR"

    clock.advance(hours=72)  # overdue at level 3: the policy holds it and restarts the clock
    result = await sweep(app, sessionmaker, world)
    assert (result.escalated, result.restarted) == (0, 1)
    assert (await sweep(app, sessionmaker, world)).restarted == 0
    now = await fetch(gql, incident)
    assert now["level"] == 3 and actions(now)[-1] == "CLOCK_RESTARTED"

    async with sessionmaker() as session:
        iid = await session.scalar(select(Incident.id).where(Incident.code == incident["code"]))
        types = list(await session.scalars(
            select(OutboxEvent.type).where(OutboxEvent.aggregate_id == iid, OutboxEvent.aggregate_type == "Incident")
        ))
    assert types.count("incident.due_soon") == 2 and types.count("incident.escalated") == 2
    assert types.count("incident.clock_restarted") == 1


async def test_resolved_incidents_stop_the_clock(
    gql: GraphQLClient, world: IncidentWorld, app: Any, clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    incident = ok(await report(gql, world, resolvedOnSite=True, resolution="当场解决", category="NEIGHBOURHOOD"))
    clock.advance(days=30)
    result = await sweep(app, sessionmaker, world)
    assert (result.escalated, result.warned) == (0, 0)
    assert (await fetch(gql, incident))["status"] == "RESOLVED"


async def test_concurrent_sweepers_escalate_each_incident_once(
    gql: GraphQLClient, world: IncidentWorld, app: Any, clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    incidents = [ok(await report(gql, world, title=f"欠薪{i}")) for i in range(6)]
    clock.advance(hours=73)
    results = await asyncio.gather(*(sweep(app, sessionmaker, world) for _ in range(3)))
    assert sum(r.escalated for r in results) == 6
    for incident in incidents:
        now = await fetch(gql, incident)
        assert now["level"] == incident["level"] + 1 and actions(now).count("ESCALATED") == 1


def test_the_command_line_runs_one_pass(
    backend: Backend, world: IncidentWorld, gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from api.cli import main
    from domain.settings import get_settings

    monkeypatch.setenv("GRIDGOV_DATABASE_URL", backend.url)
    get_settings.cache_clear()
    try:
        assert main(["sla", "sweep", "--area", world.park.code]) == 0
    finally:
        get_settings.cache_clear()
    out = json.loads(capsys.readouterr().out)
    assert out["escalated"] == 0 and out["failed"] == []


async def test_the_command_line_sweeps_at_a_given_time(
    gql: GraphQLClient, world: IncidentWorld, backend: Backend, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from domain.incidents.cli import sweep_once

    incident = ok(await report(gql, world))
    due = (await fetch(gql, incident))["dueAt"]
    from datetime import datetime

    later = (datetime.fromisoformat(due) + timedelta(minutes=1)).isoformat()
    out = await sweep_once(backend.url, area_code=world.park.code, now=later)
    assert out["escalated"] == 1
    assert (await fetch(gql, incident))["level"] == 2
