"""A small, obviously correct evaluator of POLICY.md, in plain Python.

Used only to check the durable_rules runtime (property test) and as the
benchmark's baseline. It reads POLICY.md sentence by sentence and shares no
code with the compiler except the catalogue, the clock and the pattern syntax.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from rules.clock import SHANGHAI, parse_instant, time_facts
from rules.document import KIND_SPECS
from rules.facts import CATALOGUES, Fact
from rules.patterns import to_python_regex

ABSENT = object()


def _typed(fact: Fact, value: Any) -> Any:
    """The value if it is of the fact's type (and enum, and range), else ABSENT."""
    if value is None:
        return ABSENT
    if fact.type in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return ABSENT
        if fact.minimum is not None and value < fact.minimum:
            return ABSENT
        if fact.maximum is not None and value > fact.maximum:
            return ABSENT
        return value
    if fact.type == "boolean":
        return value if isinstance(value, bool) else ABSENT
    if fact.type == "enum":
        return value if isinstance(value, str) and value in (fact.values or ()) else ABSENT
    if fact.type == "string":
        return value if isinstance(value, str) else ABSENT
    if fact.type == "string-list":
        ok = isinstance(value, list) and all(isinstance(x, str) for x in value)
        return value if ok else ABSENT
    return ABSENT


def fact_values(kind: str, facts: dict[str, Any], now: datetime) -> dict[str, Any]:
    """``{path: value}`` of the facts the decision sees."""
    out: dict[str, Any] = {}
    for path, fact in CATALOGUES[kind].items():
        node: Any = facts
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        value = _typed(fact, node)
        if value is not ABSENT:
            out[path] = value
    derived = time_facts(now)
    for name, value in derived.items():
        path = f"time.{name}"
        if path in CATALOGUES[kind] and path not in out:
            out[path] = value
    return out


@lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(to_python_regex(pattern), re.DOTALL)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def holds(cond: dict[str, Any], values: dict[str, Any]) -> bool:
    if "all" in cond:
        return all(holds(c, values) for c in cond["all"])
    if "any" in cond:
        return any(holds(c, values) for c in cond["any"])
    if "not" in cond:
        return not holds(cond["not"], values)
    (op, arg), = ((k, v) for k, v in cond.items() if k != "fact")
    present = cond["fact"] in values
    if op == "exists":
        return present == arg
    if not present:  # every other atom is false on an absent (or null) fact
        return False
    x = values[cond["fact"]]
    if op == "eq":
        return _same(x, arg)
    if op == "ne":
        return not _same(x, arg)
    if op in ("gt", "gte", "lt", "lte"):
        if not (_is_number(x) and _is_number(arg)):
            return False
        return {"gt": x > arg, "gte": x >= arg, "lt": x < arg, "lte": x <= arg}[op]
    if op == "in":
        return any(_same(x, m) for m in arg)
    if op == "notIn":
        return not any(_same(x, m) for m in arg)
    if op == "contains":
        if isinstance(x, str):
            return isinstance(arg, str) and arg in x
        if isinstance(x, list):
            return any(_same(item, arg) for item in x)
        return False
    if op == "matches":
        return isinstance(x, str) and _regex(arg).search(x) is not None
    raise ValueError(op)


def _active(rule: dict[str, Any], now: datetime) -> bool:
    if rule.get("enabled", True) is False:
        return False
    if "activeFrom" in rule and now < parse_instant(rule["activeFrom"]):
        return False
    if "activeUntil" in rule and now >= parse_instant(rule["activeUntil"]):
        return False
    return True


def evaluate(doc: dict[str, Any], facts: dict[str, Any], now: datetime) -> dict[str, Any]:
    """``{"outputs": ..., "firedRules": [...]}`` (FIRST) or ``{"items": ..., "firedRules": [...]}``."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=SHANGHAI)
    spec = KIND_SPECS[doc["kind"]]
    values = fact_values(doc["kind"], facts, now)
    rules = doc.get("rules") or []
    order = sorted(range(len(rules)), key=lambda i: (-rules[i].get("priority", 0), i))
    matching = [
        rules[i] for i in order if _active(rules[i], now) and ("when" not in rules[i] or holds(rules[i]["when"], values))
    ]
    if spec.collect:
        items = [
            {"rule": r["id"], "points": r["then"]["points"], "reason": r["then"].get("reason", r["title"])}
            for r in matching
        ]
        return {"items": items, "firedRules": [r["id"] for r in matching]}
    outputs = dict(doc["default"])
    fired = []
    if matching:
        outputs.update(matching[0]["then"])
        fired = [matching[0]["id"]]
    for key, value in spec.implied.items():
        outputs.setdefault(key, value)
    return {"outputs": outputs, "firedRules": fired}
