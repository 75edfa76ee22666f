"""``domain.direct``: a statement sent on the driver's connection gives what the session
gives — the same values of the same types, the same errors, the same transaction —
on both backends (PostgreSQL takes the direct path in autocommit sessions; SQLite and
write transactions run through the session)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, event, func, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.db import make_sessionmaker
from domain.direct import Direct, column_keys, detached
from domain.enums import PolicyKind
from domain.policies.models import DecisionRecord

SUBJECT = "direct-test"
DECISIONS = DecisionRecord.__table__
_BY_SUBJECT = select(DecisionRecord).where(
    DecisionRecord.subject_type == SUBJECT, DecisionRecord.subject_id == bindparam("subject")
).order_by(DecisionRecord.id)
_VALUES = dict(
    kind=bindparam("kind", type_=DECISIONS.c.kind.type),
    policy_version=bindparam("version"),
    subject_type=SUBJECT,
    subject_id=bindparam("subject"),
    outputs=bindparam("outputs", type_=DECISIONS.c.outputs.type),
    items=bindparam("items", type_=DECISIONS.c["items"].type),
    fired_rules=bindparam("fired", type_=DECISIONS.c.fired_rules.type),
    fallback=bindparam("fallback"),
    facts=bindparam("facts", type_=DECISIONS.c.facts.type),
    decided_at=bindparam("at", type_=DECISIONS.c.decided_at.type),
    note=bindparam("note"),
)
_INSERT = insert(DECISIONS).values(**_VALUES).returning(DECISIONS.c.id)
_INSERT_WITH_ID = insert(DECISIONS).values(id=bindparam("id"), **_VALUES).returning(DECISIONS.c.id)


def _params(subject: int, **over: Any) -> dict[str, Any]:
    return {
        "kind": PolicyKind.INCIDENT_ROUTING,
        "version": 3,
        "subject": subject,
        "outputs": {"department": "安监局", "level": 2, "manual": False},
        "items": None,
        "fired": ["r-1", "r-2"],
        "fallback": False,
        "facts": {"incident": {"title": "厂区 消防通道堵塞", "peopleInvolved": 0}},
        "at": datetime(2026, 11, 26, 10, 30, 15, 123456, tzinfo=UTC),
        "note": "承办部门 安监局",
        **over,
    }


@pytest.fixture
def autocommit_write(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine, write=True, one_write_statement=True)


@pytest.fixture
def reads(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine, write=False)


_subjects = iter(range(10_000_000, 11_000_000))


async def test_rows_and_binds_are_what_the_session_gives(
    autocommit_write: async_sessionmaker[AsyncSession],
    reads: async_sessionmaker[AsyncSession],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    subject = next(_subjects)
    async with autocommit_write.begin() as s:
        [(new_id,)] = await Direct(_INSERT).rows(s, _params(subject))
    # Written through the column types: the ORM reads back what was given.
    async with sessionmaker() as s:
        orm = (await s.scalars(select(DecisionRecord).where(DecisionRecord.id == new_id))).one()
        session_row = tuple((await s.execute(select(*DECISIONS.columns).where(DECISIONS.c.id == new_id))).one())
    given = _params(subject)
    assert orm.kind is PolicyKind.INCIDENT_ROUTING
    assert orm.outputs == given["outputs"] and orm.facts == given["facts"] and orm.fired_rules == ["r-1", "r-2"]
    assert orm.items is None
    assert orm.decided_at == given["at"] and orm.decided_at.tzinfo is not None

    async with reads() as s:
        rows = await Direct(_BY_SUBJECT).rows(s, {"subject": subject})
    assert len(rows) == 1
    # The same values, of the same types, as the session's own result.
    assert rows[0] == session_row
    assert [type(v) for v in rows[0]] == [type(v) for v in session_row]
    record = detached(DecisionRecord, column_keys(DecisionRecord), rows[0])
    assert record.kind is PolicyKind.INCIDENT_ROUTING and record.decided_at.utcoffset() == timedelta(0)
    assert record.outputs == given["outputs"] and record.note == "承办部门 安监局"


async def test_a_constraint_violation_is_an_integrity_error(
    autocommit_write: async_sessionmaker[AsyncSession],
) -> None:
    subject = next(_subjects)
    async with autocommit_write.begin() as s:
        [(new_id,)] = await Direct(_INSERT).rows(s, _params(subject))
    with pytest.raises(IntegrityError):
        async with autocommit_write.begin() as s:
            await Direct(_INSERT_WITH_ID).rows(s, _params(subject, id=new_id))


async def test_inside_a_write_transaction_it_is_part_of_the_transaction(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    subject = next(_subjects)
    write = make_sessionmaker(engine, write=True)

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon):
        async with write.begin() as s:
            await Direct(_INSERT).rows(s, _params(subject))
            raise Abandon
    async with sessionmaker() as s:
        count = await s.scalar(
            select(func.count()).select_from(DecisionRecord).where(
                DecisionRecord.subject_type == SUBJECT, DecisionRecord.subject_id == subject
            )
        )
    assert count == 0  # rolled back with the transaction it ran in


async def test_statement_listeners_see_it(
    engine: AsyncEngine, reads: async_sessionmaker[AsyncSession]
) -> None:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        async with reads() as s:
            await Direct(_BY_SUBJECT).rows(s, {"subject": -1})
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
    statements = [q for q in seen if not q.startswith("BEGIN")]  # SQLite's own BEGIN DEFERRED
    assert len(statements) == 1 and "FROM decisions" in statements[0]


def test_a_list_expanded_at_run_time_is_refused() -> None:
    statement = select(DecisionRecord.id).where(DecisionRecord.subject_type.in_(["a", "b"]))
    with pytest.raises(ValueError, match="IN with a list"):
        Direct(statement)._compile(postgresql.asyncpg.dialect())  # noqa: SLF001 — the compile step itself
