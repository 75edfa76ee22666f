"""Random documents and random facts: the durable_rules runtime and the reference evaluator agree on
outputs / items and on firedRules, in order (issue 3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.clock import SHANGHAI
from rules.codec import nest
from rules.engine import compile_policy
from rules.facts import CATALOGUES, Fact

from .conftest import DEFAULTS
from .reference import evaluate

KINDS = ["incident-routing", "assessment-scoring", "order-routing"]
NOW = datetime(2026, 11, 26, 10, tzinfo=SHANGHAI)
INSTANTS = [NOW + timedelta(hours=h) for h in (-48, -1, 0, 1, 48)]
WINDOW_EDGES = ["2026-11-24", "2026-11-26T09:00", "2026-11-26T10:00:00+08:00", "2026-11-26T03:00:00Z", "2026-11-28"]

STRINGS = ["", "a", "A", "欠薪", "工地欠薪三月", "a\nb", 'q"\\', "冒烟 起火", "12人"]
PATTERNS = ["欠薪", "a|b", "工.*薪", "[^a]", "\\d", "\\s", "(欠)+薪", "A", ".", "薪|烟", "[a-z]+", "b?a", "起\\s?火"]
LISTS = [[], ["LABOR"], ["FIRE", "LABOR"], ["FIRE"]]


def good_values(fact: Fact) -> list[Any]:
    if fact.type == "enum":
        return list((fact.values or ())[:3])
    if fact.type in ("number", "integer"):
        lo = fact.minimum if fact.minimum is not None else -5
        hi = fact.maximum if fact.maximum is not None else lo + 50
        return sorted({lo, lo + 1, min(lo + 2.5, hi), min(lo + 3, hi), hi})
    if fact.type == "boolean":
        return [True, False]
    if fact.type == "string-list":
        return LISTS
    return STRINGS


BAD_VALUES = [None, "40", True, 7.5e9, -3, "NOT_IN_ENUM", [1], {"x": 1}, 3]


def atom(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    facts = list(CATALOGUES[kind].values())

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        fact = draw(st.sampled_from(facts))
        values = good_values(fact)
        t = fact.type
        ops = ["exists"]
        if t in ("number", "integer"):
            ops += ["eq", "ne", "gt", "gte", "lt", "lte", "in", "notIn"]
        elif t in ("enum", "boolean"):
            ops += ["eq", "ne", "in", "notIn"]
        elif t == "string":
            ops += ["eq", "ne", "in", "notIn", "contains", "matches"]
        else:
            ops += ["contains"]
        op = draw(st.sampled_from(ops))
        if op == "exists":
            value: Any = draw(st.booleans())
        elif op in ("in", "notIn"):
            value = draw(st.lists(st.sampled_from(values), max_size=3))
        elif op == "matches":
            value = draw(st.sampled_from(PATTERNS))
        elif op == "contains":
            value = draw(st.sampled_from(["LABOR", "FIRE", "X"] if t == "string-list" else [s for s in STRINGS if s] + ["薪"]))
        else:
            value = draw(st.sampled_from(values))
        return {"fact": fact.path, op: value}

    return build()


def condition(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        atom(kind),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda cs: {"all": cs}),
            st.lists(inner, min_size=1, max_size=3).map(lambda cs: {"any": cs}),
            inner.map(lambda c: {"not": c}),
        ),
        max_leaves=6,
    )


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS))
    n = draw(st.integers(1, 8))
    rules = []
    for i in range(n):
        rule: dict[str, Any] = {"id": f"r{i}", "title": f"规则{i}"}
        if draw(st.integers(0, 9)) > 0:
            rule["when"] = draw(condition(kind))
        if draw(st.booleans()):
            rule["priority"] = draw(st.integers(-1, 1))
        if draw(st.integers(0, 9)) == 0:
            rule["enabled"] = False
        for key in ("activeFrom", "activeUntil"):
            if draw(st.integers(0, 5)) == 0:
                rule[key] = draw(st.sampled_from(WINDOW_EDGES))
        if kind == "assessment-scoring":
            rule["then"] = {"points": draw(st.sampled_from([-3, -1, 0.5, 2]))}
            if draw(st.booleans()):
                rule["then"]["reason"] = f"理由{i}"
        else:
            rule["then"] = draw(st.sampled_from([{}, {"department": f"D{i}"}, {"dueInHours": i + 1}]))
        rules.append(rule)
    doc: dict[str, Any] = {"kind": kind, "title": "random", "rules": rules}
    if kind in DEFAULTS:
        doc["default"] = dict(DEFAULTS[kind])
    return doc


@st.composite
def fact_sets(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for fact in CATALOGUES[kind].values():
        roll = draw(st.integers(0, 9))
        if roll < 5:
            flat[fact.path] = draw(st.sampled_from(good_values(fact)))
        elif roll == 5:
            flat[fact.path] = draw(st.sampled_from(BAD_VALUES))
    return nest(flat)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_engine_agrees_with_reference(data: st.DataObject) -> None:
    doc = data.draw(documents())
    policy = compile_policy(doc, version=1)
    try:
        for _ in range(3):
            facts = data.draw(fact_sets(doc["kind"]))
            now = data.draw(st.sampled_from(INSTANTS))
            decision = policy.decide(facts, now)
            assert not decision.fallback, decision.error
            expected = evaluate(doc, facts, now)
            got = {"firedRules": decision.fired_rules}
            got["items" if decision.items is not None else "outputs"] = decision.items if decision.items is not None else decision.outputs
            assert got == expected
    finally:
        policy.close()
