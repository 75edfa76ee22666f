"""Policy documents: drafts, published versions and every decision made with them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base, BigId, UTCDateTime, utcnow
from domain.enums import PolicyKind
from domain.types import JsonType, enum_column


class PolicyDraft(Base):
    __tablename__ = "policy_drafts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[PolicyKind] = mapped_column(enum_column(PolicyKind), index=True)
    title: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict] = mapped_column(JsonType)
    author_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PolicyVersion(Base):
    """A published, immutable version. The active one is the highest version of its kind;
    a rollback publishes an old document as a new version."""

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[PolicyKind] = mapped_column(enum_column(PolicyKind))
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict] = mapped_column(JsonType)
    author_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    rolled_back_from: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("kind", "version"),)


class DecisionRecord(Base):
    """What a policy decided, from which facts, and — for routing — whether it was right.

    ``correct`` starts unknown (NULL); a manual override or a return (退单) sets it
    false, a dispatch carried through to closing sets it true. Routing quality per
    policy version and per rule is read from here.
    """

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[PolicyKind] = mapped_column(enum_column(PolicyKind))
    policy_version: Mapped[int] = mapped_column(Integer)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(BigId)
    outputs: Mapped[dict | None] = mapped_column(JsonType)
    items: Mapped[list | None] = mapped_column(JsonType)
    fired_rules: Mapped[list[str]] = mapped_column(JsonType, default=list)
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    facts: Mapped[dict] = mapped_column(JsonType, default=dict)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    correct: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_decisions_subject", "subject_type", "subject_id"),
        Index("ix_decisions_kind_version", "kind", "policy_version"),
    )
