"""Departments over /graphql: list filters, node, create/update, whistle responders."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.enums import DepartmentLevel, MemberRole
from domain.org.models import Area
from tests.conftest import GraphQLClient
from tests.factories import make_department, make_member, unique
from tests.integration.org_support import area_id, errors, gid, isolated_hooks, one_error, tree  # noqa: F401

pytestmark = pytest.mark.usefixtures("isolated_hooks")

DEPARTMENT_FIELDS = "id code name level hasPlatformAccount park { code } responder { code roles }"

DEPARTMENTS = """
query Departments($filter: DepartmentFilter, $first: Int) {
  departments(filter: $filter, first: $first) { totalCount nodes { code level park { code } } }
}
"""

DEPARTMENT = f"query D($id: ID, $code: String) {{ department(id: $id, code: $code) {{ {DEPARTMENT_FIELDS} }} }}"

CREATE = f"""
mutation Create($input: CreateDepartmentInput!) {{
  createDepartment(input: $input) {{ department {{ {DEPARTMENT_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

UPDATE = f"""
mutation Update($input: UpdateDepartmentInput!) {{
  updateDepartment(input: $input) {{ department {{ {DEPARTMENT_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

RESPONDER = f"""
mutation Responder($input: SetDepartmentResponderInput!) {{
  setDepartmentResponder(input: $input) {{ department {{ {DEPARTMENT_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

DEACTIVATE = "mutation($id: ID!) { deactivateMember(input: {id: $id}) { userErrors { code } } }"


@pytest.fixture
async def depts(sessionmaker: async_sessionmaker[AsyncSession], tree: dict[str, Area]) -> dict[str, Any]:
    tag = unique("")
    async with sessionmaker.begin() as s:
        labor = await make_department(s, code=unique("LABOR"), name=f"人社局{tag}", has_platform_account=True)
        center = await make_department(
            s, code=unique("CENTER"), name=f"网格服务管理中心{tag}", level=DepartmentLevel.PARK_OFFICE, park=tree["park"]
        )
        officer = await make_member(s, department=labor, roles=(MemberRole.DEPARTMENT_RESPONDER,))
        plain = await make_member(s, department=labor, roles=(MemberRole.DEPARTMENT_RESPONDER,), name="普通")
        park_responder = await make_member(s, area=tree["park"], roles=(MemberRole.PARK_RESPONDER,))
        secretary = await make_member(s, area=tree["park"], roles=(MemberRole.PARK_SECRETARY,))
        labor.responder_id = officer.id
    return {"tag": tag, "labor": labor, "center": center, "officer": officer, "plain": plain,
            "park_responder": park_responder, "secretary": secretary}


async def test_departments_with_filters(gql: GraphQLClient, tree: dict[str, Area], depts: dict[str, Any]) -> None:
    mine = {"search": depts["tag"]}
    assert (await gql(DEPARTMENTS, {"filter": mine}))["departments"]["totalCount"] == 2
    district = await gql(DEPARTMENTS, {"filter": {**mine, "level": "DISTRICT_DEPARTMENT"}})
    assert [n["code"] for n in district["departments"]["nodes"]] == [depts["labor"].code]
    offices = await gql(DEPARTMENTS, {"filter": {"parkId": area_id(tree["park"])}})
    assert [(n["code"], n["level"], n["park"]["code"]) for n in offices["departments"]["nodes"]] == [
        (depts["center"].code, "PARK_OFFICE", tree["park"].code)
    ]
    by_code = await gql(DEPARTMENTS, {"filter": {"search": depts["labor"].code}})
    assert [n["code"] for n in by_code["departments"]["nodes"]] == [depts["labor"].code]


async def test_department_by_code_id_and_node(gql: GraphQLClient, depts: dict[str, Any]) -> None:
    labor = (await gql(DEPARTMENT, {"code": depts["labor"].code}))["department"]
    assert labor["hasPlatformAccount"] and labor["park"] is None
    assert labor["responder"] == {"code": depts["officer"].code, "roles": ["DEPARTMENT_RESPONDER"]}
    center = (await gql(DEPARTMENT, {"id": gid("Department", depts["center"])}))["department"]
    assert center["level"] == "PARK_OFFICE" and center["responder"] is None
    node = await gql("query($id: ID!) { node(id: $id) { ... on Department { code } } }", {"id": gid("Department", depts["labor"])})
    assert node["node"]["code"] == depts["labor"].code
    assert (await gql(DEPARTMENT, {"code": "NO_SUCH"}))["department"] is None


async def test_create_departments(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    district = (await gql(CREATE, {"input": {"code": unique("FIRE"), "name": "消防救援大队", "level": "DISTRICT_DEPARTMENT",
                                             "hasPlatformAccount": True}}))["createDepartment"]
    assert district["userErrors"] == [] and district["department"]["hasPlatformAccount"]
    office = (await gql(CREATE, {"input": {"code": unique("SAFE"), "name": "安监科", "level": "PARK_OFFICE",
                                           "parkId": area_id(tree["park"])}}))["createDepartment"]
    assert office["userErrors"] == [] and office["department"]["park"]["code"] == tree["park"].code


async def test_create_department_errors(gql: GraphQLClient, tree: dict[str, Area], depts: dict[str, Any]) -> None:
    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        ({"level": "PARK_OFFICE"}, ("parkId", "INVALID")),
        ({"level": "DISTRICT_DEPARTMENT", "parkId": area_id(tree["park"])}, ("parkId", "INVALID")),
        ({"level": "PARK_OFFICE", "parkId": area_id(tree["small1"])}, ("parkId", "INVALID")),
        ({"level": "PARK_OFFICE", "parkId": gid("Area", 987654321)}, ("parkId", "NOT_FOUND")),
        ({"level": "DISTRICT_DEPARTMENT", "code": depts["labor"].code}, ("code", "DUPLICATE")),
        ({"level": "DISTRICT_DEPARTMENT", "code": "GRID_CENTER"}, ("code", "INVALID")),
        ({"level": "DISTRICT_DEPARTMENT", "code": "坏代码"}, ("code", "INVALID")),
        ({"level": "DISTRICT_DEPARTMENT", "name": ""}, ("name", "INVALID")),
    ]
    for extra, expected in cases:
        inp = {"code": unique("X"), "name": "部门", **extra}
        payload = (await gql(CREATE, {"input": inp}))["createDepartment"]
        error = one_error(payload)
        assert (error["field"], error["code"]) == expected, (extra, error)
        assert payload["department"] is None


async def test_update_department(gql: GraphQLClient, tree: dict[str, Area], depts: dict[str, Any]) -> None:
    did = gid("Department", depts["center"])
    renamed = (await gql(UPDATE, {"input": {"id": did, "name": "园区网格中心", "hasPlatformAccount": True}}))["updateDepartment"]
    assert renamed["userErrors"] == []
    assert renamed["department"]["name"] == "园区网格中心" and renamed["department"]["hasPlatformAccount"]
    promoted = (await gql(UPDATE, {"input": {"id": did, "level": "DISTRICT_DEPARTMENT"}}))["updateDepartment"]
    assert promoted["department"]["level"] == "DISTRICT_DEPARTMENT" and promoted["department"]["park"] is None
    back = (await gql(UPDATE, {"input": {"id": did, "level": "PARK_OFFICE"}}))["updateDepartment"]
    assert errors(back) == [("parkId", "INVALID")]
    back = (await gql(UPDATE, {"input": {"id": did, "level": "PARK_OFFICE", "parkId": area_id(tree["park"])}}))["updateDepartment"]
    assert back["userErrors"] == [] and back["department"]["park"]["code"] == tree["park"].code
    dup = (await gql(UPDATE, {"input": {"id": did, "code": depts["labor"].code}}))["updateDepartment"]
    assert errors(dup) == [("code", "DUPLICATE")]
    missing = (await gql(UPDATE, {"input": {"id": gid("Department", 987654321), "name": "甲"}}))["updateDepartment"]
    assert errors(missing) == [("id", "NOT_FOUND")]


async def test_set_department_responder(gql: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession], depts: dict[str, Any]) -> None:
    labor = gid("Department", depts["labor"])
    # A member of the department without the role gets it.
    async with sessionmaker.begin() as s:
        newcomer = await make_member(s, department=depts["labor"], roles=(MemberRole.DEPARTMENT_RESPONDER,), name="新人")
    payload = (await gql(RESPONDER, {"input": {"departmentId": labor, "memberId": gid("Member", newcomer)}}))["setDepartmentResponder"]
    assert payload["userErrors"] == []
    assert payload["department"]["responder"] == {"code": newcomer.code, "roles": ["DEPARTMENT_RESPONDER"]}
    cleared = (await gql(RESPONDER, {"input": {"departmentId": labor, "memberId": None}}))["setDepartmentResponder"]
    assert cleared["department"]["responder"] is None
    # A park office may take a park responder of its park — but not the park secretary.
    center = gid("Department", depts["center"])
    ok = (await gql(RESPONDER, {"input": {"departmentId": center, "memberId": gid("Member", depts["park_responder"])}}))
    assert ok["setDepartmentResponder"]["department"]["responder"]["code"] == depts["park_responder"].code
    no = (await gql(RESPONDER, {"input": {"departmentId": center, "memberId": gid("Member", depts["secretary"])}}))
    assert errors(no["setDepartmentResponder"]) == [("memberId", "INVALID")]


async def test_set_department_responder_errors(gql: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession], depts: dict[str, Any]) -> None:
    labor = gid("Department", depts["labor"])
    outsider = (await gql(RESPONDER, {"input": {"departmentId": labor, "memberId": gid("Member", depts["park_responder"])}}))
    error = one_error(outsider["setDepartmentResponder"])
    assert (error["field"], error["code"]) == ("memberId", "INVALID") and "不是" in error["message"]
    async with sessionmaker.begin() as s:
        gone = await make_member(s, department=depts["labor"], roles=(MemberRole.DEPARTMENT_RESPONDER,), active=False)
    inactive = (await gql(RESPONDER, {"input": {"departmentId": labor, "memberId": gid("Member", gone)}}))
    assert errors(inactive["setDepartmentResponder"]) == [("memberId", "INVALID")]
    no_member = (await gql(RESPONDER, {"input": {"departmentId": labor, "memberId": gid("Member", 987654321)}}))
    assert errors(no_member["setDepartmentResponder"]) == [("memberId", "NOT_FOUND")]
    no_dept = (await gql(RESPONDER, {"input": {"departmentId": gid("Department", 987654321), "memberId": None}}))
    assert errors(no_dept["setDepartmentResponder"]) == [("departmentId", "NOT_FOUND")]


async def test_a_deactivated_or_demoted_responder_is_no_longer_the_responder(
    gql: GraphQLClient, depts: dict[str, Any]
) -> None:
    assert (await gql(DEACTIVATE, {"id": gid("Member", depts["officer"])}))["deactivateMember"]["userErrors"] == []
    labor = (await gql(DEPARTMENT, {"code": depts["labor"].code}))["department"]
    assert labor["responder"] is None
    center = gid("Department", depts["center"])
    await gql(RESPONDER, {"input": {"departmentId": center, "memberId": gid("Member", depts["park_responder"])}})
    demote = """mutation($id: ID!) { setMemberRoles(input: {id: $id, roles: [PARK_SECRETARY]}) { userErrors { code } } }"""
    assert (await gql(demote, {"id": gid("Member", depts["park_responder"])}))["setMemberRoles"]["userErrors"] == []
    assert (await gql(DEPARTMENT, {"id": center}))["department"]["responder"] is None
