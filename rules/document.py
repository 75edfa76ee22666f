"""The policy document model (POLICY.md "Document", "The five kinds").

What each kind is: its hit policy, the outputs its ``then``/``default`` may
carry (with the check each value must pass) and which of them a ``default``
must give; the keys a document, a rule and a test may have; the scoring
extras (``base``, ``floor``, ``grades``); and the order in which rules are
considered. The validator, the engine and the command line all read it here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from rules.facts import KINDS, MEMBER_ROLES

HitPolicy = Literal["FIRST", "COLLECT"]

RULE_ID: Final = re.compile(r"[a-z0-9][a-z0-9-]*")
GRID_CENTER: Final = "GRID_CENTER"
SCOPES: Final = ("GRID", "LARGE_GRID", "PARK", "DISTRICT")
DEPARTMENT_RESPONDER: Final = "DEPARTMENT_RESPONDER"

DOCUMENT_KEYS: Final = frozenset({"kind", "title", "hitPolicy", "rules", "default", "tests"})
SCORING_KEYS: Final = frozenset({"base", "floor", "grades"})
RULE_KEYS: Final = frozenset(
    {"id", "title", "priority", "when", "then", "enabled", "activeFrom", "activeUntil", "cap"}
)
TEST_KEYS: Final = frozenset({"name", "facts", "now", "expect", "expectRules"})
GRADE_KEYS: Final = frozenset({"min", "grade"})

DEFAULT_BASE: Final = 100
DEFAULT_FLOOR: Final = 0
DEFAULT_GRADES: Final = (
    {"min": 90, "grade": "EXCELLENT"},
    {"min": 75, "grade": "GOOD"},
    {"min": 60, "grade": "PASS"},
    {"min": 0, "grade": "FAIL"},
)


# --- JSON value predicates (JSON has no booleans among its numbers) -----------------------


def is_number(value: object) -> bool:
    """A finite JSON number: ``true`` is not a number, neither is ``NaN``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value)


def is_integer(value: object) -> bool:
    """A JSON integer as Python parses it: ``1`` yes, ``1.0`` and ``true`` no."""
    return isinstance(value, int) and not isinstance(value, bool)


def json_type(value: object) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


# --- outputs ------------------------------------------------------------------------------

# A value check returns ``None`` when the value is allowed, else why not.
Check = Callable[[object], "str | None"]


def _department(value: object) -> str | None:
    if not isinstance(value, str) or not value:
        return f"应为部门代码（非空字符串），实际为 {json_type(value)}"
    return None


def _level(value: object) -> str | None:
    if not is_integer(value) or not 1 <= value <= 3:  # type: ignore[operator]
        return f"应为整数 1–3，实际为 {value!r}"
    return None


def _level_or_null(value: object) -> str | None:
    return None if value is None else _level(value)


def _due(value: object) -> str | None:
    if not is_number(value) or value <= 0:  # type: ignore[operator]
        return f"应为大于 0 的数，实际为 {value!r}"
    return None


def _bool(value: object) -> str | None:
    return None if isinstance(value, bool) else f"应为 true 或 false，实际为 {json_type(value)}"


def _points(value: object) -> str | None:
    return None if is_number(value) else f"应为数值，实际为 {value!r}"


def _text(value: object) -> str | None:
    return None if isinstance(value, str) else f"应为字符串，实际为 {json_type(value)}"


@dataclass(frozen=True, slots=True)
class Output:
    """One output of a kind: the check its value must pass; ``department`` marks department codes
    (checked against the organisation when it is known); ``selector`` marks an officer selector
    (``"one"``) or a list of them (``"list"``), checked by :func:`selector_problems`."""

    name: str
    check: Check | None = None
    department: bool = False
    selector: Literal["one", "list"] | None = None


@dataclass(frozen=True, slots=True)
class KindSpec:
    kind: str
    hit_policy: HitPolicy
    outputs: Mapping[str, Output]
    required: tuple[str, ...]
    """Outputs a ``default`` (FIRST) must give, or each rule's ``then`` (COLLECT)."""
    implied: Mapping[str, Any]
    """Optional outputs and the value they take when neither ``then`` nor ``default`` gives them."""
    collect: bool = False


def _outputs(*outputs: Output) -> dict[str, Output]:
    return {o.name: o for o in outputs}


KIND_SPECS: Final[dict[str, KindSpec]] = {
    "incident-routing": KindSpec(
        "incident-routing",
        "FIRST",
        _outputs(
            Output("department", _department, department=True),
            Output("level", _level),
            Output("dueInHours", _due),
            Output("manual", _bool),
        ),
        required=("department", "level", "dueInHours"),
        implied={"manual": False},
    ),
    "incident-escalation": KindSpec(
        "incident-escalation",
        "FIRST",
        _outputs(
            Output("level", _level_or_null),
            Output("dueInHours", _due),
            Output("department", _department, department=True),
        ),
        required=("level", "dueInHours"),
        implied={},
    ),
    "officer-assignment": KindSpec(
        "officer-assignment",
        "FIRST",
        _outputs(Output("officer", selector="one"), Output("otherwise", selector="list")),
        required=("officer",),
        implied={},
    ),
    "order-routing": KindSpec(
        "order-routing",
        "FIRST",
        _outputs(Output("department", _department, department=True), Output("dueInHours", _due)),
        required=("department", "dueInHours"),
        implied={},
    ),
    "assessment-scoring": KindSpec(
        "assessment-scoring",
        "COLLECT",
        _outputs(Output("points", _points), Output("reason", _text)),
        required=("points",),
        implied={},
        collect=True,
    ),
}
assert tuple(KIND_SPECS) == KINDS


def kind_spec(kind: str) -> KindSpec:
    """The spec of ``kind``; ``KeyError`` for a kind that is not one of the five."""
    return KIND_SPECS[kind]


def hit_policy(kind: str) -> HitPolicy:
    return KIND_SPECS[kind].hit_policy


def selector_problems(value: object) -> list[tuple[str, str, str]]:
    """What is wrong with an officer selector, as ``(relative path, code, message)``.

    ``{"role": ROLE, "scope": SCOPE}``, ``{"role": "DEPARTMENT_RESPONDER"}`` or
    ``{"member": CODE}``; an unknown role is ``UNKNOWN_ROLE``, anything else ``BAD_OUTPUT``.
    """
    if not isinstance(value, dict):
        return [("", "BAD_OUTPUT", f"人员选择器应为对象，实际为 {json_type(value)}")]
    if "member" in value:
        out = []
        extra = sorted(set(value) - {"member"})
        if extra:
            out.append(("", "BAD_OUTPUT", f"member 选择器不能再有键：{', '.join(extra)}"))
        member = value["member"]
        if not isinstance(member, str) or not member:
            out.append(("/member", "BAD_OUTPUT", f"member 应为成员代码（非空字符串），实际为 {json_type(member)}"))
        return out
    if "role" not in value:
        return [("", "BAD_OUTPUT", '人员选择器应为 {"role", "scope"}、{"role": "DEPARTMENT_RESPONDER"} 或 {"member"}')]
    out = []
    extra = sorted(set(value) - {"role", "scope"})
    if extra:
        out.append(("", "BAD_OUTPUT", f"人员选择器不认识的键：{', '.join(extra)}"))
    role = value["role"]
    if not isinstance(role, str):
        out.append(("/role", "BAD_OUTPUT", f"role 应为字符串，实际为 {json_type(role)}"))
        return out
    if role not in MEMBER_ROLES:
        out.append(("/role", "UNKNOWN_ROLE", f"未知的成员角色 {role!r}；可用：{', '.join(MEMBER_ROLES)}"))
    if role == DEPARTMENT_RESPONDER:
        if "scope" in value:
            out.append(("/scope", "BAD_OUTPUT", "DEPARTMENT_RESPONDER 指承办部门的应哨责任人，不带 scope"))
    elif "scope" not in value:
        out.append(("/scope", "BAD_OUTPUT", f"角色选择器需要 scope：{' | '.join(SCOPES)}"))
    elif value["scope"] not in SCOPES:
        out.append(("/scope", "BAD_OUTPUT", f"scope 应为 {' | '.join(SCOPES)}，实际为 {value['scope']!r}"))
    return out


# --- order and scoring --------------------------------------------------------------------


def ordered_rules(rules: Sequence[Mapping[str, Any]]) -> list[tuple[int, Mapping[str, Any]]]:
    """``(index, rule)`` in the order rules are considered: priority highest first, then document order."""
    return sorted(enumerate(rules), key=lambda ir: (-_priority(ir[1]), ir[0]))


def _priority(rule: Mapping[str, Any]) -> int:
    p = rule.get("priority", 0)
    return p if is_integer(p) else 0


def scoring_settings(doc: Mapping[str, Any]) -> tuple[float, float, list[dict[str, Any]]]:
    """``(base, floor, grades)`` of an assessment-scoring document, defaults filled in."""
    grades = doc.get("grades")
    return (
        doc.get("base", DEFAULT_BASE),
        doc.get("floor", DEFAULT_FLOOR),
        [dict(g) for g in (DEFAULT_GRADES if grades is None else grades)],
    )


def total_and_grade(doc: Mapping[str, Any], points: Sequence[float]) -> tuple[float, str | None]:
    """A subject's total ``max(floor, base + Σ points)`` and the first grade whose ``min`` it reaches."""
    base, floor, grades = scoring_settings(doc)
    total = max(floor, base + sum(points))
    for g in grades:
        if total >= g["min"]:
            return total, g["grade"]
    return total, None
