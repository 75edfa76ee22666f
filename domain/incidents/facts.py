"""The facts a policy sees about an incident (POLICY.md "Facts each kind sees").

Built per decision from the incident, its place in the area tree, its enterprise,
two history counts and the clock — nothing cached between requests. Department
codes are shown as policies write them: the grid service-management centre of the
incident's own park is ``GRID_CENTER``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.enums import AreaKind, MemberRole
from domain.incidents.models import Incident
from domain.org.models import Area, Department, Enterprise, Member
from rules.clock import time_facts

GRID_CENTER = "GRID_CENTER"


@dataclass(frozen=True, slots=True)
class Place:
    """An incident's grid and every area above it (district first), and — when it was
    loaded with them — the park's grid service-management centre and, per area of the
    chain and member role, the active holder an officer selector would pick there
    (``holders``: fewest open incidents, then lowest code; ``None`` when not loaded)."""

    chain: tuple[Area, ...]
    center: Department | None = None
    holders: Mapping[tuple[int, MemberRole], Member] | None = None

    @property
    def grid(self) -> Area:
        return self.chain[-1]

    def of_kind(self, kind: AreaKind) -> Area | None:
        """The nearest area of ``kind``, the grid itself included."""
        for area in reversed(self.chain):
            if area.kind is kind:
                return area
        return None

    @property
    def park(self) -> Area | None:
        return self.of_kind(AreaKind.PARK)


@dataclass(frozen=True, slots=True)
class History:
    enterprise_incidents_30d: int = 0
    grid_same_category_7d: int = 0


def policy_code(department: Department | None, place: Place) -> str | None:
    """A department's code as a policy names it (``GRID_CENTER`` for the own park's centre)."""
    if department is None:
        return None
    park = place.park
    if park is not None and department.level.value == "PARK_OFFICE" and department.park_id == park.id:
        return GRID_CENTER
    return department.code


def _hours(delta_seconds: float) -> float:
    return round(max(delta_seconds, 0.0) / 3600.0, 4)


def incident_facts(
    incident: Incident,
    *,
    place: Place,
    enterprise: Enterprise | None,
    history: History,
    now: datetime,
    department_code: str | None = None,
    returned_by: list[str] | None = None,
    first_routing: bool = False,
) -> dict[str, Any]:
    """Facts shared by the three incident kinds.

    ``first_routing``: the report's own routing, where ``incident.level`` and
    ``incident.department`` are absent (POLICY.md).
    """
    reported = incident.reported_at or now
    inc: dict[str, Any] = {
        "category": incident.category.value,
        "severity": incident.severity,
        "peopleInvolved": incident.people_involved,
        "source": incident.source.value,
        "text": f"{incident.title}\n{incident.description or ''}".strip(),
        "resolvedOnSite": bool(incident.resolved_on_site),
        "returnedBy": list(returned_by if returned_by is not None else incident.returned_by or []),
        "status": incident.status.value,
        "ageHours": _hours((now - reported).total_seconds()),
        "overdueHours": _hours((now - incident.due_at).total_seconds()) if incident.due_at else 0.0,
        "escalations": incident.escalations or 0,
        "reopenCount": incident.reopen_count or 0,
    }
    if incident.amount_involved is not None:
        inc["amountInvolved"] = float(incident.amount_involved)
    if not first_routing:
        inc["level"] = incident.level
        if department_code is not None:
            inc["department"] = department_code
    grid = place.grid
    facts: dict[str, Any] = {
        "incident": inc,
        "grid": {"code": grid.code, "kind": grid.kind.value},
        "history": {
            "enterpriseIncidents30d": history.enterprise_incidents_30d,
            "gridSameCategory7d": history.grid_same_category_7d,
        },
        "time": time_facts(now),
    }
    park = place.park
    if park is not None:
        facts["park"] = {"code": park.code, **({"type": park.park_type} if park.park_type else {})}
    if enterprise is not None:
        ent: dict[str, Any] = {"employees": enterprise.employees, "hasPartyOrg": bool(enterprise.has_party_org)}
        if enterprise.industry:
            ent["industry"] = enterprise.industry
        facts["enterprise"] = ent
    return facts


def escalation_facts(base: dict[str, Any], *, trigger: str) -> dict[str, Any]:
    return {**base, "trigger": trigger}


def officer_facts(
    base: dict[str, Any], *, department_code: str | None, level: int, department: Department | None
) -> dict[str, Any]:
    decision: dict[str, Any] = {"level": level}
    if department_code is not None:
        decision["department"] = department_code
    facts = {**base, "decision": decision}
    if department is not None:
        facts["department"] = {"level": department.level.value}
    return facts
