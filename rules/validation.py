"""Validation of policy documents (POLICY.md "Validation").

``validate`` returns every problem at once, each with a JSON-pointer path and
one of the codes of POLICY.md's table, plus the warnings ``SHADOWED_RULE`` and
``NEVER_ACTIVE``. Limits (``LIMIT_EXCEEDED``) are asked of the compiler only
when nothing else is wrong; then (unless ``run_tests=False``) the document is
compiled by the engine, in a child process first, and its tests are run.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rules.clock import parse_instant
from rules.compiler import limit_problems
from rules.document import (
    DOCUMENT_KEYS,
    GRADE_KEYS,
    GRID_CENTER,
    KIND_SPECS,
    RULE_ID,
    RULE_KEYS,
    SCORING_KEYS,
    TEST_KEYS,
    KindSpec,
    is_integer,
    is_number,
    json_type,
    ordered_rules,
    selector_problems,
)
from rules.engine import PolicyCompileError
from rules.facts import CATALOGUES, KINDS, Fact
from rules.problems import Problem
from rules.testing import failing_tests
from rules.validation_conditions import ConditionChecker, keys_text, pointer, suggest


@dataclass(slots=True)
class ValidationResult:
    errors: list[Problem]
    warnings: list[Problem]
    document: dict | None
    tests_run: bool = field(default=False)

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": [p.to_json() for p in self.errors],
            "warnings": [p.to_json() for p in self.warnings],
        }


def validate(
    source: str | bytes | dict | object,
    *,
    department_codes: Collection[str] | None = None,
    run_tests: bool = True,
) -> ValidationResult:
    """Check a policy document: JSON text (``str``/``bytes``) or an already parsed object.

    ``department_codes``, when given, are the organisation's departments: a
    code outside them (``GRID_CENTER`` is always known) is ``UNKNOWN_DEPARTMENT``.
    """
    doc, problem = _load(source)
    if problem is not None:
        return ValidationResult([problem], [], None)
    checker = _Checker(None if department_codes is None else frozenset(department_codes) | {GRID_CENTER})
    try:
        checker.document(doc)
    except RecursionError:  # a document nested beyond anything the checks bound (a dict source)
        checker.error("", "LIMIT_EXCEEDED", "文档嵌套过深，无法校验")
    result = ValidationResult(checker.errors, checker.warnings, doc)
    if not result.errors:
        result.errors.extend(limit_problems(doc))
    if not result.errors and run_tests:
        result.errors.extend(_test_problems(doc))
        result.tests_run = True
    return result


# --- loading ------------------------------------------------------------------------------


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(f"对象中键 {key!r} 出现了两次")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} 不是 JSON 数值")


def _load(source: object) -> tuple[dict | None, Problem | None]:
    if isinstance(source, (str, bytes, bytearray)):
        try:
            text = source.decode("utf-8-sig") if isinstance(source, (bytes, bytearray)) else source
            doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
        except UnicodeDecodeError as exc:
            return None, Problem("", "BAD_DOCUMENT", f"文档不是 UTF-8 文本：{exc}")
        except _DuplicateKey as exc:
            return None, Problem("", "BAD_DOCUMENT", f"不是合法的策略 JSON：{exc}")
        except json.JSONDecodeError as exc:
            return None, Problem("", "BAD_DOCUMENT", f"不是 JSON：{exc.msg}（第 {exc.lineno} 行第 {exc.colno} 列）")
        except (ValueError, RecursionError) as exc:
            return None, Problem("", "BAD_DOCUMENT", f"不是合法的 JSON：{exc}")
    elif isinstance(source, Mapping):
        doc = dict(source)
    else:
        doc = source
    if not isinstance(doc, dict):
        return None, Problem("", "BAD_DOCUMENT", f"策略文档应为 JSON 对象，实际为 {json_type(doc)}")
    return doc, None


# --- the checks ---------------------------------------------------------------------------


class _Checker:
    def __init__(self, departments: frozenset[str] | None) -> None:
        self.departments = departments
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.spec: KindSpec | None = None
        self.catalogue: dict[str, Fact] | None = None
        self.conditions = ConditionChecker(None, None, departments, self.error)

    def error(self, path: str, code: str, message: str) -> None:
        self.errors.append(Problem(path, code, message))

    def warn(self, path: str, code: str, message: str) -> None:
        self.warnings.append(Problem(path, code, message))

    # document -----------------------------------------------------------------------------

    def document(self, doc: dict[str, Any]) -> None:
        self.kind(doc)
        spec = self.spec
        self.conditions = ConditionChecker(spec.kind if spec else None, self.catalogue, self.departments, self.error)
        for key in doc:
            if key in DOCUMENT_KEYS and not (key == "default" and spec is not None and spec.collect):
                continue
            if key in SCORING_KEYS and (spec is None or spec.collect):
                continue
            if key == "default":
                self.error("/default", "BAD_DOCUMENT", f"{spec.kind} 是 COLLECT 规则，不能有 default")  # type: ignore[union-attr]
            elif key in SCORING_KEYS:
                self.error(pointer("", key), "BAD_DOCUMENT", f"{key} 只用于 assessment-scoring 文档")
            else:
                self.error(pointer("", key), "BAD_DOCUMENT", f"文档不认识的键 {key!r}；可用：{keys_text(DOCUMENT_KEYS)}")
        if "title" in doc and not isinstance(doc["title"], str):
            self.error("/title", "BAD_DOCUMENT", f"title 应为字符串，实际为 {json_type(doc['title'])}")
        self.hit_policy(doc)
        rules = doc.get("rules")
        if "rules" not in doc:
            self.error("/rules", "BAD_DOCUMENT", "缺少 rules（规则列表，可以为空）")
        elif not isinstance(rules, list):
            self.error("/rules", "BAD_DOCUMENT", f"rules 应为数组，实际为 {json_type(rules)}")
        else:
            for i, rule in enumerate(rules):
                self.rule(rule, f"/rules/{i}")
            self.duplicate_ids(rules)
            self.rule_warnings(rules)
        if spec is not None and not spec.collect:
            self.default(doc)
        if spec is not None and spec.collect:
            self.scoring(doc)
        if "tests" in doc:
            self.tests(doc["tests"])

    def kind(self, doc: dict[str, Any]) -> None:
        if "kind" not in doc:
            self.error("/kind", "BAD_DOCUMENT", f"缺少 kind（{' | '.join(KINDS)}）")
        elif not isinstance(doc["kind"], str):
            self.error("/kind", "BAD_DOCUMENT", f"kind 应为字符串，实际为 {json_type(doc['kind'])}")
        elif doc["kind"] not in KIND_SPECS:
            self.error("/kind", "UNKNOWN_KIND", f"未知的策略类型 {doc['kind']!r}；可用：{' | '.join(KINDS)}")
        else:
            self.spec = KIND_SPECS[doc["kind"]]
            self.catalogue = CATALOGUES[doc["kind"]]

    def hit_policy(self, doc: dict[str, Any]) -> None:
        if "hitPolicy" not in doc:
            return
        value = doc["hitPolicy"]
        if self.spec is not None and value != self.spec.hit_policy:
            self.error(
                "/hitPolicy", "BAD_DOCUMENT", f"{self.spec.kind} 的 hitPolicy 固定为 {self.spec.hit_policy}，不是 {value!r}"
            )
        elif self.spec is None and value not in ("FIRST", "COLLECT"):
            self.error("/hitPolicy", "BAD_DOCUMENT", f"hitPolicy 应为 FIRST 或 COLLECT，不是 {value!r}")

    def default(self, doc: dict[str, Any]) -> None:
        assert self.spec is not None
        if "default" not in doc:
            self.error("/default", "MISSING_DEFAULT", f"{self.spec.kind} 是 FIRST 规则，必须有 default")
            return
        default = doc["default"]
        if not isinstance(default, dict):
            self.error("/default", "BAD_DOCUMENT", f"default 应为对象，实际为 {json_type(default)}")
            return
        self.outputs(default, "/default")
        for name in self.spec.required:
            if name not in default:
                self.error(pointer("/default", name), "MISSING_DEFAULT", f"default 必须给出 {name}")

    def scoring(self, doc: dict[str, Any]) -> None:
        for key in ("base", "floor"):
            if key in doc and not is_number(doc[key]):
                self.error(pointer("", key), "BAD_DOCUMENT", f"{key} 应为数值，实际为 {json_type(doc[key])}")
        if "grades" not in doc:
            return
        grades = doc["grades"]
        if not isinstance(grades, list) or not grades:
            self.error("/grades", "BAD_DOCUMENT", "grades 应为非空数组 [{min, grade}, ...]")
            return
        for i, g in enumerate(grades):
            path = f"/grades/{i}"
            if not isinstance(g, dict):
                self.error(path, "BAD_DOCUMENT", f"等级应为对象 {{min, grade}}，实际为 {json_type(g)}")
                continue
            for key in sorted(set(g) - GRADE_KEYS):
                self.error(pointer(path, key), "BAD_DOCUMENT", f"等级不认识的键 {key!r}")
            if not is_number(g.get("min")):
                self.error(f"{path}/min", "BAD_DOCUMENT", "min 应为数值")
            if not isinstance(g.get("grade"), str) or not g.get("grade"):
                self.error(f"{path}/grade", "BAD_DOCUMENT", "grade 应为非空字符串")

    # rules --------------------------------------------------------------------------------

    def rule(self, rule: object, path: str) -> None:
        if not isinstance(rule, dict):
            self.error(path, "BAD_DOCUMENT", f"规则应为对象，实际为 {json_type(rule)}")
            return
        for key in rule:
            if key == "cap" and self.spec is not None and not self.spec.collect:
                self.error(f"{path}/cap", "BAD_DOCUMENT", f"cap 只用于 COLLECT 规则，{self.spec.kind} 是 FIRST")
            elif key not in RULE_KEYS:
                self.error(pointer(path, key), "BAD_DOCUMENT", f"规则不认识的键 {key!r}；可用：{keys_text(RULE_KEYS)}")
        if "id" not in rule:
            self.error(f"{path}/id", "BAD_DOCUMENT", "规则缺少 id")
        elif not isinstance(rule["id"], str) or not RULE_ID.fullmatch(rule["id"]):
            self.error(f"{path}/id", "BAD_DOCUMENT", f"规则 id 应匹配 [a-z0-9][a-z0-9-]*，实际为 {rule['id']!r}")
        if "title" in rule and not isinstance(rule["title"], str):
            self.error(f"{path}/title", "BAD_DOCUMENT", f"title 应为字符串，实际为 {json_type(rule['title'])}")
        if "priority" in rule and not is_integer(rule["priority"]):
            self.error(f"{path}/priority", "BAD_DOCUMENT", f"priority 应为整数，实际为 {rule['priority']!r}")
        if "enabled" in rule and not isinstance(rule["enabled"], bool):
            self.error(f"{path}/enabled", "BAD_DOCUMENT", f"enabled 应为 true 或 false，实际为 {json_type(rule['enabled'])}")
        for key in ("activeFrom", "activeUntil"):
            if key in rule:
                self.instant(rule[key], f"{path}/{key}", key)
        if "cap" in rule and (self.spec is None or self.spec.collect):
            cap = rule["cap"]
            if not is_number(cap) or cap <= 0:
                self.error(f"{path}/cap", "BAD_DOCUMENT", f"cap 应为大于 0 的数，实际为 {cap!r}")
        if "when" in rule:
            self.conditions.condition(rule["when"], f"{path}/when", 1)
        if "then" not in rule:
            self.error(f"{path}/then", "BAD_DOCUMENT", "规则缺少 then（可以为 {}）")
        elif not isinstance(rule["then"], dict):
            self.error(f"{path}/then", "BAD_DOCUMENT", f"then 应为对象，实际为 {json_type(rule['then'])}")
        else:
            self.outputs(rule["then"], f"{path}/then")
            if self.spec is not None and self.spec.collect:
                for name in self.spec.required:
                    if name not in rule["then"]:
                        self.error(pointer(f"{path}/then", name), "BAD_OUTPUT", f"COLLECT 规则的 then 必须给出 {name}")

    def instant(self, value: object, path: str, what: str) -> None:
        if not isinstance(value, str):
            self.error(path, "BAD_DOCUMENT", f"{what} 应为 ISO 日期或日期时间字符串，实际为 {json_type(value)}")
            return
        try:
            parse_instant(value)
        except ValueError as exc:
            self.error(path, "BAD_DOCUMENT", f"{what} 不是 ISO 日期或日期时间：{exc}")

    def duplicate_ids(self, rules: list[Any]) -> None:
        seen: dict[str, int] = {}
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict) or not isinstance(rule.get("id"), str):
                continue
            rid = rule["id"]
            if rid in seen:
                self.error(f"/rules/{i}/id", "DUPLICATE_RULE_ID", f"规则 id {rid!r} 与 /rules/{seen[rid]} 重复")
            else:
                seen[rid] = i

    def rule_warnings(self, rules: list[Any]) -> None:
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict):
                continue
            if rule.get("enabled") is False:
                self.warn(f"/rules/{i}", "NEVER_ACTIVE", f"规则 {rule.get('id')!r} 已停用（enabled: false），不会触发")
                continue
            start, end = _instant_or_none(rule.get("activeFrom")), _instant_or_none(rule.get("activeUntil"))
            if start is not None and end is not None and start >= end:
                self.warn(
                    f"/rules/{i}",
                    "NEVER_ACTIVE",
                    f"规则 {rule.get('id')!r} 的 activeFrom 不早于 activeUntil，永远不会生效",
                )
        if self.spec is None or self.spec.collect:
            return
        always: tuple[int, Any] | None = None  # (position in order, id) of the first shadowing rule without when
        same: dict[str, tuple[int, Any]] = {}  # canonical when -> the first shadowing rule with it
        order = ordered_rules([r if isinstance(r, dict) else {} for r in rules])
        for pos, (i, rule) in enumerate(order):
            if not rule or "then" not in rule:
                continue
            when = _canonical(rule["when"]) if "when" in rule else None
            if rule.get("enabled") is not False:
                candidates = [c for c in (always, same.get(when) if when is not None else None) if c is not None]
                if candidates:
                    _, by = min(candidates, key=lambda c: c[0])
                    why = "没有 when，总是匹配" if always is not None and by == always[1] else "条件完全相同"
                    self.warn(
                        f"/rules/{i}",
                        "SHADOWED_RULE",
                        f"规则 {rule.get('id')!r} 永远不会触发：排在前面的规则 {by!r} {why}",
                    )
            if rule.get("enabled", True) is True and "activeFrom" not in rule and "activeUntil" not in rule:
                if when is None:
                    always = always or (pos, rule.get("id"))
                else:
                    same.setdefault(when, (pos, rule.get("id")))

    # outputs ------------------------------------------------------------------------------

    def outputs(self, outputs: dict[str, Any], path: str) -> None:
        if self.spec is None:
            return
        for name, value in outputs.items():
            at = pointer(path, name)
            out = self.spec.outputs.get(name)
            if out is None:
                self.error(at, "BAD_OUTPUT", f"{self.spec.kind} 没有输出 {name!r}；可用：{', '.join(self.spec.outputs)}")
                continue
            if out.selector == "one":
                self.selector(value, at)
            elif out.selector == "list":
                if not isinstance(value, list):
                    self.error(at, "BAD_OUTPUT", f"otherwise 应为人员选择器数组，实际为 {json_type(value)}")
                else:
                    for j, item in enumerate(value):
                        self.selector(item, f"{at}/{j}")
            elif out.check is not None:
                reason = out.check(value)
                if reason is not None:
                    self.error(at, "BAD_OUTPUT", f"{name} {reason}")
                elif out.department and self.departments is not None and value not in self.departments:
                    self.error(at, "UNKNOWN_DEPARTMENT", f"组织中没有部门代码 {value!r}")

    def selector(self, value: object, path: str) -> None:
        for rel, code, message in selector_problems(value):
            self.error(path + rel, code, message)

    # tests --------------------------------------------------------------------------------

    def tests(self, tests: object) -> None:
        if not isinstance(tests, list):
            self.error("/tests", "BAD_DOCUMENT", f"tests 应为数组，实际为 {json_type(tests)}")
            return
        for i, test in enumerate(tests):
            path = f"/tests/{i}"
            if not isinstance(test, dict):
                self.error(path, "BAD_DOCUMENT", f"测试应为对象，实际为 {json_type(test)}")
                continue
            for key in test:
                if key not in TEST_KEYS:
                    self.error(pointer(path, key), "BAD_DOCUMENT", f"测试不认识的键 {key!r}；可用：{keys_text(TEST_KEYS)}")
            if not isinstance(test.get("name"), str):
                self.error(f"{path}/name", "BAD_DOCUMENT", "测试需要字符串 name")
            if "facts" not in test:
                self.error(f"{path}/facts", "BAD_DOCUMENT", "测试缺少 facts")
            elif not isinstance(test["facts"], dict):
                self.error(f"{path}/facts", "BAD_DOCUMENT", f"facts 应为对象，实际为 {json_type(test['facts'])}")
            else:
                self.test_facts(test["facts"], "", f"{path}/facts")
            if "now" in test:
                self.instant(test["now"], f"{path}/now", "now")
            if "expect" not in test and "expectRules" not in test:
                self.error(f"{path}/expect", "BAD_DOCUMENT", "测试缺少 expect（或 expectRules）")
            if "expect" in test:
                self.expect(test["expect"], f"{path}/expect")
            if "expectRules" in test:
                rules = test["expectRules"]
                if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
                    self.error(f"{path}/expectRules", "BAD_DOCUMENT", "expectRules 应为规则 id 的数组")

    def expect(self, expect: object, path: str) -> None:
        if not isinstance(expect, dict):
            self.error(path, "BAD_DOCUMENT", f"expect 应为对象，实际为 {json_type(expect)}")
            return
        if self.spec is None:
            return
        if self.spec.collect:
            if set(expect) != {"points"} or not is_number(expect["points"]):
                self.error(path, "BAD_DOCUMENT", 'COLLECT 规则的 expect 应为 {"points": 数值}（各条目分数之和）')
            return
        for key in expect:
            if key not in self.spec.outputs:
                self.error(pointer(path, key), "BAD_DOCUMENT", f"expect 的 {key!r} 不是 {self.spec.kind} 的输出")

    def test_facts(self, facts: dict[str, Any], prefix: str, path: str) -> None:
        if self.catalogue is None:
            return
        for key, value in facts.items():
            full = f"{prefix}.{key}" if prefix else str(key)
            at = pointer(path, key)
            if "." in str(key):
                head, _, tail = full.rpartition(".")
                self.error(at, "UNKNOWN_FACT", f"事实按对象嵌套书写：{full!r} 应写作 {{{head.split('.')[0]!r}: {{{tail!r}: ...}}}}")
                continue
            if full in self.catalogue:
                continue
            if any(p.startswith(full + ".") for p in self.catalogue):
                if isinstance(value, dict):
                    self.test_facts(value, full, at)
                continue  # a group given as null or another non-object: its facts are absent
            hint = suggest(full, self.catalogue)
            self.error(at, "UNKNOWN_FACT", f"{self.spec.kind} 没有事实 {full!r}{hint}")  # type: ignore[union-attr]


# --- helpers ------------------------------------------------------------------------------


def _canonical(when: object) -> str:
    """``when`` as canonical JSON: key order ignored, ``1`` and ``1.0`` the same number, ``true`` not."""
    try:
        return json.dumps(_integral(when), sort_keys=True, ensure_ascii=False, default=repr)
    except (TypeError, ValueError, RecursionError):
        return f"<not comparable {id(when)}>"


def _integral(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    return value


def _instant_or_none(value: object) -> datetime | None:
    try:
        return parse_instant(value) if isinstance(value, str) else None  # type: ignore[arg-type]
    except ValueError:
        return None


def _test_problems(doc: dict[str, Any]) -> list[Problem]:
    """The document compiled (in a child process first) and its tests run; a document the
    engine cannot load is ``LIMIT_EXCEEDED``."""
    try:
        return failing_tests(doc)
    except PolicyCompileError as exc:
        return [compile_problem(exc)]


def compile_problem(exc: Exception) -> Problem:
    """A document the engine could not load (it timed out, crashed or failed in the isolated compiler)."""
    return Problem("", "LIMIT_EXCEEDED", f"引擎无法装载此文档：{exc}")
