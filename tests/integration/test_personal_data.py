"""Personal data over /graphql: masked unless the role needs it and asks, each full read
logged (PIPL); and a whole scenario leaves no resident ID or phone number in the logs,
the audit log, the event outbox or an error message."""

from __future__ import annotations

import json
import logging
import random
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.relay import to_global_id
from domain.audit.models import AuditEntry, PersonalDataAccess
from domain.enums import AreaKind, MemberRole
from domain.events.models import OutboxEvent
from domain.identifiers import make_credit_code
from domain.org.models import Enterprise, Member, MemberRoleAssignment
from domain.personal_data import encrypt, lookup_hash
from tests.conftest import GraphQLClient
from tests.factories import make_area, unique

MEMBER = """
query M($id: ID!, $reveal: Boolean!) { node(id: $id) { ... on Member { phone(reveal: $reveal) } } }
"""
ENTERPRISE = """
query E($id: ID!, $reveal: Boolean!) { node(id: $id) { ... on Enterprise { contactPhone(reveal: $reveal) } } }
"""


@pytest.fixture
async def people(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    async with sessionmaker.begin() as s:
        district = await make_area(s, kind=AreaKind.DISTRICT)
        park = await make_area(s, kind=AreaKind.PARK, parent=district)
        grid = await make_area(s, kind=AreaKind.SMALL_GRID, parent=park)
        other_park = await make_area(s, kind=AreaKind.PARK, parent=district)
        phones = {}
        members = {}
        for key, role in (("leader", MemberRole.GRID_LEADER), ("worker", MemberRole.FULL_TIME_WORKER),
                          ("resident", MemberRole.PART_TIME_WORKER)):
            phone = f"1{random.choice('3589')}{random.randrange(10**9):09d}"
            m = Member(code=unique("PM"), name="张三", area_id=grid.id, phone_cipher=encrypt(phone), phone_hash=lookup_hash(phone))
            s.add(m)
            await s.flush()
            s.add(MemberRoleAssignment(member_id=m.id, role=role))
            phones[key], members[key] = phone, m
        contact = f"139{random.randrange(10**8):08d}"
        firm = Enterprise(name="丙企业", credit_code=make_credit_code(random.Random()), grid_id=grid.id,
                          contact_phone_cipher=encrypt(contact), contact_phone_hash=lookup_hash(contact))
        s.add(firm)
        await s.flush()
    return {"district": district, "park": park, "grid": grid, "other_park": other_park,
            "members": members, "phones": phones, "firm": firm, "contact": contact}


async def _log_rows(sessionmaker: async_sessionmaker[AsyncSession], subject_type: str, subject_id: int) -> list[PersonalDataAccess]:
    async with sessionmaker() as session:
        return list(await session.scalars(
            select(PersonalDataAccess).where(
                PersonalDataAccess.subject_type == subject_type, PersonalDataAccess.subject_id == subject_id
            ).order_by(PersonalDataAccess.id)
        ))


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


async def test_phone_is_masked_unless_an_entitled_role_asks(
    people: dict[str, Any], login_as: Any, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    resident = people["members"]["resident"]
    phone = people["phones"]["resident"]
    gid = to_global_id("Member", resident.id)
    accounts = {
        "ADMIN": await login_as("ADMIN"),
        "PARK_ADMIN": await login_as("PARK_ADMIN", area=people["park"]),
        "GRID_LEADER": await login_as("GRID_LEADER", member=people["members"]["leader"]),
        "GRID_WORKER": await login_as("GRID_WORKER", member=people["members"]["worker"]),
        "VIEWER": await login_as("VIEWER", area=people["district"]),
        "POLICY_EDITOR": await login_as("POLICY_EDITOR", area=people["district"]),
    }
    full = {"ADMIN", "PARK_ADMIN", "GRID_LEADER"}
    for role, c in accounts.items():
        assert (await c(MEMBER, {"id": gid, "reveal": False}))["node"]["phone"] == _masked(phone), role
        expected = phone if role in full else _masked(phone)
        assert (await c(MEMBER, {"id": gid, "reveal": True}))["node"]["phone"] == expected, role
    rows = await _log_rows(sessionmaker, "Member", resident.id)
    assert len(rows) == 3 and {r.field for r in rows} == {"phone"}
    assert {r.account_id for r in rows} == {accounts[r].account_id for r in full}
    # Outside the scope: the member itself is invisible.
    other = await login_as("PARK_ADMIN", area=people["other_park"])
    assert (await other(MEMBER, {"id": gid, "reveal": True}))["node"] is None
    assert len(await _log_rows(sessionmaker, "Member", resident.id)) == 3


async def test_own_numbers_are_visible_to_their_owner(
    people: dict[str, Any], login_as: Any, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    worker = people["members"]["worker"]
    me = await login_as("GRID_WORKER", member=worker)
    got = await me(MEMBER, {"id": to_global_id("Member", worker.id), "reveal": True})
    assert got["node"]["phone"] == people["phones"]["worker"]
    firm = await login_as("ENTERPRISE", enterprise=people["firm"])
    assert (await firm(ENTERPRISE, {"id": to_global_id("Enterprise", people["firm"].id), "reveal": True}))["node"] == {
        "contactPhone": people["contact"]
    }
    assert [r.field for r in await _log_rows(sessionmaker, "Enterprise", people["firm"].id)] == ["contact_phone"]


async def test_a_revealed_list_is_logged_in_one_request(
    people: dict[str, Any], login_as: Any, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    park_admin = await login_as("PARK_ADMIN", area=people["park"])
    q = "query($a: ID) { members(filter: {areaId: $a}, first: 10) { nodes { id phone(reveal: true) } } }"
    nodes = (await park_admin(q, {"a": to_global_id("Area", people["grid"].id)}))["members"]["nodes"]
    assert sorted(n["phone"] for n in nodes) == sorted(people["phones"].values())
    for m in people["members"].values():
        rows = await _log_rows(sessionmaker, "Member", m.id)
        assert [r.account_id for r in rows] == [park_admin.account_id]


async def test_a_whole_scenario_leaks_no_personal_data(
    people: dict[str, Any], gql: GraphQLClient, anon: GraphQLClient, login_as: Any,
    sessionmaker: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    grid = to_global_id("Area", people["grid"].id)
    secret_phone, new_phone, firm_phone, id_number = "13811112222", "13933334444", "15955556666", "320102199001011234"
    secrets = [secret_phone, new_phone, firm_phone, id_number]
    responses: list[Any] = []

    added = await gql(
        """mutation($g: ID!, $c: String!, $p: String!) { addMember(input: {code: $c, name: "李四", roles: [FULL_TIME_WORKER],
           areaId: $g, phone: $p}) { member { id phone } userErrors { code message } } }""",
        {"g": grid, "c": unique("SC"), "p": secret_phone},
    )
    responses.append(added)
    member_id = added["addMember"]["member"]["id"]
    responses.append(await gql(
        "mutation($id: ID!, $p: String) { updateMember(input: {id: $id, phone: $p}) { member { phone } userErrors { code } } }",
        {"id": member_id, "p": new_phone},
    ))
    responses.append(await gql(
        """mutation($g: ID!, $cc: String!, $p: String) { createEnterprise(input: {name: "丁企业", creditCode: $cc, gridId: $g,
           contactName: "王五", contactPhone: $p}) { enterprise { id contactPhone } userErrors { code message } } }""",
        {"g": grid, "cc": make_credit_code(random.Random()), "p": firm_phone},
    ))
    # A phone number as a username, a resident ID as a password: failed logins are audited.
    responses.append(await anon(
        "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { userErrors { message } } }",
        {"u": secret_phone, "p": id_number},
    ))
    # Errors that would echo what was sent.
    responses.append(await gql.raw(f'{{ areas(first: "{secret_phone}") {{ totalCount }} }}'))
    responses.append(await gql.raw("query($n: Int) { areas(first: $n) { totalCount } }", {"n": id_number}))
    responses.append(await gql.raw(f'{{ members(filter: {{search: "{new_phone}"}}, first: 5) {{ nodes {{ phone }} }} }}'))
    # An incident whose free text names people (when incidents exist).
    worker = await login_as("GRID_WORKER", member=people["members"]["worker"])
    responses.append(await worker.raw(
        """mutation($g: ID!, $d: String!) { reportIncident(input: {title: "欠薪", category: LABOR_DISPUTE, gridId: $g,
           description: $d}) { incident { id } userErrors { code message } } }""",
        {"g": grid, "d": f"工人李四（身份证 {id_number}，电话 {secret_phone}）反映欠薪"},
    ))

    async with sessionmaker() as session:
        audit = [[e.before, e.after, e.object_id] for e in await session.scalars(select(AuditEntry))]
        outbox = [[e.payload, e.type, e.area_path] for e in await session.scalars(select(OutboxEvent))]
    haystacks = {
        "logs": caplog.text,
        "audit": json.dumps(audit, ensure_ascii=False, default=str),
        "outbox": json.dumps(outbox, ensure_ascii=False, default=str),
        "responses": json.dumps(responses, ensure_ascii=False),
    }
    leaks = {(where, s) for where, text in haystacks.items() for s in secrets if s in text}
    assert leaks == set()
    # …and the scenario did happen (the values went somewhere, masked).
    assert "138****2222" in haystacks["responses"] or "139****4444" in haystacks["responses"]
    assert "138****2222" in haystacks["audit"] or "139****4444" in haystacks["audit"]
    reported = (responses[-1].get("data") or {}).get("reportIncident") or {}
    assert reported.get("userErrors") == [] and reported.get("incident"), reported  # the free text went in
    assert outbox, "a reported incident writes events"
