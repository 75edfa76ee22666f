"""No state leaks from one decision to the next, and memory does not grow with decisions (issue 3)."""

from __future__ import annotations

import gc
import json
import os
import random
from pathlib import Path
from typing import Any

import durable_rules_engine
import pytest

from rules.clock import parse_instant
from rules.engine import compile_policy

DEFAULTS_DIR = Path(__file__).resolve().parents[3] / "rules" / "defaults"
NOW = parse_instant("2026-11-26T10:00:00+08:00")


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def load(kind: str) -> dict[str, Any]:
    return json.loads((DEFAULTS_DIR / f"{kind}.json").read_text(encoding="utf-8"))


def facts_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [t["facts"] for t in doc.get("tests") or []] + [{}]


def session_contents(policy: Any) -> list[tuple[Any, Any]]:
    out = []
    for ruleset in policy._rulesets:
        facts = json.loads(durable_rules_engine.get_facts(ruleset.handle, ruleset.sid))
        events = json.loads(durable_rules_engine.get_events(ruleset.handle, ruleset.sid))
        out.append((facts, events))
    return out


@pytest.mark.parametrize("kind", ["incident-routing", "assessment-scoring"])
def test_10000_decisions_leave_nothing_behind(kind: str) -> None:
    doc = load(kind)
    policy = compile_policy(doc, version=1)
    samples = facts_of(doc)
    rnd = random.Random(1)
    try:
        for facts in samples:
            policy.decide(facts, NOW)
        baseline = session_contents(policy)
        # the session holds no event and no fact: each was consumed or retracted
        assert baseline == [([], [])] * len(policy._rulesets)
        first = {i: policy.decide(f, NOW).to_json() for i, f in enumerate(samples)}
        for _ in range(2_000):  # warm caches and allocators
            policy.decide(rnd.choice(samples), NOW)
        gc.collect()
        before = rss_bytes()
        for _ in range(10_000):
            i = rnd.randrange(len(samples))
            decision = policy.decide(samples[i], NOW)
            assert not decision.fallback
        gc.collect()
        grown = rss_bytes() - before
        assert session_contents(policy) == baseline
        # the same facts still give the same decision: nothing of the 10,000 stayed
        assert {i: policy.decide(f, NOW).to_json() for i, f in enumerate(samples)} == first
        assert grown < 1_000_000, f"resident memory grew by {grown} bytes over 10,000 decisions"
    finally:
        policy.close()


def test_swapping_versions_frees_them() -> None:
    doc = load("incident-routing")
    samples = facts_of(doc)
    for version in range(20):  # warm up
        policy = compile_policy(doc, version=version)
        policy.decide(samples[version % len(samples)], NOW)
        policy.close()
    gc.collect()
    before = rss_bytes()
    for version in range(20, 220):
        policy = compile_policy(doc, version=version)
        for facts in samples[:3]:
            policy.decide(facts, NOW)
        policy.close()
        assert policy.freed
    gc.collect()
    grown = rss_bytes() - before
    assert grown < 4_000_000, f"resident memory grew by {grown} bytes over 200 versions"
