"""Writing a new incident with everything that comes with it, in as few round trips as
the database allows.

A report writes one incident, its decisions (routing, officer assignment), its
timeline entries (which point at those decisions), its outbox events and an audit
row. On PostgreSQL that is **one statement** — data-modifying CTEs, the timeline's
``decision_id`` read from the decisions' ``RETURNING`` — built once per shape (how
many decisions, entries and events) with bind parameters, and sent on the driver's
connection (``domain.direct``). On SQLite, which has no
data-modifying CTEs, the same rows are written by one statement per table.

The rows are those ``deciding.record`` writes for every other change: the outbox
event carries the writing transaction's id, its payload scrubbed of personal data;
the audit row is the one ``domain.audit.service.record`` writes (before/after masked).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, null, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.models import AuditEntry
from domain.direct import Direct
from domain.events.models import OutboxEvent
from domain.incidents.models import Incident, IncidentTimelineEntry
from domain.policies.models import DecisionRecord

INCIDENTS = Incident.__table__
DECISIONS = DecisionRecord.__table__
TIMELINE = IncidentTimelineEntry.__table__
OUTBOX = OutboxEvent.__table__
AUDIT = AuditEntry.__table__

INCIDENT_COLUMNS = tuple(c.key for c in INCIDENTS.columns)
DECISION_COLUMNS = tuple(c.key for c in DECISIONS.columns if c.key != "id")
TIMELINE_COLUMNS = tuple(c.key for c in TIMELINE.columns if c.key not in ("id", "decision_id"))
OUTBOX_COLUMNS = tuple(c.key for c in OUTBOX.columns if c.key not in ("id", "txid"))
AUDIT_COLUMNS = tuple(c.key for c in AUDIT.columns if c.key != "id")
TXID = "pg_current_xact_id()::text::bigint"


@dataclass(frozen=True, slots=True)
class NewIncident:
    """The rows of one report. A timeline row's ``decision`` is an index into ``decisions``
    (or ``None``); the ids are the database's to give."""

    incident: dict[str, Any]
    decisions: Sequence[dict[str, Any]]
    timeline: Sequence[tuple[dict[str, Any], int | None]]
    events: Sequence[dict[str, Any]]
    audit: dict[str, Any]


def _params(prefix: str, table: Any, keys: Sequence[str]) -> dict[str, Any]:
    return {k: bindparam(f"{prefix}{k}", type_=table.c[k].type) for k in keys}


@lru_cache(maxsize=64)
def _statement(decisions: int, refs: tuple[int | None, ...], events: int) -> Direct:
    """``WITH i AS (INSERT incident), d AS (INSERT decisions RETURNING id), t AS (INSERT
    timeline entries …, (the k-th id of d)), o AS (INSERT outbox events), a AS (INSERT
    audit) SELECT id FROM d ORDER BY id`` — built once per shape (a report always has at
    least one decision), cached by SQLAlchemy once compiled."""
    incident = insert(INCIDENTS).values(**_params("i_", INCIDENTS, INCIDENT_COLUMNS))
    ctes = [incident.returning(INCIDENTS.c.id).cte("i")]
    # Several rows of one table: INSERT … SELECT … UNION ALL SELECT …, so their ids follow
    # the rows' order (decisions, timeline and outbox are all read in id order). A
    # multi-row VALUES would do the same but SQLAlchemy does not cache it; one CTE per
    # row would not do: sibling CTEs run in no particular order.
    made = _insert_rows(DECISIONS, [_params(f"d{k}_", DECISIONS, DECISION_COLUMNS) for k in range(decisions)], "d")
    ctes.append(made)

    def decision(k: int) -> Any:  # the k-th decision row's id
        return select(made.c.id).order_by(made.c.id).offset(k).limit(1).scalar_subquery()

    timeline_rows = []
    for j, ref in enumerate(refs):
        row = _params(f"t{j}_", TIMELINE, TIMELINE_COLUMNS)
        row["decision_id"] = decision(ref) if ref is not None else null()
        timeline_rows.append(row)
    ctes.append(_insert_rows(TIMELINE, timeline_rows, "t"))
    if events:
        outbox_rows = [{**_params(f"o{j}_", OUTBOX, OUTBOX_COLUMNS), "txid": text(TXID)} for j in range(events)]
        ctes.append(_insert_rows(OUTBOX, outbox_rows, "o"))
    ctes.append(insert(AUDIT).values(**_params("a_", AUDIT, AUDIT_COLUMNS)).returning(AUDIT.c.id).cte("a"))
    return Direct(select(made.c.id).order_by(made.c.id).add_cte(*ctes))


def _insert_rows(table: Any, rows: list[dict[str, Any]], name: str) -> Any:
    keys = list(rows[0])
    selects = [select(*(row[k] for k in keys)) for row in rows]
    source = selects[0] if len(selects) == 1 else union_all(*selects)
    return insert(table).from_select(keys, source).returning(table.c.id).cte(name)


async def write_new_incident(session: AsyncSession, new: NewIncident) -> list[int]:
    """Write the rows of one report; returns the decisions' ids, in order."""
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        return await _one_statement(session, new)
    return await _statement_per_table(session, new)


async def _one_statement(session: AsyncSession, new: NewIncident) -> list[int]:
    refs = tuple(ref for _, ref in new.timeline)
    stmt = _statement(len(new.decisions), refs, len(new.events))
    params: dict[str, Any] = {f"i_{k}": new.incident.get(k) for k in INCIDENT_COLUMNS}
    for k, row in enumerate(new.decisions):
        params.update({f"d{k}_{c}": row.get(c) for c in DECISION_COLUMNS})
    for j, (row, _) in enumerate(new.timeline):
        params.update({f"t{j}_{c}": row.get(c) for c in TIMELINE_COLUMNS})
    for j, row in enumerate(new.events):
        params.update({f"o{j}_{c}": row.get(c) for c in OUTBOX_COLUMNS})
    params.update({f"a_{c}": new.audit.get(c) for c in AUDIT_COLUMNS})
    return [int(r[0]) for r in await stmt.rows(session, params)]


async def _statement_per_table(session: AsyncSession, new: NewIncident) -> list[int]:
    await session.execute(insert(INCIDENTS), [new.incident])
    ids: list[int] = []
    if new.decisions:
        result = await session.execute(
            insert(DECISIONS).returning(DECISIONS.c.id, sort_by_parameter_order=True), list(new.decisions)
        )
        ids = [int(r[0]) for r in result.all()]
    await session.execute(
        insert(TIMELINE),
        [{**row, "decision_id": ids[ref] if ref is not None else None} for row, ref in new.timeline],
    )
    if new.events:
        await session.execute(insert(OUTBOX), [{**row, "txid": 0} for row in new.events])
    await session.execute(insert(AUDIT), [new.audit])
    return ids
