"""Area mutations over /graphql — nesting, moves that re-root a subtree (and the path copies
on incidents, orders and field records), grid leaders, and 1+1+N staffing compliance."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.enums import AreaKind, IncidentCategory, IncidentSource, IncidentStatus, MemberRole, OrderCategory, OrderStatus
from domain.field.models import MigrantWorker
from domain.incidents.models import Incident
from domain.orders.models import ServiceOrder
from domain.org import staffing
from domain.org.models import Area
from domain.settings import Settings
from tests.conftest import GraphQLClient
from tests.factories import make_area, make_enterprise, make_member, unique
from tests.integration.org_support import area_id, errors, gid, one_error, tree  # noqa: F401

AREA_FIELDS = """
  id code name kind depth brand parkType boundary
  serviceCenter { name address phone }
  partyOrganization { name kind secretary }
  parent { code }
"""

CREATE = f"""
mutation Create($input: CreateAreaInput!) {{
  createArea(input: $input) {{ area {{ {AREA_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

UPDATE = f"""
mutation Update($input: UpdateAreaInput!) {{
  updateArea(input: $input) {{ area {{ {AREA_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

AREA = """
query Area($id: ID) {
  area(id: $id) { code depth ancestors { code } gridLeader { code name phone } staffing { compliant } }
}
"""

AREAS = """
query Areas($filter: AreaFilter, $first: Int) {
  areas(filter: $filter, first: $first) {
    totalCount
    nodes {
      code kind depth
      gridLeader { code }
      staffing {
        compliant
        roles { role minimum maximum actual gap }
        gaps { role kind required actual message }
      }
    }
  }
}
"""

COMPLIANCE = """
query Compliance($areaId: ID!, $compliant: Boolean) {
  staffingCompliance(areaId: $areaId) {
    area { code }
    gridCount compliantCount nonCompliantCount
    model { role minimum maximum }
    grids(compliant: $compliant, first: 50) {
      totalCount
      nodes { grid { code } compliant gaps { role kind required actual message } }
    }
  }
}
"""

SQUARE = {"type": "Polygon", "coordinates": [[[118.7, 32.0], [118.8, 32.0], [118.8, 32.1], [118.7, 32.0]]]}


# --- createArea ----------------------------------------------------------------------


async def test_create_a_district_park_and_grids(gql: GraphQLClient) -> None:
    district = (await gql(CREATE, {"input": {"code": unique("D"), "name": "新区", "kind": "DISTRICT"}}))["createArea"]
    assert district["userErrors"] == [] and district["area"]["depth"] == 0 and district["area"]["parent"] is None
    park_input = {
        "code": unique("P"), "name": "  化工园 ", "kind": "PARK", "parentId": district["area"]["id"],
        "serviceCenter": {"name": "化工园服务管理中心", "address": "园区路1号", "phone": "025-58001234"},
        "partyOrganization": {"name": "化工园党工委", "kind": "WORKING_COMMITTEE", "secretary": "刘书记"},
        "brand": "共享党建", "parkType": "绿色化工", "boundary": SQUARE,
    }
    park = (await gql(CREATE, {"input": park_input}))["createArea"]
    assert park["userErrors"] == []
    a = park["area"]
    assert (a["name"], a["kind"], a["depth"], a["brand"], a["parkType"]) == ("化工园", "PARK", 1, "共享党建", "绿色化工")
    assert a["serviceCenter"] == {"name": "化工园服务管理中心", "address": "园区路1号", "phone": "025-58001234"}
    assert a["partyOrganization"] == {"name": "化工园党工委", "kind": "WORKING_COMMITTEE", "secretary": "刘书记"}
    assert a["boundary"] == SQUARE and a["parent"]["code"] == district["area"]["code"]
    direct = (await gql(CREATE, {"input": {"code": unique("S"), "name": "直属网格", "kind": "SMALL_GRID",
                                           "parentId": a["id"]}}))["createArea"]
    assert direct["userErrors"] == [] and direct["area"]["depth"] == 2
    node = await gql("query($id: ID!) { node(id: $id) { ... on Area { code } } }", {"id": direct["area"]["id"]})
    assert node["node"]["code"] == direct["area"]["code"]


NESTING_CASES = [
    # kind, parent key (None = no parent), field at fault
    ("PARK", None, "parentId"),
    ("SMALL_GRID", None, "parentId"),
    ("DISTRICT", "district", "parentId"),
    ("LARGE_GRID", "district", "parentId"),
    ("PARK", "park", "parentId"),
    ("SMALL_GRID", "small1", "parentId"),
    ("LARGE_GRID", "large", "parentId"),
]


@pytest.mark.parametrize(("kind", "parent", "field"), NESTING_CASES)
async def test_wrong_nesting_is_refused(
    gql: GraphQLClient, tree: dict[str, Area], kind: str, parent: str | None, field: str
) -> None:
    inp: dict[str, Any] = {"code": unique("X"), "name": "错层", "kind": kind}
    if parent:
        inp["parentId"] = area_id(tree[parent])
    error = one_error((await gql(CREATE, {"input": inp}))["createArea"])
    assert (error["field"], error["code"]) == (field, "INVALID")
    assert "上级" in error["message"]


async def test_create_area_input_errors(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    parent = area_id(tree["large"])
    base = {"name": "一号", "kind": "SMALL_GRID", "parentId": parent}
    dup = (await gql(CREATE, {"input": {**base, "code": tree["small1"].code}}))["createArea"]
    assert errors(dup) == [("code", "DUPLICATE")]
    unknown = (await gql(CREATE, {"input": {**base, "code": unique("S"), "parentId": gid("Area", 987654321)}}))["createArea"]
    assert errors(unknown) == [("parentId", "NOT_FOUND")]
    many = (
        await gql(CREATE, {"input": {**base, "code": "有 空格", "name": "", "boundary": {"type": "Point"},
                                     "serviceCenter": {"name": "中心", "phone": "电话"}}})
    )["createArea"]
    assert sorted(errors(many)) == [
        ("boundary", "INVALID"), ("code", "INVALID"), ("name", "INVALID"), ("serviceCenter.phone", "INVALID")
    ]


# --- updateArea and moves ------------------------------------------------------------


async def test_update_descriptive_fields_and_clear_them(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    aid = area_id(tree["small1"])
    changed = (
        await gql(UPDATE, {"input": {"id": aid, "name": "一号网格（新）", "brand": "老师文化",
                                     "serviceCenter": {"name": "一号网格服务站", "phone": "12345"}}})
    )["updateArea"]
    assert changed["userErrors"] == []
    assert changed["area"]["name"] == "一号网格（新）" and changed["area"]["brand"] == "老师文化"
    assert changed["area"]["serviceCenter"]["name"] == "一号网格服务站"
    cleared = (await gql(UPDATE, {"input": {"id": aid, "serviceCenter": None, "brand": None}}))["updateArea"]
    assert cleared["area"]["serviceCenter"] is None and cleared["area"]["brand"] is None
    assert cleared["area"]["name"] == "一号网格（新）"  # omitted: kept
    new_code = unique("S")
    recoded = (await gql(UPDATE, {"input": {"id": aid, "code": new_code}}))["updateArea"]
    assert recoded["area"]["code"] == new_code


async def test_update_area_errors(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    missing = (await gql(UPDATE, {"input": {"id": gid("Area", 987654321), "name": "甲"}}))["updateArea"]
    assert errors(missing) == [("id", "NOT_FOUND")]
    dup = (await gql(UPDATE, {"input": {"id": area_id(tree["small1"]), "code": tree["small2"].code}}))["updateArea"]
    assert errors(dup) == [("code", "DUPLICATE")]
    empty = (await gql(UPDATE, {"input": {"id": area_id(tree["small1"]), "name": " "}}))["updateArea"]
    assert errors(empty) == [("name", "INVALID")]


async def test_moving_a_large_grid_re_roots_its_subtree_and_the_path_copies(
    gql: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession], tree: dict[str, Area]
) -> None:
    async with sessionmaker.begin() as s:
        other_park = await make_area(s, kind=AreaKind.PARK, parent=tree["district"], name="另一园区")
        enterprise = await make_enterprise(s, grid=tree["small1"])
        incident = Incident(
            code=unique("SJ"), title="欠薪", category=IncidentCategory.LABOR_DISPUTE, grid_id=tree["small1"].id,
            area_path=tree["small1"].path, source=IncidentSource.APP, status=IncidentStatus.REPORTED,
        )
        order = ServiceOrder(
            code=unique("DD"), enterprise_id=enterprise.id, grid_id=tree["small2"].id, area_path=tree["small2"].path,
            category=OrderCategory.FINANCING, title="融资", status=OrderStatus.PLACED,
        )
        worker = MigrantWorker(
            name="外来务工", resident_id_cipher="x", resident_id_hash=unique("h"), grid_id=tree["small1"].id,
            area_path=tree["small1"].path,
        )
        untouched = Incident(
            code=unique("SJ"), title="别处", category=IncidentCategory.OTHER, grid_id=tree["direct"].id,
            area_path=tree["direct"].path, source=IncidentSource.APP, status=IncidentStatus.REPORTED,
        )
        s.add_all([incident, order, worker, untouched])
    moved = (await gql(UPDATE, {"input": {"id": area_id(tree["large"]), "parentId": area_id(other_park)}}))["updateArea"]
    assert moved["userErrors"] == [] and moved["area"]["parent"]["code"] == other_park.code

    small = (await gql(AREA, {"id": area_id(tree["small1"])}))["area"]
    assert [a["code"] for a in small["ancestors"]] == [tree["district"].code, other_park.code, tree["large"].code]
    under_new = await gql(AREAS, {"filter": {"underId": area_id(other_park)}, "first": 50})
    assert {n["code"] for n in under_new["areas"]["nodes"]} == {
        other_park.code, tree["large"].code, tree["small1"].code, tree["small2"].code
    }
    under_old = await gql(AREAS, {"filter": {"underId": area_id(tree["park"])}, "first": 50})
    assert {n["code"] for n in under_old["areas"]["nodes"]} == {tree["park"].code, tree["direct"].code}

    async with sessionmaker() as s:
        new_small1 = await s.scalar(select(Area.path).where(Area.id == tree["small1"].id))
        new_small2 = await s.scalar(select(Area.path).where(Area.id == tree["small2"].id))
        assert new_small1 == f"{other_park.path}{tree['large'].id}/{tree['small1'].id}/"
        assert await s.scalar(select(Incident.area_path).where(Incident.id == incident.id)) == new_small1
        assert await s.scalar(select(ServiceOrder.area_path).where(ServiceOrder.id == order.id)) == new_small2
        assert await s.scalar(select(MigrantWorker.area_path).where(MigrantWorker.id == worker.id)) == new_small1
        assert await s.scalar(select(Incident.area_path).where(Incident.id == untouched.id)) == tree["direct"].path


async def test_moving_a_small_grid_changes_its_depth(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    moved = (await gql(UPDATE, {"input": {"id": area_id(tree["small2"]), "parentId": area_id(tree["park"])}}))["updateArea"]
    assert moved["userErrors"] == [] and moved["area"]["depth"] == 2


async def test_no_cycles_and_no_wrong_nesting_on_move(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    into_own_subtree = (
        await gql(UPDATE, {"input": {"id": area_id(tree["park"]), "parentId": area_id(tree["large"])}})
    )["updateArea"]
    error = one_error(into_own_subtree)
    assert (error["field"], error["code"]) == ("parentId", "INVALID") and "下级" in error["message"]
    onto_itself = (await gql(UPDATE, {"input": {"id": area_id(tree["large"]), "parentId": area_id(tree["large"])}}))["updateArea"]
    assert errors(onto_itself) == [("parentId", "INVALID")]
    wrong = (await gql(UPDATE, {"input": {"id": area_id(tree["large"]), "parentId": area_id(tree["district"])}}))["updateArea"]
    assert errors(wrong) == [("parentId", "INVALID")]
    orphan = (await gql(UPDATE, {"input": {"id": area_id(tree["small1"]), "parentId": None}}))["updateArea"]
    assert errors(orphan) == [("parentId", "INVALID")]


async def test_changing_the_kind_keeps_the_tree_valid(
    gql: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession], tree: dict[str, Area]
) -> None:
    with_children = (await gql(UPDATE, {"input": {"id": area_id(tree["large"]), "kind": "SMALL_GRID"}}))["updateArea"]
    assert errors(with_children) == [("kind", "INVALID")]
    under_large = (await gql(UPDATE, {"input": {"id": area_id(tree["small1"]), "kind": "LARGE_GRID"}}))["updateArea"]
    assert errors(under_large) == [("kind", "INVALID")]
    # A small grid directly under the park may become a large grid — unless people work there.
    async with sessionmaker.begin() as s:
        await make_member(s, area=tree["direct"], roles=(MemberRole.FULL_TIME_WORKER,))
    staffed = (await gql(UPDATE, {"input": {"id": area_id(tree["direct"]), "kind": "LARGE_GRID"}}))["updateArea"]
    assert errors(staffed) == [("kind", "INVALID")]
    async with sessionmaker.begin() as s:
        empty = await make_area(s, kind=AreaKind.SMALL_GRID, parent=tree["park"])
    ok = (await gql(UPDATE, {"input": {"id": area_id(empty), "kind": "LARGE_GRID"}}))["updateArea"]
    assert ok["userErrors"] == [] and ok["area"]["kind"] == "LARGE_GRID"


# --- grid leaders and staffing -------------------------------------------------------


@pytest.fixture
async def staffed(sessionmaker: async_sessionmaker[AsyncSession], tree: dict[str, Area]) -> dict[str, Any]:
    """small1 compliant; small2 over (three full-time workers, a leader gone); direct empty."""
    async with sessionmaker.begin() as s:
        enterprise = await make_enterprise(s, grid=tree["small1"])
        leader = await make_member(s, area=tree["small1"], roles=(MemberRole.GRID_LEADER,), phone="13612345678")
        await make_member(s, area=tree["small1"], roles=(MemberRole.AGENCY_STAFF,))
        await make_member(s, area=tree["small1"], roles=(MemberRole.FULL_TIME_WORKER,))
        await make_member(s, area=tree["small1"], roles=(MemberRole.PART_TIME_WORKER,), enterprise=enterprise)
        await make_member(s, area=tree["small1"], roles=(MemberRole.FULL_TIME_WORKER,), active=False)
        for _ in range(3):
            await make_member(s, area=tree["small2"], roles=(MemberRole.FULL_TIME_WORKER,))
        await make_member(s, area=tree["small2"], roles=(MemberRole.AGENCY_STAFF,))
        await make_member(s, area=tree["small2"], roles=(MemberRole.GRID_LEADER,), active=False)
    return {"leader": leader}


async def test_grid_leader_and_staffing_on_areas(gql: GraphQLClient, tree: dict[str, Area], staffed: dict[str, Any]) -> None:
    data = await gql(AREAS, {"filter": {"underId": area_id(tree["park"])}, "first": 50})
    by_code = {n["code"]: n for n in data["areas"]["nodes"]}
    assert by_code[tree["small1"].code]["gridLeader"] == {"code": staffed["leader"].code}
    assert by_code[tree["small2"].code]["gridLeader"] is None  # the only leader is inactive
    assert by_code[tree["park"].code]["staffing"] is None  # only small grids are staffed
    small1 = by_code[tree["small1"].code]["staffing"]
    assert small1["compliant"] and small1["gaps"] == []
    assert {r["role"]: (r["actual"], r["gap"]) for r in small1["roles"]} == {
        "GRID_LEADER": (1, None), "AGENCY_STAFF": (1, None), "FULL_TIME_WORKER": (1, None), "PART_TIME_WORKER": (1, None)
    }
    small2 = by_code[tree["small2"].code]["staffing"]
    assert not small2["compliant"]
    assert {(g["role"], g["kind"], g["required"], g["actual"]) for g in small2["gaps"]} == {
        ("GRID_LEADER", "MISSING", 1, 0), ("FULL_TIME_WORKER", "OVER", 2, 3)
    }
    leader = (await gql(AREA, {"id": area_id(tree["small1"])}))["area"]["gridLeader"]
    assert leader["phone"] == "136****5678"


async def test_staffing_compliance_of_a_park(gql: GraphQLClient, tree: dict[str, Area], staffed: dict[str, Any]) -> None:
    report = (await gql(COMPLIANCE, {"areaId": area_id(tree["park"])}))["staffingCompliance"]
    assert report["area"]["code"] == tree["park"].code
    assert (report["gridCount"], report["compliantCount"], report["nonCompliantCount"]) == (3, 1, 2)
    assert report["model"] == [
        {"role": "GRID_LEADER", "minimum": 1, "maximum": 1},
        {"role": "AGENCY_STAFF", "minimum": 1, "maximum": 1},
        {"role": "FULL_TIME_WORKER", "minimum": 1, "maximum": 2},
        {"role": "PART_TIME_WORKER", "minimum": 0, "maximum": None},
    ]
    grids = {n["grid"]["code"]: n for n in report["grids"]["nodes"]}
    assert set(grids) == {tree["small1"].code, tree["small2"].code, tree["direct"].code}
    direct = grids[tree["direct"].code]
    assert {(g["role"], g["kind"]) for g in direct["gaps"]} == {
        ("GRID_LEADER", "MISSING"), ("AGENCY_STAFF", "MISSING"), ("FULL_TIME_WORKER", "MISSING")
    }
    over = next(g for g in grids[tree["small2"].code]["gaps"] if g["kind"] == "OVER")
    assert over["message"] == "专职网格员超编1名：最多2名，现有3名"
    missing = next(g for g in direct["gaps"] if g["role"] == "GRID_LEADER")
    assert missing["message"] == "缺网格长（党总支书记）1名：至少1名，现有0名"
    failing = (await gql(COMPLIANCE, {"areaId": area_id(tree["park"]), "compliant": False}))["staffingCompliance"]
    assert {n["grid"]["code"] for n in failing["grids"]["nodes"]} == {tree["small2"].code, tree["direct"].code}
    one_grid = (await gql(COMPLIANCE, {"areaId": area_id(tree["small1"])}))["staffingCompliance"]
    assert one_grid["gridCount"] == 1 and one_grid["compliantCount"] == 1
    assert (await gql(COMPLIANCE, {"areaId": gid("Area", 987654321)}))["staffingCompliance"] is None


async def test_the_staffing_model_is_configuration(
    gql: GraphQLClient, tree: dict[str, Area], staffed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A district that wants 1+1+3 and at least one part-time worker changes settings, not code."""
    model = {"GRID_LEADER": (1, 1), "AGENCY_STAFF": (1, 1), "FULL_TIME_WORKER": (1, 3), "PART_TIME_WORKER": (1, -1)}
    monkeypatch.setattr(staffing, "get_settings", lambda: Settings(staffing_model=model))
    report = (await gql(COMPLIANCE, {"areaId": area_id(tree["park"])}))["staffingCompliance"]
    grids = {n["grid"]["code"]: n for n in report["grids"]["nodes"]}
    assert grids[tree["small1"].code]["compliant"]  # has its part-time worker
    assert {(g["role"], g["kind"]) for g in grids[tree["small2"].code]["gaps"]} == {
        ("GRID_LEADER", "MISSING"), ("PART_TIME_WORKER", "MISSING")  # three full-time workers are fine now
    }
    # The cap follows the configuration too: a fourth full-time worker is one too many.
    add = """mutation($i: AddMemberInput!) { addMember(input: $i) { userErrors { field code } } }"""
    body = await gql(add, {"i": {"code": unique("M"), "name": "第四专职", "areaId": area_id(tree["small2"]),
                                 "roles": ["FULL_TIME_WORKER"]}})
    assert body["addMember"]["userErrors"] == [{"field": "roles", "code": "CONFLICT"}]
