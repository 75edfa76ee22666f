"""What every incident use case shares: who acts, how policies are asked, and how a
change is recorded (timeline entry, decision records, outbox event, audit row) in
the caller's transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import service as audit
from domain.clock import Clock, SystemClock
from domain.enums import AccountRole, IncidentCategory, PolicyKind
from domain.events.models import OutboxEvent
from domain.incidents.models import Incident, IncidentTimelineEntry
from domain.incidents.transitions import Action
from domain.personal_data import json_ready, scrub_deep
from domain.policies.models import DecisionRecord
from domain.scope import SYSTEM, Scope
from rules.engine import Decision

log = logging.getLogger("gridgov.incidents")

SUBJECT = "incident"
DEPS_KEY = "gridgov_incident_deps"


class Decider(Protocol):
    """``domain.policies.runtime.PolicyRuntime`` (or a test double)."""

    def decide(self, kind: PolicyKind, facts: dict[str, Any], now: datetime) -> Decision: ...


@dataclass(frozen=True)
class Deps:
    """The process-wide collaborators of the incident use cases."""

    decider: Decider
    clock: Clock = field(default_factory=SystemClock)

    async def ready(self) -> None:
        """Make sure the policies are loaded (the runtime loads lazily outside ``serve``)."""
        ensure = getattr(self.decider, "ensure_loaded", None)
        if ensure is not None:
            await ensure()


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: an account (and the member it is linked to), or the system itself."""

    scope: Scope
    name: str | None = None

    @property
    def account_id(self) -> int | None:
        return self.scope.account_id

    @property
    def member_id(self) -> int | None:
        return self.scope.member_id

    @property
    def role(self) -> AccountRole | None:
        return self.scope.role


SYSTEM_ACTOR = Actor(SYSTEM, "系统")
CLOCK_ACTOR = Actor(SYSTEM, "SLA 时钟")


# --- policies -------------------------------------------------------------------------


def decide(deps: Deps, kind: PolicyKind, facts: dict[str, Any], now: datetime) -> Decision:
    """Ask a policy. A failure inside the engine never fails the operation that asked:
    the decision is the kind's bundled default, ``fallback`` with the ``error``."""
    try:
        return deps.decider.decide(kind, facts, now)
    except Exception as exc:  # noqa: BLE001 — POLICY.md "Decisions"
        log.exception("policy %s failed; deciding with the bundled default", kind.value)
        return fallback(kind, facts, now, f"{type(exc).__name__}: {exc}")


def fallback(kind: PolicyKind, facts: dict[str, Any], now: datetime, error: str) -> Decision:
    from domain.policies.runtime import default_document

    outputs = dict(default_document(kind).get("default") or {})
    return Decision(
        kind=kind.value,
        version=0,
        outputs=outputs,
        items=None,
        fired_rules=[],
        fallback=True,
        error=error,
        facts=facts,
        now=now,
    )


_DECISIONS = insert(DecisionRecord.__table__).returning(DecisionRecord.__table__.c.id, sort_by_parameter_order=True)


async def store_decisions(
    session: AsyncSession, incident_id: int, decided: Sequence[tuple[Decision, str | None]]
) -> list[int]:
    """Keep each decision with what it decided (one statement), returning their ids in order."""
    return [r.id for r in await store_decision_records(session, incident_id, decided)]


async def store_decision_records(
    session: AsyncSession, incident_id: int, decided: Sequence[tuple[Decision, str | None]]
) -> list[DecisionRecord]:
    """``store_decisions``, returning the records as written (for the response to show
    without reading them back)."""
    if not decided:
        return []
    rows = decision_rows(incident_id, decided)
    result = await session.execute(_DECISIONS, rows)
    return [DecisionRecord(id=int(r[0]), **row) for r, row in zip(result.all(), rows, strict=True)]


def decision_rows(incident_id: int, decided: Sequence[tuple[Decision, str | None]]) -> list[dict[str, Any]]:
    return [
        {
            "kind": PolicyKind(d.kind),
            "policy_version": d.version,
            "subject_type": SUBJECT,
            "subject_id": incident_id,
            "outputs": json_ready(d.outputs) if d.outputs is not None else None,
            "items": json_ready(d.items) if d.items is not None else None,
            "fired_rules": list(d.fired_rules),
            "fallback": bool(d.fallback),
            "error": d.error,
            # Decided on the real text; kept (and served by ``decisions { facts }``) scrubbed.
            "facts": json_ready(d.facts, scrub_text=True),
            "decided_at": d.now,
            "correct": None,
            "note": note,
        }
        for d, note in decided
    ]


# --- recording a change ---------------------------------------------------------------


@dataclass(slots=True)
class Entry:
    """One timeline entry and, unless ``event`` is ``None``, its outbox event."""

    action: Action
    from_status: str | None = None
    to_status: str | None = None
    from_level: int | None = None
    to_level: int | None = None
    note: str | None = None
    decision_id: int | None = None
    event: str | None = ""  # "" = derived from the action; None = no event
    extra: dict[str, Any] = field(default_factory=dict)


def event_payload(incident: Incident, entry: Entry, *, codes: dict[str, str | None]) -> dict[str, Any]:
    """What partners receive: codes and states, never personal data (and for 信访 not
    even the title: the petitioner's identity is confidential to the department)."""
    payload: dict[str, Any] = {
        "code": incident.code,
        "action": entry.action.value,
        "status": incident.status.value,
        "fromStatus": entry.from_status,
        "toStatus": entry.to_status,
        "level": incident.level,
        "fromLevel": entry.from_level,
        "category": incident.category.value,
        "severity": incident.severity,
        "source": incident.source.value,
        "grid": codes.get("grid"),
        "department": codes.get("department"),
        "officer": codes.get("officer"),
        "dueAt": incident.due_at.isoformat() if incident.due_at else None,
        "reportedAt": incident.reported_at.isoformat() if incident.reported_at else None,
        "awaitingManual": bool(incident.awaiting_manual),
        "version": incident.version,
    }
    if incident.category is not IncidentCategory.PETITION:
        payload["title"] = incident.title
    payload.update(entry.extra)
    return payload


_TIMELINE = insert(IncidentTimelineEntry.__table__).returning(
    IncidentTimelineEntry.__table__.c.id, sort_by_parameter_order=True
)
_OUTBOX = OutboxEvent.__table__


def _outbox_statement(session: AsyncSession) -> Any:
    """Outbox rows carry the writing transaction's id (SPEC §4): computed by PostgreSQL in
    the insert itself (no extra round trip), 0 on SQLite (writers are serialised)."""
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        return insert(_OUTBOX).values(txid=text("pg_current_xact_id()::text::bigint"))
    return insert(_OUTBOX).values(txid=0)


async def record(
    session: AsyncSession,
    incident: Incident,
    entries: Sequence[Entry],
    *,
    actor: Actor,
    now: datetime,
    codes: dict[str, str | None],
    audit_before: dict[str, Any] | None = None,
    audit_action: str | None = None,
) -> list[IncidentTimelineEntry]:
    """Append the timeline entries, their outbox events (``domain.events`` semantics: in
    this transaction, payload scrubbed of personal data) and one audit row. Returns the
    entries as written."""
    rows = timeline_rows(incident, entries, actor=actor, now=now)
    ids = (await session.execute(_TIMELINE, rows)).all()
    events = event_rows(incident, entries, codes=codes, now=now)
    if events:
        await session.execute(_outbox_statement(session), events)
    await audit_change(
        session,
        actor=actor,
        action=audit_action or f"incident.{entries[0].action.value.lower()}",
        incident=incident,
        before=audit_before,
    )
    return [IncidentTimelineEntry(id=int(i[0]), **row) for i, row in zip(ids, rows, strict=True)]


def timeline_rows(
    incident: Incident, entries: Sequence[Entry], *, actor: Actor, now: datetime
) -> list[dict[str, Any]]:
    return [
        {
            "incident_id": incident.id,
            "at": now,
            "action": e.action.value,
            "actor_account_id": actor.account_id,
            "actor_name": actor.name,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "from_level": e.from_level,
            "to_level": e.to_level,
            "note": e.note,
            "decision_id": e.decision_id,
        }
        for e in entries
    ]


def event_rows(
    incident: Incident, entries: Sequence[Entry], *, codes: dict[str, str | None], now: datetime
) -> list[dict[str, Any]]:
    """Outbox rows (without ``txid``, which the database supplies) of the entries that have
    an event."""
    return [
        {
            "type": e.event or f"incident.{e.action.value.lower()}",
            "aggregate_type": "Incident",
            "aggregate_id": incident.id,
            "area_path": incident.area_path,
            "level": incident.level,
            "payload": scrub_payload(event_payload(incident, e, codes=codes)),
            "created_at": now,
        }
        for e in entries
        if e.event is not None
    ]


def audit_row(
    *, actor: Actor, action: str, incident: Incident, before: dict[str, Any] | None, now: datetime
) -> dict[str, Any]:
    """The row ``domain.audit.service.record`` writes, for writers that batch it."""
    return {
        "at": now,
        "account_id": actor.account_id,
        "action": action,
        "object_type": "Incident",
        "object_id": str(incident.id),
        "before": audit.mask_document(before) if before is not None else None,
        "after": audit.mask_document(audit_snapshot(incident)),
        "request_id": None,
    }


# Free text of event payloads and stored facts, ID and phone numbers masked (SPEC §5).
scrub_payload = scrub_deep


AUDITED_FIELDS = (
    "code", "status", "level", "department_id", "officer_id", "awaiting_manual", "due_at",
    "reopen_count", "escalations", "was_overdue", "returned_by", "satisfaction", "version",
)


def audit_snapshot(incident: Incident) -> dict[str, Any]:
    return audit.snapshot(incident, fields=AUDITED_FIELDS)


async def audit_change(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    incident: Incident,
    before: dict[str, Any] | None,
) -> None:
    """The one call point into the audit log for incidents."""
    await audit.record(
        session,
        actor=actor.scope,
        action=action,
        object_type="Incident",
        object_id=incident.id,
        before=before,
        after=audit_snapshot(incident),
    )


def fingerprint(payload: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a request's payload (for ``clientRequestId``)."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
