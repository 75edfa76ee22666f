"""The organisation through the caller's scope (SPEC §4–5): lists, ``node`` and mutations
see and change only what the account may; outside it is ``NOT_FOUND``, a role that may
not write is ``FORBIDDEN``, no token is ``UNAUTHENTICATED``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.enums import AreaKind, DepartmentLevel, MemberRole
from tests.conftest import GraphQLClient
from tests.factories import make_area, make_department, make_enterprise, make_member, unique
from tests.integration.org_support import area_id, errors, gid, isolated_hooks  # noqa: F401

pytestmark = pytest.mark.usefixtures("isolated_hooks")

MEMBERS = """
query($filter: MemberFilter) { members(filter: $filter, first: 100) { totalCount nodes { code } } }
"""
ENTERPRISES = """
query($filter: EnterpriseFilter) { enterprises(filter: $filter, first: 100) { totalCount nodes { name } } }
"""
NODE = "query($id: ID!) { node(id: $id) { id } }"
ADD = """
mutation($input: AddMemberInput!) { addMember(input: $input) { member { code } userErrors { field code message } } }
"""
CREATE_DEPARTMENT = """
mutation($input: CreateDepartmentInput!) {
  createDepartment(input: $input) { department { code } userErrors { field code message } }
}
"""
UPDATE_AREA = """
mutation($input: UpdateAreaInput!) { updateArea(input: $input) { area { name } userErrors { field code } } }
"""
COMPLIANCE = "query($a: ID!) { staffingCompliance(areaId: $a) { gridCount grids { nodes { grid { code } } } } }"


@pytest.fixture
async def two_parks(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    tag = unique("SC")
    async with sessionmaker.begin() as s:
        district = await make_area(s, kind=AreaKind.DISTRICT)
        park_a = await make_area(s, kind=AreaKind.PARK, parent=district)
        park_b = await make_area(s, kind=AreaKind.PARK, parent=district)
        grid_a = await make_area(s, kind=AreaKind.SMALL_GRID, parent=park_a)
        grid_a2 = await make_area(s, kind=AreaKind.SMALL_GRID, parent=park_a)
        grid_b = await make_area(s, kind=AreaKind.SMALL_GRID, parent=park_b)
        firm_a = await make_enterprise(s, grid=grid_a, name=f"{tag}甲企业")
        firm_b = await make_enterprise(s, grid=grid_b, name=f"{tag}乙企业")
        worker_a = await make_member(s, area=grid_a, name=f"{tag}甲", roles=(MemberRole.FULL_TIME_WORKER,))
        worker_b = await make_member(s, area=grid_b, name=f"{tag}乙", roles=(MemberRole.FULL_TIME_WORKER,))
        office_a = await make_department(s, park=park_a, level=DepartmentLevel.PARK_OFFICE)
    return {
        "tag": tag, "district": district, "park_a": park_a, "park_b": park_b, "grid_a": grid_a, "grid_a2": grid_a2,
        "grid_b": grid_b, "firm_a": firm_a, "firm_b": firm_b, "worker_a": worker_a, "worker_b": worker_b,
        "office_a": office_a,
    }


async def test_a_park_admin_sees_its_park_only(login_as: Any, two_parks: dict[str, Any]) -> None:
    admin_a: GraphQLClient = await login_as("PARK_ADMIN", area=two_parks["park_a"])
    members = await admin_a(MEMBERS, {"filter": {"search": two_parks["tag"]}})
    assert {n["code"] for n in members["members"]["nodes"]} == {two_parks["worker_a"].code}
    firms = await admin_a(ENTERPRISES, {"filter": {"search": two_parks["tag"]}})
    assert {n["name"] for n in firms["enterprises"]["nodes"]} == {two_parks["firm_a"].name}
    # A filter naming the other park is an empty list, not an error.
    other = await admin_a(MEMBERS, {"filter": {"areaId": area_id(two_parks["park_b"])}})
    assert other["members"]["totalCount"] == 0
    assert (await admin_a(NODE, {"id": gid("Member", two_parks["worker_b"])}))["node"] is None
    assert (await admin_a(NODE, {"id": gid("Enterprise", two_parks["firm_b"])}))["node"] is None
    assert (await admin_a(NODE, {"id": gid("Member", two_parks["worker_a"])}))["node"] is not None
    assert (await admin_a(NODE, {"id": gid("Department", two_parks["office_a"])}))["node"] is not None


async def test_a_park_admin_changes_its_park_only(login_as: Any, two_parks: dict[str, Any]) -> None:
    admin_a: GraphQLClient = await login_as("PARK_ADMIN", area=two_parks["park_a"])
    base = {"name": "新人", "roles": ["FULL_TIME_WORKER"]}
    ok = await admin_a(ADD, {"input": {**base, "code": unique("M"), "areaId": area_id(two_parks["grid_a2"])}})
    assert ok["addMember"]["userErrors"] == []
    elsewhere = await admin_a(ADD, {"input": {**base, "code": unique("M"), "areaId": area_id(two_parks["grid_b"])}})
    # Exactly what an unknown area looks like: existence is not revealed.
    unknown = await admin_a(ADD, {"input": {**base, "code": unique("M"), "areaId": gid("Area", 987654321)}})
    assert elsewhere["addMember"]["userErrors"] == unknown["addMember"]["userErrors"]
    assert errors(elsewhere["addMember"]) == [("areaId", "NOT_FOUND")]
    district_dept = await admin_a(CREATE_DEPARTMENT, {"input": {"code": unique("D"), "name": "区部门", "level": "DISTRICT_DEPARTMENT"}})
    assert errors(district_dept["createDepartment"]) == [("level", "FORBIDDEN")]
    moved_out = await admin_a(UPDATE_AREA, {"input": {"id": area_id(two_parks["grid_a"]), "parentId": area_id(two_parks["park_b"])}})
    assert errors(moved_out["updateArea"]) == [("parentId", "NOT_FOUND")]


async def test_read_only_accounts_cannot_write(login_as: Any, two_parks: dict[str, Any]) -> None:
    viewer: GraphQLClient = await login_as("VIEWER", area=two_parks["district"])
    payload = await viewer(ADD, {"input": {"code": unique("M"), "name": "甲", "roles": ["FULL_TIME_WORKER"],
                                           "areaId": area_id(two_parks["grid_a2"])}})
    assert errors(payload["addMember"]) == [("areaId", "FORBIDDEN")]
    renamed = await viewer(UPDATE_AREA, {"input": {"id": area_id(two_parks["grid_a"]), "name": "改名"}})
    assert errors(renamed["updateArea"]) == [("id", "FORBIDDEN")]


async def test_no_token_is_unauthenticated(anon: GraphQLClient, two_parks: dict[str, Any]) -> None:
    body = await anon.raw(ADD, {"input": {"code": unique("M"), "name": "甲", "roles": ["FULL_TIME_WORKER"],
                                          "areaId": area_id(two_parks["grid_a2"])}})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await anon.raw(MEMBERS, {})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_grid_worker_sees_the_staffing_of_their_own_grid(
    login_as: Any, two_parks: dict[str, Any]
) -> None:
    worker: GraphQLClient = await login_as("GRID_WORKER", member=two_parks["worker_a"])
    report = (await worker(COMPLIANCE, {"a": area_id(two_parks["park_a"])}))["staffingCompliance"]
    assert report["gridCount"] == 1
    assert [n["grid"]["code"] for n in report["grids"]["nodes"]] == [two_parks["grid_a"].code]
    assert (await worker(COMPLIANCE, {"a": area_id(two_parks["park_b"])}))["staffingCompliance"] is None


async def test_an_enterprise_sees_itself(login_as: Any, two_parks: dict[str, Any]) -> None:
    firm: GraphQLClient = await login_as("ENTERPRISE", enterprise=two_parks["firm_a"])
    firms = await firm(ENTERPRISES, {"filter": {"search": two_parks["tag"]}})
    assert {n["name"] for n in firms["enterprises"]["nodes"]} == {two_parks["firm_a"].name}
    members = await firm(MEMBERS, {"filter": {"search": two_parks["tag"]}})
    assert members["members"]["totalCount"] == 0

