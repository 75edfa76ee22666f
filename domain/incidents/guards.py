"""Who may see and act on an incident, and the user errors a step can end in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import AccountRole, IncidentStatus
from domain.errors import DomainError, DomainErrors
from domain.incidents import repository as repo
from domain.incidents.deciding import Actor
from domain.incidents.facts import Place
from domain.incidents.models import Incident
from domain.incidents.transitions import Seen, Step, check
from domain.org.models import Area, Department, Member
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
    }
)  # PARTNER accounts are read-only (SPEC §5): they never report
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
        Step.RESOLVE_ON_SITE: may_resolve_on_site(scope, incident.area_path),
        Step.ESCALATE: grid or handler,
        Step.CLOSE: grid or reporter,
        Step.REOPEN: grid or reporter,
        Step.CANCEL: reporter or (grid and scope.role is AccountRole.GRID_LEADER),
    }.get(step, False)
    if not allowed:
        raise forbidden()


def may_resolve_on_site(scope: Scope, grid_path: str | None) -> bool:
    """网格员自行办结: the grid's own staff (GRID_LEADER / GRID_WORKER covering the grid),
    or an administrator in scope — when resolving an open incident and when reporting
    one already settled (``resolvedOnSite``). The self-resolved figure counts these."""
    if scope.read_only or not scope.covers_path(grid_path):
        return False
    return scope.role in ADMINS or scope.role in GRID_STAFF


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


# --- what a manual dispatch may name ----------------------------------------------------------


async def _area_path(session: AsyncSession, area_id: int | None) -> str | None:
    if area_id is None:
        return None
    return await session.scalar(select(Area.path).where(Area.id == area_id))


async def dispatch_department(
    session: AsyncSession, scope: Scope, place: Place, department_id: int
) -> Department:
    """The department a manual dispatch names. District departments are the public
    directory (the whistle goes to them from any park); a park office is visible to
    whoever may read its park (others: ``NOT_FOUND``) and takes only its own park's
    incidents (``INVALID``)."""
    department = await session.get(Department, department_id)
    if department is None:
        raise not_found("departmentId")
    if department.park_id is None:
        return department
    park_path = await _area_path(session, department.park_id)
    if not (scope.sees_all or scope.department_id == department.id or scope.sees_area(park_path)):
        raise not_found("departmentId")
    park = place.park
    if park is None or park.id != department.park_id:
        raise DomainError("INVALID", "园区部门只能承办本园区的事件", "departmentId")
    return department


async def dispatch_officer(
    session: AsyncSession, scope: Scope, place: Place, department: Department, officer_id: int
) -> Member:
    """The officer a manual dispatch names: a member the caller may see (as the members
    list does) or a member of the chosen department (``NOT_FOUND`` otherwise), active, and
    belonging to that department — or, for a park office, to the incident's park
    (``INVALID`` otherwise)."""
    member = await session.get(Member, officer_id)
    if member is None:
        raise not_found("officerId")
    area_path = await _area_path(session, member.area_id)
    own_department = member.department_id is not None and member.department_id == department.id
    if not (
        own_department
        or scope.sees_all
        or member.id == scope.member_id
        or (member.department_id is not None and member.department_id == scope.department_id)
        or (area_path is not None and scope.covers_path(area_path))
        or await _department_member_visible(session, scope, member.department_id)
    ):
        raise not_found("officerId")
    if not member.active:
        raise DomainError("INVALID", "所选责任人已停用", "officerId")
    if own_department:
        return member
    park = place.park
    in_park = park is not None and area_path is not None and area_path.startswith(park.path)
    if department.park_id is not None and in_park:
        return member
    what = "本园区" if department.park_id is not None else "所选部门"
    raise DomainError("INVALID", f"所选责任人不属于{what}", "officerId")


async def _department_member_visible(session: AsyncSession, scope: Scope, department_id: int | None) -> bool:
    """A department member is visible where the department's park is in the data scope;
    a district department's to whole-district scopes (``org.repository.members_query``)."""
    if department_id is None:
        return False
    park_id = await session.scalar(select(Department.park_id).where(Department.id == department_id))
    if park_id is None:
        return scope.whole_district
    return scope.covers_path(await _area_path(session, park_id))
