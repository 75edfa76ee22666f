"""A request's state is freed when the request ends, not by the cyclic garbage collector.

Why it matters: a worker tunes its collector for requests that leave no cycles
(``api.app.GC_THRESHOLDS``). A reference cycle through a request's context, sessions
or DataLoaders keeps all of it (hundreds of objects a report) until a collection walks
it — CPU per request and pauses under load (docs/benchmarks.md, "reportIncident").
Two were found and removed: graphql-core's executor referring to itself
(``api.execution``) and the direct-statement route kept on a session
(``domain.direct._route``).
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from api.context import Context
from tests.conftest import GraphQLClient
from tests.factories import IncidentWorld
from tests.integration.incident_support import (
    ok,
    report,
    default_policies,  # noqa: F401 — fixture (autouse)
    world,  # noqa: F401 — fixture
)

WATCHED = (Context, AsyncSession, Session)


@contextmanager
def cyclic_garbage() -> Iterator[Counter[str]]:
    """Counts, by type, the watched objects that only the cyclic collector would free."""
    found: Counter[str] = Counter()
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield found
        gc.collect()
        for obj in gc.garbage:
            if isinstance(obj, WATCHED):
                found[type(obj).__name__] += 1
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()


async def test_a_report_leaves_no_cycle_through_its_context_or_sessions(
    gql: GraphQLClient, world: IncidentWorld
) -> None:
    ok(await report(gql, world, title="预热"))  # caches, prepared statements, first-use imports
    with cyclic_garbage() as found:
        for i in range(5):
            incident = ok(await report(gql, world, title=f"不留循环引用{i}"))
            assert incident["officer"] is not None
        data = await gql("query { incidents(first: 5) { nodes { code officer { code } timeline { action } } } }")
        assert len(data["incidents"]["nodes"]) == 5
    assert found == Counter()
