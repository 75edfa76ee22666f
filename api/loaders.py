"""DataLoaders, created per request (a module-level loader would cache forever).

Each batch opens its own short read session: Strawberry resolves sibling fields
concurrently, and one ``AsyncSession`` cannot serve concurrent statements.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
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
    def __init__(self, sm: async_sessionmaker[AsyncSession]) -> None:
        self.area: DataLoader[int, Area | None] = _batched(sm, by_id(Area))
        self.area_children_count: DataLoader[int, int] = _batched(
            sm, org_repo.children_counts, default=0
        )
        # accounts and audit (issue 5)
        self.account: DataLoader[int, Account | None] = _batched(sm, by_id(Account))
        self.api_token: DataLoader[int, ApiToken | None] = _batched(sm, by_id(ApiToken))
        self.audit_entry: DataLoader[int, AuditEntry | None] = _batched(sm, by_id(AuditEntry))
        self.account_granted_areas: DataLoader[int, list[int]] = _batched(
            sm, granted_area_ids, default=[]
        )
        # organisation (issue 4): member → area, department, enterprise, roles, duties;
        # area → grid leader, role counts (staffing); enterprise → project count.
        self.member: DataLoader[int, Member | None] = _batched(sm, by_id(Member))
        self.department: DataLoader[int, Department | None] = _batched(sm, by_id(Department))
        self.enterprise: DataLoader[int, Enterprise | None] = _batched(sm, by_id(Enterprise))
        self.project: DataLoader[int, Project | None] = _batched(sm, by_id(Project))
        self.member_roles: DataLoader[int, list[MemberRole]] = _batched(
            sm, org_repo.roles_by_member, default=[]
        )
        self.member_duties: DataLoader[int, list[DutyTag]] = _batched(
            sm, org_repo.duties_by_member, default=[]
        )
        self.member_trainings: DataLoader[int, list[TrainingRecord]] = _batched(
            sm, org_repo.trainings_by_member, default=[]
        )
        self.area_grid_leader: DataLoader[int, Member | None] = _batched(sm, org_repo.grid_leaders)
        self.area_role_counts: DataLoader[int, dict[MemberRole, int]] = _batched(
            sm, staffing.role_counts, default={}
        )
        self.enterprise_project_count: DataLoader[int, int] = _batched(
            sm, org_repo.project_counts, default=0
        )
        # incidents (issue 6): incident by id; its timeline, last entry and decisions.
        self.incident: DataLoader[int, Incident | None] = _batched(sm, incident_repo.incidents_by_ids)
        self.incident_timeline: DataLoader[int, list[IncidentTimelineEntry]] = _batched(
            sm, incident_repo.timelines, default=[]
        )
        self.incident_last_entry: DataLoader[int, IncidentTimelineEntry | None] = _batched(
            sm, incident_repo.last_entries
        )
        self.incident_decisions: DataLoader[int, list[DecisionRecord]] = _batched(
            sm, incident_repo.decisions, default=[]
        )
        self.decision: DataLoader[int, DecisionRecord | None] = _batched(sm, by_id(DecisionRecord))

    def clear(self) -> None:
        """Forget everything loaded: a mutation has just changed what loaders may have cached."""
        for loader in vars(self).values():
            if isinstance(loader, DataLoader):
                loader.clear_all()
