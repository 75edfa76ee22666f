"""Statements of the hottest path, run on the driver's own connection on PostgreSQL.

Why: measured on the development machine (docs/benchmarks.md, "reportIncident"),
running one small statement through an ``AsyncSession`` costs ≈ 0.3 ms of CPU —
the session, the execution context, the compiled-cache look-up, the greenlet hop,
result and ORM loading — while asyncpg itself needs ≈ 0.03 ms for the same round
trip. A report and its authentication run four statements; that overhead was a
fifth of a worker's CPU per report.

A ``Direct`` statement is still an ordinary SQLAlchemy Core statement — written,
typed and reviewed like every other. It is compiled once per dialect; its bind
values go through the column types' own bind processors (enums, UTC datetimes,
JSON) and its results through their result processors, so it sees and returns the
values the session would. Rows come back flat (an ORM entity in the select list is
its columns, in table order); ``detached`` makes instances of them.

Only sessions in autocommit mode (PostgreSQL reads, ``reportIncident``'s
one-statement writes: ``domain.db.make_sessionmaker``) take the direct path: a
statement sent past SQLAlchemy's connection adapter would not be inside the
transaction the adapter starts lazily. Everything else — SQLite, write
transactions — runs the same statement through the session's connection and gets
the same flat rows.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Executable

T = TypeVar("T")
Processor = Callable[[Any], Any] | None
_REQUIRED = object()


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    # Per positional parameter: its name, its type's bind processor, and the value of a
    # literal bound into the statement itself (``_REQUIRED``: the caller gives it).
    binds: tuple[tuple[str, Processor, Any], ...]
    results: tuple[Processor, ...]


class Direct:
    """A Core statement run on the driver's connection where that is safe (module doc)."""

    __slots__ = ("statement", "_compiled", "_columns")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}
        # The SELECT list, or an INSERT's RETURNING columns.
        self._columns: tuple[Any, ...] = tuple(statement.exported_columns)  # type: ignore[attr-defined]

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        if compiled.post_compile_params:  # type: ignore[attr-defined]
            raise ValueError("a Direct statement cannot expand parameters at run time (IN with a list)")
        if compiled.insert_prefetch or compiled.update_prefetch:  # type: ignore[attr-defined]
            # Python-side column defaults (``default=``, ``onupdate=``) are computed by the
            # execution context, which a direct statement does not have.
            raise ValueError("a Direct statement must name every column that has a Python-side default")
        if any(b.callable is not None for b in compiled.binds.values()):
            raise ValueError("a Direct statement cannot take a bind parameter computed at run time")
        binds = []
        for name in compiled.positiontup or ():  # type: ignore[attr-defined]
            bind = compiled.binds[name]
            value = _REQUIRED if bind.required or bind.callable is not None else bind.value
            binds.append((name, bind.type.dialect_impl(dialect).bind_processor(dialect), value))
        results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in self._columns)
        made = _Compiled(compiled.string, tuple(binds), results)
        self._compiled[dialect.name] = made
        return made

    async def rows(self, session: AsyncSession, params: Mapping[str, Any]) -> Sequence[tuple[Any, ...]]:
        """Every row, as tuples of processed values in the select list's order."""
        conn, driver = await _route(session)
        if driver is None:
            return [tuple(row) for row in await conn.execute(self.statement, dict(params))]
        compiled = self._compiled.get("postgresql") or self._compile(conn.dialect)
        args = []
        for name, process, value in compiled.binds:
            if value is _REQUIRED:
                value = params[name]
            args.append(process(value) if process is not None else value)
        sync = conn.sync_connection
        observed = bool(sync.dispatch.before_cursor_execute or sync.dispatch.after_cursor_execute)
        if observed:  # statement counters, loggers and tests see it like any other statement
            for listener in sync.dispatch.before_cursor_execute:
                listener(sync, None, compiled.sql, tuple(args), None, False)
        try:
            records = await driver.fetch(compiled.sql, *args)  # type: ignore[union-attr]
        except asyncpg.IntegrityConstraintViolationError as exc:
            # What the session would raise: callers tell a retry's duplicate by it.
            raise IntegrityError(compiled.sql, args, exc) from exc
        except asyncpg.PostgresError as exc:
            raise DBAPIError(compiled.sql, args, exc) from exc
        if observed:
            for listener in sync.dispatch.after_cursor_execute:
                listener(sync, None, compiled.sql, tuple(args), None, False)
        procs = compiled.results
        return [
            tuple(v if p is None else p(v) for p, v in zip(procs, record, strict=True))
            for record in records
        ]


_ROUTE = "gridgov_direct_route"


async def _route(session: AsyncSession) -> tuple[AsyncConnection, Any | None]:
    """The session's connection, and its driver connection when statements may be sent
    there directly (PostgreSQL in autocommit), kept on the session for the rest of its
    transaction: asking the session for its connection costs a greenlet hop each time.
    The transaction is kept by weak reference: it refers to the session, and a strong one
    here would make a cycle that only the cyclic garbage collector frees (with the
    session's identity map and connection wrappers: ≈ 90 objects per request)."""
    kept = session.info.get(_ROUTE)
    if kept is not None and (transaction := kept[0]()) is not None:
        if transaction is session.sync_session.get_transaction():
            return kept[1], kept[2]
    conn = await session.connection()
    direct = (
        conn.dialect.name == "postgresql"
        and conn.dialect.driver == "asyncpg"
        and conn.sync_connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    )
    driver = (await conn.get_raw_connection()).driver_connection if direct else None
    session.info[_ROUTE] = (weakref.ref(session.sync_session.get_transaction()), conn, driver)
    return conn, driver


def column_keys(model: type[Any]) -> tuple[str, ...]:
    """The attribute names of a mapped class's table columns, in the order ``select(model)``
    returns them."""
    return tuple(model.__mapper__.get_property_by_column(c).key for c in model.__table__.columns)


def detached(model: type[T], keys: Sequence[str], values: Sequence[Any]) -> T:
    """An instance of ``model`` holding one row's values, for reading only (what the
    response shows, what the use case decides on). The values are set as state, not as
    changes, and the object has no identity key: it must never be added to or merged
    into a session (it would be inserted again), and an attribute not given reads as
    ``None`` rather than loading."""
    obj: T = model.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    obj.__dict__.update(zip(keys, values, strict=True))
    return obj
