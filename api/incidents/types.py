"""GraphQL types of incidents: the incident, its timeline and the decisions behind it.

Times are ISO-8601 UTC (``reportedAt``) with a ``…Local`` twin in Asia/Shanghai
(``2026-11-26 10:00:00``) where people read them. Related objects come through
the request's DataLoaders: a page of incidents with officer, department, grid and
last timeline entry costs one statement per kind, whatever the page size.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import strawberry

from api.context import Info
from api.enums import IncidentCategory, IncidentSource, IncidentStatus
from api.org.types import Area, Department, Enterprise, Member, Project
from api.relay import Node, to_global_id
from domain.enums import IncidentStatus as IncidentStatusValue
from domain.incidents.models import Incident as IncidentModel
from domain.incidents.models import IncidentTimelineEntry as EntryModel
from domain.incidents.repository import Order
from domain.incidents.transitions import ACTION_LABELS, OPEN, Action
from domain.policies.models import DecisionRecord
from rules.clock import SHANGHAI


def _expose(enum: type[StrEnum], name: str, description: str, labels: dict[str, str]) -> type[StrEnum]:
    strawberry.enum(enum, name=name, description=description)
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = labels.get(value.value, value.name)
    return enum


IncidentAction = _expose(Action, "IncidentAction", "事件处理动作（时间线）", ACTION_LABELS)
IncidentOrder = _expose(
    Order,
    "IncidentOrder",
    "事件排序",
    {
        Order.REPORTED_AT_DESC: "上报时间由新到旧",
        Order.REPORTED_AT_ASC: "上报时间由旧到新",
        Order.DUE_AT_ASC: "办理期限由近到远",
        Order.LEVEL_DESC: "吹哨级别由高到低",
        Order.SEVERITY_DESC: "严重程度由高到低",
        Order.UPDATED_AT_DESC: "最近更新在前",
    },
)


def local(at: datetime | None) -> str | None:
    """``2026-11-26 10:00:00`` in Asia/Shanghai."""
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if at else None


def _status(value: str | None) -> IncidentStatusValue | None:
    return IncidentStatusValue(value) if value else None


@strawberry.type(description="规则决定：哪条规则、哪个版本、决定了什么")
class IncidentDecision:
    model: strawberry.Private[DecisionRecord]
    kind: str = strawberry.field(description="规则种类（incident-routing、incident-escalation、officer-assignment）")
    version: int = strawberry.field(description="规则版本（兜底决定为 0）")
    fired_rules: list[str] = strawberry.field(description="命中的规则 ID（按顺序）")
    fallback: bool = strawberry.field(description="规则引擎出错时采用默认值（兜底）")
    error: str | None = strawberry.field(description="兜底原因")
    decided_at: datetime = strawberry.field(description="决定时间（UTC）")
    correct: bool | None = strawberry.field(description="分流是否正确（人工改派或退单为 false，办结关闭为 true）")
    note: str | None = strawberry.field(description="决定的结果说明（选定的部门、责任人等）")

    @classmethod
    def from_model(cls, m: DecisionRecord) -> IncidentDecision:
        return cls(
            model=m,
            kind=m.kind.value,
            version=m.policy_version,
            fired_rules=list(m.fired_rules or []),
            fallback=m.fallback,
            error=m.error,
            decided_at=m.decided_at,
            correct=m.correct,
            note=m.note,
        )

    @strawberry.field(description="规则输出（JSON）")
    def outputs(self) -> strawberry.scalars.JSON | None:
        return self.model.outputs

    @strawberry.field(description="决定所依据的事实（JSON）")
    def facts(self) -> strawberry.scalars.JSON:
        return self.model.facts

    @strawberry.field(description="决定时间（北京时间）")
    def decided_at_local(self) -> str | None:
        return local(self.model.decided_at)


@strawberry.type(description="事件时间线上的一条记录：谁、何时、从何状态到何状态、为什么")
class IncidentTimelineEntry:
    model: strawberry.Private[EntryModel]
    at: datetime = strawberry.field(description="时间（UTC）")
    action: IncidentAction = strawberry.field(description="动作")  # type: ignore[valid-type]
    actor_name: str | None = strawberry.field(description="操作人（系统动作为“系统”或“SLA 时钟”）")
    from_status: IncidentStatus | None = strawberry.field(description="原状态")
    to_status: IncidentStatus | None = strawberry.field(description="新状态")
    from_level: int | None = strawberry.field(description="原吹哨级别")
    to_level: int | None = strawberry.field(description="新吹哨级别")
    note: str | None = strawberry.field(description="说明")

    @classmethod
    def from_model(cls, m: EntryModel) -> IncidentTimelineEntry:
        return cls(
            model=m,
            at=m.at,
            action=Action(m.action),
            actor_name=m.actor_name,
            from_status=_status(m.from_status),
            to_status=_status(m.to_status),
            from_level=m.from_level,
            to_level=m.to_level,
            note=m.note,
        )

    @strawberry.field(description="时间（北京时间）")
    def at_local(self) -> str | None:
        return local(self.model.at)

    @strawberry.field(description="导致这次变化的规则决定")
    async def decision(self, info: Info) -> IncidentDecision | None:
        if self.model.decision_id is None:
            return None
        m = await info.context.loaders.decision.load(self.model.decision_id)
        return IncidentDecision.from_model(m) if m else None


@strawberry.type(name="Incident", description="矛盾纠纷与隐患事件（闭环：上报→派单→接单→办结→回访）")
class Incident(Node):
    model: strawberry.Private[IncidentModel]
    code: str = strawberry.field(description="事件编号，如 SJ-20261126-0007")
    title: str = strawberry.field(description="标题")
    description: str = strawberry.field(description="描述")
    category: IncidentCategory = strawberry.field(description="类别")
    severity: int = strawberry.field(description="严重程度（1–4）")
    people_involved: int = strawberry.field(description="涉及人数")
    amount_involved: Decimal | None = strawberry.field(description="涉及金额（元），如欠薪金额")
    location: str | None = strawberry.field(description="地点")
    latitude: float | None = strawberry.field(description="纬度")
    longitude: float | None = strawberry.field(description="经度")
    source: IncidentSource = strawberry.field(description="来源")
    status: IncidentStatus = strawberry.field(description="状态")
    level: int = strawberry.field(description="吹哨级别：1 网格、2 园区、3 区职能部门")
    awaiting_manual: bool = strawberry.field(description="是否在人工派单队列中")
    resolved_on_site: bool = strawberry.field(description="网格员现场自行办结")
    resolution: str | None = strawberry.field(description="处理结果")
    satisfaction: int | None = strawberry.field(description="满意度（1–5）")
    feedback: str | None = strawberry.field(description="回访意见")
    reopen_count: int = strawberry.field(description="返工次数")
    escalations: int = strawberry.field(description="吹哨升级次数")
    was_overdue: bool = strawberry.field(description="是否曾超期")
    returned_by: list[str] = strawberry.field(description="退单部门代码（按退单先后）")
    version: int = strawberry.field(description="版本号（乐观锁：操作时可作为 expectedVersion 传入）")
    client_request_id: str | None = strawberry.field(description="客户端请求号（离线重试去重）")
    occurred_at: datetime | None = strawberry.field(description="发生时间（UTC）")
    reported_at: datetime = strawberry.field(description="上报时间（UTC）")
    dispatched_at: datetime | None = strawberry.field(description="派单时间（UTC）")
    accepted_at: datetime | None = strawberry.field(description="接单时间（UTC）")
    resolved_at: datetime | None = strawberry.field(description="办结时间（UTC）")
    closed_at: datetime | None = strawberry.field(description="关闭时间（UTC）")
    cancelled_at: datetime | None = strawberry.field(description="撤销时间（UTC）")
    due_at: datetime | None = strawberry.field(description="办理期限（UTC）")

    @classmethod
    def from_model(cls, m: IncidentModel) -> Incident:
        return cls(
            id=to_global_id("Incident", m.id),
            model=m,
            code=m.code,
            title=m.title,
            description=m.description or "",
            category=m.category,
            severity=m.severity,
            people_involved=m.people_involved,
            amount_involved=Decimal(m.amount_involved) if m.amount_involved is not None else None,
            location=m.location,
            latitude=float(m.latitude) if m.latitude is not None else None,
            longitude=float(m.longitude) if m.longitude is not None else None,
            source=m.source,
            status=m.status,
            level=m.level,
            awaiting_manual=m.awaiting_manual,
            resolved_on_site=m.resolved_on_site,
            resolution=m.resolution,
            satisfaction=m.satisfaction,
            feedback=m.feedback,
            reopen_count=m.reopen_count,
            escalations=m.escalations,
            was_overdue=m.was_overdue,
            returned_by=list(m.returned_by or []),
            version=m.version,
            client_request_id=m.client_request_id,
            occurred_at=m.occurred_at,
            reported_at=m.reported_at,
            dispatched_at=m.dispatched_at,
            accepted_at=m.accepted_at,
            resolved_at=m.resolved_at,
            closed_at=m.closed_at,
            cancelled_at=m.cancelled_at,
            due_at=m.due_at,
        )

    @strawberry.field(description="上报时间（北京时间）")
    def reported_at_local(self) -> str | None:
        return local(self.model.reported_at)

    @strawberry.field(description="办理期限（北京时间）")
    def due_at_local(self) -> str | None:
        return local(self.model.due_at)

    @strawberry.field(description="发生时间（北京时间）")
    def occurred_at_local(self) -> str | None:
        return local(self.model.occurred_at)

    @strawberry.field(description="当前是否超期（未办结且已过办理期限）")
    def overdue(self, info: Info) -> bool:
        m = self.model
        return m.status in OPEN and m.due_at is not None and m.due_at <= info.context.clock.now()

    @strawberry.field(description="超期小时数（未超期为 0）")
    def overdue_hours(self, info: Info) -> float:
        m = self.model
        if m.status not in OPEN or m.due_at is None:
            return 0.0
        return round(max((info.context.clock.now() - m.due_at).total_seconds(), 0) / 3600, 2)

    @strawberry.field(description="所在网格")
    async def grid(self, info: Info) -> Area | None:
        m = await info.context.loaders.area.load(self.model.grid_id)
        return Area.from_model(m) if m else None

    @strawberry.field(description="涉及企业")
    async def enterprise(self, info: Info) -> Enterprise | None:
        if self.model.enterprise_id is None:
            return None
        m = await info.context.loaders.enterprise.load(self.model.enterprise_id)
        return Enterprise.from_model(m) if m else None

    @strawberry.field(description="涉及项目")
    async def project(self, info: Info) -> Project | None:
        if self.model.project_id is None:
            return None
        m = await info.context.loaders.project.load(self.model.project_id)
        return Project.from_model(m) if m else None

    @strawberry.field(description="承办部门")
    async def department(self, info: Info) -> Department | None:
        if self.model.department_id is None:
            return None
        m = await info.context.loaders.department.load(self.model.department_id)
        return Department.from_model(m) if m else None

    @strawberry.field(description="责任人")
    async def officer(self, info: Info) -> Member | None:
        if self.model.officer_id is None:
            return None
        m = await info.context.loaders.member.load(self.model.officer_id)
        return Member.from_model(m) if m else None

    @strawberry.field(description="上报人（网格力量成员）")
    async def reporter(self, info: Info) -> Member | None:
        if self.model.reporter_member_id is None:
            return None
        m = await info.context.loaders.member.load(self.model.reporter_member_id)
        return Member.from_model(m) if m else None

    @strawberry.field(description="时间线（按时间先后）")
    async def timeline(self, info: Info) -> list[IncidentTimelineEntry]:
        rows = await info.context.loaders.incident_timeline.load(self.model.id)
        return [IncidentTimelineEntry.from_model(r) for r in rows]

    @strawberry.field(description="最近一条时间线记录")
    async def last_timeline_entry(self, info: Info) -> IncidentTimelineEntry | None:
        m = await info.context.loaders.incident_last_entry.load(self.model.id)
        return IncidentTimelineEntry.from_model(m) if m else None

    @strawberry.field(description="规则决定（分流、升级、指派），按时间先后")
    async def decisions(self, info: Info) -> list[IncidentDecision]:
        rows = await info.context.loaders.incident_decisions.load(self.model.id)
        return [IncidentDecision.from_model(r) for r in rows]


@strawberry.type(description="某状态的事件数")
class IncidentStatusCount:
    status: IncidentStatus = strawberry.field(description="状态")
    count: int = strawberry.field(description="事件数")
