"""The fact catalogue of every policy kind (POLICY.md "Facts each kind sees").

One catalogue serves three readers: the validator (a path not listed here is
``UNKNOWN_FACT``; a literal of the wrong type is ``TYPE_MISMATCH``), the runtime
(a fact value of the wrong type or outside its enum counts as absent) and the
API (``policyFacts(kind)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

FactType = Literal["string", "number", "integer", "boolean", "enum", "string-list"]

KINDS: Final = (
    "incident-routing",
    "incident-escalation",
    "officer-assignment",
    "order-routing",
    "assessment-scoring",
)

INCIDENT_CATEGORIES: Final = (
    "LABOR_DISPUTE",
    "CONSTRUCTION_DISPUTE",
    "SAFETY_HAZARD",
    "FIRE_HAZARD",
    "ENVIRONMENT",
    "PUBLIC_SECURITY",
    "NEIGHBOURHOOD",
    "PETITION",
    "ENTERPRISE_APPEAL",
    "OTHER",
)
INCIDENT_SOURCES: Final = ("APP", "HOTLINE", "ENTERPRISE", "INSPECTION", "PARTNER")
INCIDENT_STATUSES: Final = ("REPORTED", "DISPATCHED", "ACCEPTED", "RESOLVED", "CLOSED", "CANCELLED")
AREA_KINDS: Final = ("DISTRICT", "PARK", "LARGE_GRID", "SMALL_GRID")
MEMBER_ROLES: Final = (
    "PARK_SECRETARY",
    "PARK_RESPONDER",
    "GRID_LEADER",
    "AGENCY_STAFF",
    "FULL_TIME_WORKER",
    "PART_TIME_WORKER",
    "DEPARTMENT_RESPONDER",
)
DEPARTMENT_LEVELS: Final = ("PARK_OFFICE", "DISTRICT_DEPARTMENT")
ESCALATION_TRIGGERS: Final = ("OVERDUE", "MANUAL", "SUPERVISED", "REOPENED")
ORDER_CATEGORIES: Final = (
    "POLICY_CONSULTING",
    "FINANCING",
    "RECRUITMENT",
    "APPROVAL",
    "UTILITIES",
    "LAND_AND_PLANT",
    "LOGISTICS",
    "TRAINING",
    "LEGAL",
    "OTHER",
)
ASSESSMENT_EVENT_TYPES: Final = (
    "INCIDENT_OVERDUE",
    "INCIDENT_REOPENED",
    "INCIDENT_CLOSED_ON_TIME",
    "INCIDENT_SELF_RESOLVED",
    "LOW_SATISFACTION",
    "MEETING_MISSED",
    "PROMISE_BROKEN",
    "ORDER_FULFILLED",
    "VOLUNTEER_SERVICE",
    "PRACTICAL_DEED",
)
SUBJECT_KINDS: Final = ("MEMBER", "GRID")


@dataclass(frozen=True, slots=True)
class Fact:
    """One path a policy may test, with the type its values must have.

    ``minimum``/``maximum`` bound numbers (inclusive); ``values`` lists an enum's
    members. A literal outside them in a document is ``TYPE_MISMATCH``; a fact
    value outside them at decision time counts as absent.
    """

    path: str
    type: FactType
    description: str
    values: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None


def _f(path: str, type_: FactType, description: str, **kw: object) -> Fact:
    return Fact(path, type_, description, **kw)  # type: ignore[arg-type]


_INCIDENT: Final = (
    _f("incident.category", "enum", "事件类别", values=INCIDENT_CATEGORIES),
    _f("incident.severity", "integer", "严重程度（1–4）", minimum=1, maximum=4),
    _f("incident.peopleInvolved", "integer", "涉及人数", minimum=0),
    _f("incident.amountInvolved", "number", "涉及金额（元）", minimum=0),
    _f("incident.source", "enum", "事件来源", values=INCIDENT_SOURCES),
    _f("incident.text", "string", "标题与描述"),
    _f("incident.resolvedOnSite", "boolean", "网格员自行办结"),
    _f("incident.level", "integer", "当前吹哨级别（首次分流时不存在）", minimum=1, maximum=3),
    _f("incident.department", "string", "当前承办部门代码（首次分流时不存在）"),
    _f("incident.returnedBy", "string-list", "退单部门代码列表"),
    _f("incident.status", "enum", "事件状态", values=INCIDENT_STATUSES),
    _f("incident.ageHours", "number", "自上报以来的小时数", minimum=0),
    _f("incident.overdueHours", "number", "超期小时数（未超期为 0）", minimum=0),
    _f("incident.escalations", "integer", "已吹哨次数", minimum=0),
    _f("incident.reopenCount", "integer", "返工次数", minimum=0),
)
_PLACE: Final = (
    _f("grid.code", "string", "网格编码"),
    _f("grid.kind", "enum", "网格类型", values=AREA_KINDS),
    _f("park.code", "string", "园区编码"),
    _f("park.type", "string", "园区类型"),
    _f("enterprise.industry", "string", "企业行业"),
    _f("enterprise.employees", "integer", "企业职工人数", minimum=0),
    _f("enterprise.hasPartyOrg", "boolean", "企业是否建有党组织"),
)
_HISTORY: Final = (
    _f("history.enterpriseIncidents30d", "integer", "同一企业近 30 天事件数（不含本事件）", minimum=0),
    _f("history.gridSameCategory7d", "integer", "同网格同类别近 7 天事件数（不含本事件）", minimum=0),
)
_TIME: Final = (
    _f("time.hour", "integer", "时（0–23，北京时间）", minimum=0, maximum=23),
    _f("time.weekday", "integer", "星期（1 = 周一 … 7 = 周日）", minimum=1, maximum=7),
    _f("time.date", "string", "日期 YYYY-MM-DD（北京时间）"),
    _f("time.isWorkday", "boolean", "是否工作日（含调休）"),
)
_ROUTING: Final = _INCIDENT + _PLACE + _HISTORY + _TIME

CATALOGUES: Final[dict[str, dict[str, Fact]]] = {
    "incident-routing": {f.path: f for f in _ROUTING},
    "incident-escalation": {
        f.path: f
        for f in _ROUTING + (_f("trigger", "enum", "吹哨触发方式", values=ESCALATION_TRIGGERS),)
    },
    "officer-assignment": {
        f.path: f
        for f in _ROUTING
        + (
            _f("decision.department", "string", "本次决定的承办部门代码"),
            _f("decision.level", "integer", "本次决定的吹哨级别", minimum=1, maximum=3),
            _f("department.level", "enum", "承办部门层级", values=DEPARTMENT_LEVELS),
        )
    },
    "order-routing": {
        f.path: f
        for f in (
            _f("order.category", "enum", "订单类别", values=ORDER_CATEGORIES),
            _f("order.urgency", "integer", "紧急程度（1–3）", minimum=1, maximum=3),
            _f("order.text", "string", "订单标题与内容"),
        )
        + _PLACE
        + _TIME
    },
    "assessment-scoring": {
        f.path: f
        for f in (
            _f("event.type", "enum", "考核事项类型", values=ASSESSMENT_EVENT_TYPES),
            _f("event.level", "integer", "事件级别", minimum=1, maximum=3),
            _f("event.category", "enum", "事件类别", values=INCIDENT_CATEGORIES),
            _f("event.overdueHours", "number", "超期小时数", minimum=0),
            _f("event.satisfaction", "integer", "满意度（1–5）", minimum=1, maximum=5),
            _f("subject.kind", "enum", "考核对象类型", values=SUBJECT_KINDS),
            _f("subject.role", "enum", "考核对象角色", values=MEMBER_ROLES),
        )
    },
}


def catalogue(kind: str) -> dict[str, Fact]:
    """The facts of ``kind``; ``KeyError`` for a kind that is not one of the five."""
    return CATALOGUES[kind]
