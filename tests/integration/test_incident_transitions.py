"""Every step from every state it is not allowed in is an ILLEGAL_TRANSITION user error
(never a silent no-op); racing officers: exactly one wins; expectedVersion guards."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.factories import IncidentWorld
from tests.integration.incident_support import (
    ACCEPT,
    CANCEL,
    CLOSE,
    DISPATCH,
    ESCALATE,
    INCIDENT,
    REJECT,
    REOPEN,
    RESOLVE,
    SUPERVISE,
    codes,
    gid,
    ok,
    report,
    step,
    default_policies,  # noqa: F401 — fixture (autouse)
    world,  # noqa: F401 — fixture
)

Setup = Callable[[GraphQLClient, IncidentWorld], Awaitable[dict[str, Any]]]


async def queued(gql: GraphQLClient, w: IncidentWorld) -> dict[str, Any]:
    """REPORTED, waiting in the manual-dispatch queue (LABOR returned it, routing picks LABOR again)."""
    incident = ok(await report(gql, w, peopleInvolved=40))
    return ok(await step(gql, REJECT, id=incident["id"], reason="不属于本部门"))


async def dispatched(gql: GraphQLClient, w: IncidentWorld) -> dict[str, Any]:
    return ok(await report(gql, w))


async def accepted(gql: GraphQLClient, w: IncidentWorld) -> dict[str, Any]:
    return ok(await step(gql, ACCEPT, id=(await dispatched(gql, w))["id"]))


async def resolved(gql: GraphQLClient, w: IncidentWorld) -> dict[str, Any]:
    return ok(await step(gql, RESOLVE, id=(await accepted(gql, w))["id"], resolution="已处理"))


async def closed(gql: GraphQLClient, w: IncidentWorld) -> dict[str, Any]:
    return ok(await step(gql, CLOSE, id=(await resolved(gql, w))["id"], satisfaction=4))


async def cancelled(gql: GraphQLClient, w: IncidentWorld) -> dict[str, Any]:
    return ok(await step(gql, CANCEL, id=(await dispatched(gql, w))["id"], reason="重复上报"))


STEPS: dict[str, tuple[str, dict[str, Any]]] = {
    "dispatch": (DISPATCH, {"reason": "改派"}),
    "accept": (ACCEPT, {}),
    "reject": (REJECT, {"reason": "不属于本部门"}),
    "resolve": (RESOLVE, {"resolution": "已处理"}),
    "resolve-on-site": (RESOLVE, {"resolution": "现场调解", "resolvedOnSite": True}),
    "close": (CLOSE, {"satisfaction": 5}),
    "reopen": (REOPEN, {"reason": "群众反映未解决"}),
    "supervise": (SUPERVISE, {"note": "请加快办理"}),
    "escalate": (ESCALATE, {"reason": "网格无法解决"}),
    "cancel": (CANCEL, {"reason": "误报"}),
}

STATES: dict[str, Setup] = {
    "REPORTED": queued,
    "DISPATCHED": dispatched,
    "ACCEPTED": accepted,
    "RESOLVED": resolved,
    "CLOSED": closed,
    "CANCELLED": cancelled,
}

# Which steps each state allows (SPEC §2); everything else must be refused.
ALLOWED: dict[str, set[str]] = {
    "REPORTED": {"dispatch", "resolve-on-site", "supervise", "escalate", "cancel"},
    "DISPATCHED": {"dispatch", "accept", "reject", "supervise", "escalate", "cancel"},
    "ACCEPTED": {"resolve", "supervise", "escalate", "cancel"},
    "RESOLVED": {"close", "reopen"},
    "CLOSED": {"reopen"},
    "CANCELLED": set(),
}

ILLEGAL = [
    pytest.param(state, name, id=f"{name}-from-{state}")
    for state in STATES
    for name in STEPS
    if name not in ALLOWED[state]
]


@pytest.mark.parametrize(("state", "name"), ILLEGAL)
async def test_an_illegal_step_is_a_clear_user_error(
    gql: GraphQLClient, world: IncidentWorld, state: str, name: str
) -> None:
    before = await STATES[state](gql, world)
    assert before["status"] == state
    document, extra = STEPS[name]
    payload = await step(gql, document, id=before["id"], **extra)
    assert payload["incident"] is None
    assert codes(payload) == ["ILLEGAL_TRANSITION"]
    assert "不能" in payload["userErrors"][0]["message"]
    after = (await gql(INCIDENT, {"id": before["id"]}))["incident"]
    assert (after["status"], after["version"], len(after["timeline"])) == (
        state, before["version"], len(before["timeline"])
    )


@pytest.mark.parametrize("state", ["REPORTED", "DISPATCHED", "ACCEPTED"])
async def test_cancel_from_any_open_state(gql: GraphQLClient, world: IncidentWorld, state: str) -> None:
    before = await STATES[state](gql, world)
    after = ok(await step(gql, CANCEL, id=before["id"], reason="企业已自行解决"))
    assert after["status"] == "CANCELLED" and after["awaitingManual"] is False
    assert after["timeline"][-1]["action"] == "CANCELLED"
    assert after["timeline"][-1]["fromStatus"] == state


async def test_two_officers_racing_exactly_one_wins(
    gql: GraphQLClient, world: IncidentWorld, login_as: Any
) -> None:
    incident = ok(await report(gql, world, peopleInvolved=40))  # level 3, LABOR
    labor = world.departments["LABOR"]
    a = await login_as("DEPARTMENT_OFFICER", department=labor)
    b = await login_as("DEPARTMENT_OFFICER", department=labor)
    results = await asyncio.gather(
        step(a, ACCEPT, id=incident["id"]),
        step(b, ACCEPT, id=incident["id"]),
    )
    winners = [r for r in results if not r["userErrors"]]
    losers = [r for r in results if r["userErrors"]]
    assert len(winners) == 1 and len(losers) == 1
    assert codes(losers[0])[0] in ("CONFLICT", "ILLEGAL_TRANSITION")
    after = (await gql(INCIDENT, {"id": incident["id"]}))["incident"]
    assert after["status"] == "ACCEPTED"
    assert [t["action"] for t in after["timeline"]].count("ACCEPTED") == 1
    assert after["version"] == incident["version"] + 1


async def test_racing_with_expected_version_the_loser_gets_conflict(
    gql: GraphQLClient, world: IncidentWorld
) -> None:
    incident = ok(await report(gql, world))
    v = incident["version"]
    results = await asyncio.gather(
        step(gql, ACCEPT, id=incident["id"], expectedVersion=v),
        step(gql, CANCEL, id=incident["id"], reason="误报", expectedVersion=v),
    )
    assert sorted(tuple(codes(r)) for r in results) == [(), ("CONFLICT",)]


async def test_a_stale_expected_version_is_a_conflict(gql: GraphQLClient, world: IncidentWorld) -> None:
    incident = ok(await report(gql, world))
    payload = await step(gql, ACCEPT, id=incident["id"], expectedVersion=incident["version"] - 1)
    assert codes(payload) == ["CONFLICT"]
    assert payload["userErrors"][0]["field"] == "expectedVersion"


async def test_a_step_arriving_after_the_state_moved_on_is_illegal(
    gql: GraphQLClient, world: IncidentWorld
) -> None:
    incident = ok(await report(gql, world))
    ok(await step(gql, ACCEPT, id=incident["id"]))
    assert codes(await step(gql, ACCEPT, id=incident["id"])) == ["ILLEGAL_TRANSITION"]


async def test_unknown_or_foreign_ids_are_not_found(gql: GraphQLClient, world: IncidentWorld) -> None:
    assert codes(await step(gql, ACCEPT, id=gid("Incident", 987654321))) == ["NOT_FOUND"]
    assert codes(await step(gql, ACCEPT, id=gid("Area", world.grid))) == ["NOT_FOUND"]
    assert codes(await step(gql, ACCEPT, id="garbage")) == ["NOT_FOUND"]


async def test_a_step_aborted_as_a_deadlock_victim_is_run_again_whole(
    gql: GraphQLClient, world: IncidentWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection on the real database: the first attempt writes its step, then
    PostgreSQL's deadlock error (40P01) aborts it; the retry in a fresh transaction goes
    through, and the incident shows one acceptance, not two (``domain.db.in_transaction``)."""
    from sqlalchemy.exc import DBAPIError

    from domain.incidents import service

    class Deadlock(Exception):
        sqlstate = "40P01"

    real = service.accept
    attempts: list[int] = []

    async def accept_once_aborted(*args: Any, **kwargs: Any) -> Any:
        attempts.append(1)
        model = await real(*args, **kwargs)  # written in this attempt's transaction …
        if len(attempts) == 1:
            raise DBAPIError("UPDATE members …", {}, Deadlock("deadlock detected"))  # … then aborted
        return model

    incident = ok(await report(gql, world))
    monkeypatch.setattr(service, "accept", accept_once_aborted)
    accepted = ok(await step(gql, ACCEPT, id=incident["id"]))
    assert len(attempts) == 2 and accepted["status"] == "ACCEPTED"
    shown = (await gql(INCIDENT, {"id": incident["id"]}))["incident"]
    assert [e["action"] for e in shown["timeline"]].count("ACCEPTED") == 1
    assert shown["version"] == incident["version"] + 1
