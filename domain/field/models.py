"""Field records: migrant workers, volunteer services, practical deeds, grid meetings, patrols."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base, BigId, UTCDateTime, utcnow


class MigrantWorker(Base):
    """外来务工人员信息. One row per person: the keyed hash of the resident ID is unique,
    so a second record of the same ID updates instead of duplicating."""

    __tablename__ = "migrant_workers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    resident_id_cipher: Mapped[str] = mapped_column(Text)
    resident_id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    phone_cipher: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    home_province: Mapped[str | None] = mapped_column(String(20))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str] = mapped_column(String(255))
    residence: Mapped[str | None] = mapped_column(String(200))
    collector_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_migrant_workers_area_path_collected", "area_path", "collected_at"),
    )


class VolunteerService(Base):
    """志愿服务."""

    __tablename__ = "volunteer_services"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    volunteers: Mapped[int] = mapped_column(Integer, default=0)
    beneficiaries: Mapped[int] = mapped_column(Integer, default=0)
    beneficiary_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_volunteer_services_area_path_held", "area_path", "held_at"),)


class PracticalDeed(Base):
    """办实事."""

    __tablename__ = "practical_deeds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beneficiaries: Mapped[int] = mapped_column(Integer, default=0)
    beneficiary_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_practical_deeds_area_path_done", "area_path", "done_at"),)


class GridMeeting(Base):
    """网格党总支调度会议, held monthly by each grid's branch."""

    __tablename__ = "grid_meetings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_grid_meetings_grid_held", "grid_id", "held_on"),)


class MeetingAttendee(Base):
    __tablename__ = "meeting_attendees"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("grid_meetings.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)


class PatrolReport(Base):
    """A patrol visit (走访巡查) by a grid worker; months without one are assessable."""

    __tablename__ = "patrol_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    patrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_patrol_reports_member_at", "member_id", "patrolled_at"),)
