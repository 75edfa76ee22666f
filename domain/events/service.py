"""Writing to and reading from the event outbox (SPEC §4).

``emit`` is called inside the transaction of the state change it reports, so the
event commits with it or not at all. ``read_after`` returns events strictly after
a cursor and never past an event that could still be followed by an earlier one:

- PostgreSQL: each row stores its transaction id (``pg_current_xact_id()``); rows
  are ordered by (txid, id) and read only below the oldest transaction still
  running (``pg_snapshot_xmin(pg_current_snapshot())``), because ids commit out of
  order and a reader that moved past id 3 would never see id 2 committed later.
- SQLite: writers are serialised (``BEGIN IMMEDIATE``), so ids commit in order;
  ``txid`` is 0 and (0, id) orders by id.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, false, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events.models import OutboxEvent
from domain.personal_data import scrub_deep

_TXID_KEY = "gridgov_txid"


async def _txid(session: AsyncSession) -> int:
    cached = session.info.get(_TXID_KEY)
    if cached is not None:
        return int(cached)
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        txid = int(await session.scalar(text("SELECT pg_current_xact_id()::text::bigint")))
    else:
        txid = 0
    session.info[_TXID_KEY] = txid
    return txid


async def emit(
    session: AsyncSession,
    *,
    type: str,
    aggregate_type: str,
    aggregate_id: int,
    area_path: str,
    level: int | None = None,
    payload: dict[str, Any],
) -> OutboxEvent:
    """Append one event in the caller's transaction; free text is scrubbed of personal data."""
    event = OutboxEvent(
        txid=await _txid(session),
        type=type,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        area_path=area_path,
        level=level,
        payload=scrub_deep(payload),  # type: ignore[arg-type]
    )
    session.add(event)
    await session.flush()
    return event


def forget_txid(session: AsyncSession) -> None:
    """Call after commit/rollback when a session object is reused for another transaction."""
    session.info.pop(_TXID_KEY, None)


@dataclass(frozen=True, slots=True)
class Cursor:
    txid: int
    id: int

    def encode(self) -> str:
        return base64.urlsafe_b64encode(f"{self.txid}:{self.id}".encode()).decode()

    @staticmethod
    def decode(raw: str) -> Cursor | None:
        try:
            t, _, i = base64.urlsafe_b64decode(raw.encode()).decode().partition(":")
            return Cursor(int(t), int(i))
        except (ValueError, UnicodeDecodeError):
            return None


START = Cursor(-1, 0)


async def read_after(
    session: AsyncSession,
    cursor: Cursor,
    *,
    area_paths: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
    levels: Sequence[int] | None = None,
    limit: int = 100,
) -> list[OutboxEvent]:
    """Events after ``cursor`` in commit-safe order, filtered by area subtree, type and level.

    Filters never move the safe horizon: callers advance their cursor to the last
    event returned, and an empty page means "nothing new below the horizon".
    """
    stmt = select(OutboxEvent).where(
        or_(
            OutboxEvent.txid > cursor.txid,
            and_(OutboxEvent.txid == cursor.txid, OutboxEvent.id > cursor.id),
        )
    )
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        horizon = text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        stmt = stmt.where(OutboxEvent.txid < horizon)
    if area_paths is not None:
        stmt = stmt.where(or_(*(OutboxEvent.area_path.like(f"{p}%") for p in area_paths)) if area_paths else false())
    if types:
        stmt = stmt.where(OutboxEvent.type.in_(types))
    if levels:
        stmt = stmt.where(OutboxEvent.level.in_(levels))
    stmt = stmt.order_by(OutboxEvent.txid, OutboxEvent.id).limit(limit)
    return list((await session.scalars(stmt)).all())
