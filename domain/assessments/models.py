"""Assessments (考核): runs per period and revision, per-subject totals, line items, appeals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base, BigId, UTCDateTime, utcnow
from domain.enums import AppealStatus, AssessmentPeriodKind, AssessmentStatus, SubjectKind
from domain.types import JsonType, enum_column


class AssessmentRun(Base):
    """One evaluation of a period. Repeatable while DRAFT; PUBLISHED is immutable and a
    correction is a new revision that supersedes it."""

    __tablename__ = "assessment_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    period_kind: Mapped[AssessmentPeriodKind] = mapped_column(enum_column(AssessmentPeriodKind))
    period: Mapped[str] = mapped_column(String(10))  # 2026-11 or 2026-Q4
    revision: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[AssessmentStatus] = mapped_column(enum_column(AssessmentStatus))
    policy_version: Mapped[int | None] = mapped_column(Integer)
    created_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("area_id", "period_kind", "period", "revision"),)


class Assessment(Base):
    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("assessment_runs.id", ondelete="CASCADE"), index=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    base: Mapped[float] = mapped_column(Numeric(8, 2), default=100)
    total: Mapped[float] = mapped_column(Numeric(8, 2))
    grade: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int | None] = mapped_column(Integer)


class AssessmentItem(Base):
    """One scoring line (rule, points, reason) with the evidence that caused it."""

    __tablename__ = "assessment_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(String(64))
    points: Mapped[float] = mapped_column(Numeric(8, 2))
    reason: Mapped[str] = mapped_column(String(200))
    capped: Mapped[bool] = mapped_column(Boolean, default=False)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    event_type: Mapped[str] = mapped_column(String(32))
    event_at: Mapped[datetime] = mapped_column(UTCDateTime)
    evidence: Mapped[dict] = mapped_column(JsonType, default=dict)


class Appeal(Base):
    """申诉 against a line item; the decision is audited, and an accepted appeal voids the
    item in a new revision."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_items.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[AppealStatus] = mapped_column(enum_column(AppealStatus))
    decided_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_appeals_status", "status"),)
