"""The closed loop as data: which step is legal from which state, and the guarded write.

States (SPEC §2): ``REPORTED → DISPATCHED → ACCEPTED → RESOLVED → CLOSED``, plus
``CANCELLED`` from any open state and the grid's own ``REPORTED → RESOLVED``
(``resolvedOnSite``). Reopening (返工) is a step, not a state:
``RESOLVED``/``CLOSED → DISPATCHED``. Every write of an incident goes through
``compare_and_set``: ``UPDATE … WHERE id = :id AND version = :seen`` — the same
statement on SQLite and PostgreSQL, so two officers racing on one incident cannot
both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain.enums import LABELS, IncidentStatus
from domain.errors import DomainError
from domain.incidents.models import Incident

S = IncidentStatus
OPEN: frozenset[IncidentStatus] = frozenset({S.REPORTED, S.DISPATCHED, S.ACCEPTED})


class Step(StrEnum):
    """What a person (or the clock) asks of an incident."""

    DISPATCH = "DISPATCH"
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    RESOLVE = "RESOLVE"
    RESOLVE_ON_SITE = "RESOLVE_ON_SITE"
    CLOSE = "CLOSE"
    REOPEN = "REOPEN"
    SUPERVISE = "SUPERVISE"
    ESCALATE = "ESCALATE"
    CANCEL = "CANCEL"
    REASSIGN = "REASSIGN"


ALLOWED_FROM: dict[Step, frozenset[IncidentStatus]] = {
    Step.DISPATCH: frozenset({S.REPORTED, S.DISPATCHED}),
    Step.ACCEPT: frozenset({S.DISPATCHED}),
    Step.REJECT: frozenset({S.DISPATCHED}),
    Step.RESOLVE: frozenset({S.ACCEPTED}),
    Step.RESOLVE_ON_SITE: frozenset({S.REPORTED}),
    Step.CLOSE: frozenset({S.RESOLVED}),
    Step.REOPEN: frozenset({S.RESOLVED, S.CLOSED}),
    Step.SUPERVISE: OPEN,
    Step.ESCALATE: OPEN,
    Step.CANCEL: OPEN,
    Step.REASSIGN: OPEN,
}

STEP_LABELS: dict[Step, str] = {
    Step.DISPATCH: "派单",
    Step.ACCEPT: "接单",
    Step.REJECT: "退单",
    Step.RESOLVE: "办结",
    Step.RESOLVE_ON_SITE: "现场自行办结",
    Step.CLOSE: "回访关闭",
    Step.REOPEN: "返工",
    Step.SUPERVISE: "督办",
    Step.ESCALATE: "吹哨升级",
    Step.CANCEL: "撤销",
    Step.REASSIGN: "重新指派",
}


class Action(StrEnum):
    """What a timeline entry records."""

    REPORTED = "REPORTED"
    QUEUED = "QUEUED"
    DISPATCHED = "DISPATCHED"
    ACCEPTED = "ACCEPTED"
    RETURNED = "RETURNED"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    REOPENED = "REOPENED"
    SUPERVISED = "SUPERVISED"
    ESCALATED = "ESCALATED"
    CLOCK_RESTARTED = "CLOCK_RESTARTED"
    DUE_SOON = "DUE_SOON"
    CANCELLED = "CANCELLED"
    REASSIGNED = "REASSIGNED"


ACTION_LABELS: dict[str, str] = {
    Action.REPORTED: "上报",
    Action.QUEUED: "转人工派单",
    Action.DISPATCHED: "派单",
    Action.ACCEPTED: "接单",
    Action.RETURNED: "退单",
    Action.RESOLVED: "办结",
    Action.CLOSED: "回访关闭",
    Action.REOPENED: "返工",
    Action.SUPERVISED: "督办",
    Action.ESCALATED: "吹哨升级",
    Action.CLOCK_RESTARTED: "重新计时",
    Action.DUE_SOON: "即将超期提醒",
    Action.CANCELLED: "撤销",
    Action.REASSIGNED: "重新指派责任人",
}

CONFLICT_MESSAGE = "事件已被他人同时处理，请刷新后重试"


@dataclass(frozen=True, slots=True)
class Seen:
    """The incident as the request found it on arrival (before any lock was taken)."""

    version: int
    status: IncidentStatus


def illegal(step: Step, status: IncidentStatus) -> DomainError:
    return DomainError(
        "ILLEGAL_TRANSITION",
        f"事件当前状态为“{LABELS.get(status.value, status.value)}”，不能{STEP_LABELS[step]}",
    )


def check(
    step: Step,
    incident: Incident,
    *,
    expected_version: int | None = None,
    seen: Seen | None = None,
) -> None:
    """Raise the user error a step deserves on this incident, or return.

    - ``expectedVersion`` given and stale: ``CONFLICT`` (the caller acted on an old view);
    - the step is not legal from the current state: ``CONFLICT`` when it was legal in
      the state the request found on arrival (it lost a race to another change),
      ``ILLEGAL_TRANSITION`` otherwise (it arrived after the state had moved on).
    """
    if expected_version is not None and expected_version != incident.version:
        raise DomainError("CONFLICT", CONFLICT_MESSAGE, "expectedVersion")
    allowed = ALLOWED_FROM[step]
    if incident.status not in allowed:
        if seen is not None and seen.version != incident.version and seen.status in allowed:
            raise DomainError("CONFLICT", CONFLICT_MESSAGE)
        raise illegal(step, incident.status)


async def compare_and_set(
    session: AsyncSession, incident: Incident, changes: dict[str, Any], *, now: datetime
) -> None:
    """Write ``changes`` only if nobody changed the incident since it was read.

    Bumps ``version``; on success the loaded object reflects the new row (without
    being marked dirty), on failure ``CONFLICT``.
    """
    values = {**changes, "version": incident.version + 1, "updated_at": now}
    result = await session.execute(
        update(Incident)
        .where(Incident.id == incident.id, Incident.version == incident.version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("CONFLICT", CONFLICT_MESSAGE)
    for key, value in values.items():
        set_committed_value(incident, key, value)
