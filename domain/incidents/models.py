"""Incidents (矛盾纠纷与隐患), their timeline, attachments and duplicate links."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base, BigId, UTCDateTime, utcnow
from domain.enums import IncidentCategory, IncidentSource, IncidentStatus
from domain.types import JsonType, enum_column


class Incident(Base):
    """One case of the closed loop.

    ``version`` is the optimistic-concurrency counter: every transition bumps it
    with ``UPDATE … WHERE version = :expected`` so two officers cannot both win.
    """

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[IncidentCategory] = mapped_column(enum_column(IncidentCategory))
    severity: Mapped[int] = mapped_column(Integer, default=1)
    people_involved: Mapped[int] = mapped_column(Integer, default=0)
    amount_involved: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # Copy of the grid's materialised path: "everything under this park" needs no join.
    area_path: Mapped[str] = mapped_column(String(255))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    location: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6))
    source: Mapped[IncidentSource] = mapped_column(enum_column(IncidentSource))
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reporter_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    reporter_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    status: Mapped[IncidentStatus] = mapped_column(enum_column(IncidentStatus))
    level: Mapped[int] = mapped_column(Integer, default=1)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # True while the incident waits in the manual-dispatch queue.
    awaiting_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_soon_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_on_site: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    feedback: Mapped[str | None] = mapped_column(Text)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    # Whether it ever ran past its due time (for on-time rates and assessments).
    was_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    returned_by: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # Petitioner identity (信访) is confidential to the handling department.
    petitioner_cipher: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    client_request_id: Mapped[str | None] = mapped_column(String(64))
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("reporter_account_id", "client_request_id"),
        Index("ix_incidents_status_due_at", "status", "due_at"),
        Index("ix_incidents_area_path", "area_path", postgresql_ops={"area_path": "text_pattern_ops"}),
        Index("ix_incidents_grid_category_reported", "grid_id", "category", "reported_at"),
        Index("ix_incidents_enterprise_reported", "enterprise_id", "reported_at"),
        Index("ix_incidents_department_status", "department_id", "status"),
        Index("ix_incidents_officer_status", "officer_id", "status"),
        Index("ix_incidents_reported_at", "reported_at"),
    )


class IncidentTimelineEntry(Base):
    """Append-only: who did what, when, from which state to which, and why."""

    __tablename__ = "incident_timeline"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    actor_name: Mapped[str | None] = mapped_column(String(50))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    from_level: Mapped[int | None] = mapped_column(Integer)
    to_level: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))

    __table_args__ = (Index("ix_incident_timeline_incident_id_id", "incident_id", "id"),)


class Attachment(Base):
    """Metadata of a stored file; the bytes live in a pluggable store under ``storage_key``."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("service_orders.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    uploaded_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
