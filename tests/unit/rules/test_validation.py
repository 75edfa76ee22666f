"""POLICY.md "Document" and "Validation": the document's shape, one row per sentence.

Each row builds a document from a valid one and names exactly the errors it must
produce, as ``(JSON pointer, code)``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from rules.validation import ValidationResult, validate

from .conftest import document, found, rule, warned


def test_the_minimal_documents_are_valid() -> None:
    for kind in ("incident-routing", "incident-escalation", "officer-assignment", "order-routing", "assessment-scoring"):
        result = validate(document(kind))
        assert (result.valid, result.errors, result.warnings) == (True, [], []), kind
        assert result.document == document(kind)


def _without(doc: dict[str, Any], *path: Any) -> dict[str, Any]:
    target = doc
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return doc


def _with(doc: dict[str, Any], value: Any, *path: Any) -> dict[str, Any]:
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


STRUCTURE = [
    # not JSON; not an object
    ("not JSON", "{\"kind\": ", {("", "BAD_DOCUMENT")}),
    ("JSON but an array", "[1, 2]", {("", "BAD_DOCUMENT")}),
    ("NaN is not JSON", '{"kind": "incident-routing", "rules": [], "default": {"level": NaN}}', {("", "BAD_DOCUMENT")}),
    ("a key given twice", '{"kind": "order-routing", "kind": "order-routing", "rules": []}', {("", "BAD_DOCUMENT")}),
    # kind
    ("missing kind", _without(document(), "kind"), {("/kind", "BAD_DOCUMENT")}),
    ("kind of the wrong JSON type", _with(document(), 3, "kind"), {("/kind", "BAD_DOCUMENT")}),
    ("unknown kind", _with(document(), "incident-triage", "kind"), {("/kind", "UNKNOWN_KIND")}),
    # hitPolicy
    ("hitPolicy may be given when right", _with(document(), "FIRST", "hitPolicy"), set()),
    ("hitPolicy of a COLLECT kind", _with(document("assessment-scoring"), "COLLECT", "hitPolicy"), set()),
    ("wrong hitPolicy", _with(document(), "COLLECT", "hitPolicy"), {("/hitPolicy", "BAD_DOCUMENT")}),
    ("wrong hitPolicy on COLLECT", _with(document("assessment-scoring"), "FIRST", "hitPolicy"), {("/hitPolicy", "BAD_DOCUMENT")}),
    ("hitPolicy in lower case", _with(document(), "first", "hitPolicy"), {("/hitPolicy", "BAD_DOCUMENT")}),
    # extra and missing keys
    ("extra top-level key", _with(document(), 1, "version"), {("/version", "BAD_DOCUMENT")}),
    ("missing rules", _without(document(), "rules"), {("/rules", "BAD_DOCUMENT")}),
    ("rules not a list", _with(document(), {}, "rules"), {("/rules", "BAD_DOCUMENT")}),
    ("an empty rule list is fine", _with(document(), [], "rules"), set()),
    ("title of the wrong type", _with(document(), ["x"], "title"), {("/title", "BAD_DOCUMENT")}),
    ("rule not an object", _with(document(), ["r1"], "rules"), {("/rules/0", "BAD_DOCUMENT")}),
    ("extra rule key", _with(document(), "x", "rules", 0, "note"), {("/rules/0/note", "BAD_DOCUMENT")}),
    ("missing rule id", _without(document(), "rules", 0, "id"), {("/rules/0/id", "BAD_DOCUMENT")}),
    ("missing then", _without(document(), "rules", 0, "then"), {("/rules/0/then", "BAD_DOCUMENT")}),
    ("then may be empty", _with(document(), {}, "rules", 0, "then"), set()),
    ("then of the wrong type", _with(document(), [], "rules", 0, "then"), {("/rules/0/then", "BAD_DOCUMENT")}),
    ("when absent always matches", _without(document(), "rules", 0, "when"), set()),
    ("when null", _with(document(), None, "rules", 0, "when"), {("/rules/0/when", "BAD_DOCUMENT")}),
    ("rule title of the wrong type", _with(document(), 5, "rules", 0, "title"), {("/rules/0/title", "BAD_DOCUMENT")}),
    # rule ids
    ("id with capitals", _with(document(), "Wages", "rules", 0, "id"), {("/rules/0/id", "BAD_DOCUMENT")}),
    ("id starting with a dash", _with(document(), "-wages", "rules", 0, "id"), {("/rules/0/id", "BAD_DOCUMENT")}),
    ("id with an underscore", _with(document(), "wages_mass", "rules", 0, "id"), {("/rules/0/id", "BAD_DOCUMENT")}),
    ("id with a space", _with(document(), "wages mass", "rules", 0, "id"), {("/rules/0/id", "BAD_DOCUMENT")}),
    ("empty id", _with(document(), "", "rules", 0, "id"), {("/rules/0/id", "BAD_DOCUMENT")}),
    ("numeric id", _with(document(), 7, "rules", 0, "id"), {("/rules/0/id", "BAD_DOCUMENT")}),
    ("id digits and dashes", _with(document(), "0-wages-30", "rules", 0, "id"), set()),
    # priority
    ("integer priority", _with(document(), -5, "rules", 0, "priority"), set()),
    ("fractional priority", _with(document(), 1.5, "rules", 0, "priority"), {("/rules/0/priority", "BAD_DOCUMENT")}),
    ("priority 1.0 is not an integer", '{"kind": "order-routing", "rules": [{"id": "a", "priority": 1.0, "then": {}}],'
     ' "default": {"department": "LABOR", "dueInHours": 1}}', {("/rules/0/priority", "BAD_DOCUMENT")}),
    ("boolean priority", _with(document(), True, "rules", 0, "priority"), {("/rules/0/priority", "BAD_DOCUMENT")}),
    ("string priority", _with(document(), "10", "rules", 0, "priority"), {("/rules/0/priority", "BAD_DOCUMENT")}),
    # enabled
    ("enabled as a string", _with(document(), "false", "rules", 0, "enabled"), {("/rules/0/enabled", "BAD_DOCUMENT")}),
    ("enabled as 0", _with(document(), 0, "rules", 0, "enabled"), {("/rules/0/enabled", "BAD_DOCUMENT")}),
    # active window
    ("bare-date window", _with(_with(document(), "2026-12-01", "rules", 0, "activeFrom"), "2027-01-01", "rules", 0, "activeUntil"), set()),
    ("date-time window", _with(document(), "2026-12-01T08:00:00+08:00", "rules", 0, "activeFrom"), set()),
    ("date-time without offset", _with(document(), "2026-12-01T08:00", "rules", 0, "activeUntil"), set()),
    ("window not ISO", _with(document(), "12/01/2026", "rules", 0, "activeFrom"), {("/rules/0/activeFrom", "BAD_DOCUMENT")}),
    ("window impossible date", _with(document(), "2026-02-30", "rules", 0, "activeUntil"), {("/rules/0/activeUntil", "BAD_DOCUMENT")}),
    ("window as a number", _with(document(), 20261201, "rules", 0, "activeFrom"), {("/rules/0/activeFrom", "BAD_DOCUMENT")}),
    # cap
    ("cap on a COLLECT rule", _with(document("assessment-scoring"), 10, "rules", 0, "cap"), set()),
    ("cap on a FIRST kind", _with(document(), 10, "rules", 0, "cap"), {("/rules/0/cap", "BAD_DOCUMENT")}),
    ("cap zero", _with(document("assessment-scoring"), 0, "rules", 0, "cap"), {("/rules/0/cap", "BAD_DOCUMENT")}),
    ("cap negative", _with(document("assessment-scoring"), -3, "rules", 0, "cap"), {("/rules/0/cap", "BAD_DOCUMENT")}),
    ("cap boolean", _with(document("assessment-scoring"), True, "rules", 0, "cap"), {("/rules/0/cap", "BAD_DOCUMENT")}),
    # default
    ("default on COLLECT", _with(document("assessment-scoring"), {"points": 0}, "default"), {("/default", "BAD_DOCUMENT")}),
    ("default of the wrong type", _with(document(), [], "default"), {("/default", "BAD_DOCUMENT")}),
    # scoring extras
    ("base, floor and grades", _with(_with(_with(document("assessment-scoring"), 90, "base"), 10, "floor"),
                                       [{"min": 60, "grade": "PASS"}, {"min": 0, "grade": "FAIL"}], "grades"), set()),
    ("base on a FIRST kind", _with(document(), 100, "base"), {("/base", "BAD_DOCUMENT")}),
    ("base as a string", _with(document("assessment-scoring"), "100", "base"), {("/base", "BAD_DOCUMENT")}),
    ("floor boolean", _with(document("assessment-scoring"), False, "floor"), {("/floor", "BAD_DOCUMENT")}),
    ("grades not a list", _with(document("assessment-scoring"), {"min": 0}, "grades"), {("/grades", "BAD_DOCUMENT")}),
    ("grade without min", _with(document("assessment-scoring"), [{"grade": "PASS"}], "grades"), {("/grades/0/min", "BAD_DOCUMENT")}),
    ("grade with an extra key", _with(document("assessment-scoring"), [{"min": 0, "grade": "PASS", "x": 1}], "grades"),
     {("/grades/0/x", "BAD_DOCUMENT")}),
    # tests
    ("tests not a list", _with(document(), {}, "tests"), {("/tests", "BAD_DOCUMENT")}),
    ("test with an extra key", _with(document(), [{"name": "t", "facts": {}, "expect": {}, "why": 1}], "tests"),
     {("/tests/0/why", "BAD_DOCUMENT")}),
    ("test without facts", _with(document(), [{"name": "t", "expect": {}}], "tests"), {("/tests/0/facts", "BAD_DOCUMENT")}),
    ("test without name", _with(document(), [{"facts": {}, "expect": {}}], "tests"), {("/tests/0/name", "BAD_DOCUMENT")}),
    ("test now not ISO", _with(document(), [{"name": "t", "facts": {}, "now": "tomorrow", "expect": {}}], "tests"),
     {("/tests/0/now", "BAD_DOCUMENT")}),
    ("test expectRules not a list", _with(document(), [{"name": "t", "facts": {}, "expectRules": "r1"}], "tests"),
     {("/tests/0/expectRules", "BAD_DOCUMENT")}),
    ("test expect names no output", _with(document(), [{"name": "t", "facts": {}, "expect": {"dept": "LABOR"}}], "tests"),
     {("/tests/0/expect/dept", "BAD_DOCUMENT")}),
    ("COLLECT expect is points", _with(document("assessment-scoring"), [{"name": "t", "facts": {}, "expect": {"total": 1}}], "tests"),
     {("/tests/0/expect", "BAD_DOCUMENT")}),
    ("test fact typo", _with(document(), [{"name": "t", "facts": {"incident": {"categroy": "PETITION"}}, "expect": {}}], "tests"),
     {("/tests/0/facts/incident/categroy", "UNKNOWN_FACT")}),
    ("test facts are nested, not dotted", _with(document(), [{"name": "t", "facts": {"incident.category": "PETITION"}, "expect": {}}], "tests"),
     {("/tests/0/facts/incident.category", "UNKNOWN_FACT")}),
    ("test facts may give a group as null", _with(document(), [{"name": "t", "facts": {"enterprise": None}, "expect": {}}], "tests"), set()),
]


@pytest.mark.parametrize(("source", "expected"), [row[1:] for row in STRUCTURE], ids=[row[0] for row in STRUCTURE])
def test_document_structure(source: Any, expected: set[tuple[str, str]]) -> None:
    result = validate(source, run_tests=False)
    assert found(result) == expected, [p.to_json() for p in result.errors]
    assert result.valid is (not expected)


def test_json_text_bytes_and_objects_are_the_same_document() -> None:
    doc = document()
    text = json.dumps(doc)
    for source in (doc, text, text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        result = validate(source, run_tests=False)
        assert result.valid and result.document == doc


def test_bytes_that_are_not_utf8_are_a_bad_document() -> None:
    assert found(validate(b'{"kind": "\xff"}')) == {("", "BAD_DOCUMENT")}


def test_every_problem_is_returned_at_once() -> None:
    doc = document(
        rules=[
            rule("wages", {"all": [{"fact": "incident.categry", "eq": "LABOR_DISPUTE"}, {"fact": "incident.severity", "eq": 7}]}),
            rule("wages", {"fact": "incident.text", "like": "欠薪"}),
            rule("Bad_Id", {"fact": "incident.text", "matches": "a{2}"}, {"department": "LABOR", "level": 4}),
        ],
        extra=True,
    )
    del doc["default"]["dueInHours"]
    result = validate(doc)
    assert found(result) == {
        ("/extra", "BAD_DOCUMENT"),
        ("/rules/0/when/all/0/fact", "UNKNOWN_FACT"),
        ("/rules/0/when/all/1/eq", "TYPE_MISMATCH"),
        ("/rules/1/id", "DUPLICATE_RULE_ID"),
        ("/rules/1/when/like", "UNKNOWN_OPERATOR"),
        ("/rules/2/id", "BAD_DOCUMENT"),
        ("/rules/2/when/matches", "BAD_REGEX"),
        ("/rules/2/then/level", "BAD_OUTPUT"),
        ("/default/dueInHours", "MISSING_DEFAULT"),
    }
    assert all(p.message for p in result.errors)


def test_problems_serialise_as_path_code_message() -> None:
    result = validate(document(kind="incident-routin"))
    assert result.to_json() == {
        "valid": False,
        "errors": [{"path": "/kind", "code": "UNKNOWN_KIND", "message": result.errors[0].message}],
        "warnings": [],
    }
    assert "incident-routin" in result.errors[0].message


def test_json_pointer_escapes_slash_and_tilde() -> None:
    doc = document()
    doc["rules"][0]["a/b~c"] = 1
    assert found(validate(doc)) == {("/rules/0/a~1b~0c", "BAD_DOCUMENT")}


def test_duplicate_ids_are_reported_at_every_repeat() -> None:
    doc = document(rules=[rule("a"), rule("b"), rule("a"), rule("a")])
    result = validate(doc)
    assert {(p.path, p.code) for p in result.errors} == {
        ("/rules/2/id", "DUPLICATE_RULE_ID"),
        ("/rules/3/id", "DUPLICATE_RULE_ID"),
    }
    assert "/rules/0" in result.errors[0].message


def test_an_unknown_kind_still_reports_the_rest() -> None:
    doc = document(kind="payroll")
    doc["rules"].append(rule("r1", {"fact": "x", "eq": 1}))
    doc["rules"].append(rule("r3", {"all": []}))
    assert found(validate(doc)) == {
        ("/kind", "UNKNOWN_KIND"),
        ("/rules/1/id", "DUPLICATE_RULE_ID"),
        ("/rules/2/when/all", "BAD_DOCUMENT"),
    }


def test_a_deeply_nested_condition_is_refused_not_crashed() -> None:
    cond: dict[str, Any] = {"fact": "incident.severity", "eq": 1}
    for _ in range(5000):
        cond = {"not": cond}
    doc = document(rules=[])
    doc["rules"].append(rule("deep", cond))
    result = validate(doc)
    assert [p.code for p in result.errors] == ["LIMIT_EXCEEDED"]
    assert "32" in result.errors[0].message


def test_a_deeply_nested_json_text_is_refused_not_crashed() -> None:
    text = '{"kind": "incident-routing", "rules": ' + "[" * 100_000 + "]" * 100_000 + "}"
    result: ValidationResult = validate(text)
    assert [p.code for p in result.errors] == ["BAD_DOCUMENT"]


def test_warnings_do_not_make_a_document_invalid() -> None:
    result = validate(document(rules=[rule("a"), rule("b", enabled=False)]), run_tests=False)
    assert result.valid
    assert warned(result) == {("/rules/1", "NEVER_ACTIVE")}


# --- limits (POLICY.md "Limits") -----------------------------------------------------------


def _many(n: int, when: Any) -> dict[str, Any]:
    return document(rules=[rule(f"r{i}", when(i), {"level": 2}) for i in range(n)])


SHAPES = {
    "one shared first condition": lambda i: {"all": [{"fact": "incident.category", "eq": "LABOR_DISPUTE"}]
                                             + [{"fact": "incident.peopleInvolved", "gte": i + j} for j in range(9)]},
    "any of ten": lambda i: {"any": [{"fact": "incident.peopleInvolved", "eq": i * 10 + j} for j in range(10)]},
    "identical": lambda i: {"all": [{"fact": "incident.severity", "gte": 2}] * 10},
    "ten absences": lambda i: {"all": [{"not": {"fact": "incident.peopleInvolved", "eq": i * 10 + j}} for j in range(10)]},
    "ten patterns": lambda i: {"all": [{"fact": "incident.text", "matches": f"欠薪{i}|工资{j}"} for j in range(10)]},
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_300_rules_of_10_conditions_are_held(shape: str) -> None:
    result = validate(_many(300, SHAPES[shape]), run_tests=False)
    assert result.errors == []


def test_a_document_beyond_the_engine_is_limit_exceeded_naming_limit_maximum_and_figure() -> None:
    result = validate(_many(5000, lambda i: {"fact": "incident.peopleInvolved", "gte": i}))
    [problem] = result.errors
    assert problem.code == "LIMIT_EXCEEDED"
    assert "5000" in problem.message and any(ch.isdigit() for ch in problem.message.replace("5000", ""))


def test_limits_are_checked_only_when_nothing_else_is_wrong() -> None:
    doc = _many(5000, lambda i: {"fact": "incident.peopleInvolved", "gte": i})
    doc["rules"][0]["then"]["level"] = 9
    assert found(validate(doc)) == {("/rules/0/then/level", "BAD_OUTPUT")}


# --- document tests (POLICY.md "tests[]"; validate runs them) --------------------------------

MASS = {"all": [{"fact": "incident.category", "eq": "LABOR_DISPUTE"}, {"fact": "incident.peopleInvolved", "gte": 30}]}


def _tested(*tests: dict[str, Any], kind: str = "incident-routing") -> dict[str, Any]:
    if kind == "assessment-scoring":
        rules = [
            rule("a", {"fact": "event.type", "eq": "INCIDENT_OVERDUE"}, {"points": -2}),
            rule("b", {"fact": "event.overdueHours", "gte": 72}, {"points": -1.5}, priority=-1),
        ]
    else:
        rules = [rule("wages-mass", MASS, {"department": "LABOR", "level": 3, "dueInHours": 24}), rule("late", {"fact": "time.hour", "gte": 22}, {"level": 2})]
    return document(kind, rules=rules, tests=[{"name": f"t{i}", "now": "2026-11-26T10:00:00+08:00", **t} for i, t in enumerate(tests)])


FACTS40 = {"incident": {"category": "LABOR_DISPUTE", "peopleInvolved": 40}}

DOC_TESTS: list[tuple[str, dict[str, Any], set[str]]] = [
    ("subset of outputs", _tested({"facts": FACTS40, "expect": {"department": "LABOR"}}), set()),
    ("all outputs, default overlaid", _tested({"facts": FACTS40, "expect": {"department": "LABOR", "level": 3, "dueInHours": 24, "manual": False}}), set()),
    ("empty expect", _tested({"facts": {}, "expect": {}}), set()),
    ("wrong output", _tested({"facts": FACTS40, "expect": {"department": "POLICE"}}), {"/tests/0"}),
    ("output not given", _tested({"facts": {}, "expect": {"level": 2}}), {"/tests/0"}),
    ("boolean is not a number", _tested({"facts": FACTS40, "expect": {"level": True}}), {"/tests/0"}),
    ("3.0 equals 3", _tested({"facts": FACTS40, "expect": {"level": 3.0}}), set()),
    ("expectRules exact", _tested({"facts": FACTS40, "expectRules": ["wages-mass"]}), set()),
    ("expectRules none", _tested({"facts": {}, "expectRules": []}), set()),
    ("expectRules wrong", _tested({"facts": {}, "expectRules": ["wages-mass"]}), {"/tests/0"}),
    ("now decides time facts", _tested({"facts": {}, "now": "2026-11-26T22:30:00+08:00", "expectRules": ["late"]}), set()),
    ("now without offset is Shanghai", _tested({"facts": {}, "now": "2026-11-26T22:30", "expect": {"level": 2}}), set()),
    ("second of three fails", _tested({"facts": {}, "expect": {}}, {"facts": {}, "expect": {"department": "X"}}, {"facts": {}, "expect": {}}), {"/tests/1"}),
    ("COLLECT points sum", _tested({"facts": {"event": {"type": "INCIDENT_OVERDUE", "overdueHours": 80}}, "expect": {"points": -3.5},
                                    "expectRules": ["a", "b"]}, kind="assessment-scoring"), set()),
    ("COLLECT no items is 0", _tested({"facts": {"event": {"type": "MEETING_MISSED"}}, "expect": {"points": 0}}, kind="assessment-scoring"), set()),
    ("COLLECT wrong sum", _tested({"facts": {"event": {"type": "INCIDENT_OVERDUE"}}, "expect": {"points": -3}}, kind="assessment-scoring"),
     {"/tests/0"}),
    ("COLLECT wrong order", _tested({"facts": {"event": {"type": "INCIDENT_OVERDUE", "overdueHours": 80}}, "expect": {"points": -3.5},
                                     "expectRules": ["b", "a"]}, kind="assessment-scoring"), {"/tests/0"}),
]


@pytest.mark.parametrize(("doc", "failing"), [r[1:] for r in DOC_TESTS], ids=[r[0] for r in DOC_TESTS])
def test_document_tests(doc: dict[str, Any], failing: set[str]) -> None:
    result = validate(doc)
    assert found(result) == {(path, "TEST_FAILED") for path in failing}, [p.to_json() for p in result.errors]
    assert validate(doc, run_tests=False).valid


def test_a_failing_test_message_names_the_test_and_both_values() -> None:
    result = validate(_tested({"name": "四十人欠薪", "facts": FACTS40, "expect": {"department": "POLICE"}}))
    [problem] = result.errors
    assert (problem.path, problem.code) == ("/tests/0", "TEST_FAILED")
    assert "四十人欠薪" in problem.message and "POLICE" in problem.message and "LABOR" in problem.message


def test_tests_run_only_when_the_document_is_otherwise_valid() -> None:
    doc = _tested({"facts": FACTS40, "expect": {"department": "POLICE"}})
    doc["rules"][1]["then"]["level"] = 0
    assert found(validate(doc)) == {("/rules/1/then/level", "BAD_OUTPUT")}


def test_warnings_do_not_stop_the_tests() -> None:
    doc = _tested({"facts": FACTS40, "expect": {"department": "POLICE"}})
    doc["rules"].append(rule("off", enabled=False))
    result = validate(doc)
    assert found(result) == {("/tests/0", "TEST_FAILED")} and warned(result) == {("/rules/2", "NEVER_ACTIVE")}


def test_run_document_tests_counts_and_reports() -> None:
    from rules.testing import run_document_tests

    doc = _tested({"facts": FACTS40, "expect": {"department": "LABOR"}}, {"facts": FACTS40, "expect": {"level": 1}, "expectRules": []})
    passed, failed = run_document_tests(doc)
    assert passed == 1
    assert failed == [{
        "name": "t1",
        "expected": {"level": 1, "firedRules": []},
        "actual": {"department": "LABOR", "level": 3, "dueInHours": 24, "manual": False, "firedRules": ["wages-mass"]},
    }]


def test_a_document_the_engine_cannot_load_is_limit_exceeded(monkeypatch: pytest.MonkeyPatch) -> None:
    from rules import engine

    def refuse(doc: dict[str, Any], version: int) -> Any:
        raise engine.PolicyCompileError("the isolated compiler crashed (SIGSEGV); the policy was not loaded")

    monkeypatch.setattr(engine, "compile_isolated", refuse)
    result = validate(document(tests=[]))  # compiled even without tests
    assert found(result) == {("", "LIMIT_EXCEEDED")} and "SIGSEGV" in result.errors[0].message
    assert validate(document(), run_tests=False).valid
