"""Officer selectors resolved against the organisation (POLICY.md "Officer selectors"),
and an escalation policy that names its own department."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.direct import column_keys
from domain.enums import MemberRole
from domain.incidents import officers
from domain.incidents.facts import Place
from domain.incidents.repository import place_of
from domain.org.models import Member
from tests.conftest import GraphQLClient
from tests.factories import IncidentWorld, make_member, unique
from tests.integration.incident_support import (
    ESCALATE,
    ok,
    report,
    step,
    default_policies,  # noqa: F401 — fixture (autouse)
    world,  # noqa: F401 — fixture
)


async def assign(session: AsyncSession, w: IncidentWorld, outputs: dict[str, Any], department: Any = None,
                 grid: Any = None) -> officers.Assignment:
    place = await place_of(session, (grid or w.grid).id)
    assert isinstance(place, Place)
    return await officers.assign(session, outputs, place=place, department=department)


async def test_each_selector_kind(world: IncidentWorld, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    m, d = world.members, world.departments
    async with sessionmaker() as session:
        found = await assign(session, world, {"officer": {"role": "GRID_LEADER", "scope": "GRID"}})
        assert found.member_code == m["leader"].code and found.selector_index == 0
        found = await assign(session, world, {"officer": {"role": "GRID_LEADER", "scope": "LARGE_GRID"}})
        assert found.member_code == m["large_leader"].code
        found = await assign(session, world, {"officer": {"role": "PARK_SECRETARY", "scope": "PARK"}})
        assert found.member_code == m["park_secretary"].code
        found = await assign(session, world, {"officer": {"role": "DEPARTMENT_RESPONDER"}}, department=d["LABOR"])
        assert found.member_id == d["LABOR"].responder_id
        found = await assign(session, world, {"officer": {"member": m["worker2"].code}})
        assert found.member_code == m["worker2"].code
        # the park's centre: its responder is the park responder
        found = await assign(session, world, {"officer": {"role": "DEPARTMENT_RESPONDER"}}, department=world.center)
        assert found.member_code == m["park_responder"].code


async def test_otherwise_in_order_then_the_park_responder_then_nobody(
    world: IncidentWorld, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    m = world.members
    direct = world.areas["direct"]  # a grid with nobody, directly under the park (no large grid)
    async with sessionmaker() as session:
        found = await assign(session, world, {
            "officer": {"role": "GRID_LEADER", "scope": "GRID"},
            "otherwise": [{"role": "GRID_LEADER", "scope": "LARGE_GRID"},  # no large grid above: skipped
                          {"role": "AGENCY_STAFF", "scope": "PARK"},  # nobody
                          {"role": "PARK_SECRETARY", "scope": "PARK"}],
        }, grid=direct)
        assert found.member_code == m["park_secretary"].code and found.selector_index == 3
        found = await assign(session, world, {"officer": {"member": "NO-SUCH-MEMBER"}}, grid=direct)
        assert found.member_code == m["park_responder"].code  # the park's PARK_RESPONDER, last
        assert "PARK_RESPONDER" in found.note()
    async with sessionmaker.begin() as session:
        await session.execute(update(Member).where(Member.id == m["park_responder"].id).values(active=False))
    async with sessionmaker() as session:
        found = await assign(session, world, {"officer": {"member": "NO-SUCH-MEMBER"}}, grid=direct)
        assert not found.found and found.note() == "未找到责任人，转人工派单"


async def test_fewest_open_incidents_then_lowest_code(
    gql: GraphQLClient, world: IncidentWorld, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    m = world.members
    first = ok(await report(gql, world, category="NEIGHBOURHOOD", title="邻里纠纷一"))
    assert first["officer"]["code"] == m["worker1"].code  # a tie: the lower code
    second = ok(await report(gql, world, category="NEIGHBOURHOOD", title="邻里纠纷二"))
    assert second["officer"]["code"] == m["worker2"].code  # worker1 has one open, worker2 none
    third = ok(await report(gql, world, category="NEIGHBOURHOOD", title="邻里纠纷三"))
    assert third["officer"]["code"] == m["worker1"].code


async def test_a_named_responder_who_left_is_replaced_by_another_responder_of_the_department(
    world: IncidentWorld, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker.begin() as session:
        from domain.enums import DepartmentLevel
        from tests.factories import make_department

        dept = await make_department(session, code=unique("DX"), level=DepartmentLevel.DISTRICT_DEPARTMENT)
        named = await make_member(session, department=dept, roles=(MemberRole.DEPARTMENT_RESPONDER,), code=unique("N-"))
        other = await make_member(session, department=dept, roles=(MemberRole.DEPARTMENT_RESPONDER,), code=unique("O-"))
        dept.responder_id = named.id
    async with sessionmaker() as session:
        assert (await assign(session, world, {"officer": {"role": "DEPARTMENT_RESPONDER"}}, department=dept)).member_id == named.id
    async with sessionmaker.begin() as session:
        await session.execute(update(Member).where(Member.id == named.id).values(active=False))
    async with sessionmaker() as session:
        assert (await assign(session, world, {"officer": {"role": "DEPARTMENT_RESPONDER"}}, department=dept)).member_id == other.id


ESCALATION_WITH_DEPARTMENT = {
    "kind": "incident-escalation",
    "title": "测试：手动吹哨直接交公安",
    "rules": [{"id": "manual-police", "title": "手动吹哨交公安", "when": {"fact": "trigger", "eq": "MANUAL"},
               "then": {"level": 2, "dueInHours": 10, "department": "POLICE"}}],
    "default": {"level": None, "dueInHours": 48},
}


async def test_an_escalation_that_names_a_department_takes_it_without_routing_again(
    gql: GraphQLClient, world: IncidentWorld, app: Any
) -> None:
    registry = app.state.graphql.runtime.registry
    with registry.hold("incident-escalation") as policy:
        version, before = policy.version, policy.document
    registry.install(ESCALATION_WITH_DEPARTMENT, version)
    try:
        incident = ok(await report(gql, world))
        after = ok(await step(gql, ESCALATE, id=incident["id"], reason="涉及治安"))
    finally:
        registry.install(before, version)
    assert after["level"] == 2 and after["department"]["code"] == "POLICE"
    assert after["officer"]["code"].startswith("R-POLICE-")
    assert [d["kind"] for d in after["decisions"]] == [
        "incident-routing", "officer-assignment", "incident-escalation", "officer-assignment"
    ]


async def _both_ways(
    session: AsyncSession, grid_id: int, outputs: dict[str, Any]
) -> tuple[officers.Assignment, officers.Assignment, Place, int]:
    """The officer found by the selectors' statement (``place_of``) and by the report
    path's place, which on PostgreSQL brings the role holders with it — and how many
    statements the second took."""
    from datetime import UTC, datetime

    from domain.enums import IncidentCategory
    from domain.incidents.repository import place_and_history

    plain = await place_of(session, grid_id)
    found = await place_and_history(
        session, grid_id=grid_id, enterprise_id=None, category=IncidentCategory.OTHER,
        now=datetime.now(UTC), new_id=[],
    )
    assert plain is not None and found is not None
    with_holders = found[0]
    by_statement = await officers.assign(session, outputs, place=plain, department=None)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    sync_engine = session.bind.sync_engine  # type: ignore[union-attr]
    event.listen(sync_engine, "before_cursor_execute", seen)
    try:
        by_holders = await officers.assign(session, outputs, place=with_holders, department=None)
    finally:
        event.remove(sync_engine, "before_cursor_execute", seen)
    return by_statement, by_holders, with_holders, len(statements)


async def test_the_report_paths_role_holders_pick_whom_the_statement_picks(
    backend: Any, gql: GraphQLClient, world: IncidentWorld, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """On PostgreSQL a report reads each area's best role holders with its place and
    answers role-at-area selectors from them (``officers._from_holders``): for every role
    and scope, with ties and without, alone and as fallbacks, the same member (and the
    same selector) as the statement; a selector that needs the database still gets it."""
    m = world.members
    roles = [r.value for r in MemberRole if r is not MemberRole.DEPARTMENT_RESPONDER]
    grids = [world.grid.id, world.areas["direct"].id]
    async with sessionmaker.begin() as session:  # every column type of a member filled in somewhere
        from datetime import date

        await session.execute(update(Member).where(Member.id == m["leader"].id).values(
            on_duty_date=date(2024, 3, 1), phone_cipher="密文", phone_hash="h" * 64, has_terminal=True))

    async def compare(outputs: dict[str, Any], *, needs_statement: bool = False) -> officers.Assignment:
        """The assignment on the world's grid (after checking both grids)."""
        answers = []
        for grid_id in grids:
            expected, got, place, statements = await _both_ways(session, grid_id, outputs)
            answers.append(expected)
            assert (place.holders is not None) == (backend.kind == "postgresql")
            # answered from the holders, without a statement, unless a selector needs one
            assert statements == (1 if needs_statement or place.holders is None else 0), outputs
            assert (got.member_id, got.selector_index) == (expected.member_id, expected.selector_index), outputs
            if got.member is not None:  # the whole row, with the types the statement loads
                keys = column_keys(Member)
                assert [getattr(got.member, k) for k in keys] == [getattr(expected.member, k) for k in keys]
        return answers[0]

    async with sessionmaker() as session:
        for role in roles:
            for scope in officers.SCOPES:
                await compare({"officer": {"role": role, "scope": scope}})
        fallbacks = {"officer": {"role": "GRID_LEADER", "scope": "LARGE_GRID"},
                     "otherwise": [{"role": "AGENCY_STAFF", "scope": "PARK"}, {"role": "FULL_TIME_WORKER", "scope": "GRID"}]}
        assert (await compare(fallbacks)).member_code == m["large_leader"].code
        # a member code or a department's responder before the role holders: the statement answers
        await compare({"officer": {"member": m["worker2"].code}, "otherwise": [{"role": "GRID_LEADER", "scope": "GRID"}]},
                      needs_statement=True)
        # a tie between the two full-time workers goes to the lower code …
        tie = await compare({"officer": {"role": "FULL_TIME_WORKER", "scope": "GRID"}})
        assert tie.member_code == min(m["worker1"].code, m["worker2"].code)
    # … and fewer open incidents beat a lower code (a neighbourhood dispute goes to a
    # full-time worker: now the tie's winner has one open); an inactive holder is never picked
    assert ok(await report(gql, world, category="NEIGHBOURHOOD"))["officer"]["code"] == tie.member_code
    async with sessionmaker() as session:
        other = await compare({"officer": {"role": "FULL_TIME_WORKER", "scope": "GRID"}})
        assert other.member_id != tie.member_id
    async with sessionmaker.begin() as session:
        await session.execute(update(Member).where(Member.id == other.member_id).values(active=False))
    async with sessionmaker() as session:
        assert (await compare({"officer": {"role": "FULL_TIME_WORKER", "scope": "GRID"}})).member_id == tie.member_id


async def test_a_role_this_version_does_not_know_is_skipped_by_the_report_path(
    backend: Any, world: IncidentWorld, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """``member_roles.role`` is open-ended (a newer release may add a role before this one
    is replaced): a holder of an unknown role must not fail the report's place read."""
    leader = world.members["leader"]
    async with sessionmaker.begin() as session:
        await session.execute(text("INSERT INTO member_roles (member_id, role) VALUES (:m, 'ROLE_FROM_THE_FUTURE')"),
                              {"m": leader.id})
    try:
        async with sessionmaker() as session:
            expected, got, place, _ = await _both_ways(
                session, world.grid.id, {"officer": {"role": "GRID_LEADER", "scope": "GRID"}})
            assert got.member_id == expected.member_id == leader.id
            if backend.kind == "postgresql":
                assert place.holders is not None and all(isinstance(role, MemberRole) for _, role in place.holders)
            else:  # SQLite's report path reads no holders: the statement answers
                assert place.holders is None
    finally:
        async with sessionmaker.begin() as session:
            await session.execute(text("DELETE FROM member_roles WHERE role = 'ROLE_FROM_THE_FUTURE'"))
