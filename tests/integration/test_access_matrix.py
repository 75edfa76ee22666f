"""Who reaches what, through /graphql: every account role × every query and mutation that
exists, including ``node``/``nodes`` by guessed ids and connections' ``totalCount``.

One small world (a district with two parks) and one account per role. ``EXPECTED`` is
the table: for each role, what each check must return. A test per role runs every
check and reports all the differences at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.relay import to_global_id
from domain.accounts.models import ApiToken
from domain.audit import service as audit
from domain.enums import AccountRole, AreaKind, DepartmentLevel, MemberRole
from domain.identifiers import make_credit_code
from domain.org.models import Department, Enterprise, Member, MemberRoleAssignment, Project
from domain.personal_data import encrypt, lookup_hash
from domain.scope import SYSTEM
from domain.settings import Settings
from tests.conftest import GraphQLClient, make_account, token_for
from tests.factories import make_area, unique

AREA_KEYS = ("D", "A", "LA", "A1", "A2", "AD", "B", "B1")
ALL = frozenset(AREA_KEYS)
PARK_A = frozenset({"D", "A", "LA", "A1", "A2", "AD"})  # park A's subtree and the district as breadcrumb
GRID_A1 = frozenset({"D", "A", "LA", "A1"})  # grid A1 and its breadcrumbs


@dataclass
class World:
    areas: dict[str, Any] = field(default_factory=dict)
    objects: dict[str, str] = field(default_factory=dict)  # key → global id (non-area objects)
    tokens: dict[str, str] = field(default_factory=dict)  # role key → bearer token
    account_ids: dict[str, int] = field(default_factory=dict)
    partner_account_id: int = 0
    api_token_id: int = 0


async def _member(session: AsyncSession, *, area: Any = None, department: Any = None, role: MemberRole, phone: str) -> Member:
    m = Member(
        code=unique("M"), name="测试成员", area_id=area.id if area else None,
        department_id=department.id if department else None,
        phone_cipher=encrypt(phone), phone_hash=lookup_hash(phone),
    )
    session.add(m)
    await session.flush()
    session.add(MemberRoleAssignment(member_id=m.id, role=role))
    await session.flush()
    return m


@pytest.fixture(scope="module")
async def world(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> World:
    w = World()
    rng = random.Random()
    async with sessionmaker.begin() as s:
        a = w.areas
        a["D"] = await make_area(s, kind=AreaKind.DISTRICT, name="矩阵区")
        a["A"] = await make_area(s, kind=AreaKind.PARK, parent=a["D"])
        a["LA"] = await make_area(s, kind=AreaKind.LARGE_GRID, parent=a["A"])
        a["A1"] = await make_area(s, kind=AreaKind.SMALL_GRID, parent=a["LA"])
        a["A2"] = await make_area(s, kind=AreaKind.SMALL_GRID, parent=a["LA"])
        a["AD"] = await make_area(s, kind=AreaKind.SMALL_GRID, parent=a["A"])
        a["B"] = await make_area(s, kind=AreaKind.PARK, parent=a["D"])
        a["B1"] = await make_area(s, kind=AreaKind.SMALL_GRID, parent=a["B"])
        labor = Department(code=unique("LAB"), name="人社", level=DepartmentLevel.DISTRICT_DEPARTMENT)
        center_a = Department(code=unique("CA"), name="A 中心", level=DepartmentLevel.PARK_OFFICE, park_id=a["A"].id)
        center_b = Department(code=unique("CB"), name="B 中心", level=DepartmentLevel.PARK_OFFICE, park_id=a["B"].id)
        s.add_all([labor, center_a, center_b])
        await s.flush()
        leader = await _member(s, area=a["A1"], role=MemberRole.GRID_LEADER, phone="13800000001")
        worker = await _member(s, area=a["A1"], role=MemberRole.FULL_TIME_WORKER, phone="13800000002")
        worker_b = await _member(s, area=a["B1"], role=MemberRole.FULL_TIME_WORKER, phone="13800000003")
        responder = await _member(s, department=labor, role=MemberRole.DEPARTMENT_RESPONDER, phone="13800000004")
        e1 = Enterprise(name="甲企业", credit_code=make_credit_code(rng), grid_id=a["A1"].id)
        e2 = Enterprise(name="乙企业", credit_code=make_credit_code(rng), grid_id=a["B1"].id)
        s.add_all([e1, e2])
        await s.flush()
        p1 = Project(name="甲项目", enterprise_id=e1.id, grid_id=a["A1"].id)
        p2 = Project(name="乙项目", enterprise_id=e2.id, grid_id=a["B1"].id)
        p3 = Project(name="丙项目", enterprise_id=e2.id, grid_id=a["A2"].id)  # park A's grid, park B's firm
        s.add_all([p1, p2, p3])
        # References that cross scopes: LABOR's responder (a district department's member)
        # and a park-A worker linked to a park-B firm — nested fields must hide what node hides.
        labor.responder_id = responder.id
        worker.enterprise_id = e2.id
        await s.flush()
        entry = await audit.record(s, actor=SYSTEM, action="test.matrix", object_type="Area", object_id=a["D"].id)
        accounts = {
            "ADMIN": await make_account(s, role="ADMIN"),
            "VIEWER": await make_account(s, role="VIEWER", area=a["D"]),
            "POLICY_EDITOR": await make_account(s, role="POLICY_EDITOR", area=a["D"]),
            "PARK_ADMIN": await make_account(s, role="PARK_ADMIN", area=a["A"]),
            "GRID_LEADER": await make_account(s, role="GRID_LEADER", member=leader),
            "GRID_WORKER": await make_account(s, role="GRID_WORKER", member=worker),
            "OFFICER": await make_account(s, role="DEPARTMENT_OFFICER", department=labor, member=responder),
            "PARK_OFFICER": await make_account(s, role="DEPARTMENT_OFFICER", department=center_a),
            "ENTERPRISE": await make_account(s, role="ENTERPRISE", enterprise=e1),
            "PARTNER": await make_account(s, role="PARTNER", granted=[a["A"]]),
        }
        bystander = await make_account(s, role="VIEWER", area=a["D"])
        api_token = ApiToken(account_id=accounts["PARTNER"].id, name="matrix", token_hash=unique("h").ljust(64, "0")[:64])
        s.add(api_token)
        await s.flush()
    w.objects = {
        "leader": to_global_id("Member", leader.id),
        "worker_b": to_global_id("Member", worker_b.id),
        "responder": to_global_id("Member", responder.id),
        "e1": to_global_id("Enterprise", e1.id),
        "e2": to_global_id("Enterprise", e2.id),
        "p1": to_global_id("Project", p1.id),
        "p2": to_global_id("Project", p2.id),
        "p3": to_global_id("Project", p3.id),
        "labor": to_global_id("Department", labor.id),
        "center_a": to_global_id("Department", center_a.id),
        "center_b": to_global_id("Department", center_b.id),
        "bystander": to_global_id("Account", bystander.id),
        "audit_entry": to_global_id("AuditEntry", entry.id),
        "api_token": to_global_id("ApiToken", api_token.id),
    }
    w.tokens = {k: token_for(v, settings) for k, v in accounts.items()}
    w.account_ids = {k: v.id for k, v in accounts.items()}
    w.partner_account_id = accounts["PARTNER"].id
    w.api_token_id = api_token.id
    return w


# --- the table ----------------------------------------------------------------------------
# areas: area keys listed by ``areas(filter: {underId: D})`` (= ``area(id)`` = ``node(id)``);
# total: unfiltered ``areas.totalCount`` (None: not exact in a shared database);
# children: D's visible children (childrenCount = children.totalCount);
# objects: non-area objects ``node`` resolves ("self" = the caller's own account);
# members/enterprises/projects: totalCount under D; members_all: unfiltered (None: skip);
# depts: park office count for park A, park B;
# nested: which of the cross-scope references (LABOR's responder, the park-B firm e2 of a
#   park-A worker and project) nested fields show — always exactly what node shows;
# audit/admin_mutations/update_a1/update_b1: "ok" or the error code.
OK = "ok"
EVERYTHING = {"leader", "worker_b", "responder", "e1", "e2", "p1", "p2", "p3", "labor", "center_a", "center_b"}
READ_ALL = {
    "areas": ALL, "total": 8, "children": 2, "objects": EVERYTHING | {"self"},
    "members": 3, "members_all": 4, "enterprises": 2, "projects": 3, "depts": (1, 1), "nested": {"responder", "e2"},
    "audit": "FORBIDDEN", "admin_mutations": "FORBIDDEN", "update_a1": "FORBIDDEN", "update_b1": "FORBIDDEN",
}
EXPECTED: dict[str, dict[str, Any]] = {
    "ADMIN": {
        **READ_ALL, "total": None, "members_all": None,
        "objects": EVERYTHING | {"self", "bystander", "audit_entry", "api_token"},
        "audit": OK, "admin_mutations": OK, "update_a1": OK, "update_b1": OK,
    },
    "VIEWER": READ_ALL,
    "POLICY_EDITOR": READ_ALL,
    "PARK_ADMIN": {
        "areas": PARK_A, "total": 6, "children": 1,
        "objects": {"leader", "e1", "p1", "p3", "labor", "center_a", "self"},
        "members": 2, "members_all": 2, "enterprises": 1, "projects": 2, "depts": (1, 0), "nested": set(),
        "audit": "FORBIDDEN", "admin_mutations": "FORBIDDEN", "update_a1": OK, "update_b1": "NOT_FOUND",
    },
    "GRID_LEADER": {
        "areas": GRID_A1, "total": 4, "children": 1,
        "objects": {"leader", "e1", "p1", "labor", "center_a", "self"},
        "members": 2, "members_all": 2, "enterprises": 1, "projects": 1, "depts": (1, 0), "nested": set(),
        "audit": "FORBIDDEN", "admin_mutations": "FORBIDDEN", "update_a1": "FORBIDDEN", "update_b1": "NOT_FOUND",
    },
    "OFFICER": {  # a district department: the whole tree as org info; data by department only
        "areas": ALL, "total": None, "children": 2,
        "objects": {"responder", "labor", "center_a", "center_b", "self"},
        "members": 0, "members_all": 1, "enterprises": 0, "projects": 0, "depts": (1, 1), "nested": {"responder"},
        "audit": "FORBIDDEN", "admin_mutations": "FORBIDDEN", "update_a1": "FORBIDDEN", "update_b1": "FORBIDDEN",
    },
    "PARK_OFFICER": {  # a park office: its park's tree
        "areas": PARK_A, "total": 6, "children": 1,
        "objects": {"labor", "center_a", "self"},
        "members": 0, "members_all": 0, "enterprises": 0, "projects": 0, "depts": (1, 0), "nested": set(),
        "audit": "FORBIDDEN", "admin_mutations": "FORBIDDEN", "update_a1": "FORBIDDEN", "update_b1": "NOT_FOUND",
    },
    "ENTERPRISE": {  # its own profile and projects; its grid as org info
        "areas": GRID_A1, "total": 4, "children": 1,
        "objects": {"e1", "p1", "labor", "center_a", "self"},
        "members": 0, "members_all": 0, "enterprises": 1, "projects": 1, "depts": (1, 0), "nested": set(),
        "audit": "FORBIDDEN", "admin_mutations": "FORBIDDEN", "update_a1": "FORBIDDEN", "update_b1": "NOT_FOUND",
    },
    "PARTNER": {  # the event stream of park A (and park A's tree to filter it by); no people, no firms, no departments
        "areas": PARK_A, "total": 6, "children": 1,
        "objects": {"self"},
        "members": 0, "members_all": 0, "enterprises": 0, "projects": 0, "depts": (0, 0), "nested": set(),
        "audit": "FORBIDDEN", "admin_mutations": "FORBIDDEN", "update_a1": "FORBIDDEN", "update_b1": "NOT_FOUND",
    },
}
EXPECTED["GRID_WORKER"] = EXPECTED["GRID_LEADER"]
ROLES_OF = {"OFFICER": "DEPARTMENT_OFFICER", "PARK_OFFICER": "DEPARTMENT_OFFICER"}

Q_AREAS = "query($d: ID) { areas(filter: {underId: $d}, first: 100) { totalCount nodes { id } } }"
Q_TOTAL = "{ areas(first: 1) { totalCount } }"
Q_AREA = "query($id: ID) { area(id: $id) { id } }"
Q_NODE = "query($id: ID!) { node(id: $id) { id } }"
Q_NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
Q_CHILDREN = "query($id: ID) { area(id: $id) { childrenCount children(first: 50) { totalCount nodes { id } } } }"
Q_COUNTS = """
query($d: ID, $a: ID, $b: ID) {
  members(filter: {areaId: $d}, first: 1) { totalCount }
  membersAll: members(first: 1) { totalCount }
  enterprises(filter: {areaId: $d}, first: 1) { totalCount }
  projects(filter: {areaId: $d}, first: 1) { totalCount }
  deptsA: departments(filter: {parkId: $a}, first: 1) { totalCount }
  deptsB: departments(filter: {parkId: $b}, first: 1) { totalCount }
}
"""
Q_VIEWER = "{ viewer { role account { id } } }"
# Every nested reference to another object, through node and through the lists.
Q_NESTED_NODES = """
query($ids: [ID!]!) { nodes(ids: $ids) {
  ... on Area { parent { id } ancestors { id } gridLeader { id } }
  ... on Member { area { id } department { id } enterprise { id } }
  ... on Department { park { id } responder { id } }
  ... on Enterprise { grid { id } }
  ... on Project { enterprise { id } grid { id } }
} }
"""
Q_NESTED_LISTS = """
{ departments(first: 100) { nodes { park { id } responder { id } } }
  members(first: 100) { nodes { area { id } department { id } enterprise { id } } }
  enterprises(first: 100) { nodes { grid { id } } }
  projects(first: 100) { nodes { enterprise { id } grid { id } } }
  areas(first: 100) { nodes { parent { id } ancestors { id } gridLeader { id } } } }
"""
Q_AUDIT = "{ auditLog(first: 5) { totalCount } accounts(first: 1) { totalCount } apiTokens(first: 1) { totalCount } }"
M_CREATE_TOKEN = "mutation($a: ID!) { createApiToken(input: {accountId: $a, name: \"矩阵\"}) { token userErrors { code } } }"
M_REVOKE_TOKEN = "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { apiToken { id } userErrors { code } } }"
M_CREATE_ACCOUNT = """mutation($u: String!) { createAccount(input: {username: $u, displayName: "矩阵",
  password: "Matrix-pass-01", role: ADMIN}) { account { id } userErrors { code } } }"""
M_UPDATE_AREA = "mutation($id: ID!) { updateArea(input: {id: $id, brand: \"矩阵品牌\"}) { area { id } userErrors { code } } }"


def _outcome(payload: dict[str, Any]) -> str:
    errors = payload["userErrors"]
    return errors[0]["code"] if errors else OK


def _top(body: dict[str, Any], *fields: str) -> Any:
    """The outcome of admin-only top-level fields: "ok" or the one error code of all of them."""
    outcomes = {e["extensions"]["code"] for e in body.get("errors") or []}
    outcomes |= {OK for f in fields if (body.get("data") or {}).get(f) is not None}
    assert len(outcomes) == 1, body
    return outcomes.pop()


async def _observe(c: GraphQLClient, w: World, role: str) -> dict[str, Any]:
    gid = {k: to_global_id("Area", a.id) for k, a in w.areas.items()}
    key_of = {v: k for k, v in {**gid, **w.objects}.items()}
    key_of[to_global_id("Account", w.account_ids[role])] = "self"
    seen: dict[str, Any] = {}

    listed = (await c(Q_AREAS, {"d": gid["D"]}))["areas"]
    seen["areas"] = frozenset(key_of[n["id"]] for n in listed["nodes"])
    assert listed["totalCount"] == len(listed["nodes"])
    seen["total"] = (await c(Q_TOTAL))["areas"]["totalCount"] if EXPECTED[role]["total"] is not None else None

    by_area = {k for k in AREA_KEYS if (await c(Q_AREA, {"id": gid[k]}))["area"] is not None}
    by_node = {k for k in AREA_KEYS if (await c(Q_NODE, {"id": gid[k]}))["node"] is not None}
    assert by_area == by_node == set(seen["areas"]), (by_area, by_node)

    ids = [*gid.values(), *w.objects.values(), to_global_id("Account", w.account_ids[role])]
    objects = {key_of[i] for i in ids[len(gid):] if (await c(Q_NODE, {"id": i}))["node"] is not None}
    seen["objects"] = objects
    batch = (await c(Q_NODES, {"ids": ids}))["nodes"]
    assert {key_of[n["id"]] for n in batch if n} == set(seen["areas"]) | objects  # nodes agrees with node

    # Guessed ids: nonexistent rows and other accounts read exactly like nothing.
    guesses = [to_global_id(t, 987654321) for t in ("Area", "Member", "Enterprise", "Account", "AuditEntry")]
    guesses += [to_global_id("Account", w.account_ids[r]) for r in w.account_ids if r != role and role != "ADMIN"]
    assert (await c(Q_NODES, {"ids": guesses}))["nodes"] == [None] * len(guesses)

    # Nested references show exactly what node shows: every id they give resolves by node.
    refs: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            if set(value) == {"id"}:
                refs.add(value["id"])
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    collect(await c(Q_NESTED_NODES, {"ids": ids}))
    world_refs = {key_of.get(r, r) for r in refs}
    assert world_refs <= set(seen["areas"]) | objects, world_refs - set(seen["areas"]) - objects
    collect(await c(Q_NESTED_LISTS))
    listed_refs = sorted(refs)
    for i in range(0, len(listed_refs), 100):
        chunk = listed_refs[i:i + 100]
        hidden = [r for r, n in zip(chunk, (await c(Q_NODES, {"ids": chunk}))["nodes"], strict=True) if n is None]
        assert hidden == [], [key_of.get(r, r) for r in hidden]
    seen["nested"] = frozenset(k for k in world_refs if k in ("responder", "e2"))

    d = (await c(Q_CHILDREN, {"id": gid["D"]}))["area"]
    assert d["childrenCount"] == d["children"]["totalCount"] == len(d["children"]["nodes"])
    seen["children"] = d["childrenCount"]

    counts = await c(Q_COUNTS, {"d": gid["D"], "a": gid["A"], "b": gid["B"]})
    seen["members"] = counts["members"]["totalCount"]
    seen["members_all"] = counts["membersAll"]["totalCount"] if EXPECTED[role]["members_all"] is not None else None
    seen["enterprises"] = counts["enterprises"]["totalCount"]
    seen["projects"] = counts["projects"]["totalCount"]
    seen["depts"] = (counts["deptsA"]["totalCount"], counts["deptsB"]["totalCount"])

    me = (await c(Q_VIEWER))["viewer"]
    assert me["role"] == ROLES_OF.get(role, role) and me["account"]["id"] == to_global_id("Account", w.account_ids[role])

    seen["audit"] = _top(await c.raw(Q_AUDIT), "auditLog", "accounts", "apiTokens")
    made = [
        _outcome((await c(M_CREATE_TOKEN, {"a": to_global_id("Account", w.partner_account_id)}))["createApiToken"]),
        _outcome((await c(M_REVOKE_TOKEN, {"id": w.objects["api_token"]}))["revokeApiToken"]),
        _outcome((await c(M_CREATE_ACCOUNT, {"u": unique("matrix-").lower()}))["createAccount"]),
    ]
    assert len(set(made)) == 1, made
    seen["admin_mutations"] = made[0]
    seen["update_a1"] = _outcome((await c(M_UPDATE_AREA, {"id": gid["A1"]}))["updateArea"])
    seen["update_b1"] = _outcome((await c(M_UPDATE_AREA, {"id": gid["B1"]}))["updateArea"])
    return seen


# Roles whose scope is the whole district D: they also see the members of district
# departments (which belong to no area, SPEC §5) — in this shared test database, those
# of every other test's district too. Their unfiltered member count is taken relative
# to this world (the other districts' department members are subtracted).
WHOLE_DISTRICT = {"VIEWER", "POLICY_EDITOR"}


async def _other_districts_department_members(
    sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> int:
    from sqlalchemy import func, select

    from api.relay import from_global_id

    decoded = from_global_id(world.objects["labor"])
    assert decoded is not None
    own = decoded[1]
    async with sessionmaker() as session:
        found = await session.scalar(
            select(func.count()).select_from(Member).join(Department, Department.id == Member.department_id)
            .where(Department.park_id.is_(None), Department.id != own)
        )
    return int(found or 0)


@pytest.mark.parametrize("role", sorted(EXPECTED))
async def test_role_reaches_exactly_its_part(
    role: str, world: World, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    seen = await _observe(GraphQLClient(client, world.tokens[role]), world, role)
    if role in WHOLE_DISTRICT:
        seen["members_all"] -= await _other_districts_department_members(sessionmaker, world)
    expected = {k: (frozenset(v) if isinstance(v, (set, frozenset)) else v) for k, v in EXPECTED[role].items()}
    seen = {k: (frozenset(v) if isinstance(v, (set, frozenset)) else v) for k, v in seen.items()}
    diff = {k: {"expected": expected[k], "seen": seen.get(k)} for k in expected if expected[k] != seen.get(k)}
    assert diff == {}


@pytest.mark.parametrize(
    "query",
    [Q_AREAS, Q_TOTAL, Q_AREA, Q_NODE, Q_NODES, Q_CHILDREN, Q_COUNTS, Q_VIEWER, Q_AUDIT,
     M_CREATE_TOKEN, M_REVOKE_TOKEN, M_CREATE_ACCOUNT, M_UPDATE_AREA],
)
async def test_without_a_token_nothing_is_reached(query: str, world: World, anon: GraphQLClient) -> None:
    variables = {"d": "x", "id": "x", "ids": ["x"], "a": "x", "b": "x", "u": "x"}
    import re

    used = set(re.findall(r"\$(\w+)", query))
    body = await anon.raw(query, {k: v for k, v in variables.items() if k in used})
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_accounts_of_every_role_are_covered() -> None:
    assert {ROLES_OF.get(r, r) for r in EXPECTED} == {r.value for r in AccountRole}
