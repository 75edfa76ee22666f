"""Engine, sessions and the declarative base shared by every model.

One transaction per use case is owned by the caller (``async with
sessionmaker.begin()``); services only ``flush()``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT primary keys autoincrement on PostgreSQL; SQLite only autoincrements INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    SQLite has no time zone type: values are stored as naive UTC and come back
    aware, so comparisons never mix naive and aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; GridGov stores aware UTC datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, *, echo: bool = False, pool_size: int = 16) -> AsyncEngine:
    """PostgreSQL: ``pool_size`` connections kept open, half as many again opened for a
    burst and closed after it. Keep ``pool_size`` at or above the requests a worker has
    in flight: a connection opened and closed per burst costs a server process, the
    driver's type introspection and the first plans of every statement again
    (benchmark, 16 in flight per worker: 10 kept opened 23–68 connections per 6,000
    reports, 16 or 20 kept 0–7; docs/benchmarks.md). 16 + 8 per worker keeps four
    workers within PostgreSQL's default ``max_connections`` (100, 3 reserved)."""
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = pool_size // 2
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Foreign keys on; WAL so readers do not block the writer.
            # pysqlite's own transaction handling is disabled so that BEGIN IMMEDIATE
            # (see below) takes the write lock at the start of a transaction instead
            # of failing with "database is locked" half-way through it.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            mode = "IMMEDIATE" if conn.get_execution_options().get("gridgov_write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def make_sessionmaker(
    engine: AsyncEngine, *, write: bool = True, one_write_statement: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions for writes (SQLite: ``BEGIN IMMEDIATE``) or for reads (deferred, never block).

    PostgreSQL reads run in autocommit: each statement is its own transaction, which
    under READ COMMITTED (the default) sees exactly what it would see inside an explicit
    one — every statement takes a fresh snapshot either way — but spares the ``BEGIN``
    and ``ROLLBACK`` round trips around every read session (two of the three round trips
    of a request's authentication). Read sessions never write.

    ``one_write_statement``: a write session for a use case that reads, then writes
    everything in **one** statement (``reportIncident``: ``incidents.writes``). On
    PostgreSQL it runs in autocommit too — that one statement is atomic by itself,
    and the reads before it see what they would see in a READ COMMITTED transaction
    (the use case takes no locks) — which spares the ``BEGIN`` and ``COMMIT`` round
    trips. Never use it for a use case that writes twice. SQLite: a normal write session."""
    if write and one_write_statement and engine.dialect.name == "postgresql":
        bind = engine.execution_options(gridgov_write=True, isolation_level="AUTOCOMMIT")
    elif write:
        bind = engine.execution_options(gridgov_write=True)
    elif engine.dialect.name == "postgresql":
        bind = engine.execution_options(isolation_level="AUTOCOMMIT")
    else:
        bind = engine
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(sm: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One use case, one transaction: commits on success, rolls back on any error."""
    async with sm.begin() as session:
        yield session


T = TypeVar("T")
log = logging.getLogger("gridgov.db")

# PostgreSQL aborts a transaction it chose as a deadlock's victim (40P01) or that could
# not be serialized (40001); the same work in a new transaction normally goes through.
RETRY_SQLSTATES = frozenset({"40P01", "40001"})


def is_retryable(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in RETRY_SQLSTATES


async def in_transaction(
    sm: async_sessionmaker[AsyncSession], action: Callable[[AsyncSession], Awaitable[T]], *, attempts: int = 3
) -> T:
    """``action`` in one transaction, run again in a fresh one when PostgreSQL aborted it
    as a deadlock victim (or a serialization failure): nothing of the aborted attempt
    remains, so the caller sees one transaction either way. Why: row locks taken by
    triggers (``members.open_incidents``, migration 0002) let two admins deactivating
    each other's stand-ins at the same moment deadlock; one of them got an internal
    error. Anything else is raised at once."""
    for attempt in range(1, attempts + 1):
        try:
            async with sm.begin() as session:
                return await action(session)
        except DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            log.info("transaction aborted (%s), attempt %d of %d: running it again",
                     getattr(exc.orig, "sqlstate", None), attempt, attempts)
    raise AssertionError("unreachable")
