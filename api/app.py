"""The application factory: Starlette with GraphQL at /graphql, health and readiness."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api import auth
from api.context import Context
from api.hardening import BodySizeLimit, install_log_scrubbing
from api.loaders import Loaders
from api.schema import build_schema
from api.websocket import GridGovTransportWSHandler
from domain import migrate
from domain.accounts.auth_cache import AuthCache
from domain.clock import Clock, SystemClock
from domain.db import make_engine, make_sessionmaker
from domain.incidents import sla
from domain.incidents.deciding import DEPS_KEY as INCIDENT_DEPS_KEY
from domain.incidents.deciding import Deps as IncidentDeps
from domain.policies.runtime import PolicyRuntime
from domain.settings import Settings, get_settings


# The young generation's threshold (CPython's default: 700) and the two older ones'
# (defaults: 10, 10); see ``tune_garbage_collector``. Measured with 16 reports in flight
# in one process (docs/benchmarks.md, gc.callbacks): a middle-generation collection
# stops all of a worker's requests, and its pause grows with what the young ones
# promoted — (20_000, 10, 100) paused up to 132–162 ms every ~600 reports, which is
# the 99th percentile's business; (10_000, 5, 100) collects as much in all (1,070–1,160
# against 1,165–1,244 ms per 2,500 reports) in pauses of at most 66 ms. Smaller young
# generations (2,000–5,000) pause less again but collect 40–80 % more in all; larger
# ones (50,000+) pause 60–150 ms at every young collection. Since a request leaves no
# reference cycle (``api.execution``, ``domain.direct._route``; held by
# tests/integration/test_request_garbage.py) its objects are freed as it ends, and
# collections became rare: 1–2 young ones per 3,000 reports in one process, against
# ~89 young and 15 middle ones (≈ 0.26 ms of CPU per report) before.
GC_THRESHOLDS = (10_000, 5, 100)


class _ClockOf:
    """The app's current clock, read at each call (tests swap ``GridGovGraphQL.clock``)."""

    def __init__(self, owner: GridGovGraphQL) -> None:
        self._owner = owner

    def now(self) -> datetime:
        return self._owner.clock.now()


class GridGovGraphQL(GraphQL[Context, None]):
    # WebSockets re-check the token before each operation and while open (api/websocket.py).
    graphql_transport_ws_handler_class = GridGovTransportWSHandler

    def __init__(self, *, settings: Settings, engine: AsyncEngine) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        )
        self.settings = settings
        self.write = make_sessionmaker(engine, write=True)
        self.read = make_sessionmaker(engine, write=False)
        # Policies of this process (loaded in the lifespan, or lazily on first use) and the
        # clock use cases read — tests replace ``clock`` with a ``FrozenClock``.
        self.runtime = PolicyRuntime(self.write)
        self.clock: Clock = SystemClock()
        # Use cases that run inside other use cases' sessions (a member deactivated or
        # moved re-assigns their incidents) find the runtime and clock on the session.
        self.incident_deps = IncidentDeps(decider=self.runtime, clock=_ClockOf(self))
        self.write.configure(info={INCIDENT_DEPS_KEY: self.incident_deps})
        # reportIncident reads, then writes every row in one statement (no BEGIN/COMMIT on PostgreSQL).
        self.write_one = make_sessionmaker(engine, write=True, one_write_statement=True)
        self.write_one.configure(info={INCIDENT_DEPS_KEY: self.incident_deps})
        # Tokens answered from memory for a second; emptied by any scope write in this process.
        self.auth_cache = AuthCache(settings.auth_cache_seconds)
        self.auth_cache.follow_writes(engine)

    async def get_context(self, request: Any, response: Any = None) -> Context:
        # Policies are loaded before any use case opens its transaction: loading may
        # publish the defaults in a transaction of its own, which on SQLite would wait
        # for the caller's write lock. A no-op once loaded (the lifespan loads them).
        await self.runtime.ensure_loaded()
        ctx = Context(
            settings=self.settings,
            write=self.write,
            read=self.read,
            loaders=Loaders(self.read),
            request=request,
            response=response,
            runtime=self.runtime,
            clock=self.clock,
            write_one=self.write_one,
            auth_cache=self.auth_cache,
        )
        # The bearer token → the caller's scope, once per request (per connection for
        # WebSockets, where ``on_ws_connect`` may replace it from ``connection_init``).
        await auth.authenticate(ctx, auth.bearer_from_headers(getattr(request, "headers", None)))
        return ctx

    async def on_ws_connect(self, context: Context) -> Any:
        raw = auth.bearer_from_params(context.connection_params)
        if raw is not None and not await auth.authenticate(context, raw):
            raise ConnectionRejectionError({"message": context.auth_error, "code": "UNAUTHENTICATED"})
        return await super().on_ws_connect(context)


def tune_garbage_collector() -> None:
    """For a server process, once its startup is done. Measured (docs/benchmarks.md,
    "reportIncident"): with CPython's defaults a worker under load spent about a third
    of its CPU in the cyclic garbage collector — requests in flight are promoted to the
    old generations at every young collection, and each full collection walks the
    whole heap of the schema, mappers and policies. Freezing what startup built takes
    it out of every later collection; a larger young generation promotes fewer
    short-lived request objects. Together: about 0.9 ms less CPU per report."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_app(
    settings: Settings | None = None, *, engine: AsyncEngine | None = None, tune_gc: bool = False
) -> Starlette:
    settings = settings or get_settings()
    settings.check()
    install_log_scrubbing()  # no resident ID or phone number in any log record
    engine = engine or make_engine(settings.database_url, echo=settings.db_echo, pool_size=settings.db_pool_size)
    graphql = GridGovGraphQL(settings=settings, engine=engine)

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            current = await migrate.current_revision(engine)
        except Exception as exc:  # noqa: BLE001 — readiness reports, never raises
            return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
        head = migrate.head_revision()
        if current != head:
            return JSONResponse(
                {"status": "unavailable", "migrations": {"current": current, "head": head}}, status_code=503
            )
        return JSONResponse({"status": "ready", "migrations": {"current": current, "head": head}})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Policies: publish the bundled defaults if there are none, load, follow publishes.
        await graphql.runtime.start()
        if tune_gc:
            tune_garbage_collector()
        # The SLA clock: one sweeper per worker process; row locks keep them apart.
        sla_settings = sla.SlaSettings()
        sweeper = (
            asyncio.create_task(sla.run_forever(graphql.write, graphql.incident_deps, settings=sla_settings))
            if sla_settings.enabled
            else None
        )
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
            await graphql.runtime.stop()
            await engine.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
        ],
        lifespan=lifespan,
        middleware=[Middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.graphql = graphql
    return app


def app_from_env() -> Starlette:
    """uvicorn factory entry point (``api.app:app_from_env``, with ``--factory``): a
    server process of its own, so it also tunes the garbage collector."""
    return create_app(tune_gc=True)
