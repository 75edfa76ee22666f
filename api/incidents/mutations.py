"""Incident mutations: one input, one transaction, a payload with ``userErrors``.

Each resolver reads the incident as the request finds it (``Seen``: to tell a
lost race — ``CONFLICT`` — from a step that came too late — ``ILLEGAL_TRANSITION``),
then runs one domain use case in one transaction (``domain.db.in_transaction``: run
again whole if PostgreSQL aborted it as a deadlock's victim — a step that changes the
officer updates two members' open-incident counts, so two steps handing incidents
between the same two members can deadlock).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.context import Info
from api.errors import UserError, user_errors
from api.incidents import inputs as i
from api.incidents.types import Incident
from api.permissions import scope_of
from api.relay import expect_id
from domain.db import in_transaction
from domain.errors import DomainError
from domain.incidents import repository as repo
from domain.incidents import service
from domain.incidents.deciding import Actor, Deps
from domain.incidents.models import Incident as IncidentModel
from domain.incidents.transitions import Seen

log = logging.getLogger("gridgov.incidents")


def deps_of(info: Info) -> Deps:
    ctx = info.context
    return Deps(decider=ctx.runtime, clock=ctx.clock)


def actor_of(info: Info) -> Actor:
    scope = scope_of(info)  # not logged in: a top-level UNAUTHENTICATED error
    account = info.context.extra.get("account")
    name = getattr(account, "display_name", None) or scope.username
    return Actor(scope, name)


def _pk(gid: str | None, type_name: str, field: str, what: str) -> int | None:
    if gid is None:
        return None
    pk = expect_id(gid, type_name)
    if pk is None:
        raise DomainError("NOT_FOUND", f"{what}不存在", field)
    return pk


async def _seen(info: Info, pk: int) -> Seen | None:
    async with info.context.reading() as session:
        row = (
            await session.execute(select(IncidentModel.version, IncidentModel.status).where(IncidentModel.id == pk))
        ).first()
    return Seen(int(row[0]), row[1]) if row else None


Step = Callable[..., Awaitable[IncidentModel]]


async def _transition(info: Info, gid: str, step: Step, **kw: Any) -> tuple[Incident | None, list[UserError]]:
    actor = actor_of(info)
    deps = deps_of(info)
    try:
        pk = _pk(gid, "Incident", "id", "事件")
        assert pk is not None
        seen = await _seen(info, pk)
        await deps.ready()
        model = await in_transaction(
            info.context.write, lambda session: step(session, deps, pk, actor=actor, seen=seen, **kw)
        )
    except DomainError as exc:
        return None, user_errors(exc)
    info.context.loaders.clear()
    return Incident.from_model(model), []


# --- payloads -----------------------------------------------------------------------------


def _payload(name: str, description: str) -> Any:
    cls = type(
        name,
        (),
        {
            "__annotations__": {"incident": "Incident | None", "user_errors": "list[UserError]"},
            "incident": strawberry.field(default=None, description="事件（出错时为 null）"),
            "user_errors": strawberry.field(default_factory=list, description="用户可处理的错误"),
        },
    )
    cls.__module__ = __name__
    return strawberry.type(cls, name=name, description=description)


DispatchIncidentPayload = _payload("DispatchIncidentPayload", "派单结果")
AcceptIncidentPayload = _payload("AcceptIncidentPayload", "接单结果")
RejectDispatchPayload = _payload("RejectDispatchPayload", "退单结果")
ResolveIncidentPayload = _payload("ResolveIncidentPayload", "办结结果")
CloseIncidentPayload = _payload("CloseIncidentPayload", "回访关闭结果")
ReopenIncidentPayload = _payload("ReopenIncidentPayload", "返工结果")
SuperviseIncidentPayload = _payload("SuperviseIncidentPayload", "督办结果")
EscalateIncidentPayload = _payload("EscalateIncidentPayload", "吹哨升级结果")
CancelIncidentPayload = _payload("CancelIncidentPayload", "撤销结果")


@strawberry.type(description="上报结果：事件（已分流、定级、指派、计时），以及可能重复的事件")
class ReportIncidentPayload:
    incident: Incident | None = strawberry.field(default=None, description="事件（出错时为 null）")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="用户可处理的错误")
    replayed: bool = strawberry.field(
        default=False, description="同一客户端请求号的重试：返回的是原事件，没有新建"
    )

    @strawberry.field(description="可能重复的事件：同一企业 30 天内，或同一网格同类别 48 小时内")
    async def possible_duplicates(self, info: Info) -> list[Incident]:
        if self.incident is None:
            return []
        model = self.incident.model
        scope = scope_of(info)
        async with info.context.reading() as session:
            rows = await session.scalars(
                select(IncidentModel).where(
                    IncidentModel.id.in_([d.id for d in await repo.possible_duplicates(session, model)]),
                    repo.visible(scope),
                ).order_by(IncidentModel.reported_at.desc(), IncidentModel.id.desc())
            )
            return [Incident.from_model(m) for m in rows]


def _prime(info: Info, reported: service.Reported) -> None:
    """What the report wrote is what the response shows: no reading it back."""
    loaders = info.context.loaders
    loaders.clear()
    if not reported.created:
        return
    incident = reported.incident
    loaders.incident.prime(incident.id, incident)
    if reported.grid is not None:
        loaders.area.prime(reported.grid.id, reported.grid)
    if reported.department is not None:
        loaders.department.prime(reported.department.id, reported.department)
    if reported.officer is not None:
        loaders.member.prime(reported.officer.id, reported.officer)
    loaders.incident_decisions.prime(incident.id, reported.decisions)
    for record in reported.decisions:
        loaders.decision.prime(record.id, record)
    loaders.incident_timeline.prime(incident.id, reported.timeline)
    if reported.timeline:
        loaders.incident_last_entry.prime(incident.id, reported.timeline[-1])


def _report_input(info: Info, inp: i.ReportIncidentInput) -> service.ReportInput:
    return service.ReportInput(
        title=inp.title,
        category=inp.category,
        grid_id=_pk(inp.grid_id, "Area", "gridId", "网格"),
        description=inp.description or "",
        severity=inp.severity,
        people_involved=inp.people_involved,
        amount_involved=inp.amount_involved,
        enterprise_id=_pk(inp.enterprise_id, "Enterprise", "enterpriseId", "企业"),
        project_id=_pk(inp.project_id, "Project", "projectId", "项目"),
        location=inp.location,
        latitude=inp.latitude,
        longitude=inp.longitude,
        source=inp.source,
        occurred_at=inp.occurred_at,
        resolved_on_site=inp.resolved_on_site,
        resolution=inp.resolution,
        client_request_id=inp.client_request_id,
    )


@strawberry.type
class IncidentMutations:
    @strawberry.mutation(description="上报事件：按规则分流、定级、指派责任人并计时，除规则要求人工派单外自动派单")
    async def report_incident(self, info: Info, input: i.ReportIncidentInput) -> ReportIncidentPayload:
        actor = actor_of(info)
        deps = deps_of(info)
        for attempt in range(2):
            try:
                data = _report_input(info, input)
                await deps.ready()
                # Its only write is one statement (``incidents.writes``): ``write_one``.
                async with (info.context.write_one or info.context.write).begin() as session:
                    reported = await service.report(session, deps, data, actor=actor, check_existing=attempt > 0)
            except DomainError as exc:
                return ReportIncidentPayload(user_errors=user_errors(exc))
            except IntegrityError:
                # The clientRequestId was used before (a retry): the next attempt finds the original.
                if attempt == 0 and input.client_request_id:
                    continue
                raise
            _prime(info, reported)
            return ReportIncidentPayload(incident=Incident.from_model(reported.incident), replayed=not reported.created)
        raise AssertionError("unreachable")

    @strawberry.mutation(description="人工派单或改派（记为分流不正确）")
    async def dispatch_incident(self, info: Info, input: i.DispatchIncidentInput) -> DispatchIncidentPayload:  # type: ignore[valid-type]
        try:
            department_id = _pk(input.department_id, "Department", "departmentId", "部门")
            officer_id = _pk(input.officer_id, "Member", "officerId", "责任人")
        except DomainError as exc:
            return DispatchIncidentPayload(user_errors=user_errors(exc))
        incident, errors = await _transition(
            info, input.id, service.dispatch, reason=input.reason, department_id=department_id,
            officer_id=officer_id, level=input.level, due_in_hours=input.due_in_hours,
            expected_version=input.expected_version,
        )
        return DispatchIncidentPayload(incident=incident, user_errors=errors)

    @strawberry.mutation(description="接单")
    async def accept_incident(self, info: Info, input: i.AcceptIncidentInput) -> AcceptIncidentPayload:  # type: ignore[valid-type]
        incident, errors = await _transition(
            info, input.id, service.accept, note=input.note, expected_version=input.expected_version
        )
        return AcceptIncidentPayload(incident=incident, user_errors=errors)

    @strawberry.mutation(description="退单（仅限已派单、未接单）：按规则重新分流，又指向退单部门则转人工派单")
    async def reject_dispatch(self, info: Info, input: i.RejectDispatchInput) -> RejectDispatchPayload:  # type: ignore[valid-type]
        incident, errors = await _transition(
            info, input.id, service.reject_dispatch, reason=input.reason, expected_version=input.expected_version
        )
        return RejectDispatchPayload(incident=incident, user_errors=errors)

    @strawberry.mutation(description="办结（resolvedOnSite：网格员对未派单事件现场自行办结）")
    async def resolve_incident(self, info: Info, input: i.ResolveIncidentInput) -> ResolveIncidentPayload:  # type: ignore[valid-type]
        incident, errors = await _transition(
            info, input.id, service.resolve, resolution=input.resolution, resolved_on_site=input.resolved_on_site,
            expected_version=input.expected_version,
        )
        return ResolveIncidentPayload(incident=incident, user_errors=errors)

    @strawberry.mutation(description="回访关闭（满意度 1–5）")
    async def close_incident(self, info: Info, input: i.CloseIncidentInput) -> CloseIncidentPayload:  # type: ignore[valid-type]
        incident, errors = await _transition(
            info, input.id, service.close, satisfaction=input.satisfaction, comment=input.comment,
            expected_version=input.expected_version,
        )
        return CloseIncidentPayload(incident=incident, user_errors=errors)

    @strawberry.mutation(description="返工：重新派单，返工次数加一，并按升级规则（REOPENED）处理")
    async def reopen_incident(self, info: Info, input: i.ReopenIncidentInput) -> ReopenIncidentPayload:  # type: ignore[valid-type]
        incident, errors = await _transition(
            info, input.id, service.reopen, reason=input.reason, expected_version=input.expected_version
        )
        return ReopenIncidentPayload(incident=incident, user_errors=errors)

    @strawberry.mutation(description="督办：记录督办意见，并按升级规则（SUPERVISED）处理")
    async def supervise_incident(self, info: Info, input: i.SuperviseIncidentInput) -> SuperviseIncidentPayload:  # type: ignore[valid-type]
        incident, errors = await _transition(
            info, input.id, service.supervise, note=input.note, expected_version=input.expected_version
        )
        return SuperviseIncidentPayload(incident=incident, user_errors=errors)

    @strawberry.mutation(description="手动吹哨：按升级规则（MANUAL）升级并重新指派")
    async def escalate_incident(self, info: Info, input: i.EscalateIncidentInput) -> EscalateIncidentPayload:  # type: ignore[valid-type]
        incident, errors = await _transition(
            info, input.id, service.escalate_manually, reason=input.reason, expected_version=input.expected_version
        )
        return EscalateIncidentPayload(incident=incident, user_errors=errors)

    @strawberry.mutation(description="撤销事件（任何未办结状态）")
    async def cancel_incident(self, info: Info, input: i.CancelIncidentInput) -> CancelIncidentPayload:  # type: ignore[valid-type]
        incident, errors = await _transition(
            info, input.id, service.cancel, reason=input.reason, expected_version=input.expected_version
        )
        return CancelIncidentPayload(incident=incident, user_errors=errors)

