"""Date-times as the API takes them: without an offset a value is Asia/Shanghai wall-clock
time (POLICY.md's convention, ``domain.incidents.report.shanghai_time``); stored and
compared in UTC. Years at the edge of what ``datetime`` holds (0001, 9999) may not
convert to UTC at all: an input is then ``INVALID``, a filter bound is clamped."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.errors import DomainError
from domain.incidents.report import shanghai_time


def _utc(value: datetime | None) -> tuple[datetime | None, datetime | None]:
    """(the value made aware, the same instant in UTC or ``None`` if UTC cannot hold it)."""
    aware = shanghai_time(value)
    if aware is None:
        return None, None
    try:
        return aware, aware.astimezone(UTC)
    except (OverflowError, ValueError):
        return aware, None


def input_utc(value: datetime | None, field: str) -> datetime | None:
    """A date-time to store: aware UTC, or ``INVALID`` on ``field``."""
    aware, utc = _utc(value)
    if aware is not None and utc is None:
        raise DomainError("INVALID", "时间超出可表示的范围", field)
    return utc


def bound_utc(value: datetime | None) -> datetime | None:
    """A filter bound in UTC; one beyond what UTC can hold is clamped (it bounds nothing)."""
    aware, utc = _utc(value)
    if aware is not None and utc is None:
        return datetime.min.replace(tzinfo=UTC) if aware.year < 5000 else datetime.max.replace(tzinfo=UTC)
    return utc
