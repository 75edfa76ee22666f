"""DataLoaders, created per request (a module-level loader would cache forever).

Each batch opens its own short read session: Strawberry resolves sibling fields
concurrently, and one ``AsyncSession`` cannot serve concurrent statements.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from domain.accounts.models import Account, AccountArea, ApiToken
from domain.audit.models import AuditEntry
from domain.enums import DutyTag, MemberRole
from domain.incidents import repository as incident_repo
from domain.incidents.models import Incident, IncidentTimelineEntry
from domain.org import repository as org_repo
from domain.org import staffing
from domain.org.models import Area, Department, Enterprise, Member, Project, TrainingRecord
from domain.policies.models import DecisionRecord

K = TypeVar("K")
V = TypeVar("V")


def _batched(
    sm: async_sessionmaker[AsyncSession],
    fetch: Callable[[AsyncSession, Sequence[Any]], Awaitable[dict[Any, Any]]],
    default: Any = None,
) -> DataLoader[Any, Any]:
    async def load(keys: Sequence[Any]) -> list[Any]:
        async with sm() as session:
            found = await fetch(session, keys)
        return [found.get(k, default) for k in keys]

    return DataLoader(load_fn=load)


def by_id(model: type[Any]) -> Callable[[AsyncSession, Sequence[int]], Awaitable[dict[int, Any]]]:
    async def fetch(session: AsyncSession, ids: Sequence[int]) -> dict[int, Any]:
        rows = await session.scalars(select(model).where(model.id.in_(ids)))
        return {r.id: r for r in rows}

    return fetch


async def granted_area_ids(session: AsyncSession, account_ids: Sequence[int]) -> dict[int, list[int]]:
    rows = await session.execute(
        select(AccountArea.account_id, AccountArea.area_id)
        .where(AccountArea.account_id.in_(account_ids))
        .order_by(AccountArea.area_id)
    )
    found: dict[int, list[int]] = {}
    for account_id, area_id in rows.all():
        found.setdefault(account_id, []).append(area_id)
    return found


class Loaders:
    """The request's DataLoaders, each made on first use: a request uses a few of them
    (a report, seven), and building all of them for every request cost CPU and garbage."""

    def __init__(self, sm: async_sessionmaker[AsyncSession]) -> None:
        self._sm = sm

    @cached_property
    def area(self) -> DataLoader[int, Area | None]:
        return _batched(self._sm, by_id(Area))

    @cached_property
    def area_children_count(self) -> DataLoader[int, int]:
        return _batched(self._sm, org_repo.children_counts, default=0)

    # accounts and audit (issue 5)
    @cached_property
    def account(self) -> DataLoader[int, Account | None]:
        return _batched(self._sm, by_id(Account))

    @cached_property
    def api_token(self) -> DataLoader[int, ApiToken | None]:
        return _batched(self._sm, by_id(ApiToken))

    @cached_property
    def audit_entry(self) -> DataLoader[int, AuditEntry | None]:
        return _batched(self._sm, by_id(AuditEntry))

    @cached_property
    def account_granted_areas(self) -> DataLoader[int, list[int]]:
        return _batched(self._sm, granted_area_ids, default=[])

    # organisation (issue 4): member → area, department, enterprise, roles, duties;
    # area → grid leader, role counts (staffing); enterprise → project count.
    @cached_property
    def member(self) -> DataLoader[int, Member | None]:
        return _batched(self._sm, by_id(Member))

    @cached_property
    def department(self) -> DataLoader[int, Department | None]:
        return _batched(self._sm, by_id(Department))

    @cached_property
    def enterprise(self) -> DataLoader[int, Enterprise | None]:
        return _batched(self._sm, by_id(Enterprise))

    @cached_property
    def project(self) -> DataLoader[int, Project | None]:
        return _batched(self._sm, by_id(Project))

    @cached_property
    def member_roles(self) -> DataLoader[int, list[MemberRole]]:
        return _batched(self._sm, org_repo.roles_by_member, default=[])

    @cached_property
    def member_duties(self) -> DataLoader[int, list[DutyTag]]:
        return _batched(self._sm, org_repo.duties_by_member, default=[])

    @cached_property
    def member_trainings(self) -> DataLoader[int, list[TrainingRecord]]:
        return _batched(self._sm, org_repo.trainings_by_member, default=[])

    @cached_property
    def area_grid_leader(self) -> DataLoader[int, Member | None]:
        return _batched(self._sm, org_repo.grid_leaders)

    @cached_property
    def area_role_counts(self) -> DataLoader[int, dict[MemberRole, int]]:
        return _batched(self._sm, staffing.role_counts, default={})

    @cached_property
    def enterprise_project_count(self) -> DataLoader[int, int]:
        return _batched(self._sm, org_repo.project_counts, default=0)

    # incidents (issue 6): incident by id; its timeline, last entry and decisions.
    @cached_property
    def incident(self) -> DataLoader[int, Incident | None]:
        return _batched(self._sm, incident_repo.incidents_by_ids)

    @cached_property
    def incident_timeline(self) -> DataLoader[int, list[IncidentTimelineEntry]]:
        return _batched(self._sm, incident_repo.timelines, default=[])

    @cached_property
    def incident_last_entry(self) -> DataLoader[int, IncidentTimelineEntry | None]:
        return _batched(self._sm, incident_repo.last_entries)

    @cached_property
    def incident_decisions(self) -> DataLoader[int, list[DecisionRecord]]:
        return _batched(self._sm, incident_repo.decisions, default=[])

    @cached_property
    def decision(self) -> DataLoader[int, DecisionRecord | None]:
        return _batched(self._sm, by_id(DecisionRecord))

    def clear(self) -> None:
        """Forget everything loaded: a mutation has just changed what loaders may have cached."""
        for loader in vars(self).values():
            if isinstance(loader, DataLoader):
                loader.clear_all()
