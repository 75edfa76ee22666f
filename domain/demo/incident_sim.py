"""Walks one incident through the closed loop and records its timeline.

Times are hours from the report; ``incidents`` places the walk on the calendar
afterwards. Routing follows the shape of the default policies: level 1 goes to
the park's grid centre with a worker of the grid as officer, level 2 to the
centre with the park's responder, level 3 to the district department of the
category with its responder; 72 / 48 / 24 hours to resolve.

The timeline uses the actions of ``domain.incidents.transitions.Action``: an
incident is dispatched (or QUEUED for manual dispatch) as it is reported; a grid
worker may file it already resolved on site; a return (RETURNED, 退单) sends it to
the manual queue, from which the park dispatches it by hand.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from domain.demo.common import DeptRef, EnterpriseRef, GridRef, PersonRef, ProjectRef, World
from domain.demo.incident_text import (
    CANCEL_REASONS,
    ESCALATION_NOTES,
    FEEDBACK,
    LEVEL_LABELS,
    ON_SITE,
    RESOLUTIONS,
    RETURN_REASONS,
)
from domain.enums import LABELS
from domain.enums import IncidentCategory as C
from domain.enums import IncidentSource
from domain.enums import IncidentStatus as S

LEVEL_HOURS = {1: 72, 2: 48, 3: 24}
DISTRICT_DEPARTMENT = {
    C.LABOR_DISPUTE: "LABOR", C.CONSTRUCTION_DISPUTE: "CONSTRUCTION", C.SAFETY_HAZARD: "EMERGENCY",
    C.FIRE_HAZARD: "FIRE", C.ENVIRONMENT: "ENVIRONMENT", C.PUBLIC_SECURITY: "POLICE",
    C.NEIGHBOURHOOD: "GOVERNANCE", C.PETITION: "PETITION", C.ENTERPRISE_APPEAL: "MARKET", C.OTHER: "URBAN",
}
# Where the park sends an incident a department returned (退单).
RETURN_TO = {
    "MARKET": "URBAN", "URBAN": "GOVERNANCE", "GOVERNANCE": "POLICE", "EMERGENCY": "FIRE", "FIRE": "EMERGENCY",
    "ENVIRONMENT": "URBAN", "LABOR": "CONSTRUCTION", "CONSTRUCTION": "LABOR", "POLICE": "GOVERNANCE",
    "PETITION": "GOVERNANCE",
}
AUTO = "系统（自动分流）"
SWEEPER = "系统（时限监控）"


@dataclass
class Plan:
    final: S
    grid: GridRef
    category: C
    severity: int
    people: int
    amount: Decimal | None
    source: IncidentSource
    title: str
    description: str
    enterprise: EnterpriseRef | None
    project: ProjectRef | None
    reporter: PersonRef | None
    reporter_label: str
    level: int
    on_site: bool = False
    returned: bool = False
    escalate: str | None = None
    reopen: str | None = None  # None, "RESOLVED" or "CLOSED": the state it is reopened from


@dataclass
class Sim:
    world: World
    plan: Plan
    t: float = 0.0
    status: S | None = None
    level: int = 1
    dept: DeptRef | None = None
    officer: PersonRef | None = None
    due: float | None = None
    window_start: float | None = None
    overdue: bool = False
    escalations: int = 0
    reopen_count: int = 0
    returned_by: list[str] = field(default_factory=list)
    awaiting_manual: bool = False
    resolution: str | None = None
    satisfaction: int | None = None
    feedback: str | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rng(self) -> random.Random:
        return self.world.rng

    def log(self, action: str, to: S, actor: str, note: str, *, from_level: int | None = None) -> None:
        """Append a timeline entry; levels are recorded on every entry (from → current)."""
        if from_level is None and self.status is not None:
            from_level = self.level
        self.entries.append({"h": self.t, "action": action, "actor_name": actor,
                             "from_status": self.status.value if self.status else None, "to_status": to.value,
                             "from_level": from_level, "to_level": self.level, "note": note})
        self.status = to

    def queue(self, note: str) -> None:
        """QUEUED: the incident waits for manual dispatch (no change of state)."""
        self.awaiting_manual = True
        self.log("QUEUED", S.REPORTED, AUTO, note)

    def wait(self, lo: float, hi: float) -> None:
        self.t += self.rng.uniform(lo, hi)

    def end_window(self) -> None:
        if self.due is not None and self.t > self.due:
            self.overdue = True

    def open_window(self) -> None:
        self.window_start, self.due = self.t, self.t + LEVEL_HOURS[self.level]

    def route(self, level: int, dept_code: str | None = None) -> tuple[DeptRef, PersonRef]:
        grid = self.plan.grid
        if level == 3 or dept_code:
            dept = self.world.departments[dept_code or DISTRICT_DEPARTMENT[self.plan.category]]
            assert dept.responder is not None
            return dept, dept.responder
        assert grid.park.center is not None and grid.park.responder is not None
        if level == 2:
            return grid.park.center, grid.park.responder
        return grid.park.center, self.rng.choice(grid.workers())

    # --- steps ------------------------------------------------------------------------

    def report(self) -> None:
        p = self.plan
        self.level = p.level
        self.log("REPORTED", S.REPORTED, p.reporter_label, f"{LABELS[p.source.value]}上报：{p.title}")

    def dispatch(self, *, manual: bool = False, dept_code: str | None = None) -> None:
        self.dept, self.officer = self.route(self.level, dept_code)
        self.open_window()
        if manual:
            park = self.plan.grid.park
            actor = park.responder.name if park.responder else "园区网格中心"
            note = f"人工派单至{self.dept.name}，责任人{self.officer.name}。"
        else:
            actor = AUTO
            note = (f"按分流规则派至{self.dept.name}，{LEVEL_LABELS[self.level]}，"
                    f"责任人{self.officer.name}，限{LEVEL_HOURS[self.level]}小时内办结。")
        self.log("DISPATCHED", S.DISPATCHED, actor, note)
        self.awaiting_manual = False

    def return_dispatch(self) -> None:
        assert self.dept is not None
        self.returned_by.append(self.dept.code)
        actor = self.dept.responder.name if self.dept.responder else self.dept.name
        self.log("RETURNED", S.REPORTED, actor, f"{self.dept.code} 退单：{self.rng.choice(RETURN_REASONS)}。")
        self.dept = self.officer = None
        self.due = self.window_start = None
        self.queue("重新分流仍指向退单部门，转人工派单。")

    def accept(self) -> None:
        assert self.officer is not None and self.due is not None and self.window_start is not None
        self.wait(0.1, 0.12 * (self.due - self.window_start))
        self.log("ACCEPTED", S.ACCEPTED, self.officer.name, "已接单，安排人员现场核查。")

    def escalate(self, trigger: str) -> None:
        assert self.due is not None and self.window_start is not None
        if trigger == "OVERDUE":
            self.t = max(self.t, self.due) + self.rng.uniform(0.02, 0.3)
            actor = SWEEPER
        elif trigger == "SUPERVISED":
            self.wait(0.2, 0.6 * (self.due - self.window_start))
            secretary = self.plan.grid.park.secretary
            actor = secretary.name if secretary else "园区"
        else:
            self.wait(0.2, 0.6 * (self.due - self.window_start))
            actor = self.officer.name if self.officer and trigger == "MANUAL" else AUTO
        self.end_window()
        new = self.level + 1
        note = ESCALATION_NOTES[trigger].format(label=LEVEL_LABELS[new])
        old, self.level = self.level, new
        self.dept, self.officer = self.route(new)
        self.open_window()
        self.escalations += 1
        self.log("ESCALATED", S.DISPATCHED, actor, f"{note}责任人{self.officer.name}。", from_level=old)

    def resolve(self) -> None:
        assert self.officer is not None and self.due is not None and self.window_start is not None
        window = self.due - self.window_start
        if self.rng.random() < 0.12:
            self.t = self.due + self.rng.uniform(0.05, 0.6) * window
        else:
            self.t = max(self.t + 0.2, self.window_start + self.rng.uniform(0.15, 0.92) * window)
        self.end_window()
        self.resolution = self.rng.choice(RESOLUTIONS[self.plan.category])
        self.log("RESOLVED", S.RESOLVED, self.officer.name, self.resolution)

    def resolve_on_site(self) -> None:
        """Filed already settled: the report and the resolution are one step (网格员自行办结)."""
        reporter = self.plan.reporter
        assert reporter is not None
        self.officer = reporter
        self.resolution = self.rng.choice(ON_SITE)
        self.log("RESOLVED", S.RESOLVED, reporter.name, f"网格员自行办结：{self.resolution}")

    def close(self) -> None:
        self.wait(2.0, 60.0)
        score = self.rng.choices((5, 4, 3, 2, 1), weights=(55, 30, 10, 4, 1))[0]
        if self.reopen_count:
            score = min(score, self.rng.choice((3, 4, 4, 5)))
        self.satisfaction, self.feedback = score, self.rng.choice(FEEDBACK[score])
        self.log("CLOSED", S.CLOSED, self.visitor(), f"电话回访，满意度{score}分：{self.feedback}")

    def reopen(self) -> None:
        self.wait(6.0, 72.0)
        note = ("当事人再次反映问题复发，重新办理。" if self.status == S.CLOSED
                else "回访发现问题未彻底解决，退回重办。")
        self.satisfaction = self.feedback = None
        self.reopen_count += 1
        self.open_window()
        self.log("REOPENED", S.DISPATCHED, self.visitor(), note)

    def cancel(self) -> None:
        self.wait(0.5, 20.0)
        actor = self.plan.reporter.name if self.plan.reporter else self.visitor()
        self.log("CANCELLED", S.CANCELLED, actor, self.rng.choice(CANCEL_REASONS))

    def visitor(self) -> str:
        """Who calls back (回访): the grid's agency staff, else the park responder."""
        grid = self.plan.grid
        if grid.agency is not None:
            return grid.agency.name
        return grid.park.responder.name if grid.park.responder else "园区网格中心"


def walk(world: World, plan: Plan) -> Sim:
    """Simulate ``plan`` from its report to its final state."""
    s = Sim(world, plan)
    s.report()
    final = plan.final
    if final == S.REPORTED:
        if plan.returned:
            s.dispatch()
            s.wait(0.5, 6.0)
            s.return_dispatch()
        else:
            s.queue("规则要求人工派单。")
        return s
    if plan.on_site:
        s.resolve_on_site()
        if final == S.CLOSED:
            s.close()
        return s
    if final == S.CANCELLED and s.rng.random() < 0.4:
        s.cancel()
        return s
    s.dispatch()  # routed and dispatched as it is reported
    if plan.returned:
        s.wait(0.5, 6.0)
        code = s.dept.code if s.dept else ""
        s.return_dispatch()
        s.wait(0.3, 4.0)
        s.dispatch(manual=True, dept_code=RETURN_TO.get(code, "GOVERNANCE"))
    if final == S.DISPATCHED:
        if plan.escalate and s.level < 3:
            s.escalate(plan.escalate)
        return s
    if final == S.CANCELLED:
        s.cancel()
        return s
    s.accept()
    if plan.escalate and s.level < 3:
        s.escalate(plan.escalate)
        s.accept()
    if final == S.ACCEPTED:
        return s
    s.resolve()
    if plan.reopen:
        if plan.reopen == "CLOSED":
            s.close()
        s.reopen()
        if s.level < 3 and s.rng.random() < 0.5:
            s.escalate("REOPENED")
        s.accept()
        s.resolve()
    if final == S.RESOLVED:
        return s
    s.close()
    return s
