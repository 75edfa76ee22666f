"""The area tree over /graphql: connections, filters, node, children and ancestors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.relay import to_global_id
from domain.org.models import Area
from tests.conftest import GraphQLClient
from tests.factories import make_area_tree

AREAS = """
query Areas($filter: AreaFilter, $first: Int, $after: String, $last: Int, $before: String) {
  areas(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id code name kind childrenCount parent { code } } }
  }
}
"""

AREA = """
query Area($id: ID, $code: String) {
  area(id: $id, code: $code) {
    id code name kind parkType brand depth
    ancestors { code kind }
    children(first: 10) { totalCount nodes { code kind } }
  }
}
"""

NODE = """
query Node($id: ID!) { node(id: $id) { id ... on Area { code kind } } }
"""


@pytest.fixture
async def tree(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Area]:
    async with sessionmaker.begin() as session:
        return await make_area_tree(session)


def _gid(area: Area) -> str:
    return to_global_id("Area", area.id)


async def test_whole_subtree_of_a_park_is_listed(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    data = await gql(AREAS, {"filter": {"underId": _gid(tree["park"])}, "first": 50})
    codes = {e["node"]["code"] for e in data["areas"]["edges"]}
    assert codes == {tree[k].code for k in ("park", "large", "small1", "small2", "direct")}
    assert data["areas"]["totalCount"] == 5


async def test_filter_by_kind_and_parent(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    data = await gql(
        AREAS, {"filter": {"parentId": _gid(tree["large"]), "kind": "SMALL_GRID"}, "first": 10}
    )
    nodes = [e["node"] for e in data["areas"]["edges"]]
    assert {n["code"] for n in nodes} == {tree["small1"].code, tree["small2"].code}
    assert all(n["parent"]["code"] == tree["large"].code for n in nodes)


async def test_children_counts_in_a_page(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    data = await gql(AREAS, {"filter": {"underId": _gid(tree["park"])}, "first": 50})
    counts = {e["node"]["code"]: e["node"]["childrenCount"] for e in data["areas"]["edges"]}
    assert counts[tree["park"].code] == 2
    assert counts[tree["large"].code] == 2
    assert counts[tree["small1"].code] == 0


async def test_forward_and_backward_pagination(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    f = {"underId": _gid(tree["park"])}
    page1 = (await gql(AREAS, {"filter": f, "first": 2}))["areas"]
    assert page1["pageInfo"]["hasNextPage"] and not page1["pageInfo"]["hasPreviousPage"]
    page2 = (await gql(AREAS, {"filter": f, "first": 2, "after": page1["pageInfo"]["endCursor"]}))["areas"]
    page3 = (await gql(AREAS, {"filter": f, "first": 2, "after": page2["pageInfo"]["endCursor"]}))["areas"]
    assert not page3["pageInfo"]["hasNextPage"]
    forward = [e["node"]["code"] for p in (page1, page2, page3) for e in p["edges"]]
    assert len(forward) == 5 and len(set(forward)) == 5
    last2 = (await gql(AREAS, {"filter": f, "last": 2}))["areas"]
    assert [e["node"]["code"] for e in last2["edges"]] == forward[-2:]
    assert last2["pageInfo"]["hasPreviousPage"]
    before = (await gql(AREAS, {"filter": f, "last": 1, "before": last2["pageInfo"]["startCursor"]}))["areas"]
    assert [e["node"]["code"] for e in before["edges"]] == forward[-3:-2]


async def test_page_size_is_capped_with_a_clear_error(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    body = await gql.raw(AREAS, {"first": 100000})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    assert "first" in body["errors"][0]["message"]


async def test_area_with_ancestors_and_children(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    data = await gql(AREA, {"id": _gid(tree["small1"])})
    area: dict[str, Any] = data["area"]
    assert area["kind"] == "SMALL_GRID" and area["depth"] == 3
    assert [a["code"] for a in area["ancestors"]] == [tree[k].code for k in ("district", "park", "large")]
    park = (await gql(AREA, {"code": tree["park"].code}))["area"]
    assert park["parkType"] == "先进制造" and park["brand"] == "共享党建"
    assert {c["code"] for c in park["children"]["nodes"]} == {tree["large"].code, tree["direct"].code}


async def test_node_resolves_an_area_and_not_garbage(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    data = await gql(NODE, {"id": _gid(tree["park"])})
    assert data["node"] == {"id": _gid(tree["park"]), "code": tree["park"].code, "kind": "PARK"}
    assert (await gql(NODE, {"id": "not-an-id"}))["node"] is None
    assert (await gql(NODE, {"id": to_global_id("Area", 987654321)}))["node"] is None
    assert (await gql(NODE, {"id": to_global_id("Nope", tree["park"].id)}))["node"] is None


async def test_health_and_readiness(client: Any) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
