"""The steps of the closed loop after the report: dispatch, accept, 退单, resolve,
close, reopen, supervise, escalate, cancel. Each runs in the caller's transaction,
guarded by the incident's version, and records its timeline entry, decisions,
outbox event and audit row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import IncidentStatus
from domain.errors import DomainError
from domain.incidents import repository as repo
from domain.incidents.deciding import Actor, Deps, Entry, audit_snapshot, record, store_decisions
from domain.incidents.facts import policy_code
from domain.incidents.guards import begin_step, dispatch_department, dispatch_officer, note_text
from domain.incidents.models import Incident
from domain.incidents.routing import (
    Surroundings,
    assign_officer,
    clock_fields,
    codes_of,
    escalate,
    route,
    surroundings,
)
from domain.incidents.transitions import Action, Seen, Step, compare_and_set
from domain.policies.models import DecisionRecord

S = IncidentStatus


async def _simple(
    session: AsyncSession,
    deps: Deps,
    incident_id: int,
    step: Step,
    *,
    actor: Actor,
    expected_version: int | None,
    seen: Seen | None,
    changes: dict[str, Any],
    action: Action,
    note: str | None,
    to_status: IncidentStatus | None = None,
    extra: dict[str, Any] | None = None,
) -> Incident:
    """A step that changes the row and records one entry, with no policy involved."""
    incident = await begin_step(session, incident_id, step, actor=actor, expected_version=expected_version, seen=seen)
    now = deps.clock.now()
    before = audit_snapshot(incident)
    from_status = incident.status.value
    if to_status is not None:
        changes = {**changes, "status": to_status}
    await compare_and_set(session, incident, changes, now=now)
    entry = Entry(
        action, from_status, incident.status.value, incident.level, incident.level, note=note, extra=extra or {}
    )
    await record(
        session, incident, [entry], actor=actor, now=now, codes=await codes_of(session, incident),
        audit_before=before, audit_action=f"incident.{step.value.lower()}",
    )
    return incident


async def _mark_routing(
    session: AsyncSession, incident_id: int, *, correct: bool, note: str | None, only_if_unknown: bool = False
) -> DecisionRecord | None:
    record_ = await repo.latest_routing_decision(session, incident_id)
    if record_ is None or (only_if_unknown and record_.correct is not None):
        return record_
    await session.execute(
        update(DecisionRecord)
        .where(DecisionRecord.id == record_.id)
        .values(correct=correct, note=note if note is not None else record_.note)
        .execution_options(synchronize_session=False)
    )
    return record_


# --- transitions ----------------------------------------------------------------------------


async def accept(
    session: AsyncSession, deps: Deps, incident_id: int, *, actor: Actor,
    expected_version: int | None = None, seen: Seen | None = None, note: str | None = None,
) -> Incident:
    note = note_text(note, "note", "接单说明", required=False)
    return await _simple(
        session, deps, incident_id, Step.ACCEPT, actor=actor, expected_version=expected_version, seen=seen,
        changes={"accepted_at": deps.clock.now()}, to_status=S.ACCEPTED, action=Action.ACCEPTED, note=note,
    )


async def resolve(
    session: AsyncSession, deps: Deps, incident_id: int, *, actor: Actor, resolution: str,
    resolved_on_site: bool = False, expected_version: int | None = None, seen: Seen | None = None,
) -> Incident:
    text = note_text(resolution, "resolution", "处理结果", required=True)
    now = deps.clock.now()
    changes: dict[str, Any] = {"resolution": text, "resolved_at": now}
    step = Step.RESOLVE_ON_SITE if resolved_on_site else Step.RESOLVE
    if resolved_on_site:
        changes.update(resolved_on_site=True, awaiting_manual=False)
        if actor.member_id is not None:
            changes["officer_id"] = actor.member_id
    return await _simple(
        session, deps, incident_id, step, actor=actor, expected_version=expected_version, seen=seen,
        changes=changes, to_status=S.RESOLVED, action=Action.RESOLVED,
        note=("网格员现场自行办结：" if resolved_on_site else "") + (text or ""),
        extra={"resolvedOnSite": resolved_on_site},
    )


async def close(
    session: AsyncSession, deps: Deps, incident_id: int, *, actor: Actor, satisfaction: int,
    comment: str | None = None, expected_version: int | None = None, seen: Seen | None = None,
) -> Incident:
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise DomainError("INVALID", "满意度应为 1–5 分", "satisfaction")
    text = note_text(comment, "comment", "回访意见", required=False)
    incident = await _simple(
        session, deps, incident_id, Step.CLOSE, actor=actor, expected_version=expected_version, seen=seen,
        changes={"satisfaction": satisfaction, "feedback": text, "closed_at": deps.clock.now()},
        to_status=S.CLOSED, action=Action.CLOSED, note=f"满意度 {satisfaction} 分" + (f"：{text}" if text else ""),
        extra={"satisfaction": satisfaction},
    )
    # A dispatch carried through to closing confirms the routing (unless it was overridden).
    await _mark_routing(session, incident.id, correct=True, note=None, only_if_unknown=True)
    return incident


async def cancel(
    session: AsyncSession, deps: Deps, incident_id: int, *, actor: Actor, reason: str,
    expected_version: int | None = None, seen: Seen | None = None,
) -> Incident:
    text = note_text(reason, "reason", "撤销原因", required=True)
    return await _simple(
        session, deps, incident_id, Step.CANCEL, actor=actor, expected_version=expected_version, seen=seen,
        changes={"cancelled_at": deps.clock.now(), "awaiting_manual": False}, to_status=S.CANCELLED,
        action=Action.CANCELLED, note=text,
    )


async def supervise(
    session: AsyncSession, deps: Deps, incident_id: int, *, actor: Actor, note: str,
    expected_version: int | None = None, seen: Seen | None = None,
) -> Incident:
    """督办: a supervisor's urge, recorded, then escalation with trigger SUPERVISED."""
    text = note_text(note, "note", "督办意见", required=True)
    incident = await _simple(
        session, deps, incident_id, Step.SUPERVISE, actor=actor, expected_version=expected_version, seen=seen,
        changes={}, action=Action.SUPERVISED, note=text,
    )
    await escalate(session, deps, incident, trigger="SUPERVISED", actor=actor, now=deps.clock.now(), note=text)
    return incident


async def escalate_manually(
    session: AsyncSession, deps: Deps, incident_id: int, *, actor: Actor, reason: str,
    expected_version: int | None = None, seen: Seen | None = None,
) -> Incident:
    """手动吹哨: escalation with trigger MANUAL."""
    text = note_text(reason, "reason", "吹哨原因", required=True)
    incident = await begin_step(
        session, incident_id, Step.ESCALATE, actor=actor, expected_version=expected_version, seen=seen
    )
    await escalate(session, deps, incident, trigger="MANUAL", actor=actor, now=deps.clock.now(), note=text)
    return incident


async def reopen(
    session: AsyncSession, deps: Deps, incident_id: int, *, actor: Actor, reason: str,
    expected_version: int | None = None, seen: Seen | None = None,
) -> Incident:
    """返工: back to DISPATCHED (to its officer, or whom the officer policy picks now),
    ``reopenCount`` + 1, the last round's outcome (``resolvedOnSite``, resolution,
    satisfaction, feedback) cleared, then escalation with trigger REOPENED."""
    text = note_text(reason, "reason", "返工原因", required=True)
    incident = await begin_step(session, incident_id, Step.REOPEN, actor=actor, expected_version=expected_version, seen=seen)
    now = deps.clock.now()
    before = audit_snapshot(incident)
    from_status = incident.status.value
    officer = await repo.active_member(session, incident.officer_id)
    decision_id: int | None = None
    officer_id = officer.id if officer is not None else None
    s: Surroundings | None = None
    if officer_id is None and incident.department_id is not None:
        s = await surroundings(session, incident, now)
        od, found = await assign_officer(
            session, deps, s.facts(incident, now), place=s.place, department=s.department,
            level=incident.level, now=now,
        )
        [decision_id] = await store_decisions(session, incident.id, [(od, found.note())])
        officer_id = found.member_id
    dispatched = officer_id is not None
    await compare_and_set(
        session,
        incident,
        {
            "status": S.DISPATCHED if dispatched else S.REPORTED,
            "awaiting_manual": not dispatched,
            "officer_id": officer_id,
            "reopen_count": incident.reopen_count + 1,
            "dispatched_at": now if dispatched else incident.dispatched_at,
            "accepted_at": None,
            "resolved_at": None,
            "closed_at": None,
            # The outcome of the settled round is history (the timeline keeps it): the
            # reopened incident is no longer self-resolved, rated or answered.
            "resolved_on_site": False,
            "resolution": None,
            "satisfaction": None,
            "feedback": None,
        },
        now=now,
    )
    entry = Entry(
        Action.REOPENED, from_status, incident.status.value, incident.level, incident.level,
        note=text if dispatched else f"{text}（未找到责任人，转人工派单）", decision_id=decision_id,
        extra={"reopenCount": incident.reopen_count},
    )
    await record(
        session, incident, [entry], actor=actor, now=now, codes=await codes_of(session, incident),
        audit_before=before, audit_action="incident.reopen",
    )
    await escalate(session, deps, incident, trigger="REOPENED", actor=actor, now=now, note=text)
    return incident


async def reject_dispatch(
    session: AsyncSession, deps: Deps, incident_id: int, *, actor: Actor, reason: str,
    expected_version: int | None = None, seen: Seen | None = None,
) -> Incident:
    """退单: the department returns a dispatch it does not own. The routing decision that
    chose it is marked incorrect; routing runs again with ``incident.returnedBy``; if it
    picks a returning department again (or says manual) the incident waits for manual
    dispatch."""
    text = note_text(reason, "reason", "退单原因", required=True)
    incident = await begin_step(session, incident_id, Step.REJECT, actor=actor, expected_version=expected_version, seen=seen)
    now = deps.clock.now()
    before = audit_snapshot(incident)
    s = await surroundings(session, incident, now)
    returning = policy_code(s.department, s.place)
    returned_by = list(incident.returned_by or [])
    if returning and returning not in returned_by:
        returned_by.append(returning)
    await _mark_routing(session, incident.id, correct=False, note=f"退单（{returning}）：{text}")

    incident_view = _with(incident, returned_by=returned_by)
    base = s.facts(incident_view, now)
    routed = await route(session, deps, base, place=s.place, now=now)
    decided = [(routed.decision, "退单后重新分流：" + routed.note())]
    again = routed.code in returned_by
    level = max(incident.level, routed.level)
    officer_id: int | None = None
    if not again and not routed.manual and routed.department is not None:
        od, found = await assign_officer(
            session, deps, base, place=s.place, department=routed.department, level=level, now=now
        )
        decided.append((od, found.note()))
        officer_id = found.member_id
    ids = await store_decisions(session, incident.id, decided)
    dispatched = officer_id is not None
    from_status, from_level = incident.status.value, incident.level
    await compare_and_set(
        session,
        incident,
        {
            "returned_by": returned_by,
            "level": level,
            "department_id": None if again or routed.department is None else routed.department.id,
            "officer_id": officer_id,
            "status": S.DISPATCHED if dispatched else S.REPORTED,
            "awaiting_manual": not dispatched,
            "dispatched_at": now if dispatched else incident.dispatched_at,
            **clock_fields(now, routed.due_hours),
        },
        now=now,
    )
    status = incident.status.value
    entries = [
        Entry(Action.RETURNED, from_status, status, from_level, level, note=f"{returning or ''} 退单：{text}",
              decision_id=ids[0], extra={"returnedBy": returned_by}),
        Entry(
            Action.DISPATCHED if dispatched else Action.QUEUED, status, status, level, level,
            note=("重新分流后自动派单" if dispatched else
                  "重新分流仍指向退单部门，转人工派单" if again else
                  "规则要求人工派单" if routed.manual else "未找到承办部门或责任人，转人工派单"),
            decision_id=ids[-1],
        ),
    ]
    await record(
        session, incident, entries, actor=actor, now=now, codes=await codes_of(session, incident, s.place),
        audit_before=before, audit_action="incident.reject",
    )
    return incident


def _with(incident: Incident, **changes: Any) -> Incident:
    """A detached copy of the incident's facts-relevant fields with ``changes`` applied."""
    copy = Incident(
        **{c.key: getattr(incident, c.key) for c in Incident.__table__.columns}  # type: ignore[arg-type]
    )
    for key, value in changes.items():
        setattr(copy, key, value)
    return copy


async def dispatch(
    session: AsyncSession, deps: Deps, incident_id: int, *, actor: Actor, reason: str,
    department_id: int | None = None, officer_id: int | None = None, level: int | None = None,
    due_in_hours: float | None = None, expected_version: int | None = None, seen: Seen | None = None,
) -> Incident:
    """Manual dispatch (from the queue) or override (re-dispatch before acceptance).

    The department defaults to the current one, the officer to what the officer
    policy picks for it. A department other than the routing decision's marks that
    decision incorrect."""
    text = note_text(reason, "reason", "派单原因", required=True)
    if level is not None and not 1 <= level <= 3:
        raise DomainError("INVALID", "吹哨级别应为 1–3", "level")
    if due_in_hours is not None and not 0 < due_in_hours <= 24 * 365:
        raise DomainError("INVALID", "办理时限应为大于 0 的小时数", "dueInHours")
    incident = await begin_step(
        session, incident_id, Step.DISPATCH, actor=actor, expected_version=expected_version, seen=seen
    )
    now = deps.clock.now()
    before = audit_snapshot(incident)
    s = await surroundings(session, incident, now)
    scope = actor.scope
    department = (
        await dispatch_department(session, scope, s.place, department_id) if department_id is not None
        else s.department
    )
    if department is None:
        raise DomainError("INVALID", "请选择承办部门", "departmentId")
    new_level = level or incident.level
    decision_id: int | None = None
    if officer_id is not None:
        await dispatch_officer(session, scope, s.place, department, officer_id)
    else:
        od, found = await assign_officer(
            session, deps, s.facts(incident, now), place=s.place, department=department, level=new_level, now=now
        )
        if not found.found:
            raise DomainError("INVALID", "按规则未找到责任人，请指定责任人", "officerId")
        [decision_id] = await store_decisions(session, incident.id, [(od, found.note())])
        officer_id = found.member_id
    routing = await repo.latest_routing_decision(session, incident.id)
    decided_code = (routing.outputs or {}).get("department") if routing else None
    if routing is not None and (
        decided_code != policy_code(department, s.place) or level_changed(routing, new_level)
    ):
        await _mark_routing(session, incident.id, correct=False, note=f"人工派单改派至 {department.code}：{text}")
    from_status, from_level = incident.status.value, incident.level
    changes: dict[str, Any] = {
        "department_id": department.id,
        "officer_id": officer_id,
        "level": new_level,
        "status": S.DISPATCHED,
        "awaiting_manual": False,
        "dispatched_at": now,
    }
    if due_in_hours is not None or incident.due_at is None:
        changes.update(clock_fields(now, due_in_hours or 72.0))
    await compare_and_set(session, incident, changes, now=now)
    entry = Entry(
        Action.DISPATCHED, from_status, S.DISPATCHED.value, from_level, new_level,
        note=f"人工派单：{text}", decision_id=decision_id, extra={"manual": True},
    )
    await record(
        session, incident, [entry], actor=actor, now=now, codes=await codes_of(session, incident, s.place),
        audit_before=before, audit_action="incident.dispatch",
    )
    return incident


def level_changed(routing: DecisionRecord, level: int) -> bool:
    decided = (routing.outputs or {}).get("level")
    return isinstance(decided, int) and decided != level
