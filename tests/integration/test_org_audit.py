"""Every organisation write is audited (SPEC §5): each mutation leaves exactly one audit
entry — who, what action, which object, before/after with personal data masked — in
the same transaction (a refused write leaves none)."""

from __future__ import annotations

import json
import random
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.relay import from_global_id
from domain.audit.models import AuditEntry
from domain.identifiers import credit_code_check, make_credit_code
from domain.org.models import Area
from tests.factories import unique
from tests.integration.org_support import area_id, gid, tree  # noqa: F401

PHONES = ("13800138000", "13900139000", "13700137000")


def _mutation(name: str, input_type: str, returns: str) -> str:
    return f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ {returns} {{ id }} userErrors {{ field code message }} }} }}"


class Audited:
    """Runs one mutation and returns the audit entries it left."""

    def __init__(self, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.client = client
        self.sessionmaker = sessionmaker

    async def __call__(self, name: str, input_type: str, returns: str, data: dict[str, Any]) -> tuple[str, list[AuditEntry]]:
        async with self.sessionmaker() as session:
            last = await session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))
        payload = (await self.client(_mutation(name, input_type, returns), {"i": data}))[name]
        assert payload["userErrors"] == [], (name, payload["userErrors"])
        async with self.sessionmaker() as session:
            entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id)))
        return payload[returns]["id"], entries


async def test_each_org_mutation_leaves_exactly_one_audit_entry(
    app: Any, login_as: Any, sessionmaker: async_sessionmaker[AsyncSession], tree: dict[str, Area]  # noqa: F811
) -> None:
    # Policies loaded as the app's lifespan would (moving a member consults them for its
    # open incidents; loading them lazily inside that write would wait on SQLite's lock).
    await app.state.graphql.runtime.ensure_loaded()
    admin = await login_as("ADMIN")
    run = Audited(admin, sessionmaker)
    park, large, small2 = tree["park"], tree["large"], tree["small2"]
    seen: list[tuple[str, str, str]] = []

    async def step(action: str, name: str, input_type: str, returns: str, data: dict[str, Any]) -> tuple[str, AuditEntry]:
        object_gid, entries = await run(name, input_type, returns, data)
        assert len(entries) == 1, (name, [e.action for e in entries])
        entry = entries[0]
        decoded = from_global_id(object_gid)
        assert decoded is not None
        assert (entry.action, entry.object_type, entry.object_id) == (action, decoded[0], str(decoded[1])), name
        assert entry.account_id == admin.account_id
        text = json.dumps([entry.before, entry.after], ensure_ascii=False)
        assert not any(p in text for p in PHONES), (name, text)
        seen.append((name, action, decoded[0]))
        return object_gid, entry

    grid, e = await step("area.create", "createArea", "CreateAreaInput", "area",
                         {"code": unique("AG"), "name": "审计网格", "kind": "SMALL_GRID", "parentId": area_id(large),
                          "serviceCenter": {"name": "中心", "phone": PHONES[0]}})
    assert e.before is None and e.after["name"] == "审计网格" and e.after["center_phone"] == "138****8000"
    _, e = await step("area.update", "updateArea", "UpdateAreaInput", "area", {"id": grid, "brand": "审计品牌"})
    assert (e.before["brand"], e.after["brand"]) == (None, "审计品牌")

    dept, e = await step("department.create", "createDepartment", "CreateDepartmentInput", "department",
                         {"code": unique("AD"), "name": "审计科室", "level": "PARK_OFFICE", "parkId": area_id(park)})
    _, e = await step("department.update", "updateDepartment", "UpdateDepartmentInput", "department",
                      {"id": dept, "name": "审计科室（新）"})
    assert (e.before["name"], e.after["name"]) == ("审计科室", "审计科室（新）")

    worker, e = await step("member.create", "addMember", "AddMemberInput", "member",
                           {"code": unique("AM"), "name": "审计员", "areaId": grid, "roles": ["FULL_TIME_WORKER"],
                            "phone": PHONES[1]})
    assert e.after["roles"] == ["FULL_TIME_WORKER"] and e.after["name"] == "审计员"
    _, e = await step("member.update", "updateMember", "UpdateMemberInput", "member",
                      {"id": worker, "name": "审计员乙", "phone": PHONES[2]})
    assert (e.before["name"], e.after["name"], e.after["phone_changed"]) == ("审计员", "审计员乙", True)
    _, e = await step("member.set_roles", "setMemberRoles", "SetMemberRolesInput", "member",
                      {"id": worker, "roles": ["AGENCY_STAFF"]})
    assert (e.before["roles"], e.after["roles"]) == (["FULL_TIME_WORKER"], ["AGENCY_STAFF"])
    _, e = await step("member.set_duties", "setMemberDuties", "SetMemberDutiesInput", "member",
                      {"id": worker, "duties": ["SAFETY"]})
    assert (e.before["duties"], e.after["duties"]) == ([], ["SAFETY"])
    _, e = await step("member.move", "moveMember", "MoveMemberInput", "member",
                      {"id": worker, "areaId": area_id(small2)})
    assert e.before["area_id"] != e.after["area_id"] == small2.id

    responder, _ = await step("member.create", "addMember", "AddMemberInput", "member",
                              {"code": unique("AR"), "name": "应哨人", "departmentId": dept,
                               "roles": ["DEPARTMENT_RESPONDER"]})
    _, e = await step("department.set_responder", "setDepartmentResponder", "SetDepartmentResponderInput",
                      "department", {"departmentId": dept, "memberId": responder})
    assert (e.before["responder_id"], e.after["responder_id"]) == (None, from_global_id(responder)[1])  # type: ignore[index]
    _, e = await step("member.deactivate", "deactivateMember", "DeactivateMemberInput", "member",
                      {"id": worker, "note": "离职"})
    assert (e.before["active"], e.after["active"]) == (True, False)

    body = make_credit_code(random.Random())[:17]
    firm, e = await step("enterprise.create", "createEnterprise", "CreateEnterpriseInput", "enterprise",
                         {"name": unique("审计企业"), "creditCode": body + credit_code_check(body), "gridId": grid,
                          "contactPhone": PHONES[0], "employees": 5})
    assert "contact_phone_cipher" not in e.after and e.after["employees"] == 5
    _, e = await step("enterprise.update", "updateEnterprise", "UpdateEnterpriseInput", "enterprise",
                      {"id": firm, "employees": 9})
    assert (e.before["employees"], e.after["employees"]) == (5, 9)
    project, e = await step("project.create", "createProject", "CreateProjectInput", "project",
                            {"name": "审计项目", "enterpriseId": firm, "investment": "1234.5"})
    assert e.after["investment"] == "1234.50"
    _, e = await step("project.update", "updateProject", "UpdateProjectInput", "project",
                      {"id": project, "status": "COMPLETED"})
    assert (e.before["status"], e.after["status"]) == ("UNDER_CONSTRUCTION", "COMPLETED")

    # Every organisation mutation of the schema was exercised.
    from api.org.mutations import OrgMutations

    fields = {f.python_name for f in OrgMutations.__strawberry_definition__.fields}  # type: ignore[attr-defined]
    camel = {"".join(w.capitalize() if i else w for i, w in enumerate(n.split("_"))) for n in fields}
    assert camel == {name for name, _, _ in seen}


async def test_a_refused_org_write_leaves_no_audit_entry(
    gql: Any, sessionmaker: async_sessionmaker[AsyncSession], tree: dict[str, Area]  # noqa: F811
) -> None:
    async with sessionmaker() as session:
        before = await session.scalar(select(func.count()).select_from(AuditEntry))
    bad = await gql(_mutation("updateArea", "UpdateAreaInput", "area"),
                    {"i": {"id": gid("Area", tree["small1"]), "code": "有 空格"}})
    assert bad["updateArea"]["userErrors"][0]["code"] == "INVALID"
    dup = await gql(_mutation("createArea", "CreateAreaInput", "area"),
                    {"i": {"code": tree["small1"].code, "name": "重复", "kind": "SMALL_GRID", "parentId": area_id(tree["large"])}})
    assert dup["createArea"]["userErrors"][0]["code"] == "DUPLICATE"
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == before
