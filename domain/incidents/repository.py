"""Reads of incidents: the place of a grid, history counts, duplicates, lists, batches.

Every list is filtered by the caller's ``Scope`` here (``visible``), so the API's
queries, counts and ``node`` cannot disagree about what an account sees.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy import Sequence as DbSequence
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.accounts.models import Account
from domain.db import UTCDateTime
from domain.direct import Direct, column_keys, detached
from domain.enums import AreaKind, DepartmentLevel, IncidentCategory, IncidentStatus, MemberRole, PolicyKind
from domain.incidents.facts import GRID_CENTER, History, Place
from domain.incidents.models import Incident, IncidentTimelineEntry
from domain.incidents.transitions import OPEN
from domain.org.models import Area, Department, Enterprise, Member, MemberRoleAssignment
from domain.policies.models import DecisionRecord
from domain.scope import Scope

OPEN_STATUSES = tuple(s.value for s in OPEN)
SUBJECT = "incident"


# --- scope -----------------------------------------------------------------------


def visible(scope: Scope) -> ColumnElement[bool]:
    """SQL: the incidents ``scope`` may see (SPEC §5).

    Area staff and admins: incidents in their subtrees. Department officers: what is
    assigned to their department. Enterprises: the incidents their own accounts
    reported. Anyone linked to a member: what is assigned to that member; anyone:
    what they reported themselves.
    """
    if scope.sees_all:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if scope.area_paths:
        clauses.append(scope.area_clause(Incident.area_path))
    if scope.department_id is not None:
        clauses.append(Incident.department_id == scope.department_id)
    if scope.enterprise_id is not None:
        clauses.append(
            Incident.reporter_account_id.in_(
                select(Account.id).where(Account.enterprise_id == scope.enterprise_id)
            )
        )
    if scope.account_id is not None:
        clauses.append(Incident.reporter_account_id == scope.account_id)
    if scope.member_id is not None:
        clauses.append(Incident.officer_id == scope.member_id)
    return or_(*clauses) if clauses else false()


def sees(scope: Scope, incident: Incident, *, reporter_enterprise_id: int | None = None) -> bool:
    """Python twin of ``visible`` for one loaded incident."""
    if scope.sees_all or scope.covers_path(incident.area_path):
        return True
    if scope.department_id is not None and incident.department_id == scope.department_id:
        return True
    if scope.member_id is not None and incident.officer_id == scope.member_id:
        return True
    if scope.account_id is not None and incident.reporter_account_id == scope.account_id:
        return True
    return scope.enterprise_id is not None and reporter_enterprise_id == scope.enterprise_id


async def reporter_enterprise(session: AsyncSession, incident: Incident) -> int | None:
    if incident.reporter_account_id is None:
        return None
    return await session.scalar(select(Account.enterprise_id).where(Account.id == incident.reporter_account_id))


# --- the organisation around an incident -------------------------------------------
# The statements of the report path are built once, with bind parameters: building
# aliases and subqueries per request costs more CPU than running them.

_g = aliased(Area, name="g")


def _history_counts() -> tuple[Any, Any]:
    not_self = Incident.id != bindparam("exclude_id")
    to = bindparam("now", type_=UTCDateTime())
    enterprise_30d = (
        select(func.count())
        .select_from(Incident)
        .where(
            Incident.enterprise_id == bindparam("enterprise_id"),
            Incident.reported_at >= bindparam("since_30d", type_=UTCDateTime()),
            Incident.reported_at <= to,
            not_self,
        )
        .scalar_subquery()
    )
    grid_7d = (
        select(func.count())
        .select_from(Incident)
        .where(
            Incident.grid_id == bindparam("grid_id"),
            Incident.category == bindparam("category"),
            Incident.reported_at >= bindparam("since_7d", type_=UTCDateTime()),
            Incident.reported_at <= to,
            not_self,
        )
        .scalar_subquery()
    )
    return enterprise_30d, grid_7d


_ENTERPRISE_30D, _GRID_7D = _history_counts()
_CENTER_ORDER = (case((Department.code.like("%CENTER"), 0), else_=1), Department.code)
_d = aliased(Department, name="d")
# The grid service-management centre of an area that is a park (its park office).
_CENTER_ID = (
    select(_d.id)
    .where(_d.level == DepartmentLevel.PARK_OFFICE, _d.park_id == Area.id)
    .order_by(case((_d.code.like("%CENTER"), 0), else_=1), _d.code)
    .limit(1)
    .correlate(Area)
    .scalar_subquery()
)
# The grid, every area above it (``g.path LIKE a.path || '%'``), the park's centre (the
# department most incidents are routed to) and the two history counts: one statement.
def _place_and_history(enterprise_30d: Any) -> Select[Any]:
    return (
        select(Area, enterprise_30d, _GRID_7D, Department)
        .join(_g, _g.path.like(Area.path + "%"))
        .outerjoin(Department, Department.id == _CENTER_ID)
        .where(_g.id == bindparam("grid_id"))
        .order_by(Area.depth)
    )


_PLACE_AND_HISTORY = _place_and_history(_ENTERPRISE_30D)
_PLACE = select(Area).join(_g, _g.path.like(Area.path + "%")).where(_g.id == bindparam("grid_id")).order_by(Area.depth)


async def place_of(session: AsyncSession, grid_id: int) -> Place | None:
    """The grid and its ancestors in one statement."""
    rows = (await session.scalars(_PLACE, {"grid_id": grid_id})).all()
    if not rows or rows[-1].id != grid_id:
        return None
    return Place(tuple(rows))


# The sequence behind ``incidents.id`` (a serial column: PostgreSQL names it
# ``<table>_<column>_seq``; tests/integration/test_migrations.py holds the name to
# ``pg_get_serial_sequence``). Named in the statement, it is resolved when the statement
# is planned; ``pg_get_serial_sequence`` looked it up in the catalogue on every report.
INCIDENT_ID_SEQUENCE = DbSequence("incidents_id_seq")


def _new_id(dialect: str) -> Any:
    """The next incident id, drawn once per statement (PostgreSQL: the table's sequence;
    SQLite: ``max(id) + 1``, safe under the write lock every write transaction holds)."""
    if dialect == "postgresql":
        return select(INCIDENT_ID_SEQUENCE.next_value()).scalar_subquery()
    return select(func.coalesce(func.max(Incident.id), 0) + 1).scalar_subquery()


# For each member role held on an area of the chain, the active holder an officer
# selector ``{"role": R, "scope": …}`` would pick there (``officers``: fewest open
# incidents, then lowest code — PostgreSQL's DISTINCT ON, one per role, however large
# the roster), as a JSON array of ``[role, <member columns>…]``. The report path brings
# them with the place (``Place.holders``): most reports then resolve their officer
# without another round trip (docs/benchmarks.md, "reportIncident", fourth round). One
# JSON value per area rather than a row per holder: repeating the area's row for each
# holder decoded its columns (the boundary's JSON among them) once per holder.
_hr = MemberRoleAssignment.__table__.alias("hr")
_hm = Member.__table__.alias("hm")
_BEST_PER_ROLE = (
    select(_hr.c.role.label("holder_role"), *_hm.c)
    .select_from(_hr)
    .join(_hm, _hm.c.id == _hr.c.member_id)
    .where(_hm.c.area_id == Area.id, _hm.c.active.is_(True))
    .ext(distinct_on(_hr.c.role))
    .order_by(_hr.c.role, _hm.c.open_incidents, _hm.c.code)
    .correlate(Area)  # the outer statement's area row
    .lateral("best_per_role")
)
_HOLDERS = (
    select(func.json_agg(func.json_build_array(*_BEST_PER_ROLE.c), type_=JSON()))
    .select_from(_BEST_PER_ROLE)
    .scalar_subquery()
    .label("holders")
)


def _json_reader(column: Any) -> Callable[[Any], Any] | None:
    """How a member column's value comes back from ``json_build_array``: numbers,
    strings and booleans as they are; dates and times as ISO text."""
    if isinstance(column.type, UTCDateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v).astimezone(UTC)
    if isinstance(column.type, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if column.type.python_type not in (int, str, bool, float):
        raise TypeError(f"members.{column.name}: no JSON reading for {column.type!r} (repository._json_reader)")
    return None


_HOLDER_READERS = tuple(_json_reader(c) for c in Member.__table__.columns)


def _holders(areas: Sequence[tuple[int, Any]]) -> dict[tuple[int, MemberRole], Member]:
    """``(area id, JSON array)`` per area → the best holder of each role there. A role
    this version does not know (``member_roles.role`` is open-ended: a newer release may
    have added one) is skipped — no selector of this version can name it."""
    best: dict[tuple[int, MemberRole], Member] = {}
    for area_id, holders in areas:
        for role, *values in holders or ():
            try:
                key = (area_id, MemberRole(role))
            except ValueError:
                continue
            read = [v if r is None else r(v) for r, v in zip(_HOLDER_READERS, values, strict=True)]
            best[key] = detached(Member, _MEMBER_KEYS, read)
    return best


def _report_variant(statement: Select[Any], dialect: str) -> Select[Any]:
    """The report path's form of the place statement: the new incident's id too, and on
    PostgreSQL the role holders of every area of the chain."""
    statement = statement.add_columns(_new_id(dialect).label("new_id"))
    return statement.add_columns(_HOLDERS) if dialect == "postgresql" else statement


# On the report path (``domain.direct``): rows of the area's columns, the two counts,
# the centre's columns, and (with a dialect) the new incident's id and the role holders
# — per (whether there is an enterprise, dialect or None). Without an enterprise the
# statement does not count its incidents at all: on PostgreSQL a prepared statement soon
# runs a generic plan, which cannot see that ``enterprise_id = NULL`` matches nothing —
# without planner statistics it walked every incident of the last 30 days to count none
# (with the grid's count, ~6,000 buffer reads and 7 ms per report; docs/benchmarks.md).
_NO_ENTERPRISE = _place_and_history(literal(0, type_=Integer))
_PLACE_AND_HISTORY_STATEMENTS: dict[tuple[bool, str | None], Direct] = {
    (has_enterprise, dialect): Direct(
        _report_variant(_PLACE_AND_HISTORY if has_enterprise else _NO_ENTERPRISE, dialect)
        if dialect is not None
        else (_PLACE_AND_HISTORY if has_enterprise else _NO_ENTERPRISE)
    )
    for has_enterprise in (True, False)
    for dialect in ("postgresql", "sqlite", None)
}
_AREA_KEYS = column_keys(Area)
_DEPARTMENT_KEYS = column_keys(Department)
_MEMBER_KEYS = column_keys(Member)


async def place_and_history(
    session: AsyncSession,
    *,
    grid_id: int,
    enterprise_id: int | None,
    category: IncidentCategory,
    now: datetime,
    exclude_id: int | None = None,
    new_id: list[int] | None = None,
) -> tuple[Place, History] | None:
    """The grid, its ancestors, the park's centre and ``history.*`` (counts that exclude
    ``exclude_id``), in one statement. With ``new_id`` (a list to fill), the same statement
    also draws the id of an incident about to be inserted."""
    dialect = session.bind.dialect.name  # type: ignore[union-attr]
    statement = _PLACE_AND_HISTORY_STATEMENTS[(enterprise_id is not None, dialect if new_id is not None else None)]
    rows = await statement.rows(
        session,
        {
            "grid_id": grid_id,
            "enterprise_id": enterprise_id,
            "category": category,
            "now": now,
            "since_30d": now - timedelta(days=30),
            "since_7d": now - timedelta(days=7),
            "exclude_id": exclude_id if exclude_id is not None else -1,
        },
    )
    a = len(_AREA_KEYS)
    d = a + 2 + len(_DEPARTMENT_KEYS)
    if new_id is not None and rows:
        new_id.append(int(rows[0][d]))
    if not rows or rows[-1][0] != grid_id:
        return None
    chain = tuple(detached(Area, _AREA_KEYS, r[:a]) for r in rows)
    park_center = next(
        (
            detached(Department, _DEPARTMENT_KEYS, r[a + 2 : d])
            for area, r in zip(chain, rows, strict=True)
            if area.kind is AreaKind.PARK and r[a + 2] is not None
        ),
        None,
    )
    first = rows[0]
    holders = _holders([(r[0], r[d + 1]) for r in rows]) if new_id is not None and dialect == "postgresql" else None
    return Place(chain, park_center, holders), History(
        enterprise_incidents_30d=int(first[a] or 0) if enterprise_id is not None else 0,
        grid_same_category_7d=int(first[a + 1] or 0),
    )


_CENTER = (
    select(Department)
    .where(Department.level == DepartmentLevel.PARK_OFFICE, Department.park_id == bindparam("park_id"))
    .order_by(*_CENTER_ORDER)
    .limit(1)
)
_DEPARTMENT_BY_CODE = Direct(select(Department).where(Department.code == bindparam("code")))


async def department_for(session: AsyncSession, code: str | None, place: Place) -> Department | None:
    """Resolve a policy's department code (``GRID_CENTER`` = the own park's centre)."""
    if not code:
        return None
    if code == GRID_CENTER:
        if place.center is not None:
            return place.center
        park = place.park
        return await session.scalar(_CENTER, {"park_id": park.id}) if park else None
    rows = await _DEPARTMENT_BY_CODE.rows(session, {"code": code})
    return detached(Department, _DEPARTMENT_KEYS, rows[0]) if rows else None


async def possible_duplicates(session: AsyncSession, incident: Incident, *, limit: int = 10) -> list[Incident]:
    """Same enterprise within 30 days, or same category in the same grid within 48 hours."""
    at = incident.reported_at
    same_enterprise = (
        and_(
            Incident.enterprise_id == incident.enterprise_id,
            Incident.reported_at >= at - timedelta(days=30),
        )
        if incident.enterprise_id is not None
        else false()
    )
    same_grid = and_(
        Incident.grid_id == incident.grid_id,
        Incident.category == incident.category,
        Incident.reported_at >= at - timedelta(hours=48),
    )
    rows = await session.scalars(
        select(Incident)
        .where(or_(same_enterprise, same_grid), Incident.id != incident.id, Incident.reported_at <= at)
        .order_by(Incident.reported_at.desc(), Incident.id.desc())
        .limit(limit)
    )
    return list(rows)


_BY_CLIENT_REQUEST = select(Incident).where(
    Incident.reporter_account_id == bindparam("account_id"), Incident.client_request_id == bindparam("crid")
)
_BY_CLIENT_REQUEST_SYSTEM = select(Incident).where(
    Incident.reporter_account_id.is_(None), Incident.client_request_id == bindparam("crid")
)


async def by_client_request(
    session: AsyncSession, *, reporter_account_id: int | None, client_request_id: str
) -> Incident | None:
    if reporter_account_id is None:
        return await session.scalar(_BY_CLIENT_REQUEST_SYSTEM, {"crid": client_request_id})
    return await session.scalar(_BY_CLIENT_REQUEST, {"account_id": reporter_account_id, "crid": client_request_id})


async def active_member(session: AsyncSession, member_id: int | None) -> Member | None:
    if member_id is None:
        return None
    return await session.scalar(select(Member).where(Member.id == member_id, Member.active.is_(True)))


async def enterprise(session: AsyncSession, enterprise_id: int | None) -> Enterprise | None:
    return await session.get(Enterprise, enterprise_id) if enterprise_id is not None else None


async def latest_routing_decision(session: AsyncSession, incident_id: int) -> DecisionRecord | None:
    """The decision that chose the incident's current department: the latest routing
    decision, or an escalation decision that named a department itself."""
    rows = await session.scalars(
        select(DecisionRecord)
        .where(
            DecisionRecord.subject_type == SUBJECT,
            DecisionRecord.subject_id == incident_id,
            DecisionRecord.kind.in_([PolicyKind.INCIDENT_ROUTING, PolicyKind.INCIDENT_ESCALATION]),
        )
        .order_by(DecisionRecord.id.desc())
        .limit(20)
    )
    for record in rows:
        if record.kind is PolicyKind.INCIDENT_ROUTING or (record.outputs or {}).get("department"):
            return record
    return None


async def open_incidents_of_member(session: AsyncSession, member_id: int) -> list[Incident]:
    rows = await session.scalars(
        select(Incident)
        .where(Incident.officer_id == member_id, Incident.status.in_(OPEN_STATUSES))
        .order_by(Incident.id)
    )
    return list(rows)


# --- lists ---------------------------------------------------------------------------


class Order(StrEnum):
    REPORTED_AT_DESC = "REPORTED_AT_DESC"
    REPORTED_AT_ASC = "REPORTED_AT_ASC"
    DUE_AT_ASC = "DUE_AT_ASC"
    LEVEL_DESC = "LEVEL_DESC"
    SEVERITY_DESC = "SEVERITY_DESC"
    UPDATED_AT_DESC = "UPDATED_AT_DESC"


@dataclass(frozen=True, slots=True)
class Filter:
    statuses: Sequence[IncidentStatus] | None = None
    categories: Sequence[IncidentCategory] | None = None
    levels: Sequence[int] | None = None
    under_path: str | None = None
    # The subtree of an area given by id: resolved inside the list's own statements.
    under_area_id: int | None = None
    department_id: int | None = None
    officer_id: int | None = None
    enterprise_id: int | None = None
    overdue: bool | None = None
    awaiting_manual: bool | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    text: str | None = None


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    return and_(Incident.status.in_(OPEN_STATUSES), Incident.due_at.is_not(None), Incident.due_at <= now)


def incidents_query(scope: Scope, f: Filter, *, order: Order, now: datetime) -> Select[tuple[Incident]]:
    stmt = select(Incident).where(visible(scope))
    if f.statuses:
        stmt = stmt.where(Incident.status.in_([s.value for s in f.statuses]))
    if f.categories:
        stmt = stmt.where(Incident.category.in_([c.value for c in f.categories]))
    if f.levels:
        stmt = stmt.where(Incident.level.in_(list(f.levels)))
    if f.under_path is not None:
        stmt = stmt.where(Incident.area_path.like(f"{f.under_path}%"))
    if f.under_area_id is not None:
        prefix = select(Area.path + "%").where(Area.id == f.under_area_id).scalar_subquery()
        stmt = stmt.where(Incident.area_path.like(prefix))
    if f.department_id is not None:
        stmt = stmt.where(Incident.department_id == f.department_id)
    if f.officer_id is not None:
        stmt = stmt.where(Incident.officer_id == f.officer_id)
    if f.enterprise_id is not None:
        stmt = stmt.where(Incident.enterprise_id == f.enterprise_id)
    if f.overdue is True:
        stmt = stmt.where(overdue_clause(now))
    elif f.overdue is False:
        stmt = stmt.where(~overdue_clause(now))
    if f.awaiting_manual is not None:
        stmt = stmt.where(Incident.awaiting_manual.is_(f.awaiting_manual))
    if f.reported_from is not None:
        stmt = stmt.where(Incident.reported_at >= f.reported_from)
    if f.reported_to is not None:
        stmt = stmt.where(Incident.reported_at < f.reported_to)
    if f.text and f.text.strip():
        term = f.text.strip()
        stmt = stmt.where(
            Incident.title.contains(term, autoescape=True)
            | Incident.description.contains(term, autoescape=True)
            | (Incident.code == term)
        )
    orders = {
        Order.REPORTED_AT_DESC: (Incident.reported_at.desc(), Incident.id.desc()),
        Order.REPORTED_AT_ASC: (Incident.reported_at.asc(), Incident.id.asc()),
        Order.DUE_AT_ASC: (Incident.due_at.is_(None), Incident.due_at.asc(), Incident.id.asc()),
        Order.LEVEL_DESC: (Incident.level.desc(), Incident.reported_at.desc(), Incident.id.desc()),
        Order.SEVERITY_DESC: (Incident.severity.desc(), Incident.reported_at.desc(), Incident.id.desc()),
        Order.UPDATED_AT_DESC: (Incident.updated_at.desc(), Incident.id.desc()),
    }
    return stmt.order_by(*orders[order])


async def counts_by_status(session: AsyncSession, scope: Scope, *, under_path: str | None) -> dict[str, int]:
    stmt = select(Incident.status, func.count()).where(visible(scope))
    if under_path is not None:
        stmt = stmt.where(Incident.area_path.like(f"{under_path}%"))
    rows = await session.execute(stmt.group_by(Incident.status))
    return {IncidentStatus(s).value: int(n) for s, n in rows.all()}


async def overdue_count(session: AsyncSession, scope: Scope, *, under_path: str | None, now: datetime) -> int:
    stmt = select(func.count()).select_from(Incident).where(visible(scope), overdue_clause(now))
    if under_path is not None:
        stmt = stmt.where(Incident.area_path.like(f"{under_path}%"))
    return int(await session.scalar(stmt) or 0)


# --- batches for DataLoaders (one statement per batch) --------------------------------


async def incidents_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Incident]:
    rows = await session.scalars(select(Incident).where(Incident.id.in_(ids)))
    return {r.id: r for r in rows}


async def timelines(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[IncidentTimelineEntry]]:
    rows = await session.scalars(
        select(IncidentTimelineEntry)
        .where(IncidentTimelineEntry.incident_id.in_(ids))
        .order_by(IncidentTimelineEntry.incident_id, IncidentTimelineEntry.id)
    )
    out: dict[int, list[IncidentTimelineEntry]] = {}
    for r in rows:
        out.setdefault(r.incident_id, []).append(r)
    return out


async def last_entries(session: AsyncSession, ids: Sequence[int]) -> dict[int, IncidentTimelineEntry]:
    latest = (
        select(func.max(IncidentTimelineEntry.id))
        .where(IncidentTimelineEntry.incident_id.in_(ids))
        .group_by(IncidentTimelineEntry.incident_id)
    )
    rows = await session.scalars(select(IncidentTimelineEntry).where(IncidentTimelineEntry.id.in_(latest)))
    return {r.incident_id: r for r in rows}


async def decisions(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[DecisionRecord]]:
    rows = await session.scalars(
        select(DecisionRecord)
        .where(DecisionRecord.subject_type == SUBJECT, DecisionRecord.subject_id.in_(ids))
        .order_by(DecisionRecord.subject_id, DecisionRecord.id)
    )
    out: dict[int, list[DecisionRecord]] = {}
    for r in rows:
        out.setdefault(r.subject_id, []).append(r)
    return out
