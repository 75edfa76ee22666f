"""The demo district 临江区 (``D01``): deterministic, Chinese, plausible, loaded in seconds.

``load_demo(url, seed=..., reset=...)`` fills a migrated database with one
district, three parks (绿色化工园区 / 先进制造产业园区 / 中外合作产业园区), their
large and small grids, the departments of SPEC §1 with responders, members in the
1+1+N model (two grids deliberately short of staff — see ``people``), about sixty
enterprises with valid unified social credit codes, projects, and a year of
history up to 2026-11-26 08:00 Shanghai: incidents with timelines in every
state, service orders, migrant-worker records, volunteer services, practical
deeds, monthly grid meetings and patrol reports.

The same seed gives the same content on every run and every backend (ids may
differ between backends; ciphertexts differ, what they decrypt to does not).
Rows are inserted in bulk (``INSERT … RETURNING`` executemany), one transaction.

Accounts for every role are loaded last (``domain/demo/accounts.py``; passwords
in docs/security.md). Not loaded: decision records (the policy engine writes them
for new incidents; this history has none) and outbox events (history
is not replayed to partners).
"""

from __future__ import annotations

import random

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

import domain.models  # noqa: F401  (every table in Base.metadata, for reset)
from domain.demo.accounts import load_demo_accounts
from domain.db import Base, make_engine, make_sessionmaker
from domain.demo.common import DISTRICT_CODE, DISTRICT_NAME, World
from domain.demo.enterprises import build_enterprises, build_projects
from domain.demo.field import build_meetings, build_migrant_workers, build_patrols, build_services
from domain.demo.incidents import build_incidents
from domain.demo.names import NameMaker
from domain.demo.orders import build_orders
from domain.demo.org import build_areas, build_departments, set_responders
from domain.demo.people import build_members
from domain.org.models import Area, Department

__all__ = ["DISTRICT_CODE", "load_demo", "reset_database"]

SUMMARY_LABELS = (
    ("parks", "个园区"), ("large_grids", "个大网格"), ("small_grids", "个小网格"), ("departments", "个部门"),
    ("members", "名网格力量"), ("enterprises", "家企业"), ("projects", "个在建项目"), ("incidents", "件事件"),
    ("incident_timeline", "条事件流转记录"), ("orders", "张服务订单"), ("migrant_workers", "条外来务工人员信息"),
    ("volunteer_services", "次志愿服务"), ("practical_deeds", "件办实事"), ("grid_meetings", "次网格调度会议"),
    ("patrol_reports", "条走访巡查记录"), ("training_records", "条培训记录"),
)


async def reset_database(session: AsyncSession) -> None:
    """Delete every row of every table of the model, children first."""
    tables = Base.metadata.sorted_tables
    if session.bind.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        await session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    # departments.responder_id → members closes a cycle; break it first.
    await session.execute(update(Department).values(responder_id=None))
    for table in reversed(tables):
        await session.execute(table.delete())


async def _build(world: World) -> None:
    await build_areas(world)
    await build_departments(world)
    await build_enterprises(world)
    await build_projects(world)
    await build_members(world)
    await set_responders(world)
    await build_incidents(world)
    await build_orders(world)
    await build_migrant_workers(world)
    await build_services(world)
    await build_meetings(world)
    await build_patrols(world)


def _summary(world: World) -> str:
    c = world.counts
    parts = "、".join(f"{c[key]}{label}" for key, label in SUMMARY_LABELS if key in c)
    short = "；".join(f"{code} {what}" for code, what in sorted(world.short_of_staff.items()))
    return f"已载入演示区“{DISTRICT_NAME}”（{DISTRICT_CODE}）：{parts}。缺编网格：{short}。"


async def load_demo(url: str, *, seed: int = 20261126, reset: bool = False) -> str:
    """Load the demo district into the migrated database at ``url``; return a summary.

    Without ``reset`` an existing demo district is left alone. With ``reset`` every
    row of every table is deleted first (accounts and policies included).
    """
    engine = make_engine(url)
    try:
        sessionmaker = make_sessionmaker(engine, write=True)
        async with sessionmaker.begin() as session:
            if reset:
                await reset_database(session)
            else:
                exists = await session.scalar(select(func.count()).select_from(Area).where(Area.code == DISTRICT_CODE))
                if exists:
                    return f"演示区“{DISTRICT_NAME}”（{DISTRICT_CODE}）已存在，未做改动；如需重建请加 --reset。"
            rng = random.Random(seed)
            world = World(rng=rng, session=session, names=NameMaker(rng))
            await _build(world)
            # Accounts for every role, linked to the rows just built (access control).
            accounts = await load_demo_accounts(session)
            logins = "、".join(f"{u}（{r}）" for u, _, r in accounts)
        # Planner statistics for what was just loaded. Until autovacuum gets round to a
        # new database, PostgreSQL plans without any, and its generic plans for the
        # report path's counts then tied two indexes and took the wrong one (every
        # incident of the week read per report; docs/benchmarks.md).
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
        return _summary(world) + f"演示账号（密码见 docs/security.md）：{logins}。"

    finally:
        await engine.dispose()
