"""Members who leave (deactivated or moved): their open incidents are re-assigned by
the officer policy, or queued — never orphaned (SPEC §2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import IncidentStatus
from domain.errors import DomainError
from domain.incidents import repository as repo
from domain.incidents.deciding import (
    DEPS_KEY,
    SYSTEM_ACTOR,
    Actor,
    Deps,
    Entry,
    audit_snapshot,
    record,
    store_decisions,
)
from domain.incidents.models import Incident
from domain.incidents.routing import assign_officer, codes_of, surroundings
from domain.incidents.transitions import OPEN, Action, compare_and_set
from domain.org.models import Member

S = IncidentStatus


async def reassign_member_incidents(
    session: AsyncSession,
    deps: Deps,
    member_id: int,
    *,
    actor: Actor = SYSTEM_ACTOR,
    note: str | None = None,
) -> list[Incident]:
    """Re-assign every open incident of ``member_id`` through the officer policy
    (excluding that member), or queue it for manual dispatch when nobody is found.
    Returns the incidents this call changed (not those somebody else took meanwhile)."""
    await deps.ready()
    changed: list[Incident] = []
    for incident in await repo.open_incidents_of_member(session, member_id):
        if await reassign_one(session, deps, incident, member_id, actor=actor, note=note):
            changed.append(incident)
    return changed


async def reassign_one(
    session: AsyncSession,
    deps: Deps,
    incident: Incident,
    member_id: int,
    *,
    actor: Actor = SYSTEM_ACTOR,
    note: str | None = None,
    attempts: int = 3,
) -> bool:
    """Re-assign one incident away from ``member_id``; ``False`` if, by the time it was
    written, somebody else had already moved it on (another officer, or closed).

    A ``CONFLICT`` (changed since it was read) is retried from a fresh read; an attempt
    writes nothing before its version check passes, so a retried one leaves no trace."""
    for attempt in range(1, attempts + 1):
        try:
            await _reassign(session, deps, incident, member_id, actor=actor, note=note)
            return True
        except DomainError as exc:
            if exc.code != "CONFLICT":
                raise
            await session.refresh(incident)
            if incident.officer_id != member_id or incident.status not in OPEN:
                return False
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


async def _reassign(
    session: AsyncSession, deps: Deps, incident: Incident, member_id: int, *, actor: Actor, note: str | None
) -> None:
    now = deps.clock.now()
    before = audit_snapshot(incident)
    s = await surroundings(session, incident, now)
    od, found = await assign_officer(
        session, deps, s.facts(incident, now), place=s.place, department=s.department, level=incident.level,
        now=now, exclude_member_id=member_id,
    )
    from_status = incident.status.value
    if found.found:
        # A new officer has not accepted it: an ACCEPTED incident is DISPATCHED again.
        changes: dict[str, Any] = {"officer_id": found.member_id, "accepted_at": None}
        if incident.status is S.ACCEPTED:
            changes["status"] = S.DISPATCHED
    else:
        changes = {"officer_id": None, "status": S.REPORTED, "awaiting_manual": True, "accepted_at": None}
    # The version check first: a CONFLICT leaves nothing of this attempt behind.
    await compare_and_set(session, incident, changes, now=now)
    [decision_id] = await store_decisions(session, incident.id, [(od, found.note())])
    why = note or "原责任人停用或调离"
    entry = Entry(
        Action.REASSIGNED if found.found else Action.QUEUED, from_status, incident.status.value,
        incident.level, incident.level, note=f"{why}；{found.note()}", decision_id=decision_id,
    )
    await record(
        session, incident, [entry], actor=actor, now=now, codes=await codes_of(session, incident, s.place),
        audit_before=before, audit_action="incident.reassign",
    )


_default_deps: Deps | None = None


def configure_default(deps: Deps) -> None:
    """The deps the member hook uses when its session does not carry its own."""
    global _default_deps
    _default_deps = deps


async def on_member_unavailable(
    session: AsyncSession,
    member: Member,
    *,
    reason: str,
    previous_area_id: int | None = None,
    previous_department_id: int | None = None,
    note: str | None = None,
) -> None:
    """Hook for ``domain.org.members.on_member_unavailable`` (deactivated or moved)."""
    deps = session.info.get(DEPS_KEY) or _default_deps
    why = {"DEACTIVATED": "原责任人已停用", "MOVED": "原责任人已调离"}.get(reason, "原责任人不再可用")
    if note:
        why = f"{why}（{note}）"
    if deps is None:
        deps = Deps(decider=_NoPolicies())
    await reassign_member_incidents(session, deps, member.id, note=why)


class _NoPolicies:
    """No runtime configured (a script without one): every decision falls back to the default."""

    def decide(self, kind: Any, facts: dict[str, Any], now: datetime) -> Any:
        raise RuntimeError("没有加载规则运行时")


def install_member_hook() -> None:
    from domain.org import members

    if on_member_unavailable not in members.on_member_unavailable:
        members.on_member_unavailable.append(on_member_unavailable)


install_member_hook()
