"""Decisions and COLLECT caps (POLICY.md "Decisions", "Hit policies")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Decision:
    kind: str
    version: int
    outputs: dict[str, Any] | None
    items: list[dict[str, Any]] | None
    fired_rules: list[str]
    fallback: bool
    error: str | None
    facts: dict[str, Any]
    now: datetime

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "version": self.version}
        if self.items is not None:
            out["items"] = self.items
        else:
            out["outputs"] = self.outputs
        out.update(
            firedRules=self.fired_rules,
            fallback=self.fallback,
            error=self.error,
            facts=self.facts,
            now=self.now.isoformat(),
        )
        return out


def apply_caps(items_in_time_order: list[dict[str, Any]], caps: Mapping[str, float]) -> list[dict[str, Any]]:
    """COLLECT caps (POLICY.md "Hit policies") over one subject's items of one period, in time order.

    ``cap`` bounds the absolute sum of one rule's points: the item that crosses it is
    reduced to the remainder, and it and every later item of that rule carry
    ``"capped": true`` (later ones with ``points: 0``). Rules without a cap are untouched.
    Returns new item dicts; the input is not modified.
    """
    used: dict[str, float] = {}
    out = []
    for item in items_in_time_order:
        item = dict(item)
        rule = item.get("rule")
        cap = caps.get(rule) if isinstance(rule, str) else None
        if cap is not None:
            points = item.get("points", 0)
            taken = used.get(rule, 0)  # type: ignore[arg-type]
            if taken >= cap and points != 0:
                item["points"] = 0
                item["capped"] = True
            elif taken + abs(points) > cap:
                remainder = cap - taken
                item["points"] = remainder if points > 0 else -remainder
                item["capped"] = True
                taken = cap
            else:
                taken += abs(points)
            used[rule] = taken  # type: ignore[index]
        out.append(item)
    return out
