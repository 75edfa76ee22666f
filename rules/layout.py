"""Placing a plan's rules in durable_rules rulesets the engine can hold.

durable_rules 2.0.28 builds one alpha network per ruleset (src/rules/rete.c,
events.c) with fixed-size tables per node. Measured and read from its source:

- a node's children that test a property (``$eq``, ``$neq``, ``$gt``, ``$ex``, …)
  live in a 512-slot hash table: the 513th distinct child makes
  ``create_ruleset`` spin forever, holding the GIL;
- its ``$nex`` children and the join nodes ``$or`` creates live in a 128-slot
  list (error 107 past it);
- at most 256 rules may end on one node (error 108: 257 rules with the same
  condition);
- matching walks the network with a 64-entry stack of pending nodes (error 303
  at run time when more are pending at once).

Identical tests under one parent share a node. So the layout simulates the
network the engine will build (:class:`_Net`, the same sharing rules) and packs
rules, in order, into *groups* whose subtree stays within bounds; groups hang
under a tree of guard nodes (``{"$ex": {"k": n}}``, always true for our
messages, distinct by ``n``) of fan-out 8 and depth at most 3, so the pending
stack stays under 64 whatever the facts. 512 groups fill a ruleset; more start
another, and the runtime merges the rulesets' answers by order. A rule that
cannot be held even alone is ``LIMIT_EXCEEDED``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from rules.compiler import (
    GUARD_KEY,
    TRUE,
    Expr,
    LimitExceeded,
    Plan,
    RulePlan,
    dumps,
    test,
    to_durable,
)

HASH_CHILDREN: Final = 480  # engine: 512
LIST_CHILDREN: Final = 120  # engine: 128
RULES_PER_NODE: Final = 240  # engine: 256
GROUP_STACK: Final = 30  # pending nodes one group may cause
TOTAL_STACK: Final = 60  # engine: 64
FAN_OUT: Final = 8
MAX_DEPTH: Final = 3
GROUPS_PER_RULESET: Final = FAN_OUT**MAX_DEPTH
CATCH_ALL: Final = "zz"
CATCH_ALL_PRI: Final = 60000


class _Node:
    __slots__ = ("hash", "nex", "forward", "betas", "parents", "eq_props", "others", "stack", "child_stack")

    def __init__(self) -> None:
        self.hash: dict[Any, _Node] = {}  # (property, operator, value) -> child
        self.nex: dict[Any, _Node] = {}  # $nex children, shared like the others
        self.forward: list[_Node] = []  # $or joins: never shared, listed once per link
        self.betas = 0
        self.parents: list[_Node] = []
        self.eq_props: dict[str, int] = {}
        self.others = 0
        self.stack = 0  # worst-case pending nodes below this one (see _Net.check)
        self.child_stack = 0  # the largest ``stack`` among the children

    def width(self) -> int:
        """Children that can be pending at once: equality tests on one property exclude
        each other (at most one value matches), every other child may match."""
        return len(self.nex) + len(self.forward) + len(self.eq_props) + self.others


_unique = iter(range(1, 1 << 62))


def _key(obj: dict[str, Any]) -> tuple[str, str, str]:
    (name, body), = obj.items()
    if name.startswith("$"):
        (prop, value), = body.items()
        if name in ("$iany", "$iall"):
            return prop, name, f"#{next(_unique)}"  # the engine never shares these
        return prop, name, dumps(value)
    return name, "$eq", dumps(body)


class _Net:
    """The alpha network the engine will build for a set of rules (sharing as it does), with
    the figures the engine's limits are about kept up to date as rules are added."""

    def __init__(self) -> None:
        self.root = _Node()
        self._touched: list[_Node] = []

    def add(self, conditions: list[Expr]) -> None:
        node = self.root
        for expr in conditions:
            node = self._build(expr, node)
        node.betas += 1
        self._touched.append(node)

    def _link(self, parent: _Node, child: _Node) -> None:
        child.parents.append(parent)
        self._touched.append(parent)

    def _build(self, expr: Expr, parent: _Node) -> _Node:
        tag = expr[0]
        if tag == "t":
            key = _key(expr[1])
            table = parent.nex if key[1] == "$nex" else parent.hash
            child = table.get(key)
            if child is None:
                child = table[key] = _Node()
                if key[1] == "$eq":
                    parent.eq_props[key[0]] = parent.eq_props.get(key[0], 0) + 1
                elif key[1] != "$nex":
                    parent.others += 1
                self._link(parent, child)
            return child
        if tag == "&":
            node = parent
            for e in expr[1]:
                node = self._build(e, node)
            return node
        if tag == "|":
            join = _Node()
            for e in expr[1]:
                end = self._build(e, parent)
                end.forward.append(join)
                self._link(end, join)
            return join
        return parent  # TRUE

    def check(self, stack_limit: int) -> tuple[str, int, int] | None:
        """``(limit, maximum, actual)`` of a limit the network exceeds, or ``None``.

        The stack figure: popping a node pushes its matching children and the last pushed
        is popped first, so below a node of width w at most ``max(w, w - 1 + s)`` nodes are
        pending, ``s`` the largest figure among its children. Figures only grow as rules
        are added; they are propagated up from the nodes the last rules touched.
        """
        touched, self._touched = self._touched, []
        for node in touched:
            if len(node.hash) > HASH_CHILDREN:
                return "distinct tests under one engine node", HASH_CHILDREN, len(node.hash)
            listed = len(node.nex) + len(node.forward)
            if listed > LIST_CHILDREN:
                return "absence tests and alternatives under one engine node", LIST_CHILDREN, listed
            if node.betas > RULES_PER_NODE:
                return "rules with one and the same condition", RULES_PER_NODE, node.betas
        todo = touched
        while todo:
            node = todo.pop()
            width = node.width()
            stack = 0 if width == 0 else max(width, width - 1 + node.child_stack)
            if stack > node.stack:
                node.stack = stack
                for parent in node.parents:
                    if stack > parent.child_stack:
                        parent.child_stack = stack
                    todo.append(parent)
        if self.root.stack > stack_limit:
            return "engine nodes that may be pending at once", stack_limit, self.root.stack
        return None


def _canonical(expr: Expr) -> Expr:
    """Conjunctions with equality tests first (more shared nodes, earlier pruning)."""
    tag = expr[0]
    if tag == "&":
        items = [_canonical(e) for e in expr[1]]
        items.sort(key=_order)
        return ("&", items)
    if tag == "|":
        return ("|", [_canonical(e) for e in expr[1]])
    return expr


def _order(expr: Expr) -> tuple[int, str]:
    if expr[0] == "t":
        prop, op, value = _key(expr[1]) if not _is_array(expr[1]) else ("", "~", "")
        return (0 if op == "$eq" else 1 if op != "~" else 2), f"{prop}\x00{op}\x00{value}"
    return 3, ""


def _is_array(obj: dict[str, Any]) -> bool:
    return next(iter(obj)) in ("$iany", "$iall")


@dataclass(frozen=True, slots=True)
class RulesetLayout:
    """One ruleset: its durable_rules definition and the plan's rules it holds, in order."""

    definition: dict[str, Any]
    rules: list[RulePlan]


def _conjuncts(expr: Expr) -> list[Expr]:
    if expr == TRUE:
        return []
    return list(expr[1]) if expr[0] == "&" else [expr]


def _guard(value: int) -> Expr:
    return test({"$ex": {GUARD_KEY: value}})


def layout(plan: Plan) -> list[RulesetLayout]:
    """The rulesets for ``plan``; :class:`LimitExceeded` when a rule cannot be held."""
    rules = [(r, _canonical(r.expr)) for r in plan.rules]
    groups: list[list[tuple[RulePlan, Expr]]] = []
    current: list[tuple[RulePlan, Expr]] = []
    net = _Net()
    for rule, expr in rules:
        net.add([expr])
        problem = net.check(GROUP_STACK)
        if problem is None:
            current.append((rule, expr))
            continue
        if current:  # close the group without this rule; start the next one with it
            groups.append(current)
        current = [(rule, expr)]
        net = _Net()
        net.add([expr])
        problem = net.check(GROUP_STACK)
        if problem is not None:
            limit, maximum, actual = problem
            raise LimitExceeded(rule.path, limit, maximum, actual, f"rule {rule.rule_id!r}")
    if current:
        groups.append(current)
    out = []
    for start in range(0, max(len(groups), 1), GROUPS_PER_RULESET):
        out.append(_ruleset(groups[start : start + GROUPS_PER_RULESET]))
    return out


def _ruleset(groups: list[list[tuple[RulePlan, Expr]]]) -> RulesetLayout:
    depth = 1 if len(groups) <= FAN_OUT else math.ceil(math.log(len(groups), FAN_OUT) - 1e-9)
    depth = max(1, min(depth, MAX_DEPTH))
    guard_ids: dict[tuple[int, ...], int] = {}
    definition: dict[str, Any] = {}
    held: list[RulePlan] = []
    net = _Net()
    for g, group in enumerate(groups):
        digits = [(g // FAN_OUT**level) % FAN_OUT for level in reversed(range(depth))]
        guards = []
        for level in range(depth):
            prefix = tuple(digits[: level + 1])
            value = guard_ids.setdefault(prefix, len(guard_ids) + 1)
            guards.append(_guard(value))
        for rule, expr in group:
            conditions = [*guards, *_conjuncts(expr)]
            net.add(conditions)
            body: Any = {"$and": [to_durable(c) for c in conditions]}
            definition[f"r{rule.ordinal}"] = {"all": [{"m": body}], "pri": rule.ordinal + 1}
            held.append(rule)
    catch_all = _guard(0)
    net.add([catch_all])
    definition[CATCH_ALL] = {"all": [{"m": to_durable(catch_all)}], "pri": CATCH_ALL_PRI}
    problem = net.check(TOTAL_STACK)
    if problem is not None:  # the packing above makes this impossible; kept as a guard
        limit, maximum, actual = problem
        raise LimitExceeded("/rules", limit, maximum, actual)
    return RulesetLayout(definition, held)
