"""POLICY.md "Active window" and "Time": instants in Asia/Shanghai, the time.* facts, the calendar."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from rules import clock
from rules.clock import SHANGHAI, is_workday, parse_instant, time_facts

UTC = timezone.utc

INSTANTS = [
    ("2026-12-01", datetime(2026, 11, 30, 16, 0, tzinfo=UTC)),  # bare date: 00:00 that day in Shanghai
    ("2027-01-01", datetime(2026, 12, 31, 16, 0, tzinfo=UTC)),
    ("2026-12-01T08:30", datetime(2026, 12, 1, 0, 30, tzinfo=UTC)),  # no offset: Shanghai
    ("2026-12-01T08:30:15", datetime(2026, 12, 1, 0, 30, 15, tzinfo=UTC)),
    ("2026-12-01 08:30:15.250", datetime(2026, 12, 1, 0, 30, 15, 250000, tzinfo=UTC)),
    ("2026-11-26T10:00:00+08:00", datetime(2026, 11, 26, 2, 0, tzinfo=UTC)),
    ("2026-11-26T10:00:00Z", datetime(2026, 11, 26, 10, 0, tzinfo=UTC)),
    ("2026-11-26T10:00:00-05:00", datetime(2026, 11, 26, 15, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize(("text", "instant"), INSTANTS, ids=[t for t, _ in INSTANTS])
def test_parse_instant(text: str, instant: datetime) -> None:
    parsed = parse_instant(text)
    assert parsed.tzinfo is not None
    assert parsed == instant


def test_no_offset_means_shanghai_zone() -> None:
    assert parse_instant("2026-12-01").tzinfo is SHANGHAI
    assert parse_instant("2026-12-01T23:59").utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    "text",
    ["", "tomorrow", "2026-1-5", "20261201", "2026-02-30", "2026-13-01", "2026-12-01T24:00", "2026-12-01T08", "12/01/2026",
     "2026-12-01T08:00+8", " 2026-12-01"],
)
def test_parse_instant_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text)


def test_parse_instant_refuses_non_strings() -> None:
    with pytest.raises(ValueError):
        parse_instant(20261201)  # type: ignore[arg-type]


TIME_FACTS = [
    # now, hour, weekday, date, isWorkday
    ("2026-11-26T10:00:00+08:00", 10, 4, "2026-11-26", True),  # Thursday
    ("2026-11-26T20:30:00Z", 4, 5, "2026-11-27", True),  # UTC evening is the next morning in Shanghai
    ("2026-11-28T09:00:00+08:00", 9, 6, "2026-11-28", False),  # Saturday
    ("2026-11-29T23:59:59+08:00", 23, 7, "2026-11-29", False),  # Sunday
    ("2026-10-05T09:00:00+08:00", 9, 1, "2026-10-05", False),  # National Day holiday on a Monday
    ("2026-10-10T09:00:00+08:00", 9, 6, "2026-10-10", True),  # make-up Saturday (调休)
    ("2026-02-14T09:00:00+08:00", 9, 6, "2026-02-14", True),  # make-up Saturday before the Spring Festival
    ("2026-02-16T09:00:00+08:00", 9, 1, "2026-02-16", False),  # Spring Festival eve, a Monday
    ("2026-09-20T12:00:00+08:00", 12, 7, "2026-09-20", True),  # make-up Sunday
    ("2026-01-01T00:00:00+08:00", 0, 4, "2026-01-01", False),  # New Year's Day
    ("2025-12-31T16:00:00Z", 0, 4, "2026-01-01", False),  # the same instant in UTC
    ("2025-01-26T09:00:00+08:00", 9, 7, "2025-01-26", True),  # 2025 make-up Sunday
    ("2025-10-08T09:00:00+08:00", 9, 3, "2025-10-08", False),  # 2025 National Day + Mid-Autumn
]


@pytest.mark.parametrize(("now", "hour", "weekday", "day", "workday"), TIME_FACTS, ids=[r[0] for r in TIME_FACTS])
def test_time_facts(now: str, hour: int, weekday: int, day: str, workday: bool) -> None:
    assert time_facts(parse_instant(now)) == {"hour": hour, "weekday": weekday, "date": day, "isWorkday": workday}


def test_time_facts_of_a_naive_datetime_read_it_as_shanghai() -> None:
    assert time_facts(datetime(2026, 11, 26, 7, 0))["hour"] == 7


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 11, 26), True),  # ordinary Thursday
        (date(2026, 11, 28), False),  # ordinary Saturday
        (date(2026, 5, 9), True),  # 调休 Saturday after Labour Day
        (date(2026, 5, 4), False),  # Labour Day holiday, a Monday
        (date(2026, 6, 19), False),  # Dragon Boat, a Friday
        (date(2026, 10, 8), True),  # the Thursday after National Day
        (date(2025, 4, 27), True),  # 2025 调休 Sunday
        (date(2025, 2, 4), False),  # 2025 Spring Festival, a Tuesday
        (date(2027, 10, 4), False),  # 2027 (projected) National Day, a Monday
        (date(2024, 10, 1), True),  # outside the calendar: weekdays are workdays
    ],
)
def test_is_workday(day: date, workday: bool) -> None:
    assert is_workday(day) is workday


def test_bundled_calendar_covers_2025_to_2027_and_says_2027_is_projected() -> None:
    raw = json.loads(clock.BUNDLED_CALENDAR.read_text(encoding="utf-8"))
    assert raw["years"] == [2025, 2026, 2027] and raw["projected"] == [2027]
    assert "2027" in raw["note"]
    for d in raw["workdays"]:  # every make-up working day falls on a weekend
        assert date.fromisoformat(d).isoweekday() >= 6, d
    assert not set(raw["workdays"]) & set(raw["holidays"])


def test_the_calendar_file_from_the_environment_replaces_the_bundled_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({"holidays": ["2026-11-26"], "workdays": {"2026-11-28": "补班"}}), encoding="utf-8")
    monkeypatch.setenv(clock.CALENDAR_ENV, str(path))
    assert is_workday(date(2026, 11, 26)) is False
    assert is_workday(date(2026, 11, 28)) is True
    assert is_workday(date(2026, 10, 5)) is True  # the bundled holidays are gone
    assert time_facts(parse_instant("2026-11-26T10:00"))["isWorkday"] is False
    monkeypatch.delenv(clock.CALENDAR_ENV)
    assert is_workday(date(2026, 11, 26)) is True


@pytest.mark.parametrize(
    "content", ["not json", "[]", '{"holidays": "2026-11-26"}', '{"holidays": ["26/11/2026"]}', '{"workdays": [20261128]}']
)
def test_a_bad_calendar_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    monkeypatch.setenv(clock.CALENDAR_ENV, str(path))
    with pytest.raises(clock.CalendarError, match="bad.json"):
        is_workday(date(2026, 11, 26))


def test_a_missing_calendar_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.CALENDAR_ENV, str(tmp_path / "nope.json"))
    with pytest.raises(clock.CalendarError, match="nope.json"):
        is_workday(date(2026, 11, 26))
