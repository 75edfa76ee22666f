"""``members.open_incidents`` — what officer assignment ranks by — is kept exact by the
database (migration 0002) through every way an incident changes hands or state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.incidents.models import Incident
from domain.incidents.transitions import OPEN
from domain.org.models import Member
from tests.conftest import GraphQLClient
from tests.factories import IncidentWorld
from tests.integration.incident_support import (
    ACCEPT,
    CANCEL,
    CLOSE,
    DISPATCH,
    REJECT,
    REOPEN,
    RESOLVE,
    gid,
    ok,
    report,
    step,
    default_policies,  # noqa: F401 — fixture (autouse)
    world,  # noqa: F401 — fixture
)

OPEN_VALUES = [s.value for s in OPEN]


async def _kept_and_counted(sm: async_sessionmaker[AsyncSession]) -> list[tuple[str, int, int]]:
    """Every member whose kept count differs from a count of their open incidents."""
    live = (
        select(func.count())
        .select_from(Incident)
        .where(Incident.officer_id == Member.id, Incident.status.in_(OPEN_VALUES))
        .scalar_subquery()
    )
    async with sm() as s:
        rows = (await s.execute(select(Member.code, Member.open_incidents, live))).all()
    return [(code, kept, counted) for code, kept, counted in rows if kept != counted]


async def _kept(sm: async_sessionmaker[AsyncSession], code: str) -> int:
    async with sm() as s:
        return int(await s.scalar(select(Member.open_incidents).where(Member.code == code)) or 0)


async def test_the_count_follows_every_step_of_the_loop(
    gql: GraphQLClient, world: IncidentWorld, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    leader, other = world.members["leader"], world.members["park_responder"]
    before = {m.code: await _kept(sessionmaker, m.code) for m in (leader, other)}

    async def delta() -> dict[str, int]:
        return {code: await _kept(sessionmaker, code) - n for code, n in before.items()}

    first = ok(await report(gql, world, peopleInvolved=2))  # level 1: the grid leader
    assert first["officer"]["code"] == leader.code
    assert await delta() == {leader.code: 1, other.code: 0}

    # Re-assigned by hand: one less for the leader, one more for the other member.
    moved = ok(await step(gql, DISPATCH, id=first["id"], officerId=gid("Member", other),
                          reason="改派园区应哨人"))
    assert moved["officer"]["code"] == other.code
    assert await delta() == {leader.code: 0, other.code: 1}

    ok(await step(gql, ACCEPT, id=first["id"]))  # still open
    assert await delta() == {leader.code: 0, other.code: 1}
    ok(await step(gql, RESOLVE, id=first["id"], resolution="已处理"))  # no longer open
    assert await delta() == {leader.code: 0, other.code: 0}
    ok(await step(gql, REOPEN, id=first["id"], reason="群众不满意，返工"))  # open again
    reopened = await delta()
    ok(await step(gql, ACCEPT, id=first["id"]))
    ok(await step(gql, RESOLVE, id=first["id"], resolution="再次处理"))
    ok(await step(gql, CLOSE, id=first["id"], satisfaction=4))
    assert sum(reopened.values()) == 1 and await delta() == {leader.code: 0, other.code: 0}

    second = ok(await report(gql, world, peopleInvolved=2))
    ok(await step(gql, REJECT, id=second["id"], reason="不属于本部门职责"))  # 退单: re-routed
    third = ok(await report(gql, world, peopleInvolved=2))
    ok(await step(gql, CANCEL, id=third["id"], reason="重复上报"))
    assert await _kept_and_counted(sessionmaker) == []


async def test_any_write_keeps_it_even_outside_the_application(
    gql: GraphQLClient, world: IncidentWorld, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    incident = ok(await report(gql, world, peopleInvolved=2))
    leader, other = world.members["leader"], world.members["park_responder"]
    async with sessionmaker.begin() as s:  # a hand-written UPDATE, as an operator might run
        await s.execute(update(Incident).where(Incident.code == incident["code"]).values(officer_id=other.id))
    assert await _kept_and_counted(sessionmaker) == []
    async with sessionmaker.begin() as s:
        await s.execute(text("DELETE FROM incident_timeline WHERE incident_id IN "
                             "(SELECT id FROM incidents WHERE code = :code)"), {"code": incident["code"]})
        await s.execute(text("DELETE FROM incidents WHERE code = :code"), {"code": incident["code"]})
    assert await _kept_and_counted(sessionmaker) == []
    assert leader.code != other.code


async def test_every_member_of_the_database_agrees(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Whatever the other tests (and the demo loader) did to this database before."""
    mismatches: list[Any] = await _kept_and_counted(sessionmaker)
    assert mismatches == []
