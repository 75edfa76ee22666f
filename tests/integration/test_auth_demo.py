"""Each demo account logs in with its documented password and sees exactly its part of
the demo district 临江区 (docs/security.md). Works in a scratch database: the demo fills
whole tables the other tests share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from domain.db import make_engine, make_sessionmaker
from domain.demo import load_demo
from domain.demo.accounts import DEMO_PASSWORD, load_demo_accounts
from domain.org.models import Area, Department, Enterprise, Member
from domain.settings import Settings
from tests.conftest import Backend, GraphQLClient

pytestmark = pytest.mark.slow

LOGIN = """mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p})
  { token viewer { role readOnly grantedAreas { code } } userErrors { code message } } }"""
SEEN = """{
  areas(first: 100) { totalCount nodes { code } }
  members(first: 1) { totalCount }
  enterprises(first: 1) { totalCount }
  viewer { role readOnly departmentId enterpriseId memberId }
}"""


@pytest.fixture
def demo_url(backend: Backend) -> Iterator[str]:
    scratch = backend.scratch("demoacc")
    scratch.create()
    try:
        yield scratch.url
    finally:
        scratch.drop()


async def test_demo_accounts_see_their_part(demo_url: str) -> None:
    from api.app import create_app

    await load_demo(demo_url)
    engine = make_engine(demo_url)
    try:
        async with make_sessionmaker(engine).begin() as session:
            made = await load_demo_accounts(session)
            again = await load_demo_accounts(session)  # idempotent
            n_areas = await session.scalar(select(func.count()).select_from(Area))
            p01 = await session.scalar(select(Area.path).where(Area.code == "P01"))
            n_p01 = await session.scalar(select(func.count()).select_from(Area).where(Area.path.like(f"{p01}%")))
            labor_members = await session.scalar(
                select(func.count()).select_from(Member).join(Department, Department.id == Member.department_id)
                .where(Department.code == "LABOR")
            )
            n_members = await session.scalar(select(func.count()).select_from(Member))
            n_firms = await session.scalar(select(func.count()).select_from(Enterprise))
        assert made == again
        roles = {role for _, _, role in made}
        assert roles == {"ADMIN", "PARK_ADMIN", "GRID_LEADER", "GRID_WORKER", "DEPARTMENT_OFFICER",
                         "POLICY_EDITOR", "ENTERPRISE", "PARTNER", "VIEWER"}
        assert {u for u, _, _ in made} >= {"admin", "park-p01", "park-p02", "park-p03", "grid-leader", "grid-worker",
                                          "labor-officer", "enterprise", "partner", "viewer", "policy-editor"}
        assert all(p == DEMO_PASSWORD for _, p, _ in made)

        app = create_app(Settings(database_url=demo_url), engine=engine)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://demo") as http:
            seen: dict[str, Any] = {}
            for username, password, role in made:
                login = (await GraphQLClient(http)(LOGIN, {"u": username, "p": password}))["login"]
                assert login["userErrors"] == [] and login["viewer"]["role"] == role, username
                seen[username] = await GraphQLClient(http, login["token"])(SEEN)
    finally:
        await engine.dispose()

    def codes(u: str) -> set[str]:
        return {n["code"] for n in seen[u]["areas"]["nodes"]}

    for u in ("admin", "viewer", "policy-editor"):
        assert seen[u]["areas"]["totalCount"] == n_areas and seen[u]["members"]["totalCount"] == n_members
        assert seen[u]["enterprises"]["totalCount"] == n_firms
    assert seen["viewer"]["viewer"]["readOnly"] and seen["policy-editor"]["viewer"]["readOnly"]
    assert not seen["admin"]["viewer"]["readOnly"]
    # A park admin: their park and the district as a breadcrumb, nothing of the other parks.
    assert seen["park-p01"]["areas"]["totalCount"] == n_p01 + 1
    assert "D01" in codes("park-p01") and not any(c.startswith(("P02", "P03")) for c in codes("park-p01"))
    assert not any(c.startswith(("P01", "P03")) for c in codes("park-p02"))
    # Grid staff: their grid and its breadcrumbs.
    for u in ("grid-leader", "grid-worker"):
        assert codes(u) == {"D01", "P01", "P01-L01", "P01-L01-S01"}, u
        assert 0 < seen[u]["members"]["totalCount"] < n_members and seen[u]["viewer"]["memberId"]
    # The LABOR officer: the department's people, no enterprises; the whole tree as org info.
    assert seen["labor-officer"]["viewer"]["departmentId"]
    assert seen["labor-officer"]["members"]["totalCount"] == labor_members
    assert seen["labor-officer"]["enterprises"]["totalCount"] == 0
    # The enterprise: itself only.
    assert seen["enterprise"]["enterprises"]["totalCount"] == 1 and seen["enterprise"]["members"]["totalCount"] == 0
    assert codes("enterprise") == {"D01", "P01", "P01-L01", "P01-L01-S01"}
    # The partner: park P01's tree to filter its event stream by, no people, no firms.
    assert seen["partner"]["members"]["totalCount"] == 0 and seen["partner"]["enterprises"]["totalCount"] == 0
    assert codes("partner") == codes("park-p01")
