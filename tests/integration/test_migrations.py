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
