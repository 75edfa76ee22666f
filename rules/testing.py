"""Running a document's ``tests[]`` (POLICY.md "Document": a document whose tests fail cannot be published).

Each test decides its ``facts`` at its ``now`` (the current clock when it has
none) with the same engine the server runs, compiled in a child process
first. FIRST: ``expect`` is a subset of the outputs that must be equal;
COLLECT: ``{"points": N}`` is the sum of the items' points. ``expectRules``,
when given, is the exact list of fired rule ids, in order.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from rules import engine
from rules.clock import SHANGHAI, parse_instant
from rules.document import KIND_SPECS
from rules.problems import Problem


def run_document_tests(doc: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    """``(passed, failed)``; each failure is ``{"name", "expected", "actual"}``.

    ``doc`` must be valid (``rules.validation.validate(doc, run_tests=False)``).
    """
    results = _run(doc)
    failed = [failure for _, failure in results if failure is not None]
    return len(results) - len(failed), failed


def failing_tests(doc: dict[str, Any]) -> list[Problem]:
    """The failing tests of a valid document as ``TEST_FAILED`` problems at ``/tests/i``."""
    problems = []
    for i, failure in _run(doc):
        if failure is not None:
            problems.append(
                Problem(
                    f"/tests/{i}",
                    "TEST_FAILED",
                    f"测试 {failure['name']!r} 未通过：期望 {_show(failure['expected'])}，实际 {_show(failure['actual'])}",
                )
            )
    return problems


def _run(doc: dict[str, Any]) -> list[tuple[int, dict[str, Any] | None]]:

    tests = doc.get("tests") or []
    collect = KIND_SPECS[doc["kind"]].collect
    policy = engine.compile_isolated(doc, version=0)  # even without tests: a document the engine cannot load fails here
    try:
        out = []
        for i, test in enumerate(tests):
            now = parse_instant(test["now"]) if "now" in test else datetime.now(SHANGHAI)
            decision = as_json(policy.decide(test["facts"], now))
            out.append((i, _check(test, decision, collect)))
        return out
    finally:
        policy.close()


def _check(test: dict[str, Any], decision: dict[str, Any], collect: bool) -> dict[str, Any] | None:
    fired = list(decision.get("firedRules") or [])
    expected: dict[str, Any] = {}
    actual: dict[str, Any] = {}
    ok = not decision.get("fallback")
    if collect:
        points = sum(item.get("points", 0) for item in decision.get("items") or [])
        actual["points"] = points
        if "expect" in test:
            expected["points"] = test["expect"]["points"]
            ok = ok and math.isclose(points, test["expect"]["points"], rel_tol=1e-9, abs_tol=1e-9)
    else:
        outputs = decision.get("outputs") or {}
        actual.update(outputs)
        for key, value in (test.get("expect") or {}).items():
            expected[key] = value
            ok = ok and key in outputs and same_json(outputs[key], value)
    actual["firedRules"] = fired
    if "expectRules" in test:
        expected["firedRules"] = list(test["expectRules"])
        ok = ok and fired == list(test["expectRules"])
    if decision.get("fallback"):
        actual["fallback"] = True
        actual["error"] = decision.get("error")
    if ok:
        return None
    return {"name": test.get("name"), "expected": expected, "actual": actual}


def same_json(a: object, b: object) -> bool:
    """JSON equality: ``1 == 1.0``, but ``true`` is not ``1``; objects ignore key order."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def as_json(decision: object) -> dict[str, Any]:
    if isinstance(decision, dict):
        return decision
    to_json = getattr(decision, "to_json", None)
    if to_json is not None:
        return to_json()
    return {
        "outputs": getattr(decision, "outputs", None),
        "items": getattr(decision, "items", None),
        "firedRules": getattr(decision, "fired_rules", None) or getattr(decision, "firedRules", None),
        "fallback": getattr(decision, "fallback", False),
        "error": getattr(decision, "error", None),
    }


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
