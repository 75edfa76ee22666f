"""The five default policies (rules/defaults/*.json): valid against the seed organisation,
no warnings, and their own tests pass on the real engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rules.facts import KINDS, MEMBER_ROLES
from rules.testing import run_document_tests
from rules.validation import validate

from .conftest import SEED_DEPARTMENTS

DEFAULTS_DIR = Path(__file__).resolve().parents[3] / "rules" / "defaults"


def load(kind: str) -> dict[str, Any]:
    return json.loads((DEFAULTS_DIR / f"{kind}.json").read_text(encoding="utf-8"))


def test_one_default_per_kind() -> None:
    assert sorted(p.stem for p in DEFAULTS_DIR.glob("*.json")) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_default_is_valid_and_its_tests_pass(kind: str) -> None:
    doc = load(kind)
    assert doc["kind"] == kind
    result = validate((DEFAULTS_DIR / f"{kind}.json").read_bytes(), department_codes=SEED_DEPARTMENTS)
    assert result.errors == [] and result.warnings == []
    assert result.tests_run
    passed, failed = run_document_tests(doc)
    assert failed == [] and passed == len(doc["tests"]) >= 5


@pytest.mark.parametrize("kind", KINDS)
def test_default_rules_have_titles(kind: str) -> None:
    assert all(isinstance(r.get("title"), str) and r["title"] for r in load(kind)["rules"])


def test_routing_covers_the_seed_departments_and_stays_in_size() -> None:
    doc = load("incident-routing")
    assert 25 <= len(doc["rules"]) <= 35
    picked = {r["then"].get("department") for r in doc["rules"]}
    assert {"LABOR", "CONSTRUCTION", "EMERGENCY", "FIRE", "ENVIRONMENT", "POLICE", "PETITION", "GRID_CENTER"} <= picked
    assert doc["default"] == {"department": "GRID_CENTER", "level": 1, "dueInHours": 72, "manual": False}


def test_routing_goes_manual_when_the_returning_department_would_be_picked_again() -> None:
    doc = load("incident-routing")
    manual = [r for r in doc["rules"] if r["then"].get("manual") is True]
    assert {r["then"]["department"] for r in manual} >= {"LABOR", "CONSTRUCTION", "EMERGENCY", "FIRE", "ENVIRONMENT", "POLICE", "PETITION"}
    top = max(r.get("priority", 0) for r in doc["rules"])
    assert all(r.get("priority", 0) == top for r in manual)


def test_scoring_items_caps_base_and_grades() -> None:
    doc = load("assessment-scoring")
    assert (doc["base"], doc["floor"]) == (100, 0)
    assert doc["grades"] == [
        {"min": 90, "grade": "EXCELLENT"}, {"min": 75, "grade": "GOOD"}, {"min": 60, "grade": "PASS"}, {"min": 0, "grade": "FAIL"},
    ]
    by_event = {r["when"]["eq"]: r for r in doc["rules"] if r["when"].get("fact") == "event.type"}
    expected = {
        "INCIDENT_OVERDUE": (-2, 10), "INCIDENT_REOPENED": (-3, 9), "MEETING_MISSED": (-5, None), "PROMISE_BROKEN": (-3, None),
        "INCIDENT_SELF_RESOLVED": (1, 5), "VOLUNTEER_SERVICE": (1, 3), "PRACTICAL_DEED": (2, 4), "INCIDENT_CLOSED_ON_TIME": (0.5, 5),
    }
    for event, (points, cap) in expected.items():
        assert (by_event[event]["then"]["points"], by_event[event].get("cap")) == (points, cap), event
    low = next(r for r in doc["rules"] if r["id"] == "low-satisfaction")
    assert low["then"]["points"] == -2


def test_officers_by_level() -> None:
    doc = load("officer-assignment")
    roles = {r["id"]: r["then"] for r in doc["rules"]}
    assert roles["level-1"]["officer"] == {"role": "GRID_LEADER", "scope": "GRID"}
    assert roles["level-2"]["officer"] == {"role": "PARK_RESPONDER", "scope": "PARK"}
    assert roles["level-3"]["officer"] == {"role": "DEPARTMENT_RESPONDER"}
    assert roles["level-3"]["otherwise"] == [{"role": "PARK_RESPONDER", "scope": "PARK"}]
    for then in [*roles.values(), doc["default"]]:
        for sel in [then["officer"], *then.get("otherwise", [])]:
            assert "member" in sel or sel["role"] in MEMBER_ROLES


@pytest.mark.parametrize(
    ("points", "total", "grade"),
    [([], 100, "EXCELLENT"), ([-2] * 5, 90, "EXCELLENT"), ([-5, -5, -0.5], 89.5, "GOOD"), ([-25], 75, "GOOD"),
     ([-40, 0.5], 60.5, "PASS"), ([-41], 59, "FAIL"), ([-300], 0, "FAIL")],
)
def test_scoring_total_is_base_plus_points_floored_and_graded(points: list[float], total: float, grade: str) -> None:
    from rules.document import total_and_grade

    assert total_and_grade(load("assessment-scoring"), points) == (total, grade)


def test_scoring_settings_default_when_the_document_omits_them() -> None:
    from rules.document import scoring_settings, total_and_grade

    doc = {"kind": "assessment-scoring", "rules": []}
    assert scoring_settings(doc) == (100, 0, load("assessment-scoring")["grades"])
    assert total_and_grade({**doc, "base": 50, "floor": 10, "grades": [{"min": 60, "grade": "PASS"}]}, [-45]) == (10, None)
