"""Validation of ``when`` conditions (POLICY.md "Conditions"): combinators, atoms with exactly
one operator of the table, facts of the kind's catalogue, literals of the fact's type,
enum and range, and patterns of the ``matches`` subset."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection
from typing import Any, Final

from rules.document import is_number, json_type
from rules.facts import Fact
from rules.patterns import pattern_error

OPERATORS: Final = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "notIn", "contains", "matches", "exists")
COMBINATORS: Final = ("all", "any", "not")
ORDERING: Final = frozenset({"gt", "gte", "lt", "lte"})
# Condition nesting the validator walks; deeper documents are refused, never a RecursionError.
MAX_CONDITION_DEPTH: Final = 32
# Facts whose values are department codes (checked when the caller knows the organisation's codes).
DEPARTMENT_FACTS: Final = frozenset({"incident.department", "incident.returnedBy", "decision.department"})


def pointer(path: str, key: object) -> str:
    """``path`` extended by one JSON-pointer token."""
    return f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"


class ConditionChecker:
    """Checks conditions of one document; ``error(path, code, message)`` receives each problem.

    ``catalogue`` is ``None`` when the document's kind is unknown: then only the shape is checked.
    """

    def __init__(
        self,
        kind: str | None,
        catalogue: dict[str, Fact] | None,
        departments: frozenset[str] | None,
        error: Callable[[str, str, str], None],
    ) -> None:
        self.kind = kind
        self.catalogue = catalogue
        self.departments = departments
        self.error = error

    def condition(self, cond: object, path: str, depth: int) -> None:
        if depth > MAX_CONDITION_DEPTH:
            self.error(
                path,
                "LIMIT_EXCEEDED",
                f"条件嵌套层数超过上限：最多 {MAX_CONDITION_DEPTH} 层，此处已是第 {depth} 层",
            )
            return
        if not isinstance(cond, dict):
            self.error(path, "BAD_DOCUMENT", f"条件应为对象，实际为 {json_type(cond)}")
            return
        combinators = [k for k in COMBINATORS if k in cond]
        if combinators:
            if len(cond) > 1:
                self.error(path, "BAD_DOCUMENT", f"组合条件 {combinators[0]} 必须单独成一个对象，却还有：{keys_text(set(cond) - {combinators[0]})}")
                return
            key = combinators[0]
            value = cond[key]
            if key == "not":
                self.condition(value, f"{path}/not", depth + 1)
            elif not isinstance(value, list):
                self.error(f"{path}/{key}", "BAD_DOCUMENT", f"{key} 应为条件数组，实际为 {json_type(value)}")
            elif not value:
                self.error(f"{path}/{key}", "BAD_DOCUMENT", f"{key} 不能为空数组")
            else:
                for j, item in enumerate(value):
                    self.condition(item, f"{path}/{key}/{j}", depth + 1)
            return
        self.atom(cond, path)

    def atom(self, atom: dict[str, Any], path: str) -> None:
        ops = [k for k in atom if k != "fact"]
        fact_path = atom.get("fact")
        if "fact" not in atom:
            self.error(f"{path}/fact", "BAD_DOCUMENT", "条件缺少 fact（或 all / any / not）")
        elif not isinstance(fact_path, str):
            self.error(f"{path}/fact", "BAD_DOCUMENT", f"fact 应为字符串路径，实际为 {json_type(fact_path)}")
            fact_path = None
        if not ops:
            self.error(path, "BAD_DOCUMENT", f"条件没有运算符；可用：{', '.join(OPERATORS)}")
            return
        if len(ops) > 1:
            self.error(path, "BAD_DOCUMENT", f"一个条件只能有一个运算符，这里有 {len(ops)} 个：{', '.join(map(str, ops))}")
            return
        op = ops[0]
        if op not in OPERATORS:
            hint = suggest(op, OPERATORS)
            self.error(pointer(path, op), "UNKNOWN_OPERATOR", f"未知的运算符 {op!r}{hint}；可用：{', '.join(OPERATORS)}")
            return
        fact = None
        if fact_path is not None and self.catalogue is not None:
            fact = self.catalogue.get(fact_path)
            if fact is None:
                hint = suggest(fact_path, self.catalogue)
                self.error(f"{path}/fact", "UNKNOWN_FACT", f"{self.kind} 没有事实 {fact_path!r}{hint}")  
        self.operand(op, atom[op], fact, f"{path}/{op}")

    def operand(self, op: str, value: Any, fact: Fact | None, path: str) -> None:
        def mismatch(message: str, at: str = path) -> None:
            self.error(at, "TYPE_MISMATCH", message)

        if op == "exists":
            if not isinstance(value, bool):
                mismatch(f"exists 的值应为 true 或 false，实际为 {json_type(value)}")
            return
        if op == "matches":
            if not isinstance(value, str):
                mismatch(f"matches 的模式应为字符串，实际为 {json_type(value)}")
                return
            if fact is not None and fact.type != "string":
                mismatch(f"matches 只用于字符串事实，{fact.path} 是 {fact.type}")
            reason = pattern_error(value)
            if reason is not None:
                self.error(path, "BAD_REGEX", f"模式 {value!r} 不合规：{reason}")
            return
        if op in ("in", "notIn"):
            if not isinstance(value, list):
                mismatch(f"{op} 的值应为数组，实际为 {json_type(value)}")
                return
            if fact is None:
                return
            if fact.type == "string-list":
                mismatch(f"{fact.path} 是列表事实，请用 contains")
                return
            for j, item in enumerate(value):
                reason = _literal_error(fact, item)
                if reason is not None:
                    mismatch(reason, f"{path}/{j}")
                else:
                    self.department_code(fact, item, f"{path}/{j}")
            return
        if op == "contains":
            if not isinstance(value, str):
                mismatch(f"contains 的值应为字符串，实际为 {json_type(value)}")
            elif fact is not None and fact.type not in ("string", "string-list"):
                mismatch(f"contains 只用于字符串或字符串列表事实，{fact.path} 是 {fact.type}")
            elif fact is not None:
                self.department_code(fact, value, path)
            return
        if op in ORDERING:
            if not is_number(value):
                mismatch(f"{op} 的值应为数值，实际为 {json_type(value)}")
            elif fact is not None and fact.type not in ("number", "integer"):
                mismatch(f"{op} 只用于数值事实，{fact.path} 是 {fact.type}")
            elif fact is not None:
                reason = _range_error(fact, value)
                if reason is not None:
                    mismatch(reason)
            return
        # eq, ne
        if value is None:
            mismatch(f"{op} 不能与 null 比较；判断是否存在请用 exists")
        elif fact is not None:
            if fact.type == "string-list":
                mismatch(f"{fact.path} 是列表事实，请用 contains")
                return
            reason = _literal_error(fact, value)
            if reason is not None:
                mismatch(reason)
            else:
                self.department_code(fact, value, path)

    def department_code(self, fact: Fact, value: object, path: str) -> None:
        if self.departments is not None and fact.path in DEPARTMENT_FACTS and isinstance(value, str):
            if value not in self.departments:
                self.error(path, "UNKNOWN_DEPARTMENT", f"组织中没有部门代码 {value!r}")


def _literal_error(fact: Fact, value: object) -> str | None:
    """Why ``value`` can never equal a value of ``fact`` (``None`` when it can)."""
    if fact.type == "string":
        return None if isinstance(value, str) else f"{fact.path} 是字符串，{value!r} 不是"
    if fact.type == "boolean":
        return None if isinstance(value, bool) else f"{fact.path} 是 true/false，{value!r} 不是"
    if fact.type == "enum":
        if isinstance(value, str) and value in (fact.values or ()):
            return None
        hint = suggest(value, fact.values or ()) if isinstance(value, str) else ""
        return f"{value!r} 不是 {fact.path} 的取值{hint}；可用：{', '.join(fact.values or ())}"
    if fact.type in ("number", "integer"):
        if not is_number(value):
            return f"{fact.path} 是数值，{value!r} 不是"
        if fact.type == "integer" and not float(value).is_integer():  # type: ignore[arg-type]
            return f"{fact.path} 是整数，{value!r} 不是"
        return _range_error(fact, value)
    return f"{fact.path} 是 {fact.type}，不能这样比较"


def _range_error(fact: Fact, value: float) -> str | None:
    if fact.minimum is not None and value < fact.minimum:
        return f"{value!r} 超出 {fact.path} 的取值范围（最小 {_num(fact.minimum)}）"
    if fact.maximum is not None and value > fact.maximum:
        return f"{value!r} 超出 {fact.path} 的取值范围（最大 {_num(fact.maximum)}）"
    return None


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def suggest(word: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f"（是否是 {close[0]!r}？）" if close else ""


def keys_text(keys: Collection[str]) -> str:
    return ", ".join(sorted(keys))
