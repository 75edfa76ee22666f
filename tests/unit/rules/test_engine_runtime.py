"""The runtime around the matching: fallback, versions, caps, the isolated compiler, the engine's own regex."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import Any

import pytest

import rules.engine as engine
from rules.clock import parse_instant
from rules.engine import Decision, PolicyCompileError, PolicyRegistry, apply_caps, compile_isolated, compile_policy

from .conftest import DEFAULTS, rule

NOW = parse_instant("2026-11-26T10:00:00+08:00")


def routing(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "incident-routing", "title": "t", "rules": list(rules), "default": dict(DEFAULTS["incident-routing"])}


LABOR = routing(rule("labor", {"fact": "incident.category", "eq": "LABOR_DISPUTE"}, {"department": "LABOR", "level": 3}))
SCORING = {"kind": "assessment-scoring", "title": "t", "rules": [rule("late", None, {"points": -2})]}


# --- decisions as JSON ---------------------------------------------------------------------


def test_decision_json_first() -> None:
    policy = compile_policy(LABOR, version=7)
    try:
        out = policy.decide({"incident": {"category": "LABOR_DISPUTE", "peopleInvolved": "x"}}, NOW).to_json()
    finally:
        policy.close()
    assert out == {
        "kind": "incident-routing",
        "version": 7,
        "outputs": {"department": "LABOR", "level": 3, "dueInHours": 72, "manual": False},
        "firedRules": ["labor"],
        "fallback": False,
        "error": None,
        "facts": {
            "incident": {"category": "LABOR_DISPUTE"},
            "time": {"hour": 10, "weekday": 4, "date": "2026-11-26", "isWorkday": True},
        },
        "now": "2026-11-26T10:00:00+08:00",
    }


def test_decision_json_collect() -> None:
    policy = compile_policy(SCORING, version=2)
    try:
        out = policy.decide({}, NOW).to_json()
    finally:
        policy.close()
    assert out["items"] == [{"rule": "late", "points": -2, "reason": "late"}] and "outputs" not in out
    assert out["firedRules"] == ["late"] and out["version"] == 2


def test_outputs_are_copies() -> None:
    doc = {
        "kind": "officer-assignment",
        "title": "t",
        "default": {"officer": {"role": "GRID_LEADER", "scope": "GRID"}},
        "rules": [rule("r", None, {"otherwise": [{"role": "PARK_RESPONDER", "scope": "PARK"}]})],
    }
    policy = compile_policy(doc, version=1)
    try:
        first = policy.decide({}, NOW)
        first.outputs["otherwise"][0]["scope"] = "GRID"  # type: ignore[index]
        first.outputs["otherwise"].append("mutated")  # type: ignore[index]
        assert policy.decide({}, NOW).outputs["otherwise"] == [{"role": "PARK_RESPONDER", "scope": "PARK"}]  # type: ignore[index]
    finally:
        policy.close()


# --- fallback ------------------------------------------------------------------------------


GRID = routing(rule("grid", {"fact": "grid.code", "eq": "G1"}, {"department": "X"}), *LABOR["rules"])


def test_engine_failure_gives_default_with_fallback() -> None:
    policy = compile_policy(GRID, version=1)
    try:
        # a lone surrogate cannot be handed to the C engine (not UTF-8)
        decision = policy.decide({"incident": {"category": "LABOR_DISPUTE"}, "grid": {"code": "\ud800"}}, NOW)
        assert decision.fallback is True and decision.error
        assert decision.outputs == DEFAULTS["incident-routing"] and decision.fired_rules == []
        # and nothing of it survives into the next decision
        after = policy.decide({"incident": {"category": "LABOR_DISPUTE"}}, NOW)
        assert not after.fallback and after.fired_rules == ["labor"]
    finally:
        policy.close()


def test_collect_failure_gives_no_items(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = compile_policy(SCORING, version=1)

    def broken(*args: Any) -> Any:
        raise engine._dre.error("Could not assert fact, error code: 303")

    try:
        monkeypatch.setattr(engine._dre, "assert_fact", broken)
        decision = policy.decide({}, NOW)
        assert (decision.fallback, decision.items, decision.fired_rules) == (True, [], [])
        assert "303" in decision.error  # type: ignore[operator]
        monkeypatch.undo()
        assert policy.decide({}, NOW).items == [{"rule": "late", "points": -2, "reason": "late"}]
    finally:
        policy.close()


def test_failure_mid_decision_renews_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = compile_policy(SCORING, version=1)
    real = engine._dre.complete_and_start_action

    def fail_once(*args: Any) -> Any:
        monkeypatch.setattr(engine._dre, "complete_and_start_action", real)
        raise RuntimeError("boom")

    try:
        monkeypatch.setattr(engine._dre, "complete_and_start_action", fail_once)
        assert policy.decide({}, NOW).fallback
        for _ in range(3):  # the half-dispatched fact and its actions are gone
            assert policy.decide({}, NOW).fired_rules == ["late"]
    finally:
        policy.close()


def test_bad_arguments_do_not_raise() -> None:
    policy = compile_policy(LABOR, version=1)
    try:
        assert policy.decide(["not", "a", "dict"], NOW).fired_rules == []  # type: ignore[arg-type]
        assert policy.decide({}, "not a datetime").fallback  # type: ignore[arg-type]
    finally:
        policy.close()


def test_decide_after_close_is_a_fallback() -> None:
    policy = compile_policy(LABOR, version=1)
    policy.close()
    assert policy.freed and policy.decide({}, NOW).fallback


# --- versions ------------------------------------------------------------------------------


def test_registry_swaps_versions() -> None:
    registry = PolicyRegistry(isolate=False)
    try:
        registry.install(LABOR, 1)
        v2 = routing(rule("labor", {"fact": "incident.category", "eq": "LABOR_DISPUTE"}, {"department": "MARKET"}))
        registry.install(v2, 2)
        assert registry.version("incident-routing") == 2
        decision = registry.decide("incident-routing", {"incident": {"category": "LABOR_DISPUTE"}}, NOW)
        assert (decision.version, decision.outputs["department"]) == (2, "MARKET")  # type: ignore[index]
        assert set(registry.versions()) == {("incident-routing", 2)}
    finally:
        registry.close()


def test_decision_in_flight_finishes_on_its_version() -> None:
    registry = PolicyRegistry(isolate=False)
    try:
        registry.install(LABOR, 1)
        with registry.hold("incident-routing") as old:
            new = registry.install(
                routing(rule("labor", {"fact": "incident.category", "eq": "LABOR_DISPUTE"}, {"department": "MARKET"})), 2
            )
            assert not old.freed  # in flight: not freed by the swap
            decision = old.decide({"incident": {"category": "LABOR_DISPUTE"}}, NOW)
            assert (decision.version, decision.outputs["department"], decision.fallback) == (1, "LABOR", False)  # type: ignore[index]
        assert old.freed and not new.freed  # freed once the last decision on it finished
        assert registry.decide("incident-routing", {}, NOW).version == 2
    finally:
        registry.close()


def test_swap_under_concurrent_decisions() -> None:
    registry = PolicyRegistry(isolate=False)
    registry.install(LABOR, 1)
    results: list[Decision] = []
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            results.append(registry.decide("incident-routing", {"incident": {"category": "LABOR_DISPUTE"}}, NOW))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for version in range(2, 12):
            department = "LABOR" if version % 2 else "MARKET"
            registry.install(
                routing(rule("labor", {"fact": "incident.category", "eq": "LABOR_DISPUTE"}, {"department": department})),
                version,
            )
    finally:
        stop.set()
        for t in threads:
            t.join()
        registry.close()
    assert results and not [d for d in results if d.fallback]
    for d in results:  # each decision is entirely of one version
        assert d.outputs["department"] == ("LABOR" if d.version % 2 else "MARKET")  # type: ignore[index]


def test_registry_without_policy() -> None:
    with pytest.raises(LookupError):
        PolicyRegistry(isolate=False).decide("incident-routing", {}, NOW)


# --- caps ----------------------------------------------------------------------------------

CAPS = [
    # items (rule, points) in time order, caps, expected (points, capped?)
    ([("late", -5), ("late", -5), ("late", -5), ("late", -5)], {"late": 12}, [(-5, False), (-5, False), (-2, True), (0, True)]),
    ([("late", -4), ("late", -4), ("late", -4)], {"late": 8}, [(-4, False), (-4, False), (0, True)]),
    ([("bonus", 3), ("late", -1), ("bonus", 3)], {"bonus": 4}, [(3, False), (-1, False), (1, True)]),
    ([("late", -1), ("late", -1)], {}, [(-1, False), (-1, False)]),
    ([("late", -10)], {"late": 6}, [(-6, True)]),
    ([("late", -2.5), ("late", -2.5)], {"late": 4}, [(-2.5, False), (-1.5, True)]),
]


@pytest.mark.parametrize(("items", "caps", "expected"), CAPS)
def test_caps(items: list[tuple[str, float]], caps: dict[str, float], expected: list[tuple[float, bool]]) -> None:
    given = [{"rule": r, "points": p, "reason": r} for r, p in items]
    out = apply_caps(given, caps)
    assert [(i["points"], i.get("capped", False)) for i in out] == expected
    assert [i["points"] for i in given] == [p for _, p in items]  # input untouched


# --- the isolated compiler -----------------------------------------------------------------


def test_compile_isolated_compiles() -> None:
    policy = compile_isolated(LABOR, version=3)
    try:
        assert policy.decide({"incident": {"category": "LABOR_DISPUTE"}}, NOW).fired_rules == ["labor"]
    finally:
        policy.close()


def test_compile_isolated_times_out() -> None:
    with pytest.raises(PolicyCompileError, match="longer than"):
        compile_isolated(LABOR, version=1, timeout_s=0.001)


def test_compile_isolated_memory_limit() -> None:
    with pytest.raises(PolicyCompileError):
        compile_isolated(LABOR, version=1, memory_mb=8)


def test_compile_isolated_reports_child_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    from rules import sandbox

    def crash(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess(args, -11, b"", b"")

    monkeypatch.setattr(sandbox.subprocess, "run", crash)
    with pytest.raises(PolicyCompileError, match="crashed \\(SIGSEGV\\)"):
        compile_isolated(LABOR, version=1)


def test_child_refuses_a_document_whose_smoke_decisions_fail() -> None:
    doc = dict(GRID, tests=[{"name": "bad", "facts": {"grid": {"code": "\ud800"}}, "expect": {}}])
    proc = subprocess.run(
        [sys.executable, "-m", "rules.sandbox", "512"],
        input=json.dumps({"doc": doc, "version": 1}).encode(),
        capture_output=True,
        timeout=60,
    )
    answer = json.loads(proc.stdout.decode().splitlines()[-1])
    assert answer["ok"] is False and "bad" in answer["error"]


# --- why $mt is not used --------------------------------------------------------------------


_PROBE = r"""
import json, sys, durable_rules_engine as d
pattern, text = sys.argv[1], sys.argv[2]
try:
    h = d.create_ruleset("p", json.dumps({"r": {"all": [{"m": {"$mt": {"x": pattern}}}], "pri": 1},
                                        "z": {"all": [{"m": {"k": 1}}], "pri": 2}}))
except Exception as e:
    print("error-" + str(e).split()[-1])
    sys.exit(0)
r = d.assert_event(h, json.dumps({"id": 1, "sid": "0", "k": 1, "x": text}))
print("match" if d.start_action_for_state(h, r[1])[1][2:3] == "r" else "no-match")
"""


@pytest.mark.parametrize(
    ("pattern", "text", "answer"),
    [
        (".*ccc .*", "ccc ", "error-503"),  # "contains 'ccc '" does not even compile
        (".*[^a].*", "ab", "no-match"),  # "b" is not "a"
        ("a.b", "a\nb", "no-match"),  # $mt sees the raw JSON text: a newline is two characters
        (".*(c|bx).*", "c(中xb", "no-match"),  # an alternation of literals: "c" is right there
        (".*b.*", "ab", "match"),  # the control
    ],
)
def test_durable_rules_own_regex_cannot_be_trusted(pattern: str, text: str, answer: str) -> None:
    """Measured on durable_rules 2.0.28 (each probe in its own process: a failed regex compile
    can corrupt the heap). The runtime evaluates patterns itself; revisit if this test fails."""
    proc = subprocess.run([sys.executable, "-c", _PROBE, pattern, text], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == answer, (proc.stdout, proc.stderr[-500:])
