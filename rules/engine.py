"""The runtime: compiled policies and their decisions (POLICY.md "Hit policies", "Decisions").

``Decision`` and ``apply_caps`` (rules/decision.py) and ``PolicyRegistry``
(rules/registry.py, versions) are offered here too; ``limit_problems`` and
``LimitExceeded`` come from rules/compiler.py.

The only module that imports durable_rules. It drives the C module
``durable_rules_engine`` directly — not ``durable.lang``/``Host``, whose
dispatcher thread races with the caller and never stops:

- FIRST posts the decision's facts as an *event*: the engine consumes an event
  with the first action, and actions come out by salience (``pri``, lower
  first), so the one rule it returns is the first matching rule in
  POLICY.md's order. COLLECT asserts the facts as a *fact* (every matching rule
  fires, in salience order), then retracts it.
- Every message has a fresh ``id``; each ruleset has one session id, reused,
  and its calls are serialized by the policy's lock (the C module never
  releases the GIL, but one decision is several calls).
- A failure anywhere yields ``default`` (COLLECT: no items) with
  ``fallback: true`` and the error; the session is then replaced so that no
  half-finished message survives into the next decision.
- A policy is freed (``delete_state`` — only for a session that has dispatched,
  the engine can crash otherwise — then ``delete_ruleset``) once retired and
  no decision is in flight on it.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import durable_rules_engine as _dre

from rules.clock import CALENDAR_ENV, SHANGHAI, time_facts
from rules.compiler import (
    FEATURE_KEY,
    FEATURE_SENTINEL,
    GUARD_KEY,
    NOW_KEY,
    LimitExceeded,
    Plan,
    dumps,
    limit_problems,
    micros,
    plan,
)
from rules.decision import Decision, apply_caps
from rules.document import KIND_SPECS
from rules.layout import CATCH_ALL, RulesetLayout, layout

__all__ = [
    "CompiledPolicy",
    "Decision",
    "EngineError",
    "LimitExceeded",
    "PolicyCompileError",
    "PolicyRegistry",
    "apply_caps",
    "compile_isolated",
    "compile_policy",
    "limit_problems",
]

_ruleset_names = itertools.count(1)
_message_ids = itertools.count(1)
_session_ids = itertools.count(1)


class EngineError(RuntimeError):
    """durable_rules answered something a decision cannot use."""


class PolicyCompileError(RuntimeError):
    """A document could not be compiled (or smoke-evaluated) in the isolated child process."""


# --- compiled policies ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RuleOut:
    rule_id: str
    ordinal: int
    outputs: dict[str, Any] | None  # FIRST: default overlaid with the rule's ``then``
    deep: bool  # outputs hold lists/objects: copy deeply per decision
    points: Any = None  # COLLECT
    reason: str | None = None


class _Ruleset:
    __slots__ = ("handle", "sid", "dispatched", "name")

    def __init__(self, name: str, definition: dict[str, Any]) -> None:
        self.name = name
        self.handle = _dre.create_ruleset(name, dumps(definition))
        self.sid = str(next(_session_ids))
        self.dispatched = False

    def free(self) -> None:
        try:
            if self.dispatched:  # delete_state on a never-dispatched state can segfault
                _dre.delete_state(self.handle, self.sid)
        except Exception:  # noqa: BLE001 - e.g. 309: the state never came to exist
            pass
        _dre.delete_ruleset(self.handle)

    def renew_session(self) -> None:
        """Drop the session (and anything a failed decision left in it); start a new one."""
        try:
            if self.dispatched:
                _dre.delete_state(self.handle, self.sid)
        except Exception:  # noqa: BLE001 - e.g. 309: the state never came to exist
            pass
        self.sid = str(next(_session_ids))
        self.dispatched = False


class CompiledPolicy:
    """One version of one kind's document, compiled into durable_rules rulesets."""

    def __init__(self, doc: dict[str, Any], version: int, compiled: Plan, rulesets: list[RulesetLayout]) -> None:
        spec = KIND_SPECS[doc["kind"]]
        self.kind: str = doc["kind"]
        self.version = version
        self.document = doc
        self._collect = spec.collect
        self._codec = compiled.codec
        features_of: dict[str, list[tuple[str, Any]]] = {}
        for feature in compiled.features:
            features_of.setdefault(feature.path, []).append((feature.fid, feature.holds))
        # Reading facts, per first path segment: for each slot its tail, its type check,
        # its opening of the message (None when no rule tests it in the engine), its
        # encoder and the features to evaluate on it.
        def writer(slot: Any) -> tuple[Any, ...]:
            prefix = slot.prefix if slot.key in compiled.engine_keys else None
            return (slot.tail, slot.check, prefix, slot.encode, tuple(features_of.get(slot.fact.path, ())))

        self._groups = [(head, [writer(s) for s in slots]) for head, slots in compiled.codec.groups]
        self._leaf = {head for head, slots in compiled.codec.groups if slots[0].tail is None}
        self._time = next((w for head, w in self._groups if head == "time"), None)
        self._has_features = bool(compiled.features)
        self._uses_now = compiled.uses_now
        default = _with_implied(doc.get("default") or {}, spec.implied)
        self._default = default
        self._default_deep = _is_deep(default)
        rules = doc.get("rules") or []
        self._rules: dict[str, _RuleOut] = {}
        for r in compiled.rules:
            rule = rules[r.index]
            then = rule.get("then") or {}
            if self._collect:
                out = _RuleOut(r.rule_id, r.ordinal, None, False, then.get("points", 0), then.get("reason", rule.get("title")))
            else:
                merged = _with_implied({**(doc.get("default") or {}), **then}, spec.implied)
                out = _RuleOut(r.rule_id, r.ordinal, merged, _is_deep(merged))
            self._rules[f"r{r.ordinal}"] = out
        self._lock = threading.Lock()
        self._inflight = 0
        self._retired = False
        self._freed = False
        self._rulesets: list[_Ruleset] = []
        try:
            for i, ruleset in enumerate(rulesets):
                name = f"{self.kind}@{version}#{next(_ruleset_names)}.{i}"
                self._rulesets.append(_Ruleset(name, ruleset.definition))
        except Exception:
            for made in self._rulesets:
                made.free()
            self._freed = True
            raise

    # -- deciding ---------------------------------------------------------------------------

    def decide(self, facts: dict[str, Any], now: datetime) -> Decision:
        """The decision for ``facts`` at ``now``; never raises (a failure is a fallback decision)."""
        seen: dict[str, Any] | None = None
        try:
            if now.tzinfo is None:
                now = now.replace(tzinfo=SHANGHAI)
            if type(facts) is not dict and not isinstance(facts, Mapping):
                facts = {}
            body, seen = self._read(facts, now)
            with self._lock:  # one decision's calls at a time; close() waits for them
                names = self._run(body)
            return self._decision(names, seen, now)
        except Exception as exc:  # noqa: BLE001 - POLICY.md: a failure never fails the caller
            return self._fallback(exc, seen, facts, now)

    def _read(self, facts: Mapping[str, Any], now: datetime) -> tuple[str, dict[str, Any]]:
        """The engine's message body for ``facts`` and the facts as the decision saw them.

        POLICY.md "Fact values are typed": facts arrive nested and are read at the
        catalogue's paths; a value of the wrong type, outside its enum or range, or
        ``null`` is absent; unknown paths are ignored; ``time.*`` comes from ``now``
        (Asia/Shanghai) unless the facts give it.
        """
        parts = [f',"{GUARD_KEY}":1']
        held = [FEATURE_SENTINEL]
        seen: dict[str, Any] = {}
        get = facts.get
        for head, writers in self._groups:
            node = get(head)
            if node is None:
                continue
            if head in self._leaf:  # a one-segment path (``trigger``)
                _, check, prefix, encode, features = writers[0]
                if check(node):
                    seen[head] = node
                    if prefix is not None:
                        parts.append(prefix)
                        parts.append(encode(node))
                    if features:
                        held.extend(fid for fid, holds in features if holds(node))
                continue
            if type(node) is not dict and not isinstance(node, Mapping):
                continue
            inner: dict[str, Any] = {}
            node_get = node.get
            for tail, check, prefix, encode, features in writers:
                value = node_get(tail)
                if value is None or not check(value):
                    continue
                inner[tail] = value
                if prefix is not None:
                    parts.append(prefix)
                    parts.append(encode(value))
                if features:
                    held.extend(fid for fid, holds in features if holds(value))
            if inner:
                seen[head] = inner
        if self._time is not None:
            given = seen.get("time")
            if given is None or len(given) < len(self._time):
                derived = _time_facts(now)
                inner = seen.setdefault("time", {})
                for tail, check, prefix, encode, features in self._time:
                    if tail not in inner:
                        value = derived.get(tail)
                        if value is not None and check(value):
                            inner[tail] = value
                            if prefix is not None:
                                parts.append(prefix)
                                parts.append(encode(value))
                            # A derived value is tested like a given one (``time.date matches``).
                            if features:
                                held.extend(fid for fid, holds in features if holds(value))
                if not inner:
                    del seen["time"]
        if self._uses_now:
            parts.append(f',"{NOW_KEY}":{micros(now)}')
        if self._has_features:
            parts.append(f',"{FEATURE_KEY}":{json.dumps(held)}')
        parts.append("}")
        return "".join(parts), seen

    def _run(self, body: str) -> list[str]:
        """Post one decision's message to each ruleset; the fired rule names, in order.
        Called with the lock held."""
        if self._freed:
            raise EngineError(f"{self.kind} version {self.version} has been freed")
        fired: list[str] = []
        for ruleset in self._rulesets:
            head = f'{{"id":{next(_message_ids)},"sid":"{ruleset.sid}"'
            try:
                names = self._post(ruleset, head, body)
            except BaseException:
                ruleset.renew_session()
                raise
            if not self._collect:
                if names[0] != CATCH_ALL:
                    return names[:1]
                continue
            fired.extend(n for n in names if n != CATCH_ALL)
        return fired

    def _post(self, ruleset: _Ruleset, head: str, body: str) -> list[str]:
        """One message to one ruleset: the names of the rules it fired, in firing order."""
        handle = ruleset.handle
        collect = self._collect
        code, state = (_dre.assert_fact if collect else _dre.assert_event)(handle, head + body)
        ruleset.dispatched = True
        if code != 0:
            raise EngineError(f"durable_rules did not take the message (result {code})")
        result = _dre.start_action_for_state(handle, state)
        if not result:
            raise EngineError("durable_rules dispatched no action (not even the catch-all)")
        text = result[1]  # an action is '{"r12":{"m":{...}}}': the rule name is the first key
        names = [text[2 : text.index('"', 2)]]
        while (text := _dre.complete_and_start_action(handle, state)) is not None:
            names.append(text[2 : text.index('"', 2)])
        if collect:
            code, _ = _dre.retract_fact(handle, head + "}")
            if code != 0:
                raise EngineError(f"durable_rules did not retract the fact (result {code})")
        return names

    def _decision(self, names: list[str], seen: dict[str, Any], now: datetime) -> Decision:
        rules = self._rules
        if self._collect:
            # a rule whose condition holds along several $or paths fires once per path
            fired = sorted((rules[n] for n in set(names)), key=lambda r: r.ordinal)
            items = [{"rule": r.rule_id, "points": r.points, "reason": r.reason} for r in fired]
            return Decision(self.kind, self.version, None, items, [r.rule_id for r in fired], False, None, seen, now)
        if names:
            winner = rules[names[0]]
            outputs = _copied(winner.outputs) if winner.deep else dict(winner.outputs)  # type: ignore[arg-type]
            fired_ids = [winner.rule_id]
        else:
            outputs = _copied(self._default) if self._default_deep else dict(self._default)
            fired_ids = []
        return Decision(self.kind, self.version, outputs, None, fired_ids, False, None, seen, now)

    def _fallback(self, exc: BaseException, seen: dict[str, Any] | None, facts: Any, now: Any) -> Decision:
        error = f"{type(exc).__name__}: {exc}"
        if seen is None:
            seen = facts if isinstance(facts, dict) else {}
        if not isinstance(now, datetime):
            now = datetime.now(SHANGHAI)
        if self._collect:
            return Decision(self.kind, self.version, None, [], [], True, error, seen, now)
        try:
            outputs = copy.deepcopy(self._default)
        except Exception:  # noqa: BLE001
            outputs = {}
        return Decision(self.kind, self.version, outputs, None, [], True, error, seen, now)

    # -- lifetime ---------------------------------------------------------------------------

    def _enter(self) -> None:
        with self._lock:
            if self._freed:
                raise EngineError(f"{self.kind} version {self.version} has been freed")
            self._inflight += 1

    def _exit(self) -> None:
        with self._lock:
            self._inflight -= 1
            if self._retired and self._inflight == 0:
                self._free()

    @property
    def in_flight(self) -> int:
        return self._inflight

    @property
    def freed(self) -> bool:
        return self._freed

    def close(self) -> None:
        """Retire this policy: freed now if idle, else when its last decision finishes."""
        with self._lock:
            self._retired = True
            if self._inflight == 0:
                self._free()

    def _free(self) -> None:
        if self._freed:
            return
        self._freed = True
        for ruleset in self._rulesets:
            try:
                ruleset.free()
            except Exception:  # noqa: BLE001 - freeing must not fail the swap
                pass

    def __del__(self) -> None:
        try:
            if not getattr(self, "_freed", True) and _dre is not None:
                self._free()
        except Exception:  # noqa: BLE001
            pass


def _with_implied(outputs: Mapping[str, Any], implied: Mapping[str, Any]) -> dict[str, Any]:
    """``outputs`` plus the kind's optional outputs neither ``then`` nor ``default`` gave
    (``manual: false`` for routing), appended last."""
    out = dict(outputs)
    for key, value in implied.items():
        out.setdefault(key, value)
    return out


_time_cache: dict[tuple[int, str | None], Mapping[str, Any]] = {}


def _time_facts(now: datetime) -> Mapping[str, Any]:
    """``clock.time_facts(now)``, memoized per hour: Asia/Shanghai is UTC+8 all year, so its
    hours are the epoch's hours and the facts (hour, weekday, date, isWorkday) depend on the
    hour alone — and on the holiday calendar in force, which is part of the key."""
    key = (int(now.timestamp() // 3600), os.environ.get(CALENDAR_ENV))
    facts = _time_cache.get(key)
    if facts is None:
        if len(_time_cache) > 4096:
            _time_cache.clear()
        facts = _time_cache[key] = time_facts(now)
    return facts


def _is_deep(outputs: Mapping[str, Any]) -> bool:
    return any(isinstance(v, (dict, list)) for v in outputs.values())


def _copied(value: Any) -> Any:
    """A copy of a rule's JSON outputs (dicts, lists, scalars) that a caller may change
    freely — ``copy.deepcopy`` without its memo and dispatch, on every decision."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    return value


def compile_policy(doc: dict[str, Any], *, version: int) -> CompiledPolicy:
    """Compile a validated document in this process (:class:`LimitExceeded` if it cannot be held).

    A server or the command line compiles through :func:`compile_isolated` first.
    """
    compiled = plan(doc)
    return CompiledPolicy(doc, version, compiled, layout(compiled))


def compile_isolated(
    doc: dict[str, Any], *, version: int, timeout_s: float = 10, memory_mb: int = 512
) -> CompiledPolicy:
    """Compile and smoke-evaluate ``doc`` in a child process with a time and memory limit, then
    in this process. :class:`PolicyCompileError` when the child times out, crashes or fails."""
    from rules.sandbox import check_in_child

    check_in_child(doc, version=version, timeout_s=timeout_s, memory_mb=memory_mb)
    return compile_policy(doc, version=version)



def __getattr__(name: str) -> Any:
    # ``PolicyRegistry`` lives in rules/registry.py (which builds on this module) and is
    # offered here too, resolved on first use to keep the import order one-way.
    if name == "PolicyRegistry":
        from rules.registry import PolicyRegistry

        return PolicyRegistry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
