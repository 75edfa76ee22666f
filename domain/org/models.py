"""Organisation (SPEC §1): the area tree, members, departments, enterprises, projects."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base, BigId, UTCDateTime, utcnow
from domain.enums import AreaKind, DepartmentLevel, DutyTag, MemberRole, PartyOrgKind
from domain.types import JsonType, enum_column


class Area(Base):
    """A node of DISTRICT → PARK → LARGE_GRID → SMALL_GRID.

    ``path`` is the materialised path of ids (``/1/4/9/``), so everything under an
    area is one indexed prefix query: ``path LIKE '/1/4/%'``.
    """

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[AreaKind] = mapped_column(enum_column(AreaKind), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), default="")
    depth: Mapped[int] = mapped_column(Integer, default=0)
    center_name: Mapped[str | None] = mapped_column(String(100))
    center_address: Mapped[str | None] = mapped_column(String(200))
    center_phone: Mapped[str | None] = mapped_column(String(32))
    party_org_name: Mapped[str | None] = mapped_column(String(100))
    party_org_kind: Mapped[PartyOrgKind | None] = mapped_column(enum_column(PartyOrgKind))
    party_secretary: Mapped[str | None] = mapped_column(String(50))
    brand: Mapped[str | None] = mapped_column(String(100))
    boundary: Mapped[dict | None] = mapped_column(JsonType)
    park_type: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_areas_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )


class Department(Base):
    """A park office or a district department (部门); ``code`` is what policies name."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[DepartmentLevel] = mapped_column(enum_column(DepartmentLevel), index=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    # The whistle responder (应哨责任人). Members point at departments too, so this
    # foreign key is added after both tables exist.
    responder_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", use_alter=True, name="fk_departments_responder_id_members")
    )
    has_platform_account: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Enterprise(Base):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    industry: Mapped[str | None] = mapped_column(String(50), index=True)
    employees: Mapped[int] = mapped_column(Integer, default=0)
    has_party_org: Mapped[bool] = mapped_column(Boolean, default=False)
    party_secretary_name: Mapped[str | None] = mapped_column(String(50))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    # Personal data (SPEC §5): encrypted, with a keyed hash for look-up.
    contact_phone_cipher: Mapped[str | None] = mapped_column(Text)
    contact_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Member(Base):
    """A person of the grid force (网格力量), attached to an area or a department."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    phone_cipher: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    has_terminal: Mapped[bool] = mapped_column(Boolean, default=False)
    on_duty_date: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Incidents assigned to the member in an open state (REPORTED, DISPATCHED, ACCEPTED):
    # kept by triggers on ``incidents`` (migration 0002), never written by the application.
    # Officer assignment ranks candidates by it.
    open_incidents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MemberRoleAssignment(Base):
    __tablename__ = "member_roles"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole), primary_key=True)

    __table_args__ = (Index("ix_member_roles_role", "role"),)


class MemberDuty(Base):
    __tablename__ = "member_duties"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    duty: Mapped[DutyTag] = mapped_column(enum_column(DutyTag), primary_key=True)


class TrainingRecord(Base):
    __tablename__ = "training_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Numeric(6, 1), default=0)


class Project(Base):
    """A project under construction (在建项目) of an enterprise in a grid."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="UNDER_CONSTRUCTION")
    investment: Mapped[float | None] = mapped_column(Numeric(16, 2))
    started_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


__all__ = [
    "Area",
    "Department",
    "Enterprise",
    "Member",
    "MemberDuty",
    "MemberRoleAssignment",
    "Project",
    "TrainingRecord",
]
