"""Demo accounts: one per role, linked to the demo district 临江区 (docs/security.md lists them).

``load_demo_accounts(session)`` runs after the demo organisation is loaded and finds
what each account is linked to by code: the district ``D01``, the parks ``P01``–``P03``,
the grid ``P01-L01-S01`` (its grid leader and a full-time worker), the department
``LABOR`` and an enterprise of that grid. Accounts that already exist are left alone.
All share the password ``DEMO_PASSWORD`` — a demo, not a deployment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import service as accounts
from domain.accounts.models import Account
from domain.enums import AccountRole, MemberRole
from domain.org.models import Area, Department, Enterprise, Member, MemberRoleAssignment
from domain.scope import SYSTEM

DEMO_PASSWORD = "GridGov-2026"
DISTRICT = "D01"
PARKS = ("P01", "P02", "P03")
GRID = "P01-L01-S01"  # the grid of the demo grid leader, grid worker and enterprise
PARTNER_PARK = "P01"  # the park granted to the demo partner (综治 platform)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: AccountRole
    links: dict[str, object] = field(default_factory=dict)


async def _area_id(session: AsyncSession, code: str) -> int | None:
    return await session.scalar(select(Area.id).where(Area.code == code))


async def _member_with_role(session: AsyncSession, grid_id: int | None, role: MemberRole) -> int | None:
    """An active member of ``role`` in the grid; failing that, the first one anywhere."""
    stmt = (
        select(Member.id)
        .join(MemberRoleAssignment, MemberRoleAssignment.member_id == Member.id)
        .where(MemberRoleAssignment.role == role, Member.active.is_(True), Member.area_id.is_not(None))
        .order_by(Member.code)
    )
    if grid_id is not None:
        found = await session.scalar(stmt.where(Member.area_id == grid_id).limit(1))
        if found is not None:
            return found
    return await session.scalar(stmt.limit(1))


async def _plan(session: AsyncSession) -> list[DemoAccount]:
    district = await _area_id(session, DISTRICT)
    parks = {code: await _area_id(session, code) for code in PARKS}
    grid = await _area_id(session, GRID)
    leader = await _member_with_role(session, grid, MemberRole.GRID_LEADER)
    worker = await _member_with_role(session, grid, MemberRole.FULL_TIME_WORKER)
    labor = await session.scalar(select(Department.id).where(Department.code == "LABOR"))
    labor_responder = await session.scalar(select(Department.responder_id).where(Department.code == "LABOR"))
    enterprise = await session.scalar(
        select(Enterprise.id).where(Enterprise.grid_id == grid).order_by(Enterprise.id).limit(1)
    ) if grid is not None else None
    if enterprise is None:
        enterprise = await session.scalar(select(Enterprise.id).order_by(Enterprise.id).limit(1))

    plan = [
        DemoAccount("admin", "系统管理员", AccountRole.ADMIN, {"area_id": district}),
        *(
            DemoAccount(f"park-{code.lower()}", f"{code} 园区管理员", AccountRole.PARK_ADMIN, {"area_id": pid})
            for code, pid in parks.items()
        ),
        DemoAccount("grid-leader", "网格长（演示）", AccountRole.GRID_LEADER, {"member_id": leader}),
        DemoAccount("grid-worker", "专职网格员（演示）", AccountRole.GRID_WORKER, {"member_id": worker}),
        DemoAccount(
            "labor-officer", "人社局办理人员（演示）", AccountRole.DEPARTMENT_OFFICER,
            {"department_id": labor, "member_id": labor_responder},
        ),
        DemoAccount("enterprise", "企业账号（演示）", AccountRole.ENTERPRISE, {"enterprise_id": enterprise}),
        DemoAccount(
            "partner", "区综治平台（演示）", AccountRole.PARTNER,
            {"granted_area_ids": tuple(a for a in (parks.get(PARTNER_PARK),) if a is not None)},
        ),
        DemoAccount("viewer", "只读用户（演示）", AccountRole.VIEWER, {"area_id": district}),
        DemoAccount("policy-editor", "规则编辑（演示）", AccountRole.POLICY_EDITOR, {"area_id": district}),
    ]
    return plan


async def load_demo_accounts(session: AsyncSession) -> list[tuple[str, str, str]]:
    """Create the demo accounts (in the caller's transaction); ``(username, password, role)``
    of each, existing ones included. An account whose link is missing from the database
    (no demo organisation loaded) is skipped."""
    created: list[tuple[str, str, str]] = []
    for demo in await _plan(session):
        exists = await session.scalar(select(Account.id).where(Account.username == demo.username))
        if exists is None:
            links = dict(demo.links)
            required = {
                AccountRole.PARK_ADMIN: "area_id", AccountRole.VIEWER: "area_id",
                AccountRole.POLICY_EDITOR: "area_id", AccountRole.GRID_LEADER: "member_id",
                AccountRole.GRID_WORKER: "member_id", AccountRole.DEPARTMENT_OFFICER: "department_id",
                AccountRole.ENTERPRISE: "enterprise_id", AccountRole.PARTNER: "granted_area_ids",
            }.get(demo.role)
            if required and not links.get(required):
                continue
            await accounts.create_account(
                session,
                actor=SYSTEM,
                username=demo.username,
                display_name=demo.display_name,
                password=DEMO_PASSWORD,
                role=demo.role,
                member_id=links.get("member_id"),  # type: ignore[arg-type]
                department_id=links.get("department_id"),  # type: ignore[arg-type]
                enterprise_id=links.get("enterprise_id"),  # type: ignore[arg-type]
                area_id=links.get("area_id"),  # type: ignore[arg-type]
                granted_area_ids=tuple(links.get("granted_area_ids", ())),  # type: ignore[arg-type]
            )
        created.append((demo.username, DEMO_PASSWORD, demo.role.value))
    return created
