"""The models and the Alembic migrations agree, and the migrations run both ways."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import domain.models  # noqa: F401
from domain import migrate
from domain.db import Base, make_engine
from tests.conftest import Backend


async def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


async def _current(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return await migrate.current_revision(engine)
    finally:
        await engine.dispose()


async def test_migrated_database_matches_the_models(backend: Backend) -> None:
    assert await _diff(backend.url) == []


async def test_the_report_statement_names_the_sequence_behind_incident_ids(backend: Backend) -> None:
    """``reportIncident`` draws the new id from a sequence named in its statement
    (``repository.INCIDENT_ID_SEQUENCE``); the migrations must create exactly that one."""
    from sqlalchemy import text

    from sqlalchemy.dialects import sqlite

    from domain.incidents.repository import _PLACE_AND_HISTORY_STATEMENTS, INCIDENT_ID_SEQUENCE

    if backend.kind != "postgresql":
        # SQLite has no sequences: its statement draws max(id) + 1 under the write lock.
        for has_enterprise in (True, False):
            statement = _PLACE_AND_HISTORY_STATEMENTS[(has_enterprise, "sqlite")].statement
            assert "nextval" not in str(statement.compile(dialect=sqlite.dialect()))
        return
    from sqlalchemy.dialects import postgresql

    engine = make_engine(backend.url)
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(text("SELECT pg_get_serial_sequence('incidents', 'id')"))
    finally:
        await engine.dispose()
    assert found == f"public.{INCIDENT_ID_SEQUENCE.name}"
    for has_enterprise in (True, False):
        statement = _PLACE_AND_HISTORY_STATEMENTS[(has_enterprise, "postgresql")].statement
        assert f"nextval('{INCIDENT_ID_SEQUENCE.name}')" in str(statement.compile(dialect=postgresql.dialect()))


def test_downgrade_to_base_then_upgrade_to_head(backend: Backend) -> None:
    import asyncio

    scratch = backend.scratch("roundtrip")
    scratch.create()
    try:
        migrate.downgrade(scratch.url, "base")
        assert asyncio.run(_current(scratch.url)) is None
        migrate.upgrade(scratch.url, "head")
        assert asyncio.run(_current(scratch.url)) == migrate.head_revision()
        assert asyncio.run(_diff(scratch.url)) == []
    finally:
        scratch.drop()


def test_open_incident_counts_survive_a_downgrade_and_are_backfilled(backend: Backend) -> None:
    """Migration 0002 on a database with data: its downgrade drops the column although
    accounts and incidents refer to members (SQLite: no table rebuild), and its upgrade
    counts every member's open incidents before the triggers take over."""
    import asyncio

    from sqlalchemy import func, select

    from domain.demo import load_demo
    from domain.incidents.models import Incident
    from domain.incidents.transitions import OPEN
    from domain.org.models import Member

    async def mismatches(url: str) -> tuple[int, list[object]]:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                live = (
                    select(func.count())
                    .select_from(Incident)
                    .where(Incident.officer_id == Member.id, Incident.status.in_([s.value for s in OPEN]))
                    .scalar_subquery()
                )
                rows = (await conn.execute(select(Member.code, Member.open_incidents, live))).all()
        finally:
            await engine.dispose()
        return sum(r[1] for r in rows), [r for r in rows if r[1] != r[2]]

    scratch = backend.scratch("backfill")
    scratch.create()
    try:
        asyncio.run(load_demo(scratch.url))
        total, wrong = asyncio.run(mismatches(scratch.url))
        assert total > 0 and wrong == []  # kept by the triggers while the demo loaded
        migrate.downgrade(scratch.url, "0001")
        migrate.upgrade(scratch.url, "head")
        again, wrong = asyncio.run(mismatches(scratch.url))
        assert again == total and wrong == []  # counted again by the backfill
    finally:
        scratch.drop()
