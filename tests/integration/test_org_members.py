"""Members (网格力量) over /graphql: list filters, node, and every member mutation with its
user errors — placement of roles, the staffing cap, phones, codes, the unavailability hook."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.enums import AreaKind, DepartmentLevel, DutyTag, MemberRole
from domain.errors import DomainError
from domain.org import members as member_service
from domain.org.models import Area, Member, TrainingRecord
from tests.conftest import GraphQLClient
from tests.factories import make_area, make_department, make_enterprise, make_member, unique
from tests.integration.org_support import area_id, errors, gid, isolated_hooks, one_error, tree  # noqa: F401

pytestmark = pytest.mark.usefixtures("isolated_hooks")

MEMBER_FIELDS = """
  id code name partyMember hasTerminal onDutyDate active phone roles duties
  area { code } department { code } enterprise { name }
  trainingRecords { title heldOn hours }
"""

MEMBERS = """
query Members($filter: MemberFilter, $first: Int, $after: String) {
  members(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { code name active roles }
  }
}
"""

MEMBER = f"query Member($id: ID, $code: String) {{ member(id: $id, code: $code) {{ {MEMBER_FIELDS} }} }}"

NODE = "query Node($id: ID!) { node(id: $id) { id ... on Member { code roles } } }"

ADD = f"""
mutation Add($input: AddMemberInput!) {{
  addMember(input: $input) {{ member {{ {MEMBER_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

UPDATE = f"""
mutation Update($input: UpdateMemberInput!) {{
  updateMember(input: $input) {{ member {{ {MEMBER_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

MOVE = f"""
mutation Move($input: MoveMemberInput!) {{
  moveMember(input: $input) {{ member {{ {MEMBER_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

DEACTIVATE = f"""
mutation Deactivate($input: DeactivateMemberInput!) {{
  deactivateMember(input: $input) {{ member {{ {MEMBER_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

SET_ROLES = f"""
mutation Roles($input: SetMemberRolesInput!) {{
  setMemberRoles(input: $input) {{ member {{ {MEMBER_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

SET_DUTIES = f"""
mutation Duties($input: SetMemberDutiesInput!) {{
  setMemberDuties(input: $input) {{ member {{ {MEMBER_FIELDS} }} userErrors {{ field code message }} }}
}}
"""


@pytest.fixture
async def staff(sessionmaker: async_sessionmaker[AsyncSession], tree: dict[str, Area]) -> dict[str, Any]:
    """A staffed grid (small1), a second grid, an enterprise in each, a department."""
    async with sessionmaker.begin() as s:
        e1 = await make_enterprise(s, grid=tree["small1"], name=f"一号企业{unique('')}")
        e2 = await make_enterprise(s, grid=tree["small2"])
        dept = await make_department(s, level=DepartmentLevel.DISTRICT_DEPARTMENT)
        leader = await make_member(
            s, area=tree["small1"], name="王网格长", roles=(MemberRole.GRID_LEADER,),
            duties=(DutyTag.SAFETY,), party_member=True, has_terminal=True, phone="13812345678",
        )
        worker = await make_member(
            s, area=tree["small1"], name="李专职", roles=(MemberRole.FULL_TIME_WORKER,), has_terminal=True
        )
        part = await make_member(
            s, area=tree["small1"], enterprise=e1, name="赵兼职", roles=(MemberRole.PART_TIME_WORKER,)
        )
        retired = await make_member(
            s, area=tree["small2"], name="钱退休", roles=(MemberRole.FULL_TIME_WORKER,), active=False
        )
        responder = await make_member(s, department=dept, name="孙应哨", roles=(MemberRole.DEPARTMENT_RESPONDER,))
        s.add(TrainingRecord(member_id=leader.id, title="网格员业务培训", held_on=date(2026, 3, 1), hours=4))
    return {
        "e1": e1, "e2": e2, "dept": dept, "leader": leader, "worker": worker, "part": part,
        "retired": retired, "responder": responder,
    }


def _codes(data: dict[str, Any]) -> set[str]:
    return {n["code"] for n in data["members"]["nodes"]}


async def test_members_of_a_subtree_with_filters(gql: GraphQLClient, tree: dict[str, Area], staff: dict[str, Any]) -> None:
    park = {"areaId": area_id(tree["park"])}
    everyone = {staff[k].code for k in ("leader", "worker", "part", "retired")}
    assert _codes(await gql(MEMBERS, {"filter": park, "first": 50})) == everyone
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"role": "GRID_LEADER"}, {staff["leader"].code}),
        ({"role": "FULL_TIME_WORKER"}, {staff["worker"].code, staff["retired"].code}),
        ({"duty": "SAFETY"}, {staff["leader"].code}),
        ({"active": False}, {staff["retired"].code}),
        ({"active": True, "hasTerminal": True}, {staff["leader"].code, staff["worker"].code}),
        ({"partyMember": True}, {staff["leader"].code}),
        ({"search": "兼职"}, {staff["part"].code}),
        ({"search": staff["worker"].code}, {staff["worker"].code}),
        ({"search": "13812345678"}, {staff["leader"].code}),  # a whole phone number, by its hash
        ({"enterpriseId": gid("Enterprise", staff["e1"])}, {staff["part"].code}),
    ]
    for extra, expected in cases:
        data = await gql(MEMBERS, {"filter": {**park, **extra}, "first": 50})
        assert _codes(data) == expected, extra
        assert data["members"]["totalCount"] == len(expected)
    grid2 = await gql(MEMBERS, {"filter": {"areaId": area_id(tree["small2"])}})
    assert _codes(grid2) == {staff["retired"].code}
    dept = await gql(MEMBERS, {"filter": {"departmentId": gid("Department", staff["dept"])}})
    assert _codes(dept) == {staff["responder"].code}
    # An unknown area is an empty subtree, not an error that reveals anything.
    assert (await gql(MEMBERS, {"filter": {"areaId": gid("Area", 987654321)}}))["members"]["totalCount"] == 0


async def test_members_paginate(gql: GraphQLClient, tree: dict[str, Area], staff: dict[str, Any]) -> None:
    f = {"areaId": area_id(tree["park"])}
    page1 = (await gql(MEMBERS, {"filter": f, "first": 3}))["members"]
    assert page1["pageInfo"]["hasNextPage"] and page1["totalCount"] == 4
    page2 = (await gql(MEMBERS, {"filter": f, "first": 3, "after": page1["pageInfo"]["endCursor"]}))["members"]
    assert not page2["pageInfo"]["hasNextPage"]
    seen = [n["code"] for n in page1["nodes"] + page2["nodes"]]
    assert len(seen) == len(set(seen)) == 4


async def test_member_by_code_id_and_node(gql: GraphQLClient, tree: dict[str, Area], staff: dict[str, Any]) -> None:
    leader = (await gql(MEMBER, {"code": staff["leader"].code}))["member"]
    assert leader["phone"] == "138****5678"  # personal data is masked
    assert leader["roles"] == ["GRID_LEADER"] and leader["duties"] == ["SAFETY"]
    assert leader["area"]["code"] == tree["small1"].code and leader["department"] is None
    assert leader["partyMember"] and leader["hasTerminal"] and leader["active"]
    assert leader["trainingRecords"] == [{"title": "网格员业务培训", "heldOn": "2026-03-01", "hours": 4.0}]
    part = (await gql(MEMBER, {"id": gid("Member", staff["part"])}))["member"]
    assert part["enterprise"]["name"] == staff["e1"].name
    responder = (await gql(MEMBER, {"code": staff["responder"].code}))["member"]
    assert responder["department"]["code"] == staff["dept"].code and responder["area"] is None
    node = (await gql(NODE, {"id": gid("Member", staff["worker"])}))["node"]
    assert node == {"id": gid("Member", staff["worker"]), "code": staff["worker"].code, "roles": ["FULL_TIME_WORKER"]}
    assert (await gql(MEMBER, {"code": "no-such-member"}))["member"] is None


# --- addMember -----------------------------------------------------------------------


async def test_add_member(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    code = unique("M")
    payload = (
        await gql(
            ADD,
            {
                "input": {
                    "code": code, "name": "  周专职 ", "areaId": area_id(tree["small2"]),
                    "roles": ["FULL_TIME_WORKER", "FULL_TIME_WORKER"], "duties": ["HYGIENE", "SECURITY"],
                    "partyMember": True, "phone": "13912345678", "hasTerminal": True, "onDutyDate": "2026-01-15",
                }
            },
        )
    )["addMember"]
    assert payload["userErrors"] == []
    m = payload["member"]
    assert m["code"] == code and m["name"] == "周专职"
    assert m["roles"] == ["FULL_TIME_WORKER"] and m["duties"] == ["HYGIENE", "SECURITY"]
    assert m["phone"] == "139****5678" and m["onDutyDate"] == "2026-01-15" and m["active"]
    assert m["area"]["code"] == tree["small2"].code


async def test_add_a_part_time_worker_linked_to_an_enterprise_of_the_grid(
    gql: GraphQLClient, tree: dict[str, Area], staff: dict[str, Any]
) -> None:
    payload = (
        await gql(
            ADD,
            {"input": {"code": unique("M"), "name": "吴兼职", "areaId": area_id(tree["small2"]),
                       "enterpriseId": gid("Enterprise", staff["e2"]), "roles": ["PART_TIME_WORKER"]}},
        )
    )["addMember"]
    assert payload["userErrors"] == []
    assert payload["member"]["enterprise"]["name"] == staff["e2"].name


async def test_add_a_department_responder(gql: GraphQLClient, staff: dict[str, Any]) -> None:
    payload = (
        await gql(
            ADD,
            {"input": {"code": unique("M"), "name": "郑应哨", "departmentId": gid("Department", staff["dept"]),
                       "roles": ["DEPARTMENT_RESPONDER"]}},
        )
    )["addMember"]
    assert payload["userErrors"] == []
    assert payload["member"]["department"]["code"] == staff["dept"].code


ROLE_PLACEMENT_CASES = [
    # (where, roles, with enterprise of, expected (field, code) list, message fragment)
    ("park", ["GRID_LEADER"], None, [("roles", "INVALID")], "小网格"),
    ("large", ["FULL_TIME_WORKER"], None, [("roles", "INVALID")], "小网格"),
    ("small1", ["PARK_SECRETARY"], None, [("roles", "INVALID")], "产业园区"),
    ("small1", ["DEPARTMENT_RESPONDER"], None, [("roles", "INVALID")], "部门"),
    ("small1", ["PART_TIME_WORKER"], None, [("roles", "INVALID")], "企业"),
    ("dept", ["GRID_LEADER", "PARK_RESPONDER"], None, [("roles", "INVALID"), ("roles", "INVALID")], "只能由"),
    ("small1", [], None, [("roles", "INVALID")], "至少"),
    ("small1", ["PART_TIME_WORKER"], "e2", [("enterpriseId", "INVALID")], "不在"),
    ("park", ["PART_TIME_WORKER"], "e1", [("roles", "INVALID")], "小网格"),
]


@pytest.mark.parametrize(("where", "roles", "enterprise", "expected", "fragment"), ROLE_PLACEMENT_CASES)
async def test_a_role_only_where_it_belongs(
    gql: GraphQLClient,
    tree: dict[str, Area],
    staff: dict[str, Any],
    where: str,
    roles: list[str],
    enterprise: str | None,
    expected: list[tuple[str, str]],
    fragment: str,
) -> None:
    place = {"departmentId": gid("Department", staff["dept"])} if where == "dept" else {"areaId": area_id(tree[where])}
    if enterprise:
        place["enterpriseId"] = gid("Enterprise", staff[enterprise])
    payload = (await gql(ADD, {"input": {"code": unique("M"), "name": "错位", "roles": roles, **place}}))["addMember"]
    assert payload["member"] is None
    assert errors(payload) == expected
    assert all(fragment in e["message"] for e in payload["userErrors"]), payload["userErrors"]


async def test_add_member_reports_every_input_problem_at_once(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    payload = (
        await gql(
            ADD,
            {"input": {"code": "坏 编码", "name": " ", "areaId": area_id(tree["park"]), "phone": "1381234567",
                       "roles": ["GRID_LEADER"]}},
        )
    )["addMember"]
    assert sorted(errors(payload)) == [
        ("code", "INVALID"), ("name", "INVALID"), ("phone", "INVALID"), ("roles", "INVALID")
    ]
    phone = next(e for e in payload["userErrors"] if e["field"] == "phone")
    assert "11位" in phone["message"]


@pytest.mark.parametrize("phone", ["1381234567", "23812345678", "138-1234-5678", "１３８１２３４５６７８", "12812345678"])
async def test_mainland_mobile_numbers_only(gql: GraphQLClient, tree: dict[str, Area], phone: str) -> None:
    payload = (
        await gql(ADD, {"input": {"code": unique("M"), "name": "甲", "areaId": area_id(tree["small2"]),
                                  "roles": ["FULL_TIME_WORKER"], "phone": phone}})
    )["addMember"]
    error = one_error(payload)
    assert (error["field"], error["code"]) == ("phone", "INVALID") and "手机号码" in error["message"]


async def test_add_member_place_errors(gql: GraphQLClient, tree: dict[str, Area], staff: dict[str, Any]) -> None:
    base = {"code": unique("M"), "name": "甲", "roles": ["FULL_TIME_WORKER"]}
    both = await gql(ADD, {"input": {**base, "areaId": area_id(tree["small1"]),
                                     "departmentId": gid("Department", staff["dept"])}})
    assert errors(both["addMember"]) == [("departmentId", "INVALID")]
    neither = await gql(ADD, {"input": base})
    assert errors(neither["addMember"]) == [("areaId", "INVALID")]
    unknown = await gql(ADD, {"input": {**base, "areaId": gid("Area", 987654321)}})
    assert errors(unknown["addMember"]) == [("areaId", "NOT_FOUND")]
    garbage = await gql(ADD, {"input": {**base, "areaId": "not-an-id"}})
    assert errors(garbage["addMember"]) == [("areaId", "NOT_FOUND")]
    wrong_type = await gql(ADD, {"input": {**base, "areaId": gid("Member", staff["leader"])}})
    assert errors(wrong_type["addMember"]) == [("areaId", "NOT_FOUND")]
    no_enterprise = await gql(ADD, {"input": {**base, "areaId": area_id(tree["small1"]),
                                              "enterpriseId": gid("Enterprise", 987654321)}})
    assert errors(no_enterprise["addMember"]) == [("enterpriseId", "NOT_FOUND")]
    dept_enterprise = await gql(ADD, {"input": {**base, "roles": ["DEPARTMENT_RESPONDER"],
                                                "departmentId": gid("Department", staff["dept"]),
                                                "enterpriseId": gid("Enterprise", staff["e1"])}})
    assert errors(dept_enterprise["addMember"]) == [("enterpriseId", "INVALID")]


async def test_duplicate_member_code(gql: GraphQLClient, tree: dict[str, Area], staff: dict[str, Any]) -> None:
    payload = (
        await gql(ADD, {"input": {"code": staff["worker"].code, "name": "甲", "areaId": area_id(tree["small2"]),
                                  "roles": ["FULL_TIME_WORKER"]}})
    )["addMember"]
    error = one_error(payload)
    assert (error["field"], error["code"]) == ("code", "DUPLICATE") and staff["worker"].code in error["message"]


async def test_one_grid_leader_per_grid(gql: GraphQLClient, tree: dict[str, Area], staff: dict[str, Any]) -> None:
    payload = (
        await gql(ADD, {"input": {"code": unique("M"), "name": "第二网格长", "areaId": area_id(tree["small1"]),
                                  "roles": ["GRID_LEADER"]}})
    )["addMember"]
    error = one_error(payload)
    assert (error["field"], error["code"]) == ("roles", "CONFLICT")
    assert "王网格长" in error["message"] and "最多1名" in error["message"]
    # Full-time workers: up to two.
    second = await gql(ADD, {"input": {"code": unique("M"), "name": "第二专职", "areaId": area_id(tree["small1"]),
                                       "roles": ["FULL_TIME_WORKER"]}})
    assert second["addMember"]["userErrors"] == []
    third = await gql(ADD, {"input": {"code": unique("M"), "name": "第三专职", "areaId": area_id(tree["small1"]),
                                      "roles": ["FULL_TIME_WORKER"]}})
    assert errors(third["addMember"]) == [("roles", "CONFLICT")]


# --- updateMember --------------------------------------------------------------------


async def test_update_member(gql: GraphQLClient, staff: dict[str, Any]) -> None:
    mid = gid("Member", staff["worker"])
    new_code = unique("M")
    payload = (
        await gql(UPDATE, {"input": {"id": mid, "code": new_code, "name": "李专职（改）", "phone": "13700001111",
                                     "partyMember": True, "hasTerminal": False, "onDutyDate": "2026-02-01"}})
    )["updateMember"]
    assert payload["userErrors"] == []
    m = payload["member"]
    assert (m["code"], m["name"], m["phone"]) == (new_code, "李专职（改）", "137****1111")
    assert m["partyMember"] and not m["hasTerminal"] and m["onDutyDate"] == "2026-02-01"
    assert m["roles"] == ["FULL_TIME_WORKER"]  # untouched
    cleared = (await gql(UPDATE, {"input": {"id": mid, "phone": None}}))["updateMember"]["member"]
    assert cleared["phone"] is None and cleared["name"] == "李专职（改）"


async def test_update_member_errors(gql: GraphQLClient, staff: dict[str, Any]) -> None:
    mid = gid("Member", staff["worker"])
    bad_phone = (await gql(UPDATE, {"input": {"id": mid, "phone": "12345"}}))["updateMember"]
    assert errors(bad_phone) == [("phone", "INVALID")]
    dup = (await gql(UPDATE, {"input": {"id": mid, "code": staff["leader"].code}}))["updateMember"]
    assert errors(dup) == [("code", "DUPLICATE")]
    missing = (await gql(UPDATE, {"input": {"id": gid("Member", 987654321), "name": "甲"}}))["updateMember"]
    assert errors(missing) == [("id", "NOT_FOUND")]
    null_flag = (await gql(UPDATE, {"input": {"id": mid, "partyMember": None}}))["updateMember"]
    assert errors(null_flag) == [("partyMember", "INVALID")]
    # A part-time worker must stay linked to an enterprise of their grid.
    unlink = (await gql(UPDATE, {"input": {"id": gid("Member", staff["part"]), "enterpriseId": None}}))["updateMember"]
    assert errors(unlink) == [("roles", "INVALID")]
    elsewhere = (
        await gql(UPDATE, {"input": {"id": gid("Member", staff["part"]), "enterpriseId": gid("Enterprise", staff["e2"])}})
    )["updateMember"]
    assert errors(elsewhere) == [("enterpriseId", "INVALID")]


# --- moveMember, deactivateMember and the unavailability hook -----------------------


@pytest.fixture
def unavailable(isolated_hooks: None) -> Any:
    calls: list[dict[str, Any]] = []

    async def hook(session: AsyncSession, member: Member, **kw: Any) -> None:
        calls.append({"member": member.id, "area": member.area_id, **kw})

    member_service.on_member_unavailable.append(hook)
    yield calls
    member_service.on_member_unavailable.remove(hook)


async def test_move_member_to_another_grid(
    gql: GraphQLClient, tree: dict[str, Area], staff: dict[str, Any], unavailable: list[dict[str, Any]]
) -> None:
    payload = (
        await gql(MOVE, {"input": {"id": gid("Member", staff["worker"]), "areaId": area_id(tree["small2"]),
                                   "note": "调岗"}})
    )["moveMember"]
    assert payload["userErrors"] == []
    assert payload["member"]["area"]["code"] == tree["small2"].code
    assert payload["member"]["roles"] == ["FULL_TIME_WORKER"]
    assert unavailable == [{
        "member": staff["worker"].id, "area": tree["small2"].id, "reason": "MOVED",
        "previous_area_id": tree["small1"].id, "previous_department_id": None, "note": "调岗",
    }]


async def test_move_member_with_new_roles_to_a_department(
    gql: GraphQLClient, staff: dict[str, Any], unavailable: list[dict[str, Any]]
) -> None:
    payload = (
        await gql(MOVE, {"input": {"id": gid("Member", staff["worker"]), "departmentId": gid("Department", staff["dept"]),
                                   "roles": ["DEPARTMENT_RESPONDER"]}})
    )["moveMember"]
    assert payload["userErrors"] == []
    assert payload["member"]["department"]["code"] == staff["dept"].code
    assert payload["member"]["area"] is None and payload["member"]["roles"] == ["DEPARTMENT_RESPONDER"]
    assert [c["reason"] for c in unavailable] == ["MOVED"]


async def test_move_member_errors(
    gql: GraphQLClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tree: dict[str, Area],
    staff: dict[str, Any],
    unavailable: list[dict[str, Any]],
) -> None:
    async with sessionmaker.begin() as s:
        await make_member(s, area=tree["small2"], roles=(MemberRole.GRID_LEADER,), name="二号网格长")
    leader = gid("Member", staff["leader"])
    full = (await gql(MOVE, {"input": {"id": leader, "areaId": area_id(tree["small2"])}}))["moveMember"]
    assert errors(full) == [("roles", "CONFLICT")] and "二号网格长" in full["userErrors"][0]["message"]
    to_park = (await gql(MOVE, {"input": {"id": leader, "areaId": area_id(tree["park"])}}))["moveMember"]
    assert errors(to_park) == [("roles", "INVALID")]
    nowhere = (await gql(MOVE, {"input": {"id": leader}}))["moveMember"]
    assert errors(nowhere) == [("areaId", "INVALID")]
    missing = (await gql(MOVE, {"input": {"id": gid("Member", 987654321), "areaId": area_id(tree["small2"])}}))["moveMember"]
    assert errors(missing) == [("id", "NOT_FOUND")]
    assert unavailable == []  # nothing moved, nobody told


async def test_deactivate_member(
    gql: GraphQLClient, tree: dict[str, Area], staff: dict[str, Any], unavailable: list[dict[str, Any]]
) -> None:
    leader = gid("Member", staff["leader"])
    payload = (await gql(DEACTIVATE, {"input": {"id": leader, "note": "离职"}}))["deactivateMember"]
    assert payload["userErrors"] == [] and payload["member"]["active"] is False
    assert [(c["reason"], c["note"]) for c in unavailable] == [("DEACTIVATED", "离职")]
    again = (await gql(DEACTIVATE, {"input": {"id": leader}}))["deactivateMember"]
    assert errors(again) == [("id", "INVALID")]
    # The seat is free again: only active members count against the staffing model.
    successor = await gql(ADD, {"input": {"code": unique("M"), "name": "新网格长", "areaId": area_id(tree["small1"]),
                                          "roles": ["GRID_LEADER"]}})
    assert successor["addMember"]["userErrors"] == []
    missing = (await gql(DEACTIVATE, {"input": {"id": gid("Member", 987654321)}}))["deactivateMember"]
    assert errors(missing) == [("id", "NOT_FOUND")]


async def test_a_hook_that_refuses_rolls_the_whole_change_back(
    gql: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession], staff: dict[str, Any]
) -> None:
    async def refuse(session: AsyncSession, member: Member, **_: Any) -> None:
        raise DomainError("INVALID", "该成员有未能重新指派的事件", "id")

    member_service.on_member_unavailable.append(refuse)
    try:
        payload = (await gql(DEACTIVATE, {"input": {"id": gid("Member", staff["worker"])}}))["deactivateMember"]
    finally:
        member_service.on_member_unavailable.remove(refuse)
    assert errors(payload) == [("id", "INVALID")]
    async with sessionmaker() as s:
        assert (await s.scalar(select(Member.active).where(Member.id == staff["worker"].id))) is True


# --- setMemberRoles / setMemberDuties ------------------------------------------------


async def test_set_member_roles(gql: GraphQLClient, staff: dict[str, Any]) -> None:
    mid = gid("Member", staff["worker"])
    payload = (await gql(SET_ROLES, {"input": {"id": mid, "roles": ["AGENCY_STAFF", "FULL_TIME_WORKER"]}}))["setMemberRoles"]
    assert payload["userErrors"] == [] and payload["member"]["roles"] == ["AGENCY_STAFF", "FULL_TIME_WORKER"]
    taken = (await gql(SET_ROLES, {"input": {"id": mid, "roles": ["GRID_LEADER"]}}))["setMemberRoles"]
    assert errors(taken) == [("roles", "CONFLICT")]
    misplaced = (await gql(SET_ROLES, {"input": {"id": mid, "roles": ["PARK_SECRETARY"]}}))["setMemberRoles"]
    assert errors(misplaced) == [("roles", "INVALID")]
    empty = (await gql(SET_ROLES, {"input": {"id": mid, "roles": []}}))["setMemberRoles"]
    assert errors(empty) == [("roles", "INVALID")]
    missing = (await gql(SET_ROLES, {"input": {"id": gid("Member", 987654321), "roles": ["AGENCY_STAFF"]}}))["setMemberRoles"]
    assert errors(missing) == [("id", "NOT_FOUND")]
    # The leader keeps their own seat when their roles change.
    leader = gid("Member", staff["leader"])
    kept = (await gql(SET_ROLES, {"input": {"id": leader, "roles": ["GRID_LEADER", "FULL_TIME_WORKER"]}}))["setMemberRoles"]
    assert kept["userErrors"] == []


async def test_set_member_duties(gql: GraphQLClient, staff: dict[str, Any]) -> None:
    mid = gid("Member", staff["leader"])
    payload = (await gql(SET_DUTIES, {"input": {"id": mid, "duties": ["PUBLICITY", "HYGIENE", "PUBLICITY"]}}))["setMemberDuties"]
    assert payload["userErrors"] == [] and payload["member"]["duties"] == ["PUBLICITY", "HYGIENE"]
    cleared = (await gql(SET_DUTIES, {"input": {"id": mid, "duties": []}}))["setMemberDuties"]
    assert cleared["member"]["duties"] == []
    missing = (await gql(SET_DUTIES, {"input": {"id": gid("Member", 987654321), "duties": []}}))["setMemberDuties"]
    assert errors(missing) == [("id", "NOT_FOUND")]


async def test_payload_reflects_the_change_after_an_earlier_read_in_the_same_request(
    gql: GraphQLClient, staff: dict[str, Any]
) -> None:
    """Two mutations in one document: the second payload must not show loader-cached roles."""
    mid = gid("Member", staff["worker"])
    doc = """
    mutation($id: ID!) {
      a: setMemberRoles(input: {id: $id, roles: [AGENCY_STAFF]}) { member { roles } }
      b: setMemberRoles(input: {id: $id, roles: [FULL_TIME_WORKER]}) { member { roles } }
    }
    """
    data = await gql(doc, {"id": mid})
    assert data["a"]["member"]["roles"] == ["AGENCY_STAFF"]
    assert data["b"]["member"]["roles"] == ["FULL_TIME_WORKER"]



async def test_two_concurrent_appointments_cannot_both_take_the_last_seat(
    gql: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession], tree: dict[str, Area]
) -> None:
    """The capped seat is locked (the grid's row on PostgreSQL; SQLite serialises writers)."""
    async with sessionmaker.begin() as s:
        empty = await make_area(s, kind=AreaKind.SMALL_GRID, parent=tree["large"])
    attempts = [
        gql(ADD, {"input": {"code": unique("M"), "name": f"竞争者{n}", "areaId": area_id(empty), "roles": ["GRID_LEADER"]}})
        for n in range(4)
    ]
    results = [r["addMember"] for r in await asyncio.gather(*attempts)]
    assert sum(1 for r in results if r["member"]) == 1
    assert sorted(errors(r) for r in results if not r["member"]) == [[("roles", "CONFLICT")]] * 3
