"""Enterprises and projects over /graphql: filters, node, and create/update with user errors
(GB 32100 credit codes, phones, grids)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.enums import MemberRole
from domain.identifiers import credit_code_check
from domain.org.models import Area
from tests.factories import credit_code, make_enterprise, make_member, make_project, unique
from tests.conftest import GraphQLClient
from tests.integration.org_support import area_id, errors, gid, one_error, tree  # noqa: F401

ENTERPRISE_FIELDS = """
  id name creditCode industry employees hasPartyOrg partySecretaryName contactName contactPhone address
  grid { code } projectCount
"""

ENTERPRISES = """
query Enterprises($filter: EnterpriseFilter, $first: Int, $last: Int) {
  enterprises(filter: $filter, first: $first, last: $last) { totalCount nodes { name creditCode } }
}
"""

ENTERPRISE = f"""
query E($id: ID, $creditCode: String) {{ enterprise(id: $id, creditCode: $creditCode) {{ {ENTERPRISE_FIELDS} }} }}
"""

CREATE = f"""
mutation Create($input: CreateEnterpriseInput!) {{
  createEnterprise(input: $input) {{ enterprise {{ {ENTERPRISE_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

UPDATE = f"""
mutation Update($input: UpdateEnterpriseInput!) {{
  updateEnterprise(input: $input) {{ enterprise {{ {ENTERPRISE_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

PROJECT_FIELDS = "id name status investment startedOn enterprise { name } grid { code }"

PROJECTS = """
query Projects($filter: ProjectFilter) { projects(filter: $filter, first: 50) { totalCount nodes { name status } } }
"""

PROJECT = f"query P($id: ID!) {{ project(id: $id) {{ {PROJECT_FIELDS} }} }}"

CREATE_PROJECT = f"""
mutation Create($input: CreateProjectInput!) {{
  createProject(input: $input) {{ project {{ {PROJECT_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

UPDATE_PROJECT = f"""
mutation Update($input: UpdateProjectInput!) {{
  updateProject(input: $input) {{ project {{ {PROJECT_FIELDS} }} userErrors {{ field code message }} }}
}}
"""


@pytest.fixture
async def firms(sessionmaker: async_sessionmaker[AsyncSession], tree: dict[str, Area]) -> dict[str, Any]:
    tag = unique("")
    async with sessionmaker.begin() as s:
        chem = await make_enterprise(
            s, grid=tree["small1"], name=f"绿源化工{tag}", industry="化工", has_party_org=True, employees=120,
            party_secretary_name="陈书记", contact_name="陈经理",
        )
        steel = await make_enterprise(s, grid=tree["small2"], name=f"恒达钢构{tag}", industry="制造")
        other = await make_enterprise(s, grid=tree["direct"], name=f"直属物流{tag}", industry="物流")
        plant = await make_project(s, enterprise=chem, name=f"二期厂房{tag}")
        await make_project(s, enterprise=chem, name=f"污水站{tag}", status="COMPLETED")
        depot = await make_project(s, enterprise=other, grid=tree["direct"], name=f"仓库{tag}")
    return {"tag": tag, "chem": chem, "steel": steel, "other": other, "plant": plant, "depot": depot}


def _names(data: dict[str, Any], key: str = "enterprises") -> set[str]:
    return {n["name"] for n in data[key]["nodes"]}


async def test_enterprises_with_filters(gql: GraphQLClient, tree: dict[str, Area], firms: dict[str, Any]) -> None:
    tag = {"search": firms["tag"]}
    all_three = {firms[k].name for k in ("chem", "steel", "other")}
    assert _names(await gql(ENTERPRISES, {"filter": tag})) == all_three
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"areaId": area_id(tree["large"])}, {firms["chem"].name, firms["steel"].name}),
        ({"areaId": area_id(tree["small1"])}, {firms["chem"].name}),
        ({"industry": "制造"}, {firms["steel"].name}),
        ({"hasPartyOrg": True}, {firms["chem"].name}),
        ({"hasPartyOrg": False}, {firms["steel"].name, firms["other"].name}),
    ]
    for extra, expected in cases:
        assert _names(await gql(ENTERPRISES, {"filter": {**tag, **extra}})) == expected, extra
    by_code = await gql(ENTERPRISES, {"filter": {"search": firms["steel"].credit_code}})
    assert _names(by_code) == {firms["steel"].name}
    by_prefix = await gql(ENTERPRISES, {"filter": {"search": firms["steel"].credit_code[:14].lower()}})
    assert firms["steel"].name in _names(by_prefix)
    last = await gql(ENTERPRISES, {"filter": tag, "last": 1})
    assert last["enterprises"]["totalCount"] == 3 and len(last["enterprises"]["nodes"]) == 1


async def test_enterprise_by_credit_code_id_and_node(gql: GraphQLClient, tree: dict[str, Area], firms: dict[str, Any]) -> None:
    chem = (await gql(ENTERPRISE, {"creditCode": firms["chem"].credit_code}))["enterprise"]
    assert chem["grid"]["code"] == tree["small1"].code and chem["projectCount"] == 2
    assert (chem["industry"], chem["employees"], chem["hasPartyOrg"], chem["partySecretaryName"]) == ("化工", 120, True, "陈书记")
    by_id = (await gql(ENTERPRISE, {"id": gid("Enterprise", firms["steel"])}))["enterprise"]
    assert by_id["name"] == firms["steel"].name and by_id["projectCount"] == 0
    node = await gql("query($id: ID!) { node(id: $id) { ... on Enterprise { creditCode } } }", {"id": gid("Enterprise", firms["other"])})
    assert node["node"]["creditCode"] == firms["other"].credit_code
    assert (await gql(ENTERPRISE, {"creditCode": "91320114MA00000000"}))["enterprise"] is None


async def test_create_enterprise(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    code = credit_code()
    payload = (
        await gql(CREATE, {"input": {
            "name": " 新材料科技有限公司 ", "creditCode": code, "gridId": area_id(tree["small2"]), "industry": "新材料",
            "employees": 35, "hasPartyOrg": True, "partySecretaryName": "林书记", "contactName": "林经理",
            "contactPhone": "13512345678", "address": "园区大道8号",
        }})
    )["createEnterprise"]
    assert payload["userErrors"] == []
    e = payload["enterprise"]
    assert (e["name"], e["creditCode"], e["grid"]["code"]) == ("新材料科技有限公司", code, tree["small2"].code)
    assert e["contactPhone"] == "135****5678" and e["employees"] == 35 and e["projectCount"] == 0
    landline = (
        await gql(CREATE, {"input": {"name": "甲", "creditCode": credit_code(), "gridId": area_id(tree["small2"]),
                                     "contactPhone": "025-58001234"}})
    )["createEnterprise"]
    assert landline["userErrors"] == [] and landline["enterprise"]["contactPhone"] == "025*****1234"


def _bad_check_char(code: str) -> str:
    wrong = "0" if code[-1] != "0" else "1"
    return code[:-1] + wrong


async def test_credit_code_is_checked_gb_32100(gql: GraphQLClient, tree: dict[str, Area], firms: dict[str, Any]) -> None:
    good = credit_code()
    assert credit_code_check(good[:17]) == good[-1]
    cases: list[tuple[str, str, str]] = [
        (_bad_check_char(good), "INVALID", "第18位校验码"),
        (good[:17], "INVALID", "18位"),
        (good[:10] + "i" + good[11:], "INVALID", "第11位"),
        (firms["chem"].credit_code, "DUPLICATE", firms["chem"].name),
    ]
    for code, expected, fragment in cases:
        payload = (
            await gql(CREATE, {"input": {"name": "甲", "creditCode": code, "gridId": area_id(tree["small1"])}})
        )["createEnterprise"]
        error = one_error(payload)
        assert (error["field"], error["code"]) == ("creditCode", expected), code
        assert fragment in error["message"], error["message"]


async def test_a_credit_code_is_valid_by_its_18th_character(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    # Any 17 characters of the charset with the right GB 32100 check character: the
    # layout of the body (authority, type, region, GB 11714 check) is not enforced.
    import random

    from domain.identifiers import CREDIT_CHARSET

    rng = random.Random()
    for _ in range(3):
        body = "".join(rng.choice(CREDIT_CHARSET) for _ in range(17))
        code = body + credit_code_check(body)
        payload = (
            await gql(CREATE, {"input": {"name": unique("随机"), "creditCode": code, "gridId": area_id(tree["small1"])}})
        )["createEnterprise"]
        assert payload["userErrors"] == [], (code, payload)
        assert payload["enterprise"]["creditCode"] == code


async def test_create_enterprise_errors(gql: GraphQLClient, tree: dict[str, Area]) -> None:
    base = {"name": "甲", "creditCode": credit_code()}
    large = (await gql(CREATE, {"input": {**base, "gridId": area_id(tree["large"])}}))["createEnterprise"]
    assert errors(large) == [("gridId", "INVALID")] and "小网格" in large["userErrors"][0]["message"]
    unknown = (await gql(CREATE, {"input": {**base, "gridId": gid("Area", 987654321)}}))["createEnterprise"]
    assert errors(unknown) == [("gridId", "NOT_FOUND")]
    many = (
        await gql(CREATE, {"input": {"name": "", "creditCode": "123", "gridId": area_id(tree["small1"]),
                                     "contactPhone": "1234", "employees": -1}})
    )["createEnterprise"]
    assert sorted(errors(many)) == [
        ("contactPhone", "INVALID"), ("creditCode", "INVALID"), ("employees", "INVALID"), ("name", "INVALID")
    ]


async def test_update_enterprise(gql: GraphQLClient, tree: dict[str, Area], firms: dict[str, Any]) -> None:
    eid = gid("Enterprise", firms["steel"])
    new_code = credit_code()
    payload = (
        await gql(UPDATE, {"input": {"id": eid, "name": "恒达钢构（新）", "creditCode": new_code, "employees": 80,
                                     "contactPhone": "13612345678", "gridId": area_id(tree["small1"])}})
    )["updateEnterprise"]
    assert payload["userErrors"] == []
    e = payload["enterprise"]
    assert (e["name"], e["creditCode"], e["employees"], e["grid"]["code"]) == ("恒达钢构（新）", new_code, 80, tree["small1"].code)
    assert e["industry"] == "制造"  # omitted: kept
    cleared = (await gql(UPDATE, {"input": {"id": eid, "contactPhone": None, "industry": None}}))["updateEnterprise"]
    assert cleared["enterprise"]["contactPhone"] is None and cleared["enterprise"]["industry"] is None


async def test_update_enterprise_errors(
    gql: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession], tree: dict[str, Area], firms: dict[str, Any]
) -> None:
    eid = gid("Enterprise", firms["chem"])
    dup = (await gql(UPDATE, {"input": {"id": eid, "creditCode": firms["steel"].credit_code}}))["updateEnterprise"]
    assert errors(dup) == [("creditCode", "DUPLICATE")]
    bad = (await gql(UPDATE, {"input": {"id": eid, "creditCode": _bad_check_char(firms["chem"].credit_code)}}))["updateEnterprise"]
    assert errors(bad) == [("creditCode", "INVALID")]
    missing = (await gql(UPDATE, {"input": {"id": gid("Enterprise", 987654321), "name": "甲"}}))["updateEnterprise"]
    assert errors(missing) == [("id", "NOT_FOUND")]
    # Its part-time grid worker belongs to the grid: the enterprise cannot leave it alone.
    async with sessionmaker.begin() as s:
        await make_member(s, area=tree["small1"], enterprise=firms["chem"], roles=(MemberRole.PART_TIME_WORKER,), name="陈兼职")
    moving = (await gql(UPDATE, {"input": {"id": eid, "gridId": area_id(tree["small2"])}}))["updateEnterprise"]
    error = one_error(moving)
    assert (error["field"], error["code"]) == ("gridId", "INVALID") and "陈兼职" in error["message"]


# --- projects ------------------------------------------------------------------------


async def test_projects_with_filters(gql: GraphQLClient, tree: dict[str, Area], firms: dict[str, Any]) -> None:
    tag = {"search": firms["tag"]}
    chem = await gql(PROJECTS, {"filter": {**tag, "enterpriseId": gid("Enterprise", firms["chem"])}})
    assert chem["projects"]["totalCount"] == 2
    in_large = await gql(PROJECTS, {"filter": {**tag, "areaId": area_id(tree["large"])}})
    assert _names(in_large, "projects") == {f"二期厂房{firms['tag']}", f"污水站{firms['tag']}"}
    in_park = await gql(PROJECTS, {"filter": {**tag, "areaId": area_id(tree["park"])}})
    assert in_park["projects"]["totalCount"] == 3
    done = await gql(PROJECTS, {"filter": {**tag, "status": "COMPLETED"}})
    assert [n["status"] for n in done["projects"]["nodes"]] == ["COMPLETED"]


async def test_project_by_id_and_node(gql: GraphQLClient, tree: dict[str, Area], firms: dict[str, Any]) -> None:
    p = (await gql(PROJECT, {"id": gid("Project", firms["depot"])}))["project"]
    assert p["enterprise"]["name"] == firms["other"].name and p["grid"]["code"] == tree["direct"].code
    assert p["status"] == "UNDER_CONSTRUCTION"
    node = await gql("query($id: ID!) { node(id: $id) { ... on Project { name } } }", {"id": gid("Project", firms["plant"])})
    assert node["node"]["name"] == firms["plant"].name
    assert (await gql(PROJECT, {"id": gid("Project", 987654321)}))["project"] is None


async def test_create_and_update_project(gql: GraphQLClient, tree: dict[str, Area], firms: dict[str, Any]) -> None:
    created = (
        await gql(CREATE_PROJECT, {"input": {"name": "三期扩建", "enterpriseId": gid("Enterprise", firms["chem"]),
                                             "investment": "12500000.50", "startedOn": "2026-04-01", "status": "PLANNED"}})
    )["createProject"]
    assert created["userErrors"] == []
    p = created["project"]
    assert p["grid"]["code"] == tree["small1"].code  # the enterprise's grid by default
    assert (p["status"], p["investment"], p["startedOn"]) == ("PLANNED", "12500000.50", "2026-04-01")
    updated = (
        await gql(UPDATE_PROJECT, {"input": {"id": p["id"], "status": "UNDER_CONSTRUCTION", "gridId": area_id(tree["small2"]),
                                             "name": "三期扩建工程"}})
    )["updateProject"]
    assert updated["userErrors"] == []
    u = updated["project"]
    assert (u["name"], u["status"], u["grid"]["code"], u["investment"]) == (
        "三期扩建工程", "UNDER_CONSTRUCTION", tree["small2"].code, "12500000.50"
    )


async def test_project_errors(gql: GraphQLClient, tree: dict[str, Area], firms: dict[str, Any]) -> None:
    no_firm = (await gql(CREATE_PROJECT, {"input": {"name": "甲", "enterpriseId": gid("Enterprise", 987654321)}}))["createProject"]
    assert errors(no_firm) == [("enterpriseId", "NOT_FOUND")]
    chem = gid("Enterprise", firms["chem"])
    bad = (await gql(CREATE_PROJECT, {"input": {"name": " ", "enterpriseId": chem, "investment": "-1"}}))["createProject"]
    assert sorted(errors(bad)) == [("investment", "INVALID"), ("name", "INVALID")]
    park = (await gql(CREATE_PROJECT, {"input": {"name": "甲", "enterpriseId": chem, "gridId": area_id(tree["park"])}}))["createProject"]
    assert errors(park) == [("gridId", "INVALID")]
    pid = gid("Project", firms["plant"])
    null_status = (await gql(UPDATE_PROJECT, {"input": {"id": pid, "status": None}}))["updateProject"]
    assert errors(null_status) == [("status", "INVALID")]
    no_enterprise = (await gql(UPDATE_PROJECT, {"input": {"id": pid, "enterpriseId": None}}))["updateProject"]
    assert errors(no_enterprise) == [("enterpriseId", "INVALID")]
    missing = (await gql(UPDATE_PROJECT, {"input": {"id": gid("Project", 987654321), "name": "甲"}}))["updateProject"]
    assert errors(missing) == [("id", "NOT_FOUND")]


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity", "1e30", "1e400", "100000000000000", "-0.01"])
async def test_investment_must_fit_the_column(
    gql: GraphQLClient, firms: dict[str, Any], amount: str
) -> None:
    # Finite, not negative, under 10^14 (Numeric(16, 2)): INVALID, never a 500, on both backends.
    chem = gid("Enterprise", firms["chem"])
    made = (await gql(CREATE_PROJECT, {"input": {"name": "甲", "enterpriseId": chem, "investment": amount}}))["createProject"]
    assert errors(made) == [("investment", "INVALID")], made
    pid = gid("Project", firms["plant"])
    changed = (await gql(UPDATE_PROJECT, {"input": {"id": pid, "investment": amount}}))["updateProject"]
    assert errors(changed) == [("investment", "INVALID")], changed


async def test_investment_is_kept_to_the_cent(gql: GraphQLClient, firms: dict[str, Any]) -> None:
    chem = gid("Enterprise", firms["chem"])
    for given, stored in (("12.345", "12.35"), ("99999999999999.99", "99999999999999.99"), ("-0", "0.00"), ("7", "7.00")):
        made = (await gql(CREATE_PROJECT, {"input": {"name": "分", "enterpriseId": chem, "investment": given}}))["createProject"]
        assert made["userErrors"] == [] and made["project"]["investment"] == stored, (given, made)
