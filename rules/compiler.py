"""From a validated policy document to durable_rules rulesets (POLICY.md "Conditions", "Order").

The plan, one step per function below:

1. **Facts** (rules/codec.py): every catalogue path gets a short message key
   (``a0``, ``a1``, …); at decision time the typed facts are written as one flat
   JSON message, absent facts simply not in it.
2. **Conditions** (:class:`ConditionCompiler`): ``not`` is pushed down to the atoms
   (De Morgan), and each atom, positive or negated, becomes a durable_rules test.
   durable_rules tests a property only when the message has it, so every positive
   atom is false on an absent fact, ``ne`` and ``notIn`` included; a negated atom
   is "absent (``$nex``) or the opposite test". ``in`` becomes a ``$or`` of
   equalities (the engine has no ``$in``). The engine's regex (``$mt``) is not used
   (see rules/patterns.py): ``matches`` and string ``contains`` are evaluated once
   per decision in Python and posted as *features* — the ids of the atoms that
   hold, in the list property ``px`` — which the rules test with ``$iany`` /
   ``$iall``. List ``contains`` is the engine's ``$iany``.
3. **Active windows** become ``$gte``/``$lt`` tests on ``tn``, the decision's
   ``now`` in integer microseconds since the epoch; disabled rules are left out.
4. **Layout** (rules/layout.py) places the rules in one or more rulesets so that
   no node of the engine's network exceeds what it can hold, and answers
   ``LIMIT_EXCEEDED`` when a rule cannot be held at all.

Rule ``r<n>`` is the n-th rule in the order of POLICY.md (priority, highest
first, then document order) and fires with salience ``pri = n + 1`` (lower fires
first); the catch-all ``zz`` (lowest salience) makes every message dispatch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from rules.clock import parse_instant
from rules.codec import EMPTY_LIST_SENTINEL, MAX_STRING_CHARS, FactCodec, Raw, dumps, micros, number_json
from rules.document import KIND_SPECS, ordered_rules
from rules.facts import Fact
from rules.patterns import compile_search
from rules.problems import Problem

# --- limits the compiler checks itself (the engine's per-node limits live in rules/layout.py)

MAX_RULES: Final = 2000
MAX_DEPTH: Final = 32
MAX_ATOMS_PER_RULE: Final = 200
MAX_IN_VALUES: Final = 400

FEATURE_KEY: Final = "px"
FEATURE_SENTINEL: Final = "~"  # always in ``px``, so that "no feature" is not an empty list
GUARD_KEY: Final = "k"
NOW_KEY: Final = "tn"


class LimitExceeded(Exception):
    """A document the engine cannot hold; ``problem`` says where and why."""

    def __init__(self, path: str, limit: str, maximum: int, actual: int, detail: str = "") -> None:
        message = f"{limit}: at most {maximum}, here {actual}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)
        self.problem = Problem(path, "LIMIT_EXCEEDED", message)


# --- conditions -------------------------------------------------------------------------------

# An expression is one of: TRUE, FALSE, ("t", test), ("&", [expr...]), ("|", [expr...]).
TRUE: Final = ("T",)
FALSE: Final = ("F",)
Expr = tuple


def test(obj: dict[str, Any]) -> Expr:
    return ("t", obj)


def all_of(items: Sequence[Expr]) -> Expr:
    out: list[Expr] = []
    for e in items:
        if e == FALSE:
            return FALSE
        if e == TRUE:
            continue
        out.extend(e[1] if e[0] == "&" else [e])
    if not out:
        return TRUE
    return out[0] if len(out) == 1 else ("&", out)


def any_of(items: Sequence[Expr]) -> Expr:
    out: list[Expr] = []
    seen: set[str] = set()
    for e in items:
        if e == TRUE:
            return TRUE
        if e == FALSE:
            continue
        for x in e[1] if e[0] == "|" else [e]:
            key = dumps(to_durable(x))
            if key not in seen:  # identical branches would only make the engine fire twice
                seen.add(key)
                out.append(x)
    if not out:
        return FALSE
    return out[0] if len(out) == 1 else ("|", out)


def to_durable(expr: Expr) -> Any:
    """The durable_rules JSON of an expression (``TRUE`` only ever appears alone, as no test)."""
    tag = expr[0]
    if tag == "t":
        return expr[1]
    if tag == "&":
        return {"$and": [to_durable(e) for e in expr[1]]}
    if tag == "|":
        return {"$or": [to_durable(e) for e in expr[1]]}
    raise ValueError(f"constant {expr!r} has no durable_rules form")


@dataclass(frozen=True, slots=True)
class Feature:
    """An atom the runtime evaluates in Python (``matches``, string ``contains``, …)."""

    fid: str
    path: str
    holds: Callable[[Any], bool]  # given the (present, typed) fact value


@dataclass
class Features:
    by_key: dict[tuple[str, str, str], Feature] = field(default_factory=dict)

    def get(self, path: str, op: str, value: Any, holds: Callable[[Any], bool]) -> Feature:
        key = (path, op, json.dumps(value, ensure_ascii=False, sort_keys=True))
        feature = self.by_key.get(key)
        if feature is None:
            feature = self.by_key[key] = Feature(f"f{len(self.by_key)}", path, holds)
        return feature


def _compatible(fact: Fact, value: Any) -> bool:
    """Whether a literal can ever equal a (typed) value of ``fact``."""
    t = fact.type
    if t in ("number", "integer"):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "enum":
        return isinstance(value, str) and value in (fact.values or ())
    if t == "string":
        return isinstance(value, str)
    return False  # string-list: only contains/exists reach the engine


def _literal(fact: Fact, value: Any) -> Any:
    if fact.type in ("number", "integer"):
        return Raw(number_json(value))
    return value


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


_NEGATED_ORDER: Final = {"gt": "$lte", "gte": "$lt", "lt": "$gte", "lte": "$gt"}


class ConditionCompiler:
    """Compiles the ``when`` of one document's rules (shares features across rules)."""

    def __init__(self, codec: FactCodec) -> None:
        self.codec = codec
        self.features = Features()

    def compile(self, cond: Any, path: str) -> Expr:
        counter = [0]
        return self._cond(cond, True, path, 0, counter)

    def _cond(self, cond: Any, positive: bool, path: str, depth: int, counter: list[int]) -> Expr:
        if depth > MAX_DEPTH:
            raise LimitExceeded(path, "condition nesting depth", MAX_DEPTH, depth)
        if "all" in cond or "any" in cond:
            key = "all" if "all" in cond else "any"
            parts = [self._cond(c, positive, f"{path}/{key}/{i}", depth + 1, counter) for i, c in enumerate(cond[key])]
            return all_of(parts) if (key == "all") == positive else any_of(parts)
        if "not" in cond:
            return self._cond(cond["not"], not positive, f"{path}/not", depth + 1, counter)
        counter[0] += 1
        if counter[0] > MAX_ATOMS_PER_RULE:
            raise LimitExceeded(path, "conditions in one rule", MAX_ATOMS_PER_RULE, counter[0])
        return self.atom(cond, positive, path)

    def atom(self, atom: Mapping[str, Any], positive: bool, path: str) -> Expr:
        (op, value), = ((k, v) for k, v in atom.items() if k != "fact")
        for literal in value if isinstance(value, list) else [value]:
            if isinstance(literal, str) and len(literal) > MAX_STRING_CHARS:
                raise LimitExceeded(f"{path}/{op}", "characters in one text value", MAX_STRING_CHARS, len(literal))
        slot = self.codec.by_path[atom["fact"]]
        fact, k = slot.fact, slot.key
        present = test({"$ex": {k: 1}})
        absent = test({"$nex": {k: 1}})

        def signed(pos: Expr, neg: Expr) -> Expr:
            return pos if positive else neg

        if op == "exists":
            return present if bool(value) == positive else absent
        if op in ("eq", "ne"):
            if fact.type == "string-list":
                return self._feature(atom, positive, lambda v, w=value: v == w)
            if not _compatible(fact, value):  # never equal
                return signed(FALSE, TRUE) if op == "eq" else signed(present, absent)
            lit = _literal(fact, value)
            eq, ne = test({k: lit}), test({"$neq": {k: lit}})
            if op == "eq":
                return signed(eq, any_of([absent, ne]))
            return signed(ne, any_of([absent, eq]))
        if op in _NEGATED_ORDER:
            if fact.type not in ("number", "integer") or not _is_number(value):
                return signed(FALSE, TRUE)
            lit = _literal(fact, value)
            return signed(test({f"${op}": {k: lit}}), any_of([absent, test({_NEGATED_ORDER[op]: {k: lit}})]))
        if op in ("in", "notIn"):
            if not isinstance(value, list):
                return signed(FALSE, TRUE)
            if len(value) > MAX_IN_VALUES:
                raise LimitExceeded(f"{path}/{op}", f"values in one {op} list", MAX_IN_VALUES, len(value))
            if fact.type == "string-list":
                members = list(value)
                holds = (lambda v, m=members: v in m) if op == "in" else (lambda v, m=members: v not in m)
                return self._feature(atom, positive, holds)
            lits: list[Any] = []
            seen: set[str] = set()
            for v in value:
                if _compatible(fact, v):
                    lit = _literal(fact, v)
                    if dumps(lit) not in seen:
                        seen.add(dumps(lit))
                        lits.append(lit)
            member = any_of([test({k: lit}) for lit in lits])
            non_member = all_of([present] if not lits else [test({"$neq": {k: lit}}) for lit in lits])
            if op == "in":
                return signed(member, any_of([absent, non_member]))
            return signed(non_member, any_of([absent, member]))
        if op == "contains":
            if not isinstance(value, str):
                return signed(FALSE, TRUE)
            if fact.type == "string-list":
                if value == EMPTY_LIST_SENTINEL:
                    return self._feature(atom, positive, lambda v, w=value: w in v)
                has = test({"$iany": {k: {"$i": value}}})
                lacks = test({"$iall": {k: {"$neq": {"$i": value}}}})
                return signed(has, any_of([absent, lacks]))
            if fact.type in ("string", "enum"):
                if value == "":
                    return signed(present, absent)
                return self._feature(atom, positive, lambda v, w=value: w in v)
            return signed(FALSE, TRUE)
        if op == "matches":
            if fact.type not in ("string", "enum") or not isinstance(value, str):
                return signed(FALSE, TRUE)
            return self._feature(atom, positive, compile_search(value))
        raise ValueError(f"unknown operator {op!r}")

    def _feature(self, atom: Mapping[str, Any], positive: bool, holds: Callable[[Any], bool]) -> Expr:
        (op, value), = ((k, v) for k, v in atom.items() if k != "fact")
        feature = self.features.get(atom["fact"], op, value, holds)
        if positive:
            return test({"$iany": {FEATURE_KEY: {"$i": feature.fid}}})
        return test({"$iall": {FEATURE_KEY: {"$neq": {"$i": feature.fid}}}})


# --- rules ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RulePlan:
    """One rule as the engine will hold it."""

    ordinal: int  # position in POLICY.md's order
    index: int  # position in the document
    rule_id: str
    expr: Expr  # its condition, window tests included (never FALSE)
    path: str


@dataclass
class Plan:
    kind: str
    collect: bool
    codec: FactCodec
    features: list[Feature]
    rules: list[RulePlan]  # in order; rules that can never fire are left out
    uses_now: bool
    engine_keys: frozenset[str]  # message keys the rules test (only those facts are posted)


def _window(rule: Mapping[str, Any]) -> tuple[int | None, int | None]:
    lo = micros(parse_instant(rule["activeFrom"])) if "activeFrom" in rule else None
    hi = micros(parse_instant(rule["activeUntil"])) if "activeUntil" in rule else None
    return lo, hi


def plan(doc: Mapping[str, Any]) -> Plan:
    """Compile a validated document's rules; :class:`LimitExceeded` when one cannot be held."""
    kind = doc["kind"]
    spec = KIND_SPECS[kind]
    codec = FactCodec(kind)
    conditions = ConditionCompiler(codec)
    rules = doc.get("rules") or []
    if len(rules) > MAX_RULES:
        raise LimitExceeded("/rules", "rules in one document", MAX_RULES, len(rules))
    out: list[RulePlan] = []
    uses_now = False
    for ordinal, (index, rule) in enumerate(ordered_rules(rules)):
        path = f"/rules/{index}"
        if rule.get("enabled", True) is False:
            continue
        expr = conditions.compile(rule["when"], f"{path}/when") if "when" in rule else TRUE
        lo, hi = _window(rule)
        if lo is not None and hi is not None and lo >= hi:
            continue  # never active
        window = []
        if lo is not None:
            window.append(test({"$gte": {NOW_KEY: lo}}))
        if hi is not None:
            window.append(test({"$lt": {NOW_KEY: hi}}))
        uses_now = uses_now or bool(window)
        expr = all_of([*window, expr])
        if expr == FALSE:
            continue
        out.append(RulePlan(ordinal, index, rule["id"], expr, path))
        if not spec.collect and expr == TRUE:
            break  # FIRST: an unconditional rule wins whenever it is reached
    keys: set[str] = set()
    for r in out:
        _collect_keys(r.expr, keys)
    return Plan(kind, spec.collect, codec, list(conditions.features.by_key.values()), out, uses_now, frozenset(keys))


def _collect_keys(expr: Expr, into: set[str]) -> None:
    if expr[0] == "t":
        (name, body), = expr[1].items()
        into.add(next(iter(body)) if name.startswith("$") else name)
    elif expr[0] in ("&", "|"):
        for e in expr[1]:
            _collect_keys(e, into)


def limit_problems(doc: dict[str, Any]) -> list[Problem]:
    """``LIMIT_EXCEEDED`` problems of an otherwise valid document (empty when it can be held).

    Pure Python: builds the same plan and layout as the compiler without touching the
    engine, so it cannot hang or crash on any document.
    """
    from rules.layout import layout

    try:
        layout(plan(doc))
    except LimitExceeded as exc:
        return [exc.problem]
    except RecursionError:
        return [Problem("/rules", "LIMIT_EXCEEDED", f"condition nesting depth: at most {MAX_DEPTH}")]
    return []
