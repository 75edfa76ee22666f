"""The application factory: Starlette with GraphQL at /graphql, health and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api.context import Context
from api.loaders import Loaders
from api.schema import build_schema
from domain import migrate
from domain.db import make_engine, make_sessionmaker
from domain.settings import Settings, get_settings


class GridGovGraphQL(GraphQL[Context, None]):
    def __init__(self, *, settings: Settings, engine: AsyncEngine) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        )
        self.settings = settings
        self.write = make_sessionmaker(engine, write=True)
        self.read = make_sessionmaker(engine, write=False)

    async def get_context(self, request: Any, response: Any = None) -> Context:
        return Context(
            settings=self.settings,
            write=self.write,
            read=self.read,
            loaders=Loaders(self.read),
            request=request,
            response=response,
        )


def create_app(settings: Settings | None = None, *, engine: AsyncEngine | None = None) -> Starlette:
    settings = settings or get_settings()
    settings.check()
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
        yield
        await engine.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.graphql = graphql
    return app


def app_from_env() -> Starlette:
    """uvicorn factory entry point (``api.app:app_from_env``, with ``--factory``)."""
    return create_app()
