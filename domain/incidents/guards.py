"""Who may see and act on an incident, and the user errors a step can end in."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import AccountRole, IncidentStatus
from domain.errors import DomainError, DomainErrors
from domain.incidents import repository as repo
from domain.incidents.deciding import Actor
from domain.incidents.models import Incident
from domain.incidents.transitions import Seen, Step, check
from domain.scope import NOT_FOUND_MESSAGE, Scope

S = IncidentStatus
FORBIDDEN_MESSAGE = "当前角色无权对该事件执行此操作"
REPORTER_ROLES = frozenset(
    {
        AccountRole.ADMIN,
        AccountRole.PARK_ADMIN,
        AccountRole.GRID_LEADER,
        AccountRole.GRID_WORKER,
        AccountRole.ENTERPRISE,
        AccountRole.PARTNER,
    }
)
ADMINS = frozenset({AccountRole.ADMIN, AccountRole.PARK_ADMIN})
GRID_STAFF = frozenset({AccountRole.GRID_LEADER, AccountRole.GRID_WORKER})
MAX_NOTE = 2000


class Problems:
    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def add(self, field: str, message: str, code: str = "INVALID") -> None:
        self.errors.append(DomainError(code, message, field))

    def check(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DomainErrors(self.errors)


def not_found(field: str | None = None) -> DomainError:
    return DomainError("NOT_FOUND", NOT_FOUND_MESSAGE, field)


def forbidden() -> DomainError:
    return DomainError("FORBIDDEN", FORBIDDEN_MESSAGE)


def note_text(value: str | None, field: str, what: str, *, required: bool, max_len: int = MAX_NOTE) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise DomainError("INVALID", f"请填写{what}", field)
    if len(value) > max_len:
        raise DomainError("INVALID", f"{what}不能超过 {max_len} 个字", field)
    return value or None


# --- loading and guarding a transition ------------------------------------------------------


async def load_visible(session: AsyncSession, scope: Scope, incident_id: int) -> Incident:
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise not_found("id")
    if repo.sees(scope, incident):
        return incident
    if scope.enterprise_id is not None and repo.sees(
        scope, incident, reporter_enterprise_id=await repo.reporter_enterprise(session, incident)
    ):
        return incident
    raise not_found("id")


def permit(scope: Scope, incident: Incident, step: Step) -> None:
    """Who may take which step (visibility is checked before; SPEC §5: FORBIDDEN)."""
    if scope.read_only:
        raise forbidden()
    if scope.role in ADMINS and scope.covers_path(incident.area_path):
        return
    handler = (scope.department_id is not None and incident.department_id == scope.department_id) or (
        scope.member_id is not None and incident.officer_id == scope.member_id
    )
    grid = scope.role in GRID_STAFF and scope.covers_path(incident.area_path)
    reporter = scope.account_id is not None and incident.reporter_account_id == scope.account_id
    allowed = {
        Step.ACCEPT: handler,
        Step.REJECT: handler,
        Step.RESOLVE: handler,
        Step.RESOLVE_ON_SITE: grid,
        Step.ESCALATE: grid or handler,
        Step.CLOSE: grid or reporter,
        Step.REOPEN: grid or reporter,
        Step.CANCEL: reporter or (grid and scope.role is AccountRole.GRID_LEADER),
    }.get(step, False)
    if not allowed:
        raise forbidden()


async def begin_step(
    session: AsyncSession,
    incident_id: int,
    step: Step,
    *,
    actor: Actor,
    expected_version: int | None,
    seen: Seen | None,
) -> Incident:
    incident = await load_visible(session, actor.scope, incident_id)
    permit(actor.scope, incident, step)
    check(step, incident, expected_version=expected_version, seen=seen)
    return incident
