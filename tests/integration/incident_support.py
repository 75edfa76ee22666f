"""Shared by the incident tests (issue 6): GraphQL documents, fixtures, helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.relay import to_global_id
from domain.clock import FrozenClock
from domain.enums import PolicyKind
from domain.incidents.models import Incident
from domain.policies.runtime import default_document
from tests.conftest import GraphQLClient
from tests.factories import IncidentWorld, make_incident_world

INCIDENT_FIELDS = """
  id code title status level version awaitingManual resolvedOnSite reopenCount escalations wasOverdue
  returnedBy satisfaction dueAt dueAtLocal reportedAt reportedAtLocal overdue
  department { code } officer { code } grid { code } enterprise { name }
  timeline { action fromStatus toStatus fromLevel toLevel note actorName decision { kind } }
  lastTimelineEntry { action }
  decisions { kind version firedRules outputs fallback error correct note }
"""

PAYLOAD = f"incident {{ {INCIDENT_FIELDS} }} userErrors {{ field code message }}"

REPORT = f"""
mutation Report($input: ReportIncidentInput!) {{
  reportIncident(input: $input) {{ {PAYLOAD} replayed possibleDuplicates {{ code }} }}
}}
"""


def _mutation(name: str, input_type: str) -> str:
    return f"""
mutation {name[0].upper() + name[1:]}($input: {input_type}!) {{
  {name}(input: $input) {{ {PAYLOAD} }}
}}
"""


DISPATCH = _mutation("dispatchIncident", "DispatchIncidentInput")
ACCEPT = _mutation("acceptIncident", "AcceptIncidentInput")
REJECT = _mutation("rejectDispatch", "RejectDispatchInput")
RESOLVE = _mutation("resolveIncident", "ResolveIncidentInput")
CLOSE = _mutation("closeIncident", "CloseIncidentInput")
REOPEN = _mutation("reopenIncident", "ReopenIncidentInput")
SUPERVISE = _mutation("superviseIncident", "SuperviseIncidentInput")
ESCALATE = _mutation("escalateIncident", "EscalateIncidentInput")
CANCEL = _mutation("cancelIncident", "CancelIncidentInput")

INCIDENT = f"query Incident($id: ID!) {{ incident(id: $id) {{ {INCIDENT_FIELDS} }} }}"


def gid(type_name: str, obj: Any) -> str:
    return to_global_id(type_name, obj if isinstance(obj, int) else obj.id)


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


def ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload["userErrors"]
    incident: dict[str, Any] = payload["incident"]
    return incident


def actions(incident: dict[str, Any]) -> list[str]:
    return [t["action"] for t in incident["timeline"]]


def report_input(world: IncidentWorld, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "企业拖欠工资",
        "description": "两名工人反映上月工资未发",
        "category": "LABOR_DISPUTE",
        "severity": 1,
        "peopleInvolved": 2,
        "gridId": gid("Area", world.grid),
    }
    data.update(overrides)
    return data


async def report(gql: GraphQLClient, world: IncidentWorld, **overrides: Any) -> dict[str, Any]:
    data = await gql(REPORT, {"input": report_input(world, **overrides)})
    return data["reportIncident"]


async def step(gql: GraphQLClient, document: str, **input: Any) -> dict[str, Any]:
    data = await gql(document, {"input": input})
    (payload,) = data.values()
    return payload  # type: ignore[no-any-return]


@pytest.fixture
async def world(sessionmaker: async_sessionmaker[AsyncSession]) -> IncidentWorld:
    async with sessionmaker.begin() as session:
        return await make_incident_world(session)


INCIDENT_KINDS = (PolicyKind.INCIDENT_ROUTING, PolicyKind.INCIDENT_ESCALATION, PolicyKind.OFFICER_ASSIGNMENT)


@pytest.fixture(autouse=True)
async def default_policies(app: Any) -> None:
    """These tests read as the bundled default policies decide. Other tests of the session
    may publish versions of their own, so the app's runtime is given the defaults (in
    memory only: the database's versions are left as they are)."""
    runtime = app.state.graphql.runtime
    await runtime.ensure_loaded()
    for kind in INCIDENT_KINDS:
        doc = default_document(kind)
        with runtime.registry.hold(kind.value) as policy:
            current, version = policy.document, policy.version
        if current != doc:
            runtime.registry.install(doc, version)


@pytest.fixture
def clock(app: Any) -> Iterator[FrozenClock]:
    """The app's clock, frozen at the present minute and moved by the test."""
    graphql = app.state.graphql
    original = graphql.clock
    frozen = FrozenClock(datetime.now(UTC).replace(second=0, microsecond=0))
    graphql.clock = frozen
    yield frozen
    graphql.clock = original


async def load(sessionmaker: async_sessionmaker[AsyncSession], code: str) -> Incident:
    async with sessionmaker() as session:
        found = await session.scalar(select(Incident).where(Incident.code == code))
    assert found is not None
    return found
