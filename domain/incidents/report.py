"""Reporting an incident (SPEC §2): validate, route, assign, dispatch — decided by the
active policies and recorded in one transaction (``writes.write_new_incident``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.direct import detached
from domain.enums import AccountRole, AreaKind, IncidentCategory, IncidentSource, IncidentStatus
from domain.errors import DomainError
from domain.incidents import repository as repo
from domain.incidents.deciding import (
    Actor,
    Deps,
    Entry,
    audit_row,
    decision_rows,
    event_rows,
    fingerprint,
    timeline_rows,
)
from domain.incidents.guards import (
    MAX_NOTE,
    REPORTER_ROLES,
    Problems,
    forbidden,
    may_resolve_on_site,
    not_found,
)
from domain.incidents.models import Incident, IncidentTimelineEntry
from domain.incidents.routing import Surroundings, assign_officer, clock_fields, route
from domain.incidents.transitions import Action
from domain.incidents.writes import INCIDENT_COLUMNS, NewIncident, write_new_incident
from domain.org.models import Area, Department, Enterprise, Member, Project
from domain.policies.models import DecisionRecord
from domain.scope import Scope
from rules.clock import SHANGHAI

S = IncidentStatus

# ``amount_involved`` is NUMERIC(14, 2): at most 12 digits before the point, 2 after.
MAX_AMOUNT = Decimal(10) ** 12
CENTS = Decimal("0.01")


def shanghai_time(value: datetime | None) -> datetime | None:
    """A date-time input without an offset is Asia/Shanghai wall-clock time (POLICY.md's
    convention); one with an offset is kept as given."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=SHANGHAI)


def representable(value: datetime) -> bool:
    """Whether an aware date-time can be stored (converted to UTC without leaving years 1–9999)."""
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        return False
    return True


def amount_problem(value: Decimal | None) -> str | None:
    """Why an amount cannot be stored as NUMERIC(14, 2) yuan, or ``None``."""
    if value is None:
        return None
    if not value.is_finite() or value.is_signed() and value != 0 or value >= MAX_AMOUNT:
        return "涉及金额应为不小于 0、小于一万亿的金额（元）"
    if value != value.quantize(CENTS):
        return "涉及金额最多两位小数"
    return None


@dataclass(frozen=True, slots=True)
class ReportInput:
    title: str
    category: IncidentCategory
    grid_id: int | None = None
    description: str = ""
    severity: int = 1
    people_involved: int = 0
    amount_involved: Decimal | None = None
    enterprise_id: int | None = None
    project_id: int | None = None
    location: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    source: IncidentSource | None = None
    occurred_at: datetime | None = None
    resolved_on_site: bool = False
    resolution: str | None = None
    client_request_id: str | None = None

    def payload(self) -> dict[str, Any]:
        """What a retry must repeat exactly (everything but the request id). Every field is
        a scalar: read one by one rather than through ``dataclasses.asdict``, which deep-copies
        each value (≈ 1.5 % of a report's CPU, docs/benchmarks.md)."""
        data = {name: getattr(self, name) for name in _PAYLOAD_FIELDS}
        data["amount_involved"] = str(self.amount_involved) if self.amount_involved is not None else None
        data["occurred_at"] = self.occurred_at.isoformat() if self.occurred_at else None
        data["title"] = self.title.strip()
        data["description"] = (self.description or "").strip()
        return data


_PAYLOAD_FIELDS = tuple(f.name for f in dataclass_fields(ReportInput) if f.name != "client_request_id")


def validate_report(data: ReportInput, now: datetime) -> None:
    """Every problem of the input at once, each naming its field."""
    p = Problems()
    title = data.title.strip()
    if not title:
        p.add("title", "请填写事件标题")
    elif len(title) > 200:
        p.add("title", "事件标题不能超过 200 个字")
    if len(data.description or "") > 5000:
        p.add("description", "事件描述不能超过 5000 个字")
    if not 1 <= data.severity <= 4:
        p.add("severity", "严重程度应为 1–4（1 一般，4 重大）")
    if not 0 <= data.people_involved <= 1_000_000:
        p.add("peopleInvolved", "涉及人数不能为负数")
    if (why := amount_problem(data.amount_involved)) is not None:
        p.add("amountInvolved", why)
    if data.location is not None and len(data.location) > 200:
        p.add("location", "地点不能超过 200 个字")
    if data.latitude is not None and not -90 <= data.latitude <= 90:
        p.add("latitude", "纬度应在 -90 到 90 之间")
    if data.longitude is not None and not -180 <= data.longitude <= 180:
        p.add("longitude", "经度应在 -180 到 180 之间")
    if data.occurred_at is not None:
        # Naive times are made Shanghai time before validation (``report``).
        if data.occurred_at.tzinfo is None or not representable(data.occurred_at):
            p.add("occurredAt", "发生时间无效")
        elif data.occurred_at > now + timedelta(minutes=10):
            p.add("occurredAt", "发生时间不能晚于当前时间")
    if data.client_request_id is not None and not 1 <= len(data.client_request_id.strip()) <= 64:
        p.add("clientRequestId", "客户端请求号长度应为 1–64 个字符")
    if data.resolved_on_site and not (data.resolution or "").strip():
        p.add("resolution", "现场自行办结须填写处理结果")
    if data.resolution is not None and len(data.resolution) > MAX_NOTE:
        p.add("resolution", f"处理结果不能超过 {MAX_NOTE} 个字")
    p.check()


@dataclass(frozen=True, slots=True)
class Reported:
    """The incident, whether this call created it, and what was written with it (so the
    response can show them without reading them back)."""

    incident: Incident
    created: bool
    grid: Area | None = None
    department: Department | None = None
    officer: Member | None = None
    decisions: list[DecisionRecord] = field(default_factory=list)
    timeline: list[IncidentTimelineEntry] = field(default_factory=list)


def _may_report_at(scope: Scope, grid_path: str) -> bool:
    """Staff and admins report in their data scope; an enterprise account in its own
    enterprise's grid (its tree, without the breadcrumb ancestors). Partners are
    read-only and never get here (``REPORTER_ROLES``)."""
    if scope.covers_path(grid_path):
        return True
    if scope.role is AccountRole.ENTERPRISE and scope.enterprise_id is not None:
        return any(grid_path.startswith(p) for p in scope.tree)
    return False


def _project_visible(scope: Scope, project: Project, grid_path: str | None) -> bool:
    """``org.repository.projects_query`` for one project."""
    return (
        scope.sees_all
        or (scope.enterprise_id is not None and project.enterprise_id == scope.enterprise_id)
        or scope.covers_path(grid_path)
    )


async def report(
    session: AsyncSession, deps: Deps, data: ReportInput, *, actor: Actor, check_existing: bool = False
) -> Reported:
    """File an incident: route it, assign it, dispatch it unless the policy says manual
    (or nobody was found), all decided by the active policies and recorded.

    A ``clientRequestId`` is unique per reporting account (a database constraint), so a
    first attempt does not look for an earlier report: a retry that collides fails the
    insert, and the caller runs the use case again with ``check_existing``."""
    scope = actor.scope
    if scope.read_only or scope.role not in REPORTER_ROLES:
        raise forbidden()
    now = deps.clock.now()
    if data.occurred_at is not None and data.occurred_at.tzinfo is None:
        data = replace(data, occurred_at=shanghai_time(data.occurred_at))
    validate_report(data, now)
    crid = data.client_request_id.strip() if data.client_request_id else None
    fp = fingerprint(data.payload())
    if crid and (check_existing or actor.account_id is None):
        existing = await repo.by_client_request(
            session, reporter_account_id=actor.account_id, client_request_id=crid
        )
        if existing is not None:
            if existing.request_fingerprint == fp:
                return Reported(existing, created=False)
            raise DomainError(
                "DUPLICATE",
                f"客户端请求号“{crid}”已用于事件 {existing.code}，且内容不同；请勿重复使用请求号",
                "clientRequestId",
            )

    enterprise: Enterprise | None = None
    enterprise_id = data.enterprise_id
    if scope.role is AccountRole.ENTERPRISE:
        if scope.enterprise_id is None or enterprise_id not in (None, scope.enterprise_id):
            raise not_found("enterpriseId")
        enterprise_id = scope.enterprise_id
    if enterprise_id is not None:
        enterprise = await session.get(Enterprise, enterprise_id)
        if enterprise is None or not (
            scope.sees_all
            or scope.enterprise_id == enterprise.id
            or await _enterprise_visible(session, scope, enterprise)
        ):
            raise not_found("enterpriseId")
    project: Project | None = None
    if data.project_id is not None:
        project = await session.get(Project, data.project_id)
        if project is None:
            raise not_found("projectId")
        project_grid = await session.get(Area, project.grid_id)
        if not _project_visible(scope, project, project_grid.path if project_grid else None):
            raise not_found("projectId")
        if enterprise is None:
            enterprise = await session.get(Enterprise, project.enterprise_id)
        elif project.enterprise_id != enterprise.id:
            raise DomainError("INVALID", "所选项目不属于所选企业", "projectId")
    grid_id = data.grid_id
    if grid_id is None:
        grid_id = project.grid_id if project is not None else enterprise.grid_id if enterprise is not None else None
    if grid_id is None:
        raise DomainError("INVALID", "请选择事件所在网格", "gridId")
    new_id: list[int] = []
    found = await repo.place_and_history(
        session, grid_id=grid_id, enterprise_id=enterprise.id if enterprise else None, category=data.category,
        now=now, new_id=new_id,
    )
    place, history = found if found is not None else (None, None)
    if place is None or history is None or not _may_report_at(scope, place.grid.path):
        raise not_found("gridId")
    if place.grid.kind not in (AreaKind.SMALL_GRID, AreaKind.LARGE_GRID):
        raise DomainError("INVALID", "事件须报到网格（小网格或大网格），不能报到园区或区", "gridId")
    if data.resolved_on_site and not may_resolve_on_site(scope, place.grid.path):
        raise DomainError("FORBIDDEN", "只有本网格的网格长、网格员（或管理员）可以现场自行办结", "resolvedOnSite")
    if enterprise is not None and not (
        scope.sees_all
        or scope.enterprise_id == enterprise.id
        or enterprise.grid_id == place.grid.id
        or await _enterprise_visible(session, scope, enterprise)
    ):
        raise not_found("enterpriseId")

    # Built as loaded state (``domain.direct.detached``): the constructor's per-attribute
    # change tracking is wasted on an object that is never flushed (its row is written by
    # ``write_new_incident``).
    fields: dict[str, Any] = dict(
        title=data.title.strip(),
        description=(data.description or "").strip(),
        category=data.category,
        severity=data.severity,
        people_involved=data.people_involved,
        amount_involved=data.amount_involved,
        grid_id=place.grid.id,
        area_path=place.grid.path,
        enterprise_id=enterprise.id if enterprise else None,
        project_id=project.id if project else None,
        location=(data.location or "").strip() or None,
        latitude=data.latitude,
        longitude=data.longitude,
        source=data.source or _default_source(scope),
        occurred_at=data.occurred_at,
        reported_at=now,
        reporter_account_id=actor.account_id,
        reporter_member_id=actor.member_id,
        status=S.REPORTED,
        level=1,
        awaiting_manual=False,
        resolved_on_site=bool(data.resolved_on_site),
        reopen_count=0,
        escalations=0,
        was_overdue=False,
        returned_by=[],
        client_request_id=crid,
        request_fingerprint=fp,
        version=1,
        created_at=now,
        updated_at=now,
    )
    incident = detached(Incident, tuple(fields), tuple(fields.values()))
    s = Surroundings(place, enterprise, None, history)
    base = s.facts(incident, now, first_routing=True)
    routed = await route(session, deps, base, place=place, now=now)
    decided = [(routed.decision, routed.note())]
    officer_id: int | None = None
    officer: Member | None = None
    on_site = bool(data.resolved_on_site)
    if on_site:
        officer_id = actor.member_id
    elif not routed.manual and routed.department is not None:
        od, assigned = await assign_officer(
            session, deps, base, place=place, department=routed.department, level=routed.level, now=now
        )
        decided.append((od, assigned.note()))
        officer_id, officer = assigned.member_id, assigned.member
    dispatched = officer_id is not None and not on_site
    incident.level = routed.level
    incident.department_id = routed.department.id if routed.department else None
    incident.officer_id = officer_id
    incident.status = S.RESOLVED if on_site else S.DISPATCHED if dispatched else S.REPORTED
    incident.awaiting_manual = not on_site and not dispatched
    incident.dispatched_at = now if dispatched else None
    if on_site:
        incident.resolution = data.resolution.strip() if data.resolution else None
        incident.resolved_at = now
    else:
        for key, value in clock_fields(now, routed.due_hours).items():
            setattr(incident, key, value)

    incident.id = new_id[0]
    incident.code = f"SJ-{now.astimezone(SHANGHAI):%Y%m%d}-{incident.id:04d}"
    # Timeline entries name their decision by index here; the database gives the ids.
    last = len(decided) - 1
    entries = [
        Entry(Action.REPORTED, None, S.REPORTED.value, None, incident.level, note=routed.note(), decision_id=0)
    ]
    if on_site:
        entries.append(
            Entry(Action.RESOLVED, S.REPORTED.value, S.RESOLVED.value, incident.level, incident.level,
                  note="网格员现场自行办结：" + (incident.resolution or ""), extra={"resolvedOnSite": True})
        )
    elif dispatched:
        entries.append(
            Entry(Action.DISPATCHED, S.REPORTED.value, S.DISPATCHED.value, incident.level, incident.level,
                  note="按规则自动派单", decision_id=last)
        )
    else:
        why = "规则要求人工派单" if routed.manual else (decided[-1][1] if len(decided) > 1 else routed.note())
        entries.append(
            Entry(Action.QUEUED, S.REPORTED.value, S.REPORTED.value, incident.level, incident.level,
                  note=why, decision_id=last)
        )
    if officer is None and officer_id is not None:
        officer = await session.get(Member, officer_id)
    codes = {
        "grid": place.grid.code,
        "department": routed.department.code if routed.department else None,
        "officer": officer.code if officer else None,
    }
    decision_rows_ = decision_rows(incident.id, decided)
    timeline_rows_ = timeline_rows(incident, entries, actor=actor, now=now)
    ids = await write_new_incident(
        session,
        NewIncident(
            incident={c: getattr(incident, c) for c in INCIDENT_COLUMNS},
            decisions=decision_rows_,
            timeline=[(row, e.decision_id) for row, e in zip(timeline_rows_, entries, strict=True)],
            events=event_rows(incident, entries, codes=codes, now=now),
            audit=audit_row(actor=actor, action="incident.report", incident=incident, before=None, now=now),
        ),
    )
    records = [
        detached(DecisionRecord, ("id", *row), (i, *row.values())) for i, row in zip(ids, decision_rows_, strict=True)
    ]
    timeline = []
    for row, e in zip(timeline_rows_, entries, strict=True):
        written = {**row, "decision_id": ids[e.decision_id] if e.decision_id is not None else None}
        timeline.append(detached(IncidentTimelineEntry, tuple(written), tuple(written.values())))
    return Reported(
        incident, created=True, grid=place.grid, department=routed.department, officer=officer,
        decisions=records, timeline=timeline,
    )


async def _enterprise_visible(session: AsyncSession, scope: Scope, enterprise: Enterprise) -> bool:
    grid = await session.get(Area, enterprise.grid_id)
    return grid is not None and scope.covers_path(grid.path)


def _default_source(scope: Scope) -> IncidentSource:
    return IncidentSource.ENTERPRISE if scope.role is AccountRole.ENTERPRISE else IncidentSource.APP
