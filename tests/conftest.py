"""Test fixtures: every integration test runs on SQLite and on PostgreSQL.

Backends: ``GRIDGOV_TEST_BACKENDS`` (comma list, e.g. ``sqlite,postgresql``) makes
each listed backend mandatory — CI sets it, so a PostgreSQL that is down is a
failure, never a skip. Unset, SQLite always runs and PostgreSQL runs when a
server answers at ``GRIDGOV_TEST_POSTGRES_URL`` (default 127.0.0.1:5432, user
postgres); the header of the run says which backends ran.

Each backend gets a fresh database built by running the Alembic migrations (so
the migrations are tested on every run), shared by the session's tests; tests
create the rows they assert on.
"""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain import migrate
from domain.db import make_engine, make_sessionmaker
from domain.settings import Settings

PG_ADMIN_URL = os.environ.get(
    "GRIDGOV_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


def _pg_reachable() -> bool:
    u = urlparse(PG_ADMIN_URL.replace("+asyncpg", ""))
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or 5432), timeout=1):
            return True
    except OSError:
        return False


def _backends() -> list[str]:
    explicit = os.environ.get("GRIDGOV_TEST_BACKENDS")
    if explicit:
        return [b.strip() for b in explicit.split(",") if b.strip()]
    return ["sqlite", "postgresql"] if _pg_reachable() else ["sqlite"]


BACKENDS = _backends()


def pytest_report_header(config: pytest.Config) -> str:
    return f"gridgov backends: {', '.join(BACKENDS)}"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    u = urlparse(PG_ADMIN_URL.replace("+asyncpg", ""))
    conn = await asyncpg.connect(
        host=u.hostname, port=u.port or 5432, user=u.username or "postgres",
        password=u.password, database=(u.path or "/postgres").lstrip("/") or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_url(dbname: str) -> str:
    u = urlparse(PG_ADMIN_URL)
    return u._replace(path=f"/{dbname}").geturl()


class Backend:
    """A fresh, migrated database of one kind, created for the test session."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if kind == "sqlite":
            self._tmp = tempfile.TemporaryDirectory(prefix="gridgov-test-")
            self.url = f"sqlite+aiosqlite:///{Path(self._tmp.name) / 'test.db'}"
            self.dbname = None
        elif kind == "postgresql":
            self.dbname = f"gridgov_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            self.url = _pg_url(self.dbname)
        else:
            raise ValueError(f"unknown test backend {kind!r}")

    def create(self) -> None:
        if self.dbname:
            asyncio.run(_pg_admin(f'CREATE DATABASE "{self.dbname}"'))
        migrate.upgrade(self.url)

    def drop(self) -> None:
        if self.dbname:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)'))
        if self._tmp:
            self._tmp.cleanup()

    def scratch(self, suffix: str) -> Backend:
        """Another empty database of the same kind (for migration round-trips)."""
        other = Backend(self.kind)
        if other.dbname:
            other.dbname = f"{self.dbname}_{suffix}"
            other.url = _pg_url(other.dbname)
        return other


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    b = Backend(request.param)
    b.create()
    yield b
    b.drop()


@pytest.fixture(scope="session")
def settings(backend: Backend) -> Settings:
    return Settings(database_url=backend.url, mode="development")


@pytest.fixture(scope="session")
async def engine(backend: Backend) -> AsyncIterator[AsyncEngine]:
    e = make_engine(backend.url)
    yield e
    await e.dispose()


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine, write=True)


@pytest.fixture(scope="session")
async def app(settings: Settings, engine: AsyncEngine) -> Any:
    from api.app import create_app

    return create_app(settings, engine=engine)


@pytest.fixture
def auth_read_every_request(app: Any) -> Iterator[None]:
    """Authentication reads the account on every request (no answer kept from the last
    second): for tests that count statements "beyond authentication"."""
    cache = app.state.graphql.auth_cache
    kept, cache.ttl = cache.ttl, 0
    try:
        yield
    finally:
        cache.ttl = kept


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


class GraphQLClient:
    """Posts GraphQL documents to the real ``/graphql`` endpoint."""

    def __init__(self, http: httpx.AsyncClient, token: str | None = None) -> None:
        self.http = http
        self.token = token

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        r = await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        assert r.status_code in (200, 400), r.text
        return r.json()

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = await self.raw(query, variables)
        assert not body.get("errors"), body["errors"]
        return body["data"]


# --- accounts: ``gql`` is a logged-in ADMIN; ``login_as`` makes any other account ---------


def _pk(link: Any) -> int | None:
    return link if link is None or isinstance(link, int) else link.id


async def make_account(
    session: AsyncSession,
    *,
    role: str,
    username: str | None = None,
    password: str | None = None,
    member: Any = None,
    department: Any = None,
    enterprise: Any = None,
    area: Any = None,
    granted: tuple[Any, ...] | list[Any] = (),
) -> Any:
    """An account with its links (model objects or ids). Without ``password`` it cannot
    log in by password (tests mint its token directly — argon2 is slow on purpose)."""
    from domain.accounts.models import Account, AccountArea
    from domain.accounts.passwords import hash_password
    from domain.enums import AccountRole

    account = Account(
        username=username or f"t-{role.lower()}-{uuid.uuid4().hex[:10]}",
        display_name=f"测试{role}",
        password_hash=hash_password(password) if password else None,
        role=AccountRole(role),
        member_id=_pk(member),
        department_id=_pk(department),
        enterprise_id=_pk(enterprise),
        area_id=_pk(area),
    )
    session.add(account)
    await session.flush()
    for g in granted:
        session.add(AccountArea(account_id=account.id, area_id=_pk(g)))
    await session.flush()
    return account


def token_for(account: Any, settings: Settings) -> str:
    from datetime import timedelta

    from domain.accounts.tokens import issue_access_token

    token, _ = issue_access_token(
        account_id=account.id, generation=account.token_generation or 0,
        secret=settings.secret_key, ttl=timedelta(hours=8),
    )
    return token


@pytest.fixture(scope="session")
async def admin_token(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> str:
    """One ADMIN account for the session (sees the whole tree, "/")."""
    async with sessionmaker.begin() as session:
        account = await make_account(session, role="ADMIN", username=f"admin-{uuid.uuid4().hex[:8]}")
    return token_for(account, settings)


@pytest.fixture
def gql(client: httpx.AsyncClient, admin_token: str) -> GraphQLClient:
    """A client logged in as the session's ADMIN (existing tests see everything)."""
    return GraphQLClient(client, admin_token)


@pytest.fixture
def anon(client: httpx.AsyncClient) -> GraphQLClient:
    """A client without a token."""
    return GraphQLClient(client)


@pytest.fixture
def login_as(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> Any:
    """``await login_as("PARK_ADMIN", area=park)`` → a client with that account's token.
    Links: ``member``, ``department``, ``enterprise``, ``area``, ``granted`` (models or ids).
    The client's ``account_id`` is the new account's id."""

    async def make(role: str, **links: Any) -> GraphQLClient:
        async with sessionmaker.begin() as session:
            account = await make_account(session, role=role, **links)
        c = GraphQLClient(client, token_for(account, settings))
        c.account_id = account.id  # type: ignore[attr-defined]
        return c

    return make
