"""Inputs of the incident mutations and the list filter."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.enums import IncidentCategory, IncidentSource, IncidentStatus

_ID = "事件 ID"
_VERSION = "期望的版本号（乐观锁，可选）：与当前版本不符时返回 CONFLICT"


@strawberry.input(description="上报事件")
class ReportIncidentInput:
    title: str = strawberry.field(description="标题")
    category: IncidentCategory = strawberry.field(description="类别")
    grid_id: strawberry.ID | None = strawberry.field(
        default=None, description="所在网格（企业账号可省略：取本企业所在网格）"
    )
    description: str = strawberry.field(default="", description="描述")
    severity: int = strawberry.field(default=1, description="严重程度（1 一般 … 4 重大）")
    people_involved: int = strawberry.field(default=0, description="涉及人数")
    amount_involved: Decimal | None = strawberry.field(default=None, description="涉及金额（元）")
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description="涉及企业")
    project_id: strawberry.ID | None = strawberry.field(default=None, description="涉及项目")
    location: str | None = strawberry.field(default=None, description="地点")
    latitude: float | None = strawberry.field(default=None, description="纬度")
    longitude: float | None = strawberry.field(default=None, description="经度")
    source: IncidentSource | None = strawberry.field(default=None, description="来源（默认按账号：网格员 APP）")
    occurred_at: datetime | None = strawberry.field(default=None, description="发生时间")
    resolved_on_site: bool = strawberry.field(default=False, description="网格员已现场自行办结")
    resolution: str | None = strawberry.field(default=None, description="现场办结的处理结果")
    client_request_id: str | None = strawberry.field(
        default=None,
        description="客户端请求号：离线重试用同一号码，内容相同返回原事件，内容不同返回 DUPLICATE",
    )


@strawberry.input(description="人工派单或改派（已接单前）")
class DispatchIncidentInput:
    id: strawberry.ID = strawberry.field(description=_ID)
    reason: str = strawberry.field(description="派单原因")
    department_id: strawberry.ID | None = strawberry.field(default=None, description="承办部门（默认当前部门）")
    officer_id: strawberry.ID | None = strawberry.field(
        default=None, description="责任人（默认按责任人规则选定）"
    )
    level: int | None = strawberry.field(default=None, description="吹哨级别（默认不变）")
    due_in_hours: float | None = strawberry.field(default=None, description="办理时限（小时，给出则重新计时）")
    expected_version: int | None = strawberry.field(default=None, description=_VERSION)


@strawberry.input(description="接单")
class AcceptIncidentInput:
    id: strawberry.ID = strawberry.field(description=_ID)
    note: str | None = strawberry.field(default=None, description="说明")
    expected_version: int | None = strawberry.field(default=None, description=_VERSION)


@strawberry.input(description="退单：部门退回不属于本部门的派单（仅限已派单、未接单）")
class RejectDispatchInput:
    id: strawberry.ID = strawberry.field(description=_ID)
    reason: str = strawberry.field(description="退单原因")
    expected_version: int | None = strawberry.field(default=None, description=_VERSION)


@strawberry.input(description="办结")
class ResolveIncidentInput:
    id: strawberry.ID = strawberry.field(description=_ID)
    resolution: str = strawberry.field(description="处理结果")
    resolved_on_site: bool = strawberry.field(
        default=False, description="网格员现场自行办结（仅限已上报、未派单的事件）"
    )
    expected_version: int | None = strawberry.field(default=None, description=_VERSION)


@strawberry.input(description="回访关闭")
class CloseIncidentInput:
    id: strawberry.ID = strawberry.field(description=_ID)
    satisfaction: int = strawberry.field(description="满意度（1–5）")
    comment: str | None = strawberry.field(default=None, description="回访意见")
    expected_version: int | None = strawberry.field(default=None, description=_VERSION)


@strawberry.input(description="返工：已办结或已关闭的事件重新派单")
class ReopenIncidentInput:
    id: strawberry.ID = strawberry.field(description=_ID)
    reason: str = strawberry.field(description="返工原因")
    expected_version: int | None = strawberry.field(default=None, description=_VERSION)


@strawberry.input(description="督办")
class SuperviseIncidentInput:
    id: strawberry.ID = strawberry.field(description=_ID)
    note: str = strawberry.field(description="督办意见")
    expected_version: int | None = strawberry.field(default=None, description=_VERSION)


@strawberry.input(description="手动吹哨升级")
class EscalateIncidentInput:
    id: strawberry.ID = strawberry.field(description=_ID)
    reason: str = strawberry.field(description="吹哨原因")
    expected_version: int | None = strawberry.field(default=None, description=_VERSION)


@strawberry.input(description="撤销事件")
class CancelIncidentInput:
    id: strawberry.ID = strawberry.field(description=_ID)
    reason: str = strawberry.field(description="撤销原因")
    expected_version: int | None = strawberry.field(default=None, description=_VERSION)


@strawberry.input(description="时间区间 [from, to)")
class DateTimeRange:
    from_: datetime | None = strawberry.field(default=None, name="from", description="起（含）")
    to: datetime | None = strawberry.field(default=None, description="止（不含）")


@strawberry.input(description="事件筛选")
class IncidentFilter:
    status: list[IncidentStatus] | None = strawberry.field(default=None, description="状态（任一）")
    category: list[IncidentCategory] | None = strawberry.field(default=None, description="类别（任一）")
    level: list[int] | None = strawberry.field(default=None, description="吹哨级别（任一）")
    area_id: strawberry.ID | None = strawberry.field(default=None, description="某区域及其全部下级")
    department_id: strawberry.ID | None = strawberry.field(default=None, description="承办部门")
    officer_id: strawberry.ID | None = strawberry.field(default=None, description="责任人")
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description="涉及企业")
    overdue: bool | None = strawberry.field(default=None, description="当前是否超期")
    awaiting_manual: bool | None = strawberry.field(default=None, description="是否在人工派单队列中")
    reported_between: DateTimeRange | None = strawberry.field(default=None, description="上报时间区间")
    text: str | None = strawberry.field(default=None, description="标题、描述或事件编号包含的文字")
