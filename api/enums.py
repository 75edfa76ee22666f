"""Domain enums exposed to GraphQL: English values, Chinese names as descriptions."""

from __future__ import annotations

from enum import StrEnum

import strawberry

from domain import enums as d


def _expose(enum: type[StrEnum], description: str) -> type[StrEnum]:
    strawberry.enum(enum, description=description)
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = d.LABELS.get(value.value, value.name)
    return enum


AreaKind = _expose(d.AreaKind, "区域层级")
PartyOrgKind = _expose(d.PartyOrgKind, "党组织类型")
MemberRole = _expose(d.MemberRole, "网格力量角色")
DutyTag = _expose(d.DutyTag, "职责标签")
DepartmentLevel = _expose(d.DepartmentLevel, "部门层级")
IncidentCategory = _expose(d.IncidentCategory, "事件类别")
IncidentSource = _expose(d.IncidentSource, "事件来源")
IncidentStatus = _expose(d.IncidentStatus, "事件状态")
OrderCategory = _expose(d.OrderCategory, "服务订单类别")
OrderStatus = _expose(d.OrderStatus, "服务订单状态")
AccountRole = _expose(d.AccountRole, "账号角色")
ProjectStatus = _expose(d.ProjectStatus, "项目状态")
StaffingGapKind = _expose(d.StaffingGapKind, "配备偏差类型")
