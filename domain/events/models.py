"""The event outbox: every state change writes one row in its own transaction.

The cursor is (``txid``, ``id``), not ``id`` alone: on PostgreSQL ids commit out of
order, so ``txid`` holds the writing transaction's id (``pg_current_xact_id()``)
and readers only read below the oldest transaction still running
(``pg_snapshot_xmin(pg_current_snapshot())``). On SQLite writers are serialised,
so ``txid`` is the row's own commit order and ``id`` alone would do.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base, BigId, UTCDateTime, utcnow
from domain.types import JsonType


class OutboxEvent(Base):
    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    txid: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(64))
    aggregate_type: Mapped[str] = mapped_column(String(32))
    aggregate_id: Mapped[int] = mapped_column(BigInteger)
    area_path: Mapped[str] = mapped_column(String(255))
    level: Mapped[int | None] = mapped_column(Integer)
    # Scrubbed of personal data before it is written (SPEC §5).
    payload: Mapped[dict] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_outbox_events_txid_id", "txid", "id"),
        Index("ix_outbox_events_aggregate", "aggregate_type", "aggregate_id"),
    )
