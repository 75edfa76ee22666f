"""The SLA clock: escalate what ran out of time, warn what is about to (SPEC §2).

A sweep runs in every worker process (``run_forever``) and on demand
(``gridgov sla sweep``). It is safe with several workers and across restarts
because it claims one incident per transaction with a row lock and re-checks the
condition in the claim itself:

- **overdue** — ``status`` open and ``due_at <= now``: escalated through the
  ``incident-escalation`` policy with trigger ``OVERDUE`` and marked
  ``was_overdue``. Every escalation, and every "no escalation" (which restarts the
  clock), sets a new ``due_at`` in the future, so the same deadline is never
  escalated twice.
- **due soon** — open, ``due_soon_warned_at`` unset and 80 % of the window
  (``due_window_started_at`` → ``due_at``) gone: one event and timeline entry, once
  per window (a new window clears the mark).

PostgreSQL claims with ``FOR UPDATE SKIP LOCKED`` (workers never wait on each
other, and a row another worker just escalated no longer matches); SQLite
serialises writers with ``BEGIN IMMEDIATE``, so a claim is a plain select.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Select, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.db import UTCDateTime
from domain.incidents import repository as repo
from domain.incidents.deciding import CLOCK_ACTOR, Deps, Entry, record
from domain.incidents.models import Incident
from domain.incidents.routing import codes_of, escalate
from domain.incidents.transitions import Action
from rules.clock import SHANGHAI

log = logging.getLogger("gridgov.sla")


class SlaSettings(BaseSettings):
    """``GRIDGOV_SLA_INTERVAL`` (seconds between sweeps), ``GRIDGOV_SLA_ENABLED``,
    ``GRIDGOV_SLA_WARN_FRACTION`` (share of the window after which to warn)."""

    model_config = SettingsConfigDict(env_prefix="GRIDGOV_SLA_", extra="ignore")

    interval: float = 30.0
    enabled: bool = True
    warn_fraction: float = 0.8
    max_per_sweep: int = 1000


@dataclass(slots=True)
class SweepResult:
    escalated: int = 0
    restarted: int = 0
    warned: int = 0
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"escalated": self.escalated, "restarted": self.restarted, "warned": self.warned, "failed": self.failed}


def _open(stmt: Select[tuple[Incident]], under_path: str | None, exclude: set[int]) -> Select[tuple[Incident]]:
    stmt = stmt.where(Incident.status.in_(repo.OPEN_STATUSES))
    if under_path is not None:
        stmt = stmt.where(Incident.area_path.like(f"{under_path}%"))
    if exclude:
        stmt = stmt.where(Incident.id.not_in(exclude))
    return stmt


async def claim_overdue(
    session: AsyncSession, now: datetime, *, under_path: str | None = None, exclude: set[int] | None = None
) -> Incident | None:
    stmt = _open(select(Incident), under_path, exclude or set()).where(
        Incident.due_at.is_not(None), Incident.due_at <= now
    )
    stmt = stmt.order_by(Incident.due_at, Incident.id).limit(1).with_for_update(skip_locked=True)
    return await session.scalar(stmt)


def _warn_point_reached(dialect: str, fraction: float) -> object:
    """SQL: ``due_window_started_at + fraction × (due_at − due_window_started_at) <= :now``."""
    now = bindparam("now", type_=UTCDateTime())
    if dialect == "postgresql":
        return text(
            "incidents.due_window_started_at"
            f" + (incidents.due_at - incidents.due_window_started_at) * {float(fraction)!r} <= :now"
        ).bindparams(now)
    start, due = func.julianday(Incident.due_window_started_at), func.julianday(Incident.due_at)
    return start + (due - start) * fraction <= func.julianday(now)


async def claim_due_soon(
    session: AsyncSession,
    now: datetime,
    *,
    fraction: float,
    under_path: str | None = None,
    exclude: set[int] | None = None,
) -> Incident | None:
    dialect = session.bind.dialect.name  # type: ignore[union-attr]
    stmt = _open(select(Incident), under_path, exclude or set()).where(
        Incident.due_at.is_not(None),
        Incident.due_at > now,
        Incident.due_window_started_at.is_not(None),
        Incident.due_soon_warned_at.is_(None),
        _warn_point_reached(dialect, fraction),  # type: ignore[arg-type]
    )
    stmt = stmt.order_by(Incident.due_at, Incident.id).limit(1).with_for_update(skip_locked=True)
    return await session.scalar(stmt, {"now": now})


async def warn_due_soon(session: AsyncSession, incident: Incident, *, now: datetime) -> bool:
    """Mark the window warned (once: the update re-checks the mark and the deadline) and
    record it. The version is left alone — a warning changes nothing anyone acts on."""
    result = await session.execute(
        update(Incident)
        .where(
            Incident.id == incident.id,
            Incident.due_soon_warned_at.is_(None),
            Incident.due_at == incident.due_at,
        )
        .values(due_soon_warned_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    assert incident.due_at is not None
    left = max((incident.due_at - now).total_seconds(), 0) / 3600
    local = incident.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    entry = Entry(
        Action.DUE_SOON, incident.status.value, incident.status.value, incident.level, incident.level,
        note=f"即将超期：剩余 {left:.1f} 小时（{local} 前办结）", extra={"hoursLeft": round(left, 2)},
    )
    await record(
        session, incident, [entry], actor=CLOCK_ACTOR, now=now, codes=await codes_of(session, incident),
        audit_action="incident.due_soon",
    )
    return True


async def sweep(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: Deps,
    *,
    under_path: str | None = None,
    settings: SlaSettings | None = None,
) -> SweepResult:
    """One pass: escalate every overdue incident, then warn every due-soon one.

    Each incident is its own transaction; one that fails is logged, left as it was
    (the next sweep retries it) and skipped for the rest of this pass."""
    settings = settings or SlaSettings()
    await deps.ready()
    now = deps.clock.now()
    result = SweepResult()
    failed: set[int] = set()
    skipped: set[int] = set()
    for _ in range(settings.max_per_sweep):
        claimed: int | None = None
        try:
            async with sessionmaker.begin() as session:
                incident = await claim_overdue(session, now, under_path=under_path, exclude=failed)
                if incident is None:
                    break
                claimed = incident.id
                raised = await escalate(session, deps, incident, trigger="OVERDUE", actor=CLOCK_ACTOR, now=now)
            if raised:
                result.escalated += 1
            else:
                result.restarted += 1
        except Exception:  # noqa: BLE001 — one bad incident must not stop the clock
            if claimed is None:
                raise
            log.exception("SLA escalation of incident %s failed", claimed)
            failed.add(claimed)
    for _ in range(settings.max_per_sweep):
        claimed = None
        try:
            async with sessionmaker.begin() as session:
                incident = await claim_due_soon(
                    session, now, fraction=settings.warn_fraction, under_path=under_path, exclude=failed | skipped
                )
                if incident is None:
                    break
                claimed = incident.id
                if await warn_due_soon(session, incident, now=now):
                    result.warned += 1
                else:
                    skipped.add(claimed)
        except Exception:  # noqa: BLE001
            if claimed is None:
                raise
            log.exception("due-soon warning of incident %s failed", claimed)
            failed.add(claimed)
    result.failed = sorted(failed)
    if result.escalated or result.restarted or result.warned:
        log.info("SLA sweep: %s", result.as_dict())
    return result


async def run_forever(
    sessionmaker: async_sessionmaker[AsyncSession], deps: Deps, *, settings: SlaSettings | None = None
) -> None:
    """The background task of one worker process."""
    settings = settings or SlaSettings()
    while True:
        try:
            await sweep(sessionmaker, deps, settings=settings)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 — keep sweeping; the database may be back next time
            log.exception("SLA sweep failed")
        await asyncio.sleep(settings.interval)
