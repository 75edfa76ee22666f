"""Policy engine benchmark (issue 3): decisions per second and latency per decision on one core.

    .venv/bin/python bench/bench_rules.py                      # full run (about a minute)
    .venv/bin/python bench/bench_rules.py --decisions 20000 --rss-decisions 0   # quick look

For the default incident-routing policy (rules/defaults/incident-routing.json) and
for generated routing documents of 31 and 300 rules: ``CompiledPolicy.decide`` —
fact flattening and typing, the message, the durable_rules calls and the
decision with its outputs — against the reference evaluator of the tests
(tests/unit/rules/reference.py) on the same inputs. Then resident memory before
and after 1,000,000 decisions. The process is pinned to one CPU.

Targets: ≥ 30,000 decisions/s and p99 < 0.5 ms for the default routing policy;
300 rules within 2× of 31 rules; RSS growth < 20 MB over 1,000,000 decisions.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rules.clock import SHANGHAI  # noqa: E402
from rules.engine import CompiledPolicy, compile_policy  # noqa: E402
from tests.unit.rules.reference import evaluate  # noqa: E402

CATEGORIES = [
    "LABOR_DISPUTE", "CONSTRUCTION_DISPUTE", "SAFETY_HAZARD", "FIRE_HAZARD", "ENVIRONMENT",
    "PUBLIC_SECURITY", "NEIGHBOURHOOD", "PETITION", "ENTERPRISE_APPEAL", "OTHER",
]  # fmt: skip
DEPARTMENTS = ["LABOR", "CONSTRUCTION", "EMERGENCY", "FIRE", "ENVIRONMENT", "POLICE", "PETITION", "MARKET"]
TEXTS = [
    "某电子厂拖欠 40 名工人三个月工资，工人聚集在厂门口",
    "工地项目部欠薪，农民工讨薪",
    "仓库配电箱冒烟，有焦糊味，需要马上处理",
    "园区道路积水，影响车辆通行",
    "企业反映用电报装审批慢，希望园区协调",
    "夜间施工噪音扰民，邻里投诉",
    "化工企业排放异味，周边居民反映强烈",
    "消防通道被货物堵塞",
    "员工与企业因加班费发生争议",
    "商户之间因摊位发生口角，已调解",
]
KEYWORDS = ["欠薪|讨薪", "冒烟|起火|明火", "异味|排放", "堵塞", "噪音", "加班", "审批", "积水"]


def incident_facts(rnd: random.Random) -> dict[str, Any]:
    """A realistic fact set of an incident being routed."""
    incident: dict[str, Any] = {
        "category": rnd.choice(CATEGORIES),
        "severity": rnd.randint(1, 4),
        "peopleInvolved": rnd.choice([1, 2, 3, 5, 8, 12, 20, 35, 60]),
        "source": rnd.choice(["APP", "HOTLINE", "ENTERPRISE", "INSPECTION"]),
        "text": rnd.choice(TEXTS),
        "status": "REPORTED",
        "ageHours": rnd.choice([0, 0.5, 2, 30]),
    }
    if rnd.random() < 0.5:
        incident["amountInvolved"] = rnd.choice([0, 5000, 60000, 300000, 800000])
    if rnd.random() < 0.2:
        incident["resolvedOnSite"] = rnd.random() < 0.5
    if rnd.random() < 0.2:
        incident["level"] = rnd.randint(1, 3)
        incident["department"] = rnd.choice(DEPARTMENTS)
        incident["returnedBy"] = rnd.sample(DEPARTMENTS, rnd.randint(0, 2))
    facts: dict[str, Any] = {
        "incident": incident,
        "grid": {"code": f"G{rnd.randint(1, 60):03d}", "kind": "SMALL_GRID"},
        "park": {"code": "P01", "type": rnd.choice(["化工园区", "电子信息", "物流"])},
        "history": {"enterpriseIncidents30d": rnd.randint(0, 6), "gridSameCategory7d": rnd.randint(0, 4)},
    }
    if rnd.random() < 0.7:
        facts["enterprise"] = {"industry": "制造", "employees": rnd.choice([20, 150, 800]), "hasPartyOrg": rnd.random() < 0.5}
    return facts


def generated_routing(n: int, seed: int = 1) -> dict[str, Any]:
    """A routing document of ``n`` rules in the style of the default one, 3–10 conditions each."""
    rnd = random.Random(seed)
    rules = []
    for i in range(n):
        category = CATEGORIES[i % len(CATEGORIES)]
        when: list[dict[str, Any]] = [{"fact": "incident.category", "eq": category}]
        when.append({"fact": "incident.severity", "gte": rnd.randint(1, 4)})
        when.append({"any": [{"fact": "incident.peopleInvolved", "gte": rnd.choice([3, 10, 30])},
                             {"fact": "incident.amountInvolved", "gte": rnd.choice([10000, 100000, 500000])}]})  # fmt: skip
        if rnd.random() < 0.5:
            when.append({"not": {"fact": "incident.returnedBy", "contains": rnd.choice(DEPARTMENTS)}})
        if rnd.random() < 0.3:
            when.append({"fact": "incident.text", "matches": rnd.choice(KEYWORDS)})
        if rnd.random() < 0.3:
            when.append({"fact": "history.gridSameCategory7d", "gte": rnd.randint(1, 3)})
        if rnd.random() < 0.3:
            when.append({"fact": "enterprise.employees", "gte": rnd.choice([50, 300])})
        if rnd.random() < 0.2:
            when.append({"fact": "incident.source", "in": ["APP", "HOTLINE"]})
        if rnd.random() < 0.2:
            when.append({"not": {"fact": "incident.resolvedOnSite", "eq": True}})
        rules.append(
            {
                "id": f"rule-{i}",
                "title": f"规则 {i}",
                "priority": rnd.randint(0, 3) * 10,
                "when": {"all": when},
                "then": {"department": rnd.choice(DEPARTMENTS), "level": rnd.randint(1, 3), "dueInHours": rnd.choice([4, 24, 48])},
            }
        )
    return {
        "kind": "incident-routing",
        "title": f"generated {n}",
        "rules": rules,
        "default": {"department": "GRID_CENTER", "level": 1, "dueInHours": 72, "manual": False},
    }


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(fn: Callable[[dict[str, Any], datetime], Any], inputs: list[tuple[dict[str, Any], datetime]], n: int) -> tuple[float, float, float]:
    """(decisions/s, p50 µs, p99 µs): a plain loop for the rate, a timed loop for the latencies."""
    k = len(inputs)
    for i in range(min(n, 2000)):
        fn(*inputs[i % k])
    gc.collect()
    start = time.perf_counter()
    for i in range(n):
        fn(*inputs[i % k])
    rate = n / (time.perf_counter() - start)
    clock = time.perf_counter_ns
    latencies = []
    for i in range(n):
        facts, now = inputs[i % k]
        t0 = clock()
        fn(facts, now)
        latencies.append(clock() - t0)
    latencies.sort()
    return rate, latencies[n // 2] / 1000, latencies[int(n * 0.99)] / 1000


def inputs_for(n: int, seed: int) -> list[tuple[dict[str, Any], datetime]]:
    rnd = random.Random(seed)
    base = datetime(2026, 11, 26, 8, tzinfo=SHANGHAI)
    return [(incident_facts(rnd), base + timedelta(seconds=rnd.randint(0, 36_000))) for _ in range(n)]


def check_agreement(policy: CompiledPolicy, doc: dict[str, Any], inputs: list[tuple[dict[str, Any], datetime]]) -> None:
    for facts, now in inputs:
        decision = policy.decide(facts, now)
        expected = evaluate(doc, facts, now)
        assert not decision.fallback, decision.error
        assert (decision.outputs, decision.fired_rules) == (expected["outputs"], expected["firedRules"]), facts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=200_000, help="timed decisions per policy and evaluator")
    parser.add_argument("--rss-decisions", type=int, default=1_000_000, help="decisions between the two RSS readings")
    args = parser.parse_args()
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    print(f"python {platform.python_version()}, {platform.machine()}, pinned to CPU {cpu}, load {os.getloadavg()[0]:.2f}")

    default = json.loads((ROOT / "rules" / "defaults" / "incident-routing.json").read_text(encoding="utf-8"))
    docs = [("default incident-routing", default), ("generated, 31 rules", generated_routing(31)),
            ("generated, 300 rules", generated_routing(300))]  # fmt: skip
    inputs = inputs_for(1000, seed=7)
    n = args.decisions
    rows = []
    header = f"{'policy':26} {'rules':>5} | {'engine/s':>9} {'p50 µs':>7} {'p99 µs':>7} | {'reference/s':>11} {'p50 µs':>7} {'p99 µs':>7} | {'engine/ref':>10}"
    print(header)
    print("-" * len(header))
    for name, doc in docs:
        policy = compile_policy(doc, version=1)
        check_agreement(policy, doc, inputs[:300])
        engine = run(policy.decide, inputs, n)
        reference = run(lambda f, t, d=doc: evaluate(d, f, t), inputs, max(n // 4, 1))
        rows.append((name, engine))
        print(
            f"{name:26} {len(doc['rules']):>5} | {engine[0]:>9,.0f} {engine[1]:>7.1f} {engine[2]:>7.1f} | "
            f"{reference[0]:>11,.0f} {reference[1]:>7.1f} {reference[2]:>7.1f} | {engine[0] / reference[0]:>9.2f}×"
        )
        policy.close()
    small, large = rows[1][1], rows[2][1]
    print(f"\n300 rules vs 31 rules (engine): {small[0] / large[0]:.2f}× the time per decision (target ≤ 2×)")

    if args.rss_decisions:
        policy = compile_policy(default, version=1)
        for facts, now in inputs:
            policy.decide(facts, now)
        gc.collect()
        before = rss_mb()
        k = len(inputs)
        start = time.perf_counter()
        for i in range(args.rss_decisions):
            policy.decide(*inputs[i % k])
        elapsed = time.perf_counter() - start
        gc.collect()
        after = rss_mb()
        print(
            f"RSS over {args.rss_decisions:,} decisions (default routing, {args.rss_decisions / elapsed:,.0f}/s): "
            f"{before:.1f} MB → {after:.1f} MB, growth {after - before:.2f} MB (target < 20 MB)"
        )
        policy.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
