"""Facts and values as durable_rules reads them (POLICY.md "Fact values are typed").

Every catalogue path gets a short message key (``a0``, ``a1``, …). A fact value
is usable when it has the fact's type (booleans are not numbers, ``"40"`` is not a
number; integer facts take any JSON number), is inside its enum and its min/max,
and is not ``null``; anything else counts as absent, and absent facts are simply
not in the engine's message. Values are written in the form the engine's JSON
reader handles correctly (numbers without exponents, long strings guarded).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Final

from rules.facts import CATALOGUES, Fact

EMPTY_LIST_SENTINEL: Final = "\ufffe"  # an empty string list is posted as [SENTINEL] (see _encoder)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MAX_EXACT_INT: Final = 2**53
_MAX_NUMBER: Final = 1e300


# --- JSON for the engine ----------------------------------------------------------------------


class Raw(str):
    """Text written into the engine's JSON as is (a number already formatted)."""

    __slots__ = ()


def number_json(value: int | float) -> str:
    """A number as the engine's JSON reader takes it: no exponent (``1e+20`` is a parse error
    there); integers beyond 2**53 as doubles (its integers are C ``long``s and it compares
    mixed numbers as doubles)."""
    if type(value) is int and -_MAX_EXACT_INT <= value <= _MAX_EXACT_INT:
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if -_MAX_EXACT_INT <= value <= _MAX_EXACT_INT:
            return str(int(value))
        value = float(value)
    value = float(value)
    if value.is_integer() and abs(value) <= _MAX_EXACT_INT:
        return str(int(value))
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
        if "." not in text:
            text += ".0"
    return text


def dumps(value: Any) -> str:
    """Serialize a ruleset or a test for the engine (``Raw`` numbers, UTF-8 strings)."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_json(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} for the engine")


# --- facts ------------------------------------------------------------------------------------


def _checker(fact: Fact) -> Callable[[object], bool]:
    """Whether a fact value is usable; anything else counts as absent (POLICY.md "Fact values are typed")."""
    lo, hi = fact.minimum, fact.maximum
    if fact.type in ("number", "integer"):

        def check_number(v: object) -> bool:
            t = type(v)
            if t is int:
                ok = -_MAX_NUMBER < v < _MAX_NUMBER  # type: ignore[operator]
            elif t is float:
                ok = math.isfinite(v) and -_MAX_NUMBER < v < _MAX_NUMBER  # type: ignore[arg-type,operator]
            else:
                return False
            return ok and (lo is None or v >= lo) and (hi is None or v <= hi)  # type: ignore[operator]

        return check_number
    if fact.type == "boolean":
        return lambda v: type(v) is bool
    if fact.type == "enum":
        values = frozenset(fact.values or ())
        return lambda v: type(v) is str and v in values
    if fact.type == "string-list":
        return lambda v: type(v) is list and all(type(x) is str for x in v)
    return lambda v: type(v) is str


_NEEDS_ESCAPE: Final = re.compile('[\x00-\x1f"\\\\]')


MAX_STRING_CHARS: Final = 16_000
_MAX_STRING_BYTES: Final = 65_000
LONG_STRING: Final = '"\ufffe(long)"'


def _string_json(v: str) -> str:
    """A string for the engine. Its parser keeps a value's length in 16 bits, so a value of
    64 KiB or more would compare equal to its first bytes (measured: 'abc' + 65,535 'x'
    equals 'abc'); such a value is posted as a placeholder equal to no document literal
    (literals are at most MAX_STRING_CHARS long), which keeps eq/ne/in/notIn/exists right."""
    text = '"' + v + '"' if _NEEDS_ESCAPE.search(v) is None else json.dumps(v, ensure_ascii=False)
    if len(v) > MAX_STRING_CHARS // 4 and len(text.encode("utf-8")) > _MAX_STRING_BYTES:
        return LONG_STRING
    return text


def _encoder(fact: Fact) -> Callable[[Any], str]:
    if fact.type in ("number", "integer"):
        return number_json
    if fact.type == "boolean":
        return lambda v: "true" if v else "false"
    if fact.type == "string-list":
        # durable_rules' ``$iall`` is false on an empty list; an empty list is posted as a
        # one-element list of a sentinel no document literal uses (the compiler turns an
        # atom on the sentinel itself into a feature), so "contains nothing" stays true.
        sentinel = json.dumps([EMPTY_LIST_SENTINEL], ensure_ascii=False)
        return lambda v: "[" + ",".join(_string_json(x) for x in v) + "]" if v else sentinel
    return _string_json


@dataclass(frozen=True, slots=True)
class FactSlot:
    fact: Fact
    key: str
    head: str
    tail: str | None
    check: Callable[[object], bool]
    encode: Callable[[Any], str]

    @property
    def prefix(self) -> str:
        """``,"a3":`` — the slot's key as it opens its member of the message."""
        return ',"' + self.key + '":'


class FactCodec:
    """A kind's facts: flattening, typing and the engine's message keys."""

    def __init__(self, kind: str) -> None:
        catalogue = CATALOGUES[kind]
        self.kind = kind
        self.slots: list[FactSlot] = []
        self.by_path: dict[str, FactSlot] = {}
        for i, fact in enumerate(catalogue.values()):
            head, _, tail = fact.path.partition(".")
            slot = FactSlot(fact, f"a{i}", head, tail or None, _checker(fact), _encoder(fact))
            self.slots.append(slot)
            self.by_path[fact.path] = slot
        groups: dict[str, list[FactSlot]] = {}
        for slot in self.slots:
            groups.setdefault(slot.head, []).append(slot)
        self._groups = list(groups.items())

    @property
    def groups(self) -> list[tuple[str, list[FactSlot]]]:
        """The slots by first path segment (``incident``, ``grid``, …, ``trigger``)."""
        return self._groups


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"incident.category": x}`` → ``{"incident": {"category": x}}``."""
    out: dict[str, Any] = {}
    for path, value in flat.items():
        head, _, tail = path.partition(".")
        if tail:
            out.setdefault(head, {})[tail] = value
        else:
            out[head] = value
    return out


def micros(instant: datetime) -> int:
    """``instant`` in integer microseconds since the epoch (exact, so window edges are exact)."""
    return (instant - _EPOCH) // _MICROSECOND


_MICROSECOND: Final = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=timezone.utc) - _EPOCH
