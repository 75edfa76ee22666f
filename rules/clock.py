"""Time for decisions: instants in Asia/Shanghai, the ``time.*`` facts and the workday calendar.

POLICY.md "Active window" and "Time": a bare date means 00:00 that day, a time
without an offset is Asia/Shanghai, and ``time.isWorkday`` follows a bundled,
configurable calendar of public holidays and make-up working days (调休).

The bundled calendar is ``rules/calendar/holidays.json``; the environment
variable ``GRIDGOV_HOLIDAY_CALENDAR`` naming a JSON file of the same format
replaces it. Outside the years a calendar covers, weekends are off and every
other day is a workday.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
CALENDAR_ENV: Final = "GRIDGOV_HOLIDAY_CALENDAR"
BUNDLED_CALENDAR: Final = Path(__file__).with_name("calendar") / "holidays.json"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|z|[+-]\d{2}:?\d{2})?"
)


def parse_instant(s: str) -> datetime:
    """An aware datetime from an ISO date or date-time.

    ``2026-12-01`` is 00:00 that day in Shanghai; ``2026-12-01T08:30`` (no
    offset) is Shanghai time; ``...Z`` and ``...+08:00`` keep their offset.
    Anything else raises ``ValueError``.
    """
    if not isinstance(s, str):
        raise ValueError(f"expected an ISO date or date-time string, got {type(s).__name__}")
    if _DATE.fullmatch(s):
        return datetime.combine(date.fromisoformat(s), time(0), tzinfo=SHANGHAI)
    if not _DATE_TIME.fullmatch(s):
        raise ValueError(f"not an ISO date or date-time: {s!r}")
    text = s[:-1] + "+00:00" if s[-1] in "Zz" else s
    parsed = datetime.fromisoformat(text)  # raises ValueError for 2026-02-30 and the like
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=SHANGHAI)


def time_facts(now: datetime) -> dict[str, object]:
    """The ``time.*`` facts of ``now`` in Asia/Shanghai (a naive ``now`` is read as Shanghai time)."""
    local = now.replace(tzinfo=SHANGHAI) if now.tzinfo is None else now.astimezone(SHANGHAI)
    day = local.date()
    return {
        "hour": local.hour,
        "weekday": local.isoweekday(),
        "date": day.isoformat(),
        "isWorkday": is_workday(day),
    }


def is_workday(d: date) -> bool:
    """Whether ``d`` is a working day: weekends and holidays off, make-up days (调休) on."""
    if isinstance(d, datetime):
        d = (d.replace(tzinfo=SHANGHAI) if d.tzinfo is None else d.astimezone(SHANGHAI)).date()
    return current_calendar().is_workday(d)


class CalendarError(ValueError):
    """A holiday calendar file that cannot be read or does not have the expected shape."""


@dataclass(frozen=True, slots=True)
class Calendar:
    """Public holidays and make-up working days, by ISO date."""

    holidays: frozenset[str]
    workdays: frozenset[str]
    source: str

    def is_workday(self, d: date) -> bool:
        key = d.isoformat()
        if key in self.workdays:
            return True
        if key in self.holidays:
            return False
        return d.isoweekday() <= 5


def load_calendar(path: str | os.PathLike[str]) -> Calendar:
    """Read a calendar file: ``{"holidays": {date: name} | [date], "workdays": {date: name} | [date]}``."""
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, ValueError) as exc:
        raise CalendarError(f"cannot read holiday calendar {os.fspath(path)!r}: {exc}") from exc
    if not isinstance(raw, dict):
        raise CalendarError(f"holiday calendar {os.fspath(path)!r} must be a JSON object")
    return Calendar(
        holidays=_dates(raw, "holidays", path),
        workdays=_dates(raw, "workdays", path),
        source=os.fspath(path),
    )


def _dates(raw: dict[str, object], key: str, path: str | os.PathLike[str]) -> frozenset[str]:
    value = raw.get(key, [])
    if not isinstance(value, (dict, list)):
        raise CalendarError(f"holiday calendar {os.fspath(path)!r}: {key!r} must be an object or a list")
    out = set()
    for item in value:
        try:
            if not isinstance(item, str) or not _DATE.fullmatch(item):
                raise ValueError(item)
            out.add(date.fromisoformat(item).isoformat())
        except ValueError:
            raise CalendarError(
                f"holiday calendar {os.fspath(path)!r}: {key!r} holds {item!r}, not a YYYY-MM-DD date"
            ) from None
    return frozenset(out)


_loaded: dict[str, Calendar] = {}


def current_calendar() -> Calendar:
    """The calendar in force: the file named by ``GRIDGOV_HOLIDAY_CALENDAR``, else the bundled one.

    Each file is read once per process (by path); point the variable at another
    file to switch.
    """
    path = os.environ.get(CALENDAR_ENV) or os.fspath(BUNDLED_CALENDAR)
    calendar = _loaded.get(path)
    if calendar is None:
        calendar = _loaded[path] = load_calendar(path)
    return calendar
