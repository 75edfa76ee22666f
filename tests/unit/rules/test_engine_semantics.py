"""POLICY.md "Conditions", "Order", "Active window", "Time", "Hit policies" on the durable_rules runtime.

Each case is one sentence of POLICY.md: a condition, the facts, whether the rule
fires. Every case is also checked against the reference evaluator.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from rules.clock import SHANGHAI, parse_instant
from rules.engine import compile_policy

from .conftest import DEFAULTS, rule
from .reference import evaluate

NOW = parse_instant("2026-11-26T10:00:00+08:00")  # a Thursday, a workday


def routing(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "incident-routing", "title": "t", "rules": list(rules), "default": dict(DEFAULTS["incident-routing"])}


def decide(doc: dict[str, Any], facts: dict[str, Any], now: datetime = NOW) -> dict[str, Any]:
    """The engine's decision as JSON, after checking it against the reference evaluator."""
    policy = compile_policy(doc, version=1)
    try:
        decision = policy.decide(facts, now).to_json()
    finally:
        policy.close()
    assert not decision["fallback"], decision["error"]
    expected = evaluate(doc, facts, now)
    key = "items" if "items" in expected else "outputs"
    assert (decision[key], decision["firedRules"]) == (expected[key], expected["firedRules"])
    return decision


def fires(when: dict[str, Any], facts: dict[str, Any], now: datetime = NOW) -> bool:
    return decide(routing(rule("r1", when)), facts, now)["firedRules"] == ["r1"]


def inc(**fields: Any) -> dict[str, Any]:
    return {"incident": fields}


# (condition, facts, fires?) — one POLICY.md sentence each
ATOMS: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # eq / ne
    ("eq enum", {"fact": "incident.category", "eq": "LABOR_DISPUTE"}, inc(category="LABOR_DISPUTE"), True),
    ("eq other value", {"fact": "incident.category", "eq": "LABOR_DISPUTE"}, inc(category="FIRE_HAZARD"), False),
    ("eq absent", {"fact": "incident.category", "eq": "LABOR_DISPUTE"}, {}, False),
    ("ne differs", {"fact": "incident.category", "ne": "LABOR_DISPUTE"}, inc(category="FIRE_HAZARD"), True),
    ("ne equal", {"fact": "incident.category", "ne": "LABOR_DISPUTE"}, inc(category="LABOR_DISPUTE"), False),
    ("ne is false when absent", {"fact": "incident.category", "ne": "LABOR_DISPUTE"}, {}, False),
    ("ne is false when null", {"fact": "incident.category", "ne": "LABOR_DISPUTE"}, inc(category=None), False),
    ("eq number", {"fact": "incident.peopleInvolved", "eq": 40}, inc(peopleInvolved=40), True),
    ("eq int equals float", {"fact": "incident.amountInvolved", "eq": 5000}, inc(amountInvolved=5000.0), True),
    ("eq boolean", {"fact": "incident.resolvedOnSite", "eq": True}, inc(resolvedOnSite=True), True),
    ("eq boolean false", {"fact": "incident.resolvedOnSite", "eq": True}, inc(resolvedOnSite=False), False),
    ("ne boolean", {"fact": "incident.resolvedOnSite", "ne": True}, inc(resolvedOnSite=False), True),
    ("eq string with quotes", {"fact": "grid.code", "eq": 'G"1\\2'}, {"grid": {"code": 'G"1\\2'}}, True),
    ("eq chinese", {"fact": "park.type", "eq": "化工园区"}, {"park": {"type": "化工园区"}}, True),
    # ordering, numbers only
    ("gte at edge", {"fact": "incident.peopleInvolved", "gte": 30}, inc(peopleInvolved=30), True),
    ("gte below", {"fact": "incident.peopleInvolved", "gte": 30}, inc(peopleInvolved=29), False),
    ("gt at edge", {"fact": "incident.peopleInvolved", "gt": 30}, inc(peopleInvolved=30), False),
    ("gt above", {"fact": "incident.peopleInvolved", "gt": 30}, inc(peopleInvolved=31), True),
    ("lt", {"fact": "incident.peopleInvolved", "lt": 3}, inc(peopleInvolved=2), True),
    ("lt at edge", {"fact": "incident.peopleInvolved", "lt": 3}, inc(peopleInvolved=3), False),
    ("lte at edge", {"fact": "incident.peopleInvolved", "lte": 3}, inc(peopleInvolved=3), True),
    ("lt is false when absent", {"fact": "incident.peopleInvolved", "lt": 3}, {}, False),
    ("fractional", {"fact": "incident.amountInvolved", "gt": 999.5}, inc(amountInvolved=999.75), True),
    ("fractional below", {"fact": "incident.amountInvolved", "gt": 999.5}, inc(amountInvolved=999.25), False),
    ("large amount", {"fact": "incident.amountInvolved", "gte": 1e12}, inc(amountInvolved=2.5e12), True),
    ("tiny fraction", {"fact": "incident.amountInvolved", "lt": 1e-7}, inc(amountInvolved=5e-8), True),
    ("integer fact takes a float", {"fact": "incident.peopleInvolved", "gte": 30}, inc(peopleInvolved=30.5), True),
    # in / notIn
    ("in", {"fact": "incident.category", "in": ["FIRE_HAZARD", "SAFETY_HAZARD"]}, inc(category="FIRE_HAZARD"), True),
    ("in other", {"fact": "incident.category", "in": ["FIRE_HAZARD", "SAFETY_HAZARD"]}, inc(category="OTHER"), False),
    ("in absent", {"fact": "incident.category", "in": ["FIRE_HAZARD"]}, {}, False),
    ("in numbers", {"fact": "incident.severity", "in": [3, 4]}, inc(severity=4), True),
    ("notIn", {"fact": "incident.category", "notIn": ["FIRE_HAZARD"]}, inc(category="OTHER"), True),
    ("notIn member", {"fact": "incident.category", "notIn": ["FIRE_HAZARD"]}, inc(category="FIRE_HAZARD"), False),
    ("notIn is false when absent", {"fact": "incident.category", "notIn": ["FIRE_HAZARD"]}, {}, False),
    ("notIn empty list", {"fact": "incident.category", "notIn": []}, inc(category="OTHER"), True),
    ("in empty list", {"fact": "incident.category", "in": []}, inc(category="OTHER"), False),
    # contains: substring of a string, member of a list
    ("contains substring", {"fact": "incident.text", "contains": "欠薪"}, inc(text="工地欠薪三个月"), True),
    ("contains no substring", {"fact": "incident.text", "contains": "欠薪"}, inc(text="工地欠款"), False),
    ("contains absent", {"fact": "incident.text", "contains": "欠薪"}, {}, False),
    ("contains member", {"fact": "incident.returnedBy", "contains": "LABOR"}, inc(returnedBy=["FIRE", "LABOR"]), True),
    ("contains no member", {"fact": "incident.returnedBy", "contains": "LABOR"}, inc(returnedBy=["LABOR_X"]), False),
    ("contains empty list", {"fact": "incident.returnedBy", "contains": "LABOR"}, inc(returnedBy=[]), False),
    # matches: anywhere, Chinese, classes, DOTALL, case-sensitive
    ("matches anywhere", {"fact": "incident.text", "matches": "拖欠.*工资"}, inc(text="某厂拖欠三月工资，工人聚集"), True),
    ("matches alternation", {"fact": "incident.text", "matches": "欠薪|讨薪"}, inc(text="农民工讨薪"), True),
    ("matches no", {"fact": "incident.text", "matches": "欠薪|讨薪"}, inc(text="农民工讨债"), False),
    ("dot matches newline", {"fact": "incident.text", "matches": "冒.烟"}, inc(text="冒\n烟"), True),
    ("digits", {"fact": "incident.text", "matches": "\\d+人"}, inc(text="约40人聚集"), True),
    ("\\d is ASCII only", {"fact": "incident.text", "matches": "\\d人"}, inc(text="四十人"), False),
    ("\\s takes newline", {"fact": "incident.text", "matches": "a\\sb"}, inc(text="a\nb"), True),
    ("\\w is ASCII word", {"fact": "incident.text", "matches": "\\w"}, inc(text="中文。"), False),
    ("\\w takes underscore", {"fact": "incident.text", "matches": "\\w"}, inc(text="中_文"), True),
    ("negated class", {"fact": "incident.text", "matches": "工[^资]"}, inc(text="工资工人"), True),
    ("negated class no", {"fact": "incident.text", "matches": "工[^资人]"}, inc(text="工资工人"), False),
    ("wide range", {"fact": "incident.text", "matches": "[一-龥]"}, inc(text="abc中"), True),
    ("case-sensitive", {"fact": "incident.text", "matches": "ABC"}, inc(text="abc"), False),
    ("escaped dot is literal", {"fact": "incident.text", "matches": "a\\.b"}, inc(text="axb"), False),
    ("escaped letter is literal", {"fact": "incident.text", "matches": "\\n"}, inc(text="n"), True),
    ("group repeat", {"fact": "incident.text", "matches": "(哈)+"}, inc(text="哈哈"), True),
    ("matches absent", {"fact": "incident.text", "matches": "."}, {}, False),
    # exists
    ("exists", {"fact": "incident.level", "exists": True}, inc(level=2), True),
    ("exists absent", {"fact": "incident.level", "exists": True}, {}, False),
    ("exists null", {"fact": "incident.level", "exists": True}, inc(level=None), False),
    ("exists false absent", {"fact": "incident.level", "exists": False}, {}, True),
    ("exists false present", {"fact": "incident.level", "exists": False}, inc(level=2), False),
    ("exists empty list", {"fact": "incident.returnedBy", "exists": True}, inc(returnedBy=[]), True),
    # typed facts: the wrong type, outside the enum or range counts as absent
    ("string is not a number", {"fact": "incident.peopleInvolved", "exists": True}, inc(peopleInvolved="40"), False),
    ("boolean is not a number", {"fact": "incident.peopleInvolved", "gte": 1}, inc(peopleInvolved=True), False),
    ("number is not a boolean", {"fact": "incident.resolvedOnSite", "eq": True}, inc(resolvedOnSite=1), False),
    ("outside the enum", {"fact": "incident.category", "exists": True}, inc(category="LABOUR_DISPUTE"), False),
    ("outside the range", {"fact": "incident.severity", "exists": True}, inc(severity=7), False),
    ("below the minimum", {"fact": "incident.peopleInvolved", "exists": True}, inc(peopleInvolved=-1), False),
    ("list of non-strings", {"fact": "incident.returnedBy", "exists": True}, inc(returnedBy=["A", 1]), False),
    ("string list is not a string", {"fact": "incident.text", "exists": True}, inc(text=["a"]), False),
    ("object is not a string", {"fact": "incident.text", "exists": True}, inc(text={"a": 1}), False),
    ("facts not nested are unknown", {"fact": "incident.category", "exists": True}, {"incident.category": "OTHER"}, False),
    # not: plain negation, true when the fact is absent
    ("not eq absent", {"not": {"fact": "incident.category", "eq": "OTHER"}}, {}, True),
    ("not eq equal", {"not": {"fact": "incident.category", "eq": "OTHER"}}, inc(category="OTHER"), False),
    ("not eq other", {"not": {"fact": "incident.category", "eq": "OTHER"}}, inc(category="PETITION"), True),
    ("not ne absent", {"not": {"fact": "incident.category", "ne": "OTHER"}}, {}, True),
    ("not ne equal", {"not": {"fact": "incident.category", "ne": "OTHER"}}, inc(category="OTHER"), True),
    ("not gt absent", {"not": {"fact": "incident.peopleInvolved", "gt": 5}}, {}, True),
    ("not gt above", {"not": {"fact": "incident.peopleInvolved", "gt": 5}}, inc(peopleInvolved=6), False),
    ("not gt at edge", {"not": {"fact": "incident.peopleInvolved", "gt": 5}}, inc(peopleInvolved=5), True),
    ("not in absent", {"not": {"fact": "incident.category", "in": ["OTHER"]}}, {}, True),
    ("not in member", {"not": {"fact": "incident.category", "in": ["OTHER"]}}, inc(category="OTHER"), False),
    ("not notIn absent", {"not": {"fact": "incident.category", "notIn": ["OTHER"]}}, {}, True),
    ("not notIn member", {"not": {"fact": "incident.category", "notIn": ["OTHER"]}}, inc(category="OTHER"), True),
    ("not contains absent", {"not": {"fact": "incident.returnedBy", "contains": "FIRE"}}, {}, True),
    ("not contains empty", {"not": {"fact": "incident.returnedBy", "contains": "FIRE"}}, inc(returnedBy=[]), True),
    ("not contains member", {"not": {"fact": "incident.returnedBy", "contains": "FIRE"}}, inc(returnedBy=["FIRE"]), False),
    ("not contains text", {"not": {"fact": "incident.text", "contains": "烟"}}, inc(text="冒烟"), False),
    ("not matches absent", {"not": {"fact": "incident.text", "matches": "烟"}}, {}, True),
    ("not matches other", {"not": {"fact": "incident.text", "matches": "烟"}}, inc(text="起火"), True),
    ("not exists", {"not": {"fact": "incident.level", "exists": True}}, {}, True),
    ("not not", {"not": {"not": {"fact": "incident.category", "eq": "OTHER"}}}, {}, False),
    # all / any nest freely
    (
        "all",
        {"all": [{"fact": "incident.category", "eq": "LABOR_DISPUTE"}, {"fact": "incident.peopleInvolved", "gte": 30}]},
        inc(category="LABOR_DISPUTE", peopleInvolved=40),
        True,
    ),
    (
        "all one false",
        {"all": [{"fact": "incident.category", "eq": "LABOR_DISPUTE"}, {"fact": "incident.peopleInvolved", "gte": 30}]},
        inc(category="LABOR_DISPUTE", peopleInvolved=3),
        False,
    ),
    (
        "any",
        {"any": [{"fact": "incident.peopleInvolved", "gte": 30}, {"fact": "incident.amountInvolved", "gte": 500000}]},
        inc(amountInvolved=800000),
        True,
    ),
    (
        "any none",
        {"any": [{"fact": "incident.peopleInvolved", "gte": 30}, {"fact": "incident.amountInvolved", "gte": 500000}]},
        inc(peopleInvolved=3),
        False,
    ),
    (
        "not any",
        {"not": {"any": [{"fact": "incident.severity", "gte": 3}, {"fact": "incident.text", "matches": "火"}]}},
        inc(severity=1, text="漏水"),
        True,
    ),
    (
        "not all with absent",
        {"not": {"all": [{"fact": "incident.severity", "gte": 3}, {"fact": "incident.level", "exists": True}]}},
        inc(severity=4),
        True,
    ),
    (
        "nested",
        {
            "any": [
                {"all": [{"fact": "grid.kind", "eq": "SMALL_GRID"}, {"not": {"fact": "history.gridSameCategory7d", "lt": 2}}]},
                {"all": [{"fact": "enterprise.hasPartyOrg", "eq": False}, {"fact": "enterprise.employees", "gte": 100}]},
            ]
        },
        {"grid": {"kind": "SMALL_GRID"}, "enterprise": {"hasPartyOrg": False, "employees": 150}},
        True,
    ),
]


@pytest.mark.parametrize(("when", "facts", "expected"), [c[1:] for c in ATOMS], ids=[c[0] for c in ATOMS])
def test_condition(when: dict[str, Any], facts: dict[str, Any], expected: bool) -> None:
    assert fires(when, facts) is expected


def test_unknown_paths_are_ignored() -> None:
    assert fires({"fact": "incident.category", "eq": "OTHER"}, {"incident": {"category": "OTHER", "x": 1}, "y": [1]})


# --- order, default overlay, disabled rules ------------------------------------------------


def test_priority_highest_first_then_document_order() -> None:
    doc = routing(
        rule("low", None, {"department": "A", "level": 1, "dueInHours": 1}, priority=1),
        rule("high", None, {"department": "B", "level": 2, "dueInHours": 2}, priority=9),
        rule("high-too", None, {"department": "C", "level": 3, "dueInHours": 3}, priority=9),
    )
    assert decide(doc, {})["firedRules"] == ["high"]


def test_first_matching_wins_in_order() -> None:
    doc = routing(
        rule("a", {"fact": "incident.category", "eq": "FIRE_HAZARD"}, {"department": "FIRE", "level": 3, "dueInHours": 2}),
        rule("b", {"fact": "incident.severity", "gte": 3}, {"department": "EMERGENCY", "level": 3, "dueInHours": 4}),
        rule("c", None, {"department": "X", "level": 1, "dueInHours": 9}, priority=-1),
    )
    assert decide(doc, inc(category="FIRE_HAZARD", severity=4))["firedRules"] == ["a"]
    assert decide(doc, inc(category="OTHER", severity=4))["firedRules"] == ["b"]
    assert decide(doc, inc(category="OTHER", severity=1))["firedRules"] == ["c"]


def test_outputs_are_default_overlaid_with_then() -> None:
    doc = routing(rule("r1", None, {"department": "LABOR", "level": 3}))
    doc["default"] = {"department": "GRID_CENTER", "level": 1, "dueInHours": 72, "manual": True}
    out = decide(doc, {})
    assert out["outputs"] == {"department": "LABOR", "level": 3, "dueInHours": 72, "manual": True}
    assert out["firedRules"] == ["r1"]


def test_then_may_be_empty() -> None:
    out = decide(routing(rule("r1", None, {})), {})
    assert out["outputs"] == DEFAULTS["incident-routing"] and out["firedRules"] == ["r1"]


def test_no_match_gives_default_and_no_fired_rules() -> None:
    out = decide(routing(rule("r1", {"fact": "incident.category", "eq": "PETITION"})), inc(category="OTHER"))
    assert out["outputs"] == DEFAULTS["incident-routing"] and out["firedRules"] == []


def test_manual_defaults_to_false() -> None:
    doc = routing(rule("r1", None, {"department": "LABOR"}))
    doc["default"] = {"department": "GRID_CENTER", "level": 1, "dueInHours": 72}
    assert decide(doc, {})["outputs"]["manual"] is False


def test_disabled_rules_never_fire() -> None:
    doc = routing(rule("off", None, {"department": "X"}, enabled=False), rule("on", None, {"department": "Y"}))
    assert decide(doc, {})["firedRules"] == ["on"]


# --- active windows ------------------------------------------------------------------------

WINDOWS = [
    # (activeFrom, activeUntil, now, active?)
    ("2026-12-01", "2027-01-01", "2026-12-01T00:00:00+08:00", True),  # from is inclusive, bare date 00:00 Shanghai
    ("2026-12-01", "2027-01-01", "2026-11-30T23:59:59.999999+08:00", False),
    ("2026-12-01", "2027-01-01", "2026-11-30T16:00:00Z", True),  # = 2026-12-01T00:00 in Shanghai
    ("2026-12-01", "2027-01-01", "2026-11-30T15:59:59Z", False),
    ("2026-12-01", "2027-01-01", "2026-12-31T23:59:59+08:00", True),
    ("2026-12-01", "2027-01-01", "2027-01-01T00:00:00+08:00", False),  # until is exclusive
    ("2026-12-01T08:30", None, "2026-12-01T08:30:00+08:00", True),  # no offset: Shanghai
    ("2026-12-01T08:30", None, "2026-12-01T00:29:59Z", False),
    (None, "2026-12-01T08:30:00Z", "2026-12-01T16:29:59+08:00", True),
    (None, "2026-12-01T08:30:00Z", "2026-12-01T16:30:00+08:00", False),
    ("2027-01-01", "2026-12-01", "2026-12-15T12:00:00+08:00", False),  # never active
]


@pytest.mark.parametrize(("start", "end", "now", "active"), WINDOWS)
def test_active_window(start: str | None, end: str | None, now: str, active: bool) -> None:
    extra = {k: v for k, v in (("activeFrom", start), ("activeUntil", end)) if v is not None}
    doc = routing(rule("window", None, {"department": "X"}, **extra), rule("always", None, {"department": "Y"}))
    assert decide(doc, {}, parse_instant(now))["firedRules"] == (["window"] if active else ["always"])


def test_naive_now_is_shanghai() -> None:
    doc = routing(rule("w", None, {"department": "X"}, activeFrom="2026-12-01"))
    assert decide(doc, {}, datetime(2026, 12, 1, 0, 0))["firedRules"] == ["w"]


# --- time facts ----------------------------------------------------------------------------


def test_time_facts_come_from_now_in_shanghai() -> None:
    now = datetime(2026, 11, 26, 17, 30, tzinfo=timezone.utc)  # 01:30 on Friday 27th in Shanghai
    assert fires({"fact": "time.hour", "eq": 1}, {}, now)
    assert fires({"fact": "time.weekday", "eq": 5}, {}, now)
    assert fires({"fact": "time.date", "eq": "2026-11-27"}, {}, now)


def test_weekend_is_not_a_workday() -> None:
    saturday = datetime(2026, 11, 28, 10, tzinfo=SHANGHAI)
    assert fires({"fact": "time.isWorkday", "eq": False}, {}, saturday)
    assert fires({"fact": "time.isWorkday", "eq": True}, {}, saturday - timedelta(days=2))


def test_time_facts_given_win() -> None:
    assert fires({"fact": "time.hour", "eq": 3}, {"time": {"hour": 3}})
    assert not fires({"fact": "time.hour", "eq": 3}, {"time": {"hour": 25}})  # invalid: derived from now instead
    assert fires({"fact": "time.hour", "eq": 10}, {"time": {"hour": 25}})


# --- COLLECT -------------------------------------------------------------------------------


def scoring(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "assessment-scoring", "title": "t", "rules": list(rules)}


def test_collect_fires_every_matching_rule_in_order() -> None:
    doc = scoring(
        rule("late", {"fact": "event.type", "eq": "INCIDENT_OVERDUE"}, {"points": -2, "reason": "超期"}),
        rule("very-late", {"fact": "event.overdueHours", "gte": 48}, {"points": -3}, priority=5),
        rule("member", {"fact": "subject.kind", "eq": "MEMBER"}, {"points": 0}),
        rule("grid", {"fact": "subject.kind", "eq": "GRID"}, {"points": -1}),
    )
    out = decide(doc, {"event": {"type": "INCIDENT_OVERDUE", "overdueHours": 50}, "subject": {"kind": "MEMBER"}})
    assert out["firedRules"] == ["very-late", "late", "member"]
    assert out["items"] == [
        {"rule": "very-late", "points": -3, "reason": "very-late"},  # reason defaults to the title
        {"rule": "late", "points": -2, "reason": "超期"},
        {"rule": "member", "points": 0, "reason": "member"},
    ]


def test_collect_rule_matching_along_several_paths_fires_once() -> None:
    when = {"any": [{"fact": "event.level", "gte": 1}, {"fact": "event.level", "gte": 2}, {"fact": "event.level", "lte": 3}]}
    out = decide(scoring(rule("x", when, {"points": 1})), {"event": {"level": 2}})
    assert out["firedRules"] == ["x"] and len(out["items"]) == 1


def test_collect_no_match_no_items() -> None:
    out = decide(scoring(rule("x", {"fact": "event.level", "gte": 2}, {"points": 1})), {"event": {"level": 1}})
    assert out["items"] == [] and out["firedRules"] == []


def test_collect_disabled_and_windowed() -> None:
    doc = scoring(
        rule("off", None, {"points": 1}, enabled=False),
        rule("later", None, {"points": 2}, activeFrom="2027-01-01"),
        rule("on", None, {"points": 3}),
    )
    assert decide(doc, {})["firedRules"] == ["on"]
    assert decide(doc, {}, parse_instant("2027-01-01"))["firedRules"] == ["later", "on"]


def test_every_kind_decides() -> None:
    docs = {
        "incident-escalation": {"fact": "trigger", "eq": "OVERDUE"},
        "officer-assignment": {"fact": "department.level", "eq": "PARK_OFFICE"},
        "order-routing": {"fact": "order.category", "eq": "FINANCING"},
    }
    facts = {
        "incident-escalation": {"trigger": "OVERDUE"},
        "officer-assignment": {"department": {"level": "PARK_OFFICE"}},
        "order-routing": {"order": {"category": "FINANCING"}},
    }
    for kind, when in docs.items():
        doc = {"kind": kind, "title": "t", "default": dict(DEFAULTS[kind]), "rules": [rule("r1", when, {})]}
        assert decide(doc, facts[kind])["firedRules"] == ["r1"]
        assert decide(doc, {})["firedRules"] == []


def test_very_long_text() -> None:
    """The engine keeps a string's length in 16 bits: 'abc' + 65,535 'x' would equal 'abc' there."""
    long = "abc" + "x" * 65_535
    assert not fires({"fact": "grid.code", "eq": "abc"}, {"grid": {"code": long}})
    assert fires({"fact": "grid.code", "ne": "abc"}, {"grid": {"code": long}})
    assert fires({"fact": "grid.code", "exists": True}, {"grid": {"code": long}})
    assert fires({"fact": "incident.text", "contains": "xxxx"}, {"incident": {"text": long}})
    assert fires({"fact": "incident.returnedBy", "contains": "abc"}, {"incident": {"returnedBy": ["x" * 70_000, "abc"]}})


def test_a_pattern_on_a_derived_time_fact_matches() -> None:
    """Found by the property test: ``time.date`` derived from ``now`` (not given) must be
    tested by ``matches`` like a given one."""
    from datetime import datetime

    from rules.clock import SHANGHAI
    from rules.engine import compile_policy

    doc = {
        "kind": "order-routing",
        "rules": [{"id": "r4", "when": {"fact": "time.date", "matches": "-11-"}, "then": {"dueInHours": 1}}],
        "default": {"department": "GRID_CENTER", "dueInHours": 120},
    }
    policy = compile_policy(doc, version=1)
    try:
        d = policy.decide({"time": {"hour": 0}}, datetime(2026, 11, 24, 10, tzinfo=SHANGHAI))
        assert d.fired_rules == ["r4"] and d.outputs["dueInHours"] == 1
        d = policy.decide({}, datetime(2026, 12, 24, 10, tzinfo=SHANGHAI))
        assert d.fired_rules == []
    finally:
        policy.close()
