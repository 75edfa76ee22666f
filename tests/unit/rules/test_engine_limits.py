"""POLICY.md "Limits": at least 300 rules of up to 10 conditions each, whatever their shape, and
``LIMIT_EXCEEDED`` — never a hang or a crash — beyond what the engine can hold.

Each shape below hangs or breaks durable_rules when given to it naively (issue 3):
520 rules sharing a first condition or 300 ``any``-of-10 rules hang ``create_ruleset``;
257 identical conditions fail with error 108; more than 128 absence tests under one
node with error 107; more than 64 nodes pending at once fail at run time with 303.
"""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from rules.clock import parse_instant
from rules.compiler import limit_problems
from rules.engine import compile_isolated, compile_policy
from rules.facts import CATALOGUES

from .conftest import DEFAULTS
from .reference import evaluate

NOW = parse_instant("2026-11-26T10:00:00+08:00")
CATEGORIES = CATALOGUES["incident-routing"]["incident.category"].values or ()
NUMBERS = [
    "incident.severity", "incident.peopleInvolved", "incident.amountInvolved", "incident.ageHours",
    "incident.overdueHours", "incident.escalations", "incident.reopenCount", "enterprise.employees",
    "history.enterpriseIncidents30d", "history.gridSameCategory7d",
]  # fmt: skip


def gte(path: str, n: float) -> dict[str, Any]:
    return {"fact": path, "gte": n}


def ten_numbers(i: int) -> list[dict[str, Any]]:
    return [gte(path, (i + j) % 4 + (1 if path == "incident.severity" else 0)) for j, path in enumerate(NUMBERS)]


def shape(name: str, i: int) -> dict[str, Any]:
    if name == "shared-first":  # every rule starts with the same test
        return {"all": [{"fact": "incident.category", "eq": "LABOR_DISPUTE"}, *ten_numbers(i)[:9]]}
    if name == "any-of-10":
        return {"any": ten_numbers(i)}
    if name == "identical":
        return {"all": [{"fact": "incident.category", "eq": "OTHER"}, gte("incident.severity", 2)]}
    if name == "absent-10":
        paths = list(CATALOGUES["incident-routing"])
        return {"all": [{"fact": paths[(i + j) % len(paths)], "exists": False} for j in range(10)]}
    if name == "negated-10":
        return {"all": [{"not": gte(path, (i + j) % 5)} for j, path in enumerate(NUMBERS)]}
    if name == "nested":
        return {
            "all": [
                {"any": [gte(NUMBERS[i % 10], 1), {"fact": "incident.category", "eq": CATEGORIES[i % len(CATEGORIES)]}]},
                {"not": {"any": [gte(NUMBERS[(i + 1) % 10], 3), {"fact": "incident.text", "matches": f"事{i % 7}|件"}]}},
                {"any": [{"all": [gte(NUMBERS[(i + 2) % 10], 2), {"fact": "incident.returnedBy", "contains": "LABOR"}]},
                         {"fact": "grid.kind", "in": ["PARK", "SMALL_GRID"]}]},
                {"not": {"fact": "incident.source", "ne": "APP"}},
                {"fact": "park.type", "contains": str(i % 3)},
            ]
        }  # fmt: skip
    if name == "distinct-values":  # 300 distinct values of one property, under one node
        return {"all": [{"fact": "incident.amountInvolved", "eq": i * 10}, *ten_numbers(i)[:9]]}
    raise ValueError(name)


SHAPES = ["shared-first", "any-of-10", "identical", "absent-10", "negated-10", "nested", "distinct-values"]


def big_document(name: str, n: int = 300) -> dict[str, Any]:
    rules = [
        {"id": f"r{i}", "title": f"r{i}", "priority": i % 3, "when": shape(name, i), "then": {"department": f"D{i}"}}
        for i in range(n)
    ]
    return {"kind": "incident-routing", "title": name, "rules": rules, "default": dict(DEFAULTS["incident-routing"])}


def sample_facts(rnd: random.Random) -> dict[str, Any]:
    incident: dict[str, Any] = {}
    for path in NUMBERS:
        if rnd.random() < 0.8:
            head, tail = path.split(".")
            if head == "incident":
                incident[tail] = rnd.randint(1, 4) if tail == "severity" else rnd.choice([0, 1, 2, 3, 5, 10, 20])
    if rnd.random() < 0.8:
        incident["category"] = rnd.choice(["LABOR_DISPUTE", "OTHER", "FIRE_HAZARD"])
    incident["text"] = rnd.choice(["事3", "无", "事件"])
    incident["returnedBy"] = rnd.choice([[], ["LABOR"], ["FIRE"]])
    incident["source"] = rnd.choice(["APP", "HOTLINE"])
    return {
        "incident": incident,
        "enterprise": {"employees": rnd.randint(0, 5)},
        "history": {"enterpriseIncidents30d": rnd.randint(0, 5), "gridSameCategory7d": rnd.randint(0, 5)},
        "grid": {"kind": rnd.choice(["PARK", "LARGE_GRID"])},
        "park": {"type": rnd.choice(["1", "2", "x"])},
    }


@pytest.mark.parametrize("name", SHAPES)
def test_300_rules_of_10_conditions(name: str) -> None:
    doc = big_document(name)
    assert limit_problems(doc) == []
    started = time.perf_counter()
    policy = compile_policy(doc, version=1)
    assert time.perf_counter() - started < 10
    rnd = random.Random(name)
    try:
        for _ in range(60):
            facts = sample_facts(rnd)
            decision = policy.decide(facts, NOW)
            assert not decision.fallback, decision.error
            expected = evaluate(doc, facts, NOW)
            assert (decision.outputs, decision.fired_rules) == (expected["outputs"], expected["firedRules"])
    finally:
        policy.close()


@pytest.mark.parametrize("name", ["any-of-10", "identical"])
def test_collect_300_rules(name: str) -> None:
    doc = big_document(name)
    doc = {"kind": "assessment-scoring", "title": name, "rules": doc["rules"]}
    for r in doc["rules"]:
        r["then"] = {"points": -1}
        r["when"] = _to_scoring(r["when"])
    policy = compile_policy(doc, version=1)
    rnd = random.Random(name)
    most = 0
    try:
        for _ in range(20):
            facts = {"event": {"level": rnd.randint(1, 3), "overdueHours": rnd.choice([0, 1, 2, 3, 50])}}
            decision = policy.decide(facts, NOW)
            expected = evaluate(doc, facts, NOW)
            assert not decision.fallback, decision.error
            assert (decision.items, decision.fired_rules) == (expected["items"], expected["firedRules"])
            most = max(most, len(decision.items))  # type: ignore[arg-type]
    finally:
        policy.close()
    assert most >= 100  # many rules fire on one fact


def _to_scoring(cond: Any) -> Any:
    if isinstance(cond, dict):
        if "fact" in cond:
            path = "event.overdueHours" if cond["fact"] != "incident.severity" else "event.level"
            op = next(k for k in cond if k != "fact")
            value = cond[op] if isinstance(cond[op], (int, float)) and not isinstance(cond[op], bool) else 1
            return {"fact": path, op if op in ("gte", "gt", "lt", "lte", "eq") else "gte": value}
        return {k: _to_scoring(v) for k, v in cond.items()}
    if isinstance(cond, list):
        return [_to_scoring(c) for c in cond]
    return cond


def test_300_rules_compile_in_the_isolated_compiler() -> None:
    policy = compile_isolated(big_document("any-of-10"), version=1)
    policy.close()


def test_many_rules_split_across_rulesets() -> None:
    # 600 rules of 16 alternatives each: no two fit under one guard, 512 guards fill a ruleset
    rules = [
        {
            "id": f"r{i}",
            "title": f"r{i}",
            "when": {"any": [{"fact": "incident.amountInvolved", "lte": 1000 * i + j} for j in range(16)]},
            "then": {"department": f"D{i}"},
        }
        for i in range(600)
    ]
    doc = {"kind": "incident-routing", "title": "t", "rules": rules, "default": dict(DEFAULTS["incident-routing"])}
    policy = compile_policy(doc, version=1)
    try:
        assert len(policy._rulesets) == 2
        for amount, fired in [(0, ["r0"]), (1016, ["r2"]), (550_000, ["r550"]), (599_015, ["r599"]), (10**7, [])]:
            facts = {"incident": {"amountInvolved": amount}}
            assert policy.decide(facts, NOW).fired_rules == fired == evaluate(doc, facts, NOW)["firedRules"]
    finally:
        policy.close()
    scoring_rules = [
        dict(r, then={"points": 1}, when={"any": [dict(a, fact="event.overdueHours") for a in r["when"]["any"]]})
        for r in rules
    ]
    scoring = {"kind": "assessment-scoring", "title": "t", "rules": scoring_rules}
    policy = compile_policy(scoring, version=2)
    try:
        facts = {"event": {"overdueHours": 510_000}}
        fired = policy.decide(facts, NOW).fired_rules
        assert fired == evaluate(scoring, facts, NOW)["firedRules"] == [f"r{i}" for i in range(510, 600)]
    finally:
        policy.close()


def _limit(doc: dict[str, Any]) -> tuple[str, str]:
    (problem,) = limit_problems(doc)
    assert problem.code == "LIMIT_EXCEEDED"
    return problem.path, problem.message


def test_too_many_rules() -> None:
    path, message = _limit(big_document("identical", n=2001))
    assert path == "/rules" and "2000" in message and "2001" in message


def test_in_list_too_long() -> None:
    doc = big_document("identical", n=1)
    doc["rules"][0]["when"] = {"fact": "incident.amountInvolved", "in": list(range(401))}
    path, message = _limit(doc)
    assert path == "/rules/0/when/in" and "400" in message and "401" in message


def test_nesting_too_deep() -> None:
    doc = big_document("identical", n=1)
    cond: dict[str, Any] = {"fact": "incident.severity", "gte": 1}
    for _ in range(40):
        cond = {"not": cond}
    doc["rules"][0]["when"] = cond
    path, message = _limit(doc)
    assert path.startswith("/rules/0/when") and "32" in message


def test_one_rule_too_wide_for_the_engine() -> None:
    doc = big_document("identical", n=1)
    doc["rules"][0]["when"] = {"any": [gte(NUMBERS[j % 10], j) for j in range(100)]}
    path, message = _limit(doc)
    assert path == "/rules/0" and "at most" in message


def test_a_refused_document_is_refused_quickly() -> None:
    started = time.perf_counter()
    assert limit_problems(big_document("identical", n=2001))
    assert time.perf_counter() - started < 5
