"""A year of incidents (矛盾纠纷与隐患) with their timelines.

Every status appears: final states are dealt from fixed shares (mostly CLOSED),
then each incident is walked through the loop (``incident_sim``) and placed on
the calendar so that open ones are recent — some already overdue — and closed
ones spread over the year. Some are resolved on the spot by grid workers, some
returned by a department (退单), escalated (吹哨) or reopened (返工).

No ``DecisionRecord`` rows are written: the policy engine is built separately and
the timeline's ``decision_id`` stays empty for this history.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from domain.demo.common import (
    ANCHOR,
    HISTORY_START,
    World,
    dec,
    history_time,
    insert_ids,
    insert_plain,
    local_date,
    weighted,
)
from domain.demo.incident_sim import Plan, Sim, walk
from domain.demo.incident_text import TEMPLATES
from domain.enums import IncidentCategory as C
from domain.enums import IncidentSource as Src
from domain.enums import IncidentStatus as S
from domain.incidents.models import Incident, IncidentTimelineEntry
from domain.personal_data import encrypt

CATEGORY_WEIGHTS: dict[str, dict[C, float]] = {
    "绿色化工": {C.SAFETY_HAZARD: 22, C.FIRE_HAZARD: 14, C.ENVIRONMENT: 18, C.LABOR_DISPUTE: 12,
                 C.CONSTRUCTION_DISPUTE: 8, C.PUBLIC_SECURITY: 5, C.NEIGHBOURHOOD: 6, C.PETITION: 3,
                 C.ENTERPRISE_APPEAL: 7, C.OTHER: 5},
    "先进制造": {C.LABOR_DISPUTE: 20, C.SAFETY_HAZARD: 16, C.FIRE_HAZARD: 12, C.CONSTRUCTION_DISPUTE: 12,
                 C.ENVIRONMENT: 6, C.PUBLIC_SECURITY: 7, C.NEIGHBOURHOOD: 8, C.PETITION: 4,
                 C.ENTERPRISE_APPEAL: 9, C.OTHER: 6},
    "中外合作": {C.LABOR_DISPUTE: 15, C.ENTERPRISE_APPEAL: 15, C.SAFETY_HAZARD: 12, C.FIRE_HAZARD: 10,
                 C.ENVIRONMENT: 8, C.PUBLIC_SECURITY: 8, C.NEIGHBOURHOOD: 10, C.PETITION: 4,
                 C.CONSTRUCTION_DISPUTE: 8, C.OTHER: 10},
}
SEVERITY_WEIGHTS = {C.PETITION: (10, 40, 35, 15), C.OTHER: (60, 35, 5, 0)}
DEFAULT_SEVERITY = (40, 35, 18, 7)
SOURCE_WEIGHTS = {
    C.PETITION: {Src.HOTLINE: 50, Src.PARTNER: 35, Src.APP: 15},
    C.ENTERPRISE_APPEAL: {Src.ENTERPRISE: 60, Src.HOTLINE: 20, Src.APP: 20},
}
DEFAULT_SOURCES = {Src.APP: 45, Src.INSPECTION: 20, Src.HOTLINE: 15, Src.ENTERPRISE: 12, Src.PARTNER: 8}
SHARES = {S.REPORTED: 0.03, S.DISPATCHED: 0.06, S.ACCEPTED: 0.07, S.RESOLVED: 0.05, S.CANCELLED: 0.05}


def _people_and_amount(world: World, cat: C) -> tuple[int, Any]:
    rng = world.rng
    if cat == C.LABOR_DISPUTE:
        n = rng.choice((rng.randint(3, 15), rng.randint(3, 29), rng.randint(30, 60)))
        return n, dec(n * rng.randint(4, 15) * 1000)
    if cat == C.CONSTRUCTION_DISPUTE:
        return rng.randint(5, 80), dec(rng.randint(5, 200) * 10_000)
    if cat == C.PETITION:
        return rng.randint(1, 30), None
    span = {C.ENVIRONMENT: (0, 20), C.PUBLIC_SECURITY: (2, 6), C.NEIGHBOURHOOD: (2, 10), C.ENTERPRISE_APPEAL: (1, 1)}
    lo, hi = span.get(cat, (0, 0))
    return rng.randint(lo, hi), None


def _level(cat: C, severity: int, people: int) -> int:
    if cat == C.PETITION or severity >= 4 or (cat == C.LABOR_DISPUTE and people >= 30):
        return 3
    if cat == C.ENVIRONMENT and severity >= 3:
        return 3
    return 2 if severity == 3 else 1


def _plan(world: World, final: S) -> Plan:
    rng = world.rng
    grid = rng.choices(world.grids, weights=[len(g.enterprises) + 1 for g in world.grids])[0]
    cat = weighted(rng, CATEGORY_WEIGHTS[grid.park.park_type])
    project = None
    if cat == C.CONSTRUCTION_DISPUTE:
        project = rng.choice(grid.projects or world.projects)
        grid = project.grid
    title_t, desc_t = rng.choice(TEMPLATES[cat])
    enterprise = project.enterprise if project else None
    if enterprise is None and "{ent}" in title_t + desc_t:
        enterprise = rng.choice(grid.enterprises)
    severity = rng.choices((1, 2, 3, 4), weights=SEVERITY_WEIGHTS.get(cat, DEFAULT_SEVERITY))[0]
    people, amount = _people_and_amount(world, cat)
    fill = {"ent": enterprise.name if enterprise else "", "proj": project.name if project else "",
            "road": rng.choice(grid.park.roads), "grid": grid.name, "n": people,
            "wan": f"{float(amount or 0) / 10_000:.1f}".rstrip("0").rstrip("."), "months": rng.randint(2, 5)}
    source = weighted(rng, SOURCE_WEIGHTS.get(cat, DEFAULT_SOURCES))
    if source == Src.ENTERPRISE and enterprise is None:
        source = Src.APP
    reporter = None
    if source in (Src.APP, Src.INSPECTION):
        active = [p for p in grid.part_time if p.active] if source == Src.APP else []
        reporter = rng.choice(grid.workers() + active)
    labels = {Src.HOTLINE: "12345热线", Src.PARTNER: "区社会治理综合指挥平台",
              Src.ENTERPRISE: enterprise.contact_name if enterprise else "企业"}
    label = labels.get(source, reporter.name if reporter else "")
    level = _level(cat, severity, people)
    plan = Plan(final=final, grid=grid, category=cat, severity=severity, people=people, amount=amount,
                source=source, title=title_t.format(**fill), description=desc_t.format(**fill),
                enterprise=enterprise, project=project, reporter=reporter, reporter_label=label, level=level)
    closing = final in (S.RESOLVED, S.CLOSED)
    plan.on_site = (closing and reporter is not None and level == 1 and rng.random() < 0.5
                    and cat not in (C.PETITION, C.CONSTRUCTION_DISPUTE))
    plan.returned = level == 3 and rng.random() < (0.5 if final == S.REPORTED else 0.06)
    if level < 3 and rng.random() < 0.16:
        plan.escalate = rng.choices(("OVERDUE", "MANUAL", "SUPERVISED"), weights=(5, 3, 2))[0]
    if closing and not plan.on_site and rng.random() < 0.07:
        plan.reopen = rng.choice(("RESOLVED", "RESOLVED", "CLOSED"))
    return plan


def version(entries: list[dict[str, Any]]) -> int:
    """1 + the transitions after the report (entries that change the state or the level)."""
    return 1 + sum(1 for e in entries[1:]
                   if (e["from_status"], e["from_level"]) != (e["to_status"], e["to_level"]))


def _place(world: World, sim: Sim) -> datetime:
    """Choose the report time so the walk ends where its final state belongs."""
    rng = world.rng
    final, last = sim.plan.final, sim.entries[-1]["h"]
    if final in (S.CLOSED, S.CANCELLED):
        start = history_time(rng, HISTORY_START + timedelta(hours=2), ANCHOR - timedelta(days=2))
        overflow = start + timedelta(hours=last) - (ANCHOR - timedelta(hours=1))
        if overflow > timedelta(0):
            start -= overflow + timedelta(hours=rng.uniform(1, 48))
        return start.replace(microsecond=0)
    if final == S.REPORTED:
        end = ANCHOR - timedelta(hours=rng.uniform(0.3, 20))
    elif final == S.RESOLVED:
        end = ANCHOR - timedelta(hours=rng.uniform(2, 60))
    else:  # DISPATCHED, ACCEPTED: some already past their due time
        remaining = (sim.due or last) - last
        if rng.random() < 0.35:
            end = ANCHOR - timedelta(hours=remaining + rng.uniform(2, 120))
        else:
            end = ANCHOR - timedelta(hours=rng.uniform(0.05, 0.9) * remaining)
    return (end - timedelta(hours=last)).replace(microsecond=0)


def _row(world: World, sim: Sim, start: datetime) -> dict[str, Any]:
    p, rng = sim.plan, world.rng

    def at(h: float | None) -> datetime | None:
        return None if h is None else (start + timedelta(hours=h)).replace(microsecond=0)

    def last(action: str) -> float | None:
        return next((e["h"] for e in reversed(sim.entries) if e["action"] == action), None)

    status = sim.status
    first_dispatch = next((e["h"] for e in sim.entries if e["to_status"] == "DISPATCHED"), None)
    due_at, window = at(sim.due), at(sim.window_start)
    if status == S.REPORTED or p.on_site:
        due_at = window = None
    overdue = sim.overdue or (status in (S.DISPATCHED, S.ACCEPTED) and due_at is not None and due_at < ANCHOR)
    warned = None
    if due_at and window:
        warn = window + (due_at - window) * 0.8
        stop = {S.RESOLVED: at(last("RESOLVED")), S.CLOSED: at(last("RESOLVED")),
                S.CANCELLED: at(last("CANCELLED"))}.get(status, ANCHOR)
        warned = warn.replace(microsecond=0) if stop and warn <= stop else None
    lat, lon = p.grid.lat + rng.uniform(-0.002, 0.002), p.grid.lon + rng.uniform(-0.002, 0.002)
    occurred = start - timedelta(hours=rng.uniform(0.5, 72 if p.category == C.LABOR_DISPUTE else 24))
    return {
        "code": "", "title": p.title, "description": p.description, "category": p.category,
        "severity": p.severity, "people_involved": p.people, "amount_involved": p.amount,
        "grid_id": p.grid.id, "area_path": p.grid.path,
        "enterprise_id": p.enterprise.id if p.enterprise else None,
        "project_id": p.project.id if p.project else None,
        "location": p.enterprise.address if p.enterprise else f"临江区{rng.choice(p.grid.park.roads)}",
        "latitude": dec(lat, 6), "longitude": dec(lon, 6), "source": p.source,
        "occurred_at": occurred.replace(microsecond=0), "reported_at": start,
        "reporter_account_id": None, "reporter_member_id": p.reporter.id if p.reporter else None,
        "status": status, "level": sim.level,
        "department_id": sim.dept.id if sim.dept and status != S.REPORTED else None,
        "officer_id": sim.officer.id if sim.officer and status != S.REPORTED else None,
        "awaiting_manual": sim.awaiting_manual, "due_at": due_at, "due_window_started_at": window,
        "due_soon_warned_at": warned,
        "dispatched_at": at(first_dispatch) if status != S.REPORTED else None,
        "accepted_at": at(last("ACCEPTED")) if status in (S.ACCEPTED, S.RESOLVED, S.CLOSED) else None,
        "resolved_at": at(last("RESOLVED")) if status in (S.RESOLVED, S.CLOSED) else None,
        "closed_at": at(last("CLOSED")) if status == S.CLOSED else None,
        "cancelled_at": at(last("CANCELLED")) if status == S.CANCELLED else None,
        "resolved_on_site": p.on_site, "resolution": sim.resolution if status in (S.RESOLVED, S.CLOSED) else None,
        "satisfaction": sim.satisfaction if status == S.CLOSED else None,
        "feedback": sim.feedback if status == S.CLOSED else None,
        "reopen_count": sim.reopen_count, "escalations": sim.escalations, "was_overdue": overdue,
        "returned_by": list(sim.returned_by),
        "petitioner_cipher": encrypt(world.names.person(unique=False)) if p.category == C.PETITION else None,
        "merged_into_id": None, "client_request_id": None, "request_fingerprint": None,
        "version": version(sim.entries),
        "created_at": start, "updated_at": at(sim.entries[-1]["h"]),
    }


async def build_incidents(world: World) -> None:
    rng = world.rng
    n = rng.randint(480, 560)
    finals = [status for status, share in SHARES.items() for _ in range(max(4, round(share * n)))]
    finals += [S.CLOSED] * (n - len(finals))
    rng.shuffle(finals)

    walked: list[tuple[dict[str, Any], Sim, datetime]] = []
    for final in finals:
        sim = walk(world, _plan(world, final))
        start = _place(world, sim)
        walked.append((_row(world, sim, start), sim, start))
    walked.sort(key=lambda w: (w[2], w[0]["title"]))
    per_day: dict[str, int] = defaultdict(int)
    for row, _sim, start in walked:
        day = local_date(start).strftime("%Y%m%d")
        per_day[day] += 1
        row["code"] = f"SJ-{day}-{per_day[day]:04d}"

    for row, _sim, start in walked:
        tally = world.grid_month_incidents.setdefault((row["grid_id"], f"{local_date(start):%Y-%m}"), [0, 0])
        tally[0] += 1
        tally[1] += row["status"] in (S.RESOLVED, S.CLOSED)
    ids = await insert_ids(world.session, Incident, [w[0] for w in walked])
    timeline = [
        {"incident_id": i, "at": (start + timedelta(hours=e["h"])).replace(microsecond=0),
         "action": e["action"], "actor_account_id": None, "actor_name": e["actor_name"],
         "from_status": e["from_status"], "to_status": e["to_status"], "from_level": e["from_level"],
         "to_level": e["to_level"], "note": e["note"], "decision_id": None}
        for i, (_row_, sim, start) in zip(ids, walked, strict=True) for e in sim.entries
    ]
    await insert_plain(world.session, IncidentTimelineEntry, timeline)
    world.count("incidents", len(ids))
    world.count("incident_timeline", len(timeline))
