"""No N+1 (SPEC §4): a list query costs a fixed number of SQL statements, whatever the page size.

Statements are counted with SQLAlchemy's ``before_cursor_execute`` on the test engine.
Transaction control (``BEGIN``/``COMMIT``/``ROLLBACK``, which SQLite issues as
statements and asyncpg does not) is not counted. Authentication runs its own
statements once per request (token → account → scope); that allowance is measured,
not guessed: it is what a query selecting nothing but ``__typename`` costs, and it
is subtracted before comparing with the budget of 6.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.enums import AreaKind, MemberRole
from tests.conftest import GraphQLClient
from tests.factories import make_area, make_area_tree, make_enterprise, make_member, unique
from tests.integration.org_support import area_id

BUDGET = 6
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

MEMBERS_PAGE = """
query Members($filter: MemberFilter, $first: Int) {
  members(filter: $filter, first: $first) {
    totalCount
    nodes { code name phone roles area { code name } enterprise { name creditCode } }
  }
}
"""

AREAS_PAGE = """
query Areas($filter: AreaFilter, $first: Int) {
  areas(filter: $filter, first: $first) {
    totalCount
    nodes { code parent { code name } childrenCount gridLeader { code name } }
  }
}
"""

BASELINE = "query Baseline { __typename }"


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


async def _cost(gql: GraphQLClient, engine: AsyncEngine, query: str, variables: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    with counting(engine) as statements:
        data = await gql(query, variables)
    return len(statements), data


@pytest.fixture(scope="module")
async def big(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """A large grid of 120 small grids, each with its own enterprise and grid leader."""
    tag = unique("N1")
    async with sessionmaker.begin() as s:
        tree = await make_area_tree(s)
        large = await make_area(s, kind=AreaKind.LARGE_GRID, parent=tree["park"], name=f"大网格{tag}")
        for n in range(120):
            grid = await make_area(s, kind=AreaKind.SMALL_GRID, parent=large, name=f"网格{n}")
            firm = await make_enterprise(s, grid=grid)
            await make_member(
                s, area=grid, enterprise=firm, name=f"{tag}成员{n}", phone=f"139{n:08d}",
                roles=(MemberRole.GRID_LEADER, MemberRole.PART_TIME_WORKER),
            )
    return {"tag": tag, "large": large}


async def test_a_page_of_members_with_area_enterprise_and_roles(
    gql: GraphQLClient, engine: AsyncEngine, big: dict[str, Any], auth_read_every_request: None
) -> None:
    auth, _ = await _cost(gql, engine, BASELINE, {})
    f = {"search": big["tag"]}
    small, page10 = await _cost(gql, engine, MEMBERS_PAGE, {"filter": f, "first": 10})
    large, page100 = await _cost(gql, engine, MEMBERS_PAGE, {"filter": f, "first": 100})
    assert len(page10["members"]["nodes"]) == 10 and len(page100["members"]["nodes"]) == 100
    assert all(n["area"] and n["enterprise"] and n["roles"] for n in page100["members"]["nodes"])
    assert small == large, f"members: {small} statements for 10, {large} for 100"
    assert large - auth <= BUDGET, f"members: {large} statements, {auth} of them authentication"


async def test_a_page_of_areas_with_parent_children_count_and_grid_leader(
    gql: GraphQLClient, engine: AsyncEngine, big: dict[str, Any], auth_read_every_request: None
) -> None:
    auth, _ = await _cost(gql, engine, BASELINE, {})
    f = {"underId": area_id(big["large"])}
    small, page10 = await _cost(gql, engine, AREAS_PAGE, {"filter": f, "first": 10})
    large, page100 = await _cost(gql, engine, AREAS_PAGE, {"filter": f, "first": 100})
    assert len(page10["areas"]["nodes"]) == 10 and len(page100["areas"]["nodes"]) == 100
    grids = [n for n in page100["areas"]["nodes"] if n["parent"]["code"] == big["large"].code]
    assert len(grids) >= 99 and all(n["gridLeader"] for n in grids)
    assert small == large, f"areas: {small} statements for 10, {large} for 100"
    assert large - auth <= BUDGET, f"areas: {large} statements, {auth} of them authentication"
