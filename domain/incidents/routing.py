"""Routing, officer assignment and escalation of one incident, as the policies decide.

- ``route``: ``incident-routing`` → department (``GRID_CENTER`` = the own park's
  centre), level, dueInHours, manual.
- ``assign_officer``: ``officer-assignment`` → a selector, resolved by
  ``officers.assign`` (fallbacks and the park's responder included).
- ``escalate``: ``incident-escalation`` on a trigger, with POLICY.md's semantics —
  a level not above the current one escalates nothing and restarts the clock; a
  raise without a department re-runs routing at the new level and takes only its
  department; officer assignment then runs for the new level and department.
  Level 3 is the ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import IncidentStatus, PolicyKind
from domain.errors import DomainError
from domain.incidents import officers
from domain.incidents import repository as repo
from domain.incidents.deciding import Actor, Deps, Entry, decide, record, store_decisions
from domain.incidents.facts import (
    History,
    Place,
    escalation_facts,
    incident_facts,
    officer_facts,
    policy_code,
)
from domain.incidents.models import Incident
from domain.incidents.transitions import Action, compare_and_set
from domain.org.models import Department, Enterprise, Member
from rules.engine import Decision

MAX_LEVEL = 3
DEFAULT_DUE_HOURS = 72.0


def level_of(outputs: dict[str, Any] | None, default: int = 1) -> int:
    value = (outputs or {}).get("level")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return max(1, min(MAX_LEVEL, int(value)))


def due_hours_of(outputs: dict[str, Any] | None, default: float = DEFAULT_DUE_HOURS) -> float:
    value = (outputs or {}).get("dueInHours")
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return default
    return float(value)


def clock_fields(now: datetime, hours: float) -> dict[str, Any]:
    """A new SLA window: due in ``hours`` wall-clock hours, warned again at 80 %."""
    return {
        "due_at": now + timedelta(hours=hours),
        "due_window_started_at": now,
        "due_soon_warned_at": None,
    }


@dataclass(slots=True)
class Surroundings:
    """What the facts of an incident are built from (loaded per decision)."""

    place: Place
    enterprise: Enterprise | None
    department: Department | None
    history: History

    def facts(self, incident: Incident, now: datetime, *, first_routing: bool = False) -> dict[str, Any]:
        return incident_facts(
            incident,
            place=self.place,
            enterprise=self.enterprise,
            history=self.history,
            now=now,
            department_code=policy_code(self.department, self.place),
            first_routing=first_routing,
        )


async def surroundings(session: AsyncSession, incident: Incident, now: datetime) -> Surroundings:
    found = await repo.place_and_history(
        session,
        grid_id=incident.grid_id,
        enterprise_id=incident.enterprise_id,
        category=incident.category,
        now=now,
        exclude_id=incident.id,
    )
    if found is None:
        raise DomainError("INVALID", "事件所属网格已不存在", "gridId")
    place, history = found
    enterprise = await repo.enterprise(session, incident.enterprise_id)
    department = await session.get(Department, incident.department_id) if incident.department_id else None
    return Surroundings(place, enterprise, department, history)


@dataclass(slots=True)
class Routed:
    decision: Decision
    code: str | None
    department: Department | None
    level: int
    due_hours: float
    manual: bool

    def note(self) -> str:
        if self.department is None:
            return f"未找到部门“{self.code}”，转人工派单" if self.code else "未决定承办部门，转人工派单"
        shown = self.code if self.code == self.department.code else f"{self.code} → {self.department.code}"
        return f"承办部门 {shown}，{self.level} 级，限 {self.due_hours:g} 小时" + ("，人工派单" if self.manual else "")


async def route(
    session: AsyncSession, deps: Deps, facts: dict[str, Any], *, place: Place, now: datetime
) -> Routed:
    d = decide(deps, PolicyKind.INCIDENT_ROUTING, facts, now)
    code = (d.outputs or {}).get("department")
    code = code if isinstance(code, str) and code else None
    department = await repo.department_for(session, code, place)
    return Routed(
        decision=d,
        code=code,
        department=department,
        level=level_of(d.outputs),
        due_hours=due_hours_of(d.outputs),
        manual=bool((d.outputs or {}).get("manual")),
    )


async def assign_officer(
    session: AsyncSession,
    deps: Deps,
    base: dict[str, Any],
    *,
    place: Place,
    department: Department | None,
    level: int,
    now: datetime,
    exclude_member_id: int | None = None,
) -> tuple[Decision, officers.Assignment]:
    facts = officer_facts(
        base, department_code=policy_code(department, place), level=level, department=department
    )
    d = decide(deps, PolicyKind.OFFICER_ASSIGNMENT, facts, now)
    found = await officers.assign(
        session, d.outputs, place=place, department=department, exclude_member_id=exclude_member_id
    )
    return d, found


async def codes_of(session: AsyncSession, incident: Incident, place: Place | None = None) -> dict[str, str | None]:
    """Codes (never names) of the grid, department and officer, for event payloads."""
    grid_code = place.grid.code if place is not None else None
    if grid_code is None:
        from domain.org.models import Area

        grid = await session.get(Area, incident.grid_id)
        grid_code = grid.code if grid else None
    dept = await session.get(Department, incident.department_id) if incident.department_id else None
    officer = await session.get(Member, incident.officer_id) if incident.officer_id else None
    return {"grid": grid_code, "department": dept.code if dept else None, "officer": officer.code if officer else None}


def _trigger_label(trigger: str) -> str:
    return {"OVERDUE": "超期", "MANUAL": "手动吹哨", "SUPERVISED": "督办", "REOPENED": "返工"}.get(trigger, trigger)


async def escalate(
    session: AsyncSession,
    deps: Deps,
    incident: Incident,
    *,
    trigger: str,
    actor: Actor,
    now: datetime,
    note: str | None = None,
) -> bool:
    """Ask ``incident-escalation`` and apply it; ``True`` if the level was raised."""
    s = await surroundings(session, incident, now)
    base = s.facts(incident, now)
    d = decide(deps, PolicyKind.INCIDENT_ESCALATION, escalation_facts(base, trigger=trigger), now)
    raw_level = (d.outputs or {}).get("level")
    target = level_of(d.outputs, default=0) if raw_level is not None else 0
    hours = due_hours_of(d.outputs, default=48.0)
    before_audit = _audit_before(incident)
    from_status, from_level = incident.status.value, incident.level
    overdue = {"was_overdue": True} if trigger == "OVERDUE" else {}
    why = f"{_trigger_label(trigger)}" + (f"：{note}" if note else "")

    if target <= incident.level:
        [esc_id] = await store_decisions(session, incident.id, [(d, f"未升级，重新计时 {hours:g} 小时")])
        await compare_and_set(session, incident, {**clock_fields(now, hours), **overdue}, now=now)
        entry = Entry(
            Action.CLOCK_RESTARTED, from_status, from_status, from_level, from_level,
            note=f"{why}；不升级，重新计时 {hours:g} 小时", decision_id=esc_id,
            extra={"trigger": trigger},
        )
        await record(
            session, incident, [entry], actor=actor, now=now, codes=await codes_of(session, incident, s.place),
            audit_before=before_audit, audit_action="incident.escalate",
        )
        return False

    new_level = min(target, MAX_LEVEL)
    decided: list[tuple[Decision, str | None]] = [(d, f"{from_level} 级 → {new_level} 级，限 {hours:g} 小时")]
    code = (d.outputs or {}).get("department")
    if isinstance(code, str) and code:
        department = await repo.department_for(session, code, s.place)
    else:
        facts = {**base, "incident": {**base["incident"], "level": new_level}}
        routed = await route(session, deps, facts, place=s.place, now=now)
        code, department = routed.code, routed.department
        decided.append((routed.decision, "升级后重新分流（只取承办部门）：" + routed.note()))
    returned = code in (incident.returned_by or [])
    officer_id: int | None = None
    if department is not None and not returned:
        od, found = await assign_officer(
            session, deps, base, place=s.place, department=department, level=new_level, now=now
        )
        decided.append((od, found.note()))
        officer_id = found.member_id
    ids = await store_decisions(session, incident.id, decided)
    dispatched = officer_id is not None
    status = IncidentStatus.DISPATCHED if dispatched else IncidentStatus.REPORTED
    await compare_and_set(
        session,
        incident,
        {
            "level": new_level,
            "department_id": department.id if department is not None and not returned else None,
            "officer_id": officer_id,
            "status": status,
            "awaiting_manual": not dispatched,
            "dispatched_at": now if dispatched else incident.dispatched_at,
            # Raised to a new officer (or to the queue): nobody has accepted it at this level.
            "accepted_at": None,
            "escalations": incident.escalations + 1,
            **clock_fields(now, hours),
            **overdue,
        },
        now=now,
    )
    entries = [
        Entry(
            Action.ESCALATED, from_status, status.value, from_level, new_level,
            note=f"{why}；{from_level} 级升至 {new_level} 级", decision_id=ids[0], extra={"trigger": trigger},
        ),
        Entry(
            Action.DISPATCHED if dispatched else Action.QUEUED, status.value, status.value, new_level, new_level,
            note=None if dispatched else ("升级后的承办部门曾退单，转人工派单" if returned else "未找到承办部门或责任人，转人工派单"),
            decision_id=ids[-1],
        ),
    ]
    await record(
        session, incident, entries, actor=actor, now=now, codes=await codes_of(session, incident, s.place),
        audit_before=before_audit, audit_action="incident.escalate",
    )
    return True


def _audit_before(incident: Incident) -> dict[str, Any]:
    from domain.incidents.deciding import audit_snapshot

    return audit_snapshot(incident)
