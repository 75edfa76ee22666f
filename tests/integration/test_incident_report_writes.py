"""reportIncident writes every row in one statement on PostgreSQL — the reason it may run
without BEGIN/COMMIT there (``domain.db.make_sessionmaker(one_write_statement=True)``):
a second write added to the use case would no longer be atomic with the first, and
this test says so before anyone relies on it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.relay import expect_id
from domain.audit.models import AuditEntry
from domain.events.models import OutboxEvent
from domain.incidents.models import Incident, IncidentTimelineEntry
from domain.policies.models import DecisionRecord
from tests.conftest import GraphQLClient
from tests.factories import IncidentWorld
from tests.integration.incident_support import (
    ok,
    report,
    default_policies,  # noqa: F401 — fixture (autouse)
    world,  # noqa: F401 — fixture
)

WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@contextmanager
def writes(engine: AsyncEngine) -> Iterator[list[tuple[str, bool]]]:
    """The data-modifying statements run meanwhile, each with whether its connection
    was inside an explicit transaction (PostgreSQL)."""
    seen: list[tuple[str, bool]] = []

    def before(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if WRITES.search(statement):
            raw = conn.connection.dbapi_connection
            inner = getattr(raw, "_connection", None)
            in_tx = bool(inner.is_in_transaction()) if hasattr(inner, "is_in_transaction") else True
            seen.append((statement, in_tx))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


async def _rows(sm: async_sessionmaker[AsyncSession], incident_id: int) -> dict[str, int]:
    async with sm() as s:
        async def n(stmt: Any) -> int:
            return int(await s.scalar(stmt) or 0)

        return {
            "incident": await n(select(func.count()).select_from(Incident).where(Incident.id == incident_id)),
            "timeline": await n(select(func.count()).select_from(IncidentTimelineEntry)
                                .where(IncidentTimelineEntry.incident_id == incident_id)),
            "decisions": await n(select(func.count()).select_from(DecisionRecord)
                                 .where(DecisionRecord.subject_type == "incident",
                                        DecisionRecord.subject_id == incident_id)),
            "outbox": await n(select(func.count()).select_from(OutboxEvent)
                              .where(OutboxEvent.aggregate_type == "Incident",
                                     OutboxEvent.aggregate_id == incident_id)),
            "audit": await n(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "incident.report",
                                    AuditEntry.object_id == str(incident_id))),
        }


async def test_a_report_writes_every_row_in_one_statement_on_postgresql(
    gql: GraphQLClient, world: IncidentWorld, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    with writes(engine) as seen:
        payload = await report(gql, world)
    pk = expect_id(ok(payload)["id"], "Incident")
    assert pk is not None
    rows = await _rows(sessionmaker, pk)
    assert rows["incident"] == 1 and rows["audit"] == 1
    assert rows["timeline"] >= 2 and rows["decisions"] >= 1 and rows["outbox"] >= 1, rows
    if engine.dialect.name == "postgresql":
        assert len(seen) == 1, [s for s, _ in seen]
        # … and so it runs in autocommit: no BEGIN/COMMIT round trips around it.
        assert seen[0][1] is False
