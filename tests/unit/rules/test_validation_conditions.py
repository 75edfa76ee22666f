"""POLICY.md "Conditions": operators, combinators, facts of the catalogue, typed literals, patterns.

Each row is one ``when`` of a rule at ``/rules/0``, and the errors it must
produce as ``(path below /rules/0/when, code)``.
"""

from __future__ import annotations

from typing import Any

import pytest

from rules.validation import validate

from .conftest import document, found, rule

W = "/rules/0/when"

CONDITIONS: list[tuple[str, str, Any, set[tuple[str, str]]]] = [
    # ---- combinators
    ("all", "incident-routing", {"all": [{"fact": "incident.severity", "gte": 3}, {"fact": "incident.peopleInvolved", "gte": 30}]}, set()),
    ("any", "incident-routing", {"any": [{"fact": "incident.severity", "gte": 3}]}, set()),
    ("not", "incident-routing", {"not": {"fact": "incident.category", "eq": "PETITION"}}, set()),
    ("nested freely", "incident-routing",
     {"all": [{"any": [{"not": {"all": [{"fact": "incident.severity", "eq": 1}]}}, {"fact": "grid.kind", "eq": "SMALL_GRID"}]}]}, set()),
    ("empty all", "incident-routing", {"all": []}, {("/all", "BAD_DOCUMENT")}),
    ("empty any", "incident-routing", {"any": []}, {("/any", "BAD_DOCUMENT")}),
    ("empty any nested", "incident-routing", {"not": {"all": [{"any": []}]}}, {("/not/all/0/any", "BAD_DOCUMENT")}),
    ("all not a list", "incident-routing", {"all": {"fact": "incident.severity", "eq": 1}}, {("/all", "BAD_DOCUMENT")}),
    ("combinator with another key", "incident-routing", {"all": [{"fact": "incident.severity", "eq": 1}], "fact": "incident.severity"}, {("", "BAD_DOCUMENT")}),
    ("all and any together", "incident-routing", {"all": [{"fact": "incident.severity", "eq": 1}], "any": [{"fact": "incident.severity", "eq": 2}]}, {("", "BAD_DOCUMENT")}),
    ("not of a non-condition", "incident-routing", {"not": [1]}, {("/not", "BAD_DOCUMENT")}),
    ("condition not an object", "incident-routing", {"all": ["incident.severity > 3"]}, {("/all/0", "BAD_DOCUMENT")}),
    ("empty condition object", "incident-routing", {}, {("/fact", "BAD_DOCUMENT"), ("", "BAD_DOCUMENT")}),
    # ---- atoms: exactly one operator
    ("atom with no operator", "incident-routing", {"fact": "incident.severity"}, {("", "BAD_DOCUMENT")}),
    ("atom with two operators", "incident-routing", {"fact": "incident.severity", "gte": 1, "lte": 3}, {("", "BAD_DOCUMENT")}),
    ("atom without fact", "incident-routing", {"eq": 3}, {("/fact", "BAD_DOCUMENT")}),
    ("fact not a string", "incident-routing", {"fact": ["incident", "severity"], "eq": 3}, {("/fact", "BAD_DOCUMENT")}),
    ("unknown operator", "incident-routing", {"fact": "incident.severity", "equals": 3}, {("/equals", "UNKNOWN_OPERATOR")}),
    ("operator in the wrong case", "incident-routing", {"fact": "incident.returnedBy", "notin": ["LABOR"]}, {("/notin", "UNKNOWN_OPERATOR")}),
    ("regex operator is not an operator", "incident-routing", {"fact": "incident.text", "regex": "a"}, {("/regex", "UNKNOWN_OPERATOR")}),
    # ---- facts of the catalogue
    ("fact typo", "incident-routing", {"fact": "incident.categroy", "eq": "PETITION"}, {("/fact", "UNKNOWN_FACT")}),
    ("fact of another kind", "incident-routing", {"fact": "trigger", "eq": "OVERDUE"}, {("/fact", "UNKNOWN_FACT")}),
    ("group instead of a fact", "incident-routing", {"fact": "incident", "exists": True}, {("/fact", "UNKNOWN_FACT")}),
    ("snake case is not camelCase", "incident-routing", {"fact": "incident.people_involved", "gte": 3}, {("/fact", "UNKNOWN_FACT")}),
    ("trigger on escalation", "incident-escalation", {"fact": "trigger", "eq": "OVERDUE"}, set()),
    ("decision facts on officer", "officer-assignment", {"fact": "decision.level", "eq": 3}, set()),
    ("department level on officer", "officer-assignment", {"fact": "department.level", "eq": "DISTRICT_DEPARTMENT"}, set()),
    ("order facts", "order-routing", {"fact": "order.urgency", "eq": 3}, set()),
    ("incident facts not on orders", "order-routing", {"fact": "incident.category", "eq": "OTHER"}, {("/fact", "UNKNOWN_FACT")}),
    ("event facts on scoring", "assessment-scoring", {"fact": "subject.role", "eq": "GRID_LEADER"}, set()),
    ("time facts", "incident-routing", {"all": [{"fact": "time.isWorkday", "eq": False}, {"fact": "time.hour", "gte": 18},
                                                {"fact": "time.weekday", "in": [6, 7]}, {"fact": "time.date", "eq": "2026-12-31"}]}, set()),
    ("unknown fact and unknown operator", "incident-routing", {"fact": "incident.colour", "like": "red"},
     {("/like", "UNKNOWN_OPERATOR")}),
    # ---- eq / ne: the value must be one the fact can take
    ("enum value", "incident-routing", {"fact": "incident.category", "eq": "LABOR_DISPUTE"}, set()),
    ("enum misspelt", "incident-routing", {"fact": "incident.category", "eq": "LABOUR_DISPUTE"}, {("/eq", "TYPE_MISMATCH")}),
    ("enum in lower case", "incident-routing", {"fact": "incident.source", "ne": "app"}, {("/ne", "TYPE_MISMATCH")}),
    ("severity 7", "incident-routing", {"fact": "incident.severity", "eq": 7}, {("/eq", "TYPE_MISMATCH")}),
    ("severity 0", "incident-routing", {"fact": "incident.severity", "ne": 0}, {("/ne", "TYPE_MISMATCH")}),
    ("severity 2.5", "incident-routing", {"fact": "incident.severity", "eq": 2.5}, {("/eq", "TYPE_MISMATCH")}),
    ("severity as a string", "incident-routing", {"fact": "incident.severity", "eq": "3"}, {("/eq", "TYPE_MISMATCH")}),
    ("severity as a boolean", "incident-routing", {"fact": "incident.severity", "eq": True}, {("/eq", "TYPE_MISMATCH")}),
    ("negative people", "incident-routing", {"fact": "incident.peopleInvolved", "eq": -1}, {("/eq", "TYPE_MISMATCH")}),
    ("boolean fact", "incident-routing", {"fact": "incident.resolvedOnSite", "eq": True}, set()),
    ("boolean fact given 1", "incident-routing", {"fact": "incident.resolvedOnSite", "eq": 1}, {("/eq", "TYPE_MISMATCH")}),
    ("boolean fact given a string", "incident-routing", {"fact": "incident.resolvedOnSite", "eq": "true"}, {("/eq", "TYPE_MISMATCH")}),
    ("string fact", "incident-routing", {"fact": "park.type", "eq": "绿色化工"}, set()),
    ("string fact given a number", "incident-routing", {"fact": "grid.code", "eq": 101}, {("/eq", "TYPE_MISMATCH")}),
    ("eq null", "incident-routing", {"fact": "incident.level", "eq": None}, {("/eq", "TYPE_MISMATCH")}),
    ("eq on a list fact", "incident-routing", {"fact": "incident.returnedBy", "eq": ["LABOR"]}, {("/eq", "TYPE_MISMATCH")}),
    ("number fact with a fraction", "incident-routing", {"fact": "incident.amountInvolved", "eq": 1500.5}, set()),
    ("hour 24", "incident-routing", {"fact": "time.hour", "eq": 24}, {("/eq", "TYPE_MISMATCH")}),
    ("weekday 0", "incident-routing", {"fact": "time.weekday", "eq": 0}, {("/eq", "TYPE_MISMATCH")}),
    ("trigger misspelt", "incident-escalation", {"fact": "trigger", "eq": "OVERDUED"}, {("/eq", "TYPE_MISMATCH")}),
    ("urgency 4", "order-routing", {"fact": "order.urgency", "eq": 4}, {("/eq", "TYPE_MISMATCH")}),
    ("satisfaction 6", "assessment-scoring", {"fact": "event.satisfaction", "eq": 6}, {("/eq", "TYPE_MISMATCH")}),
    ("role not a member role", "assessment-scoring", {"fact": "subject.role", "eq": "GRID_WORKER"}, {("/eq", "TYPE_MISMATCH")}),
    # ---- numeric comparisons: number facts and number values only
    ("gte on a number fact", "incident-routing", {"fact": "incident.amountInvolved", "gte": 500000}, set()),
    ("gt on a string fact", "incident-routing", {"fact": "incident.text", "gt": 3}, {("/gt", "TYPE_MISMATCH")}),
    ("lt on an enum fact", "incident-routing", {"fact": "incident.category", "lt": "M"}, {("/lt", "TYPE_MISMATCH")}),
    ("lte on a boolean fact", "incident-routing", {"fact": "incident.resolvedOnSite", "lte": 1}, {("/lte", "TYPE_MISMATCH")}),
    ("gte with a string value", "incident-routing", {"fact": "incident.peopleInvolved", "gte": "30"}, {("/gte", "TYPE_MISMATCH")}),
    ("gte with a boolean value", "incident-routing", {"fact": "incident.peopleInvolved", "gte": True}, {("/gte", "TYPE_MISMATCH")}),
    ("gt with null", "incident-routing", {"fact": "incident.peopleInvolved", "gt": None}, {("/gt", "TYPE_MISMATCH")}),
    ("gte beyond the range", "incident-routing", {"fact": "incident.severity", "gte": 7}, {("/gte", "TYPE_MISMATCH")}),
    ("fractional bound on an integer fact", "incident-routing", {"fact": "incident.peopleInvolved", "gt": 29.5}, set()),
    # ---- in / notIn: a list of values the fact can take
    ("in enum list", "incident-routing", {"fact": "incident.category", "in": ["LABOR_DISPUTE", "CONSTRUCTION_DISPUTE"]}, set()),
    ("notIn numbers", "incident-routing", {"fact": "incident.severity", "notIn": [1, 2]}, set()),
    ("in without a list", "incident-routing", {"fact": "incident.category", "in": "LABOR_DISPUTE"}, {("/in", "TYPE_MISMATCH")}),
    ("notIn without a list", "incident-routing", {"fact": "incident.severity", "notIn": 3}, {("/notIn", "TYPE_MISMATCH")}),
    ("in with a bad member", "incident-routing", {"fact": "incident.category", "in": ["LABOR_DISPUTE", "LABOUR"]}, {("/in/1", "TYPE_MISMATCH")}),
    ("in with a number out of range", "incident-routing", {"fact": "incident.severity", "in": [3, 4, 5]}, {("/in/2", "TYPE_MISMATCH")}),
    ("in with a mixed list", "incident-routing", {"fact": "incident.severity", "in": [3, "4"]}, {("/in/1", "TYPE_MISMATCH")}),
    ("in on a list fact", "incident-routing", {"fact": "incident.returnedBy", "in": ["LABOR"]}, {("/in", "TYPE_MISMATCH")}),
    ("in without a list on an unknown fact", "incident-routing", {"fact": "incident.what", "in": 3},
     {("/fact", "UNKNOWN_FACT"), ("/in", "TYPE_MISMATCH")}),
    # ---- contains: a string or list fact, a string value
    ("contains on a list fact", "incident-routing", {"fact": "incident.returnedBy", "contains": "LABOR"}, set()),
    ("contains on a string fact", "incident-routing", {"fact": "incident.text", "contains": "欠薪"}, set()),
    ("contains on a number fact", "incident-routing", {"fact": "incident.severity", "contains": "3"}, {("/contains", "TYPE_MISMATCH")}),
    ("contains on an enum fact", "incident-routing", {"fact": "incident.category", "contains": "LABOR"}, {("/contains", "TYPE_MISMATCH")}),
    ("contains a number", "incident-routing", {"fact": "incident.returnedBy", "contains": 3}, {("/contains", "TYPE_MISMATCH")}),
    # ---- matches: a string fact, a pattern of the subset
    ("matches Chinese", "incident-routing", {"fact": "incident.text", "matches": "欠(薪|工资)"}, set()),
    ("matches with classes", "incident-routing", {"fact": "grid.code", "matches": "G-\\d\\d[A-Z]?"}, set()),
    ("matches on a number fact", "incident-routing", {"fact": "incident.severity", "matches": "3"}, {("/matches", "TYPE_MISMATCH")}),
    ("matches with a non-string", "incident-routing", {"fact": "incident.text", "matches": 3}, {("/matches", "TYPE_MISMATCH")}),
    ("matches an empty pattern", "incident-routing", {"fact": "incident.text", "matches": ""}, {("/matches", "BAD_REGEX")}),
    # ---- exists: a boolean
    ("exists true", "incident-routing", {"fact": "enterprise.industry", "exists": True}, set()),
    ("exists false", "incident-routing", {"fact": "incident.level", "exists": False}, set()),
    ("exists 1", "incident-routing", {"fact": "incident.level", "exists": 1}, {("/exists", "TYPE_MISMATCH")}),
    ("exists a string", "incident-routing", {"fact": "incident.level", "exists": "yes"}, {("/exists", "TYPE_MISMATCH")}),
]


@pytest.mark.parametrize(("kind", "when", "expected"), [r[1:] for r in CONDITIONS], ids=[r[0] for r in CONDITIONS])
def test_condition(kind: str, when: Any, expected: set[tuple[str, str]]) -> None:
    doc = document(kind)
    doc["rules"][0]["when"] = when
    result = validate(doc, run_tests=False)
    assert found(result) == {(W + path, code) for path, code in expected}, [p.to_json() for p in result.errors]


PATTERNS = [
    # the subset of POLICY.md
    ("欠薪", None), ("a.b", None), ("[0-9a-f]+", None), ("[^x]*y", None), ("\\d\\w\\s", None), ("(ab|cd)+e?", None),
    ("a\\{2\\}", None), ("\\.\\*\\(", None), ("x|y|z", None), ("起火|着火", None),
    # outside it
    ("a{2}", "BAD_REGEX"), ("a{1,3}", "BAD_REGEX"), ("^abc", "BAD_REGEX"), ("abc$", "BAD_REGEX"),
    ("(a)\\1", "BAD_REGEX"), ("(?=a)b", "BAD_REGEX"), ("(?!a)b", "BAD_REGEX"), ("(?<=a)b", "BAD_REGEX"),
    ("", "BAD_REGEX"), ("a||b", "BAD_REGEX"), ("|a", "BAD_REGEX"), ("a|", "BAD_REGEX"), ("(|a)", "BAD_REGEX"),
    ("(a*)*", "BAD_REGEX"), ("(a?)+", "BAD_REGEX"), ("(a|b*)*", "BAD_REGEX"), (".*(b*)*.*", "BAD_REGEX"),
    ("(abc", "BAD_REGEX"), ("abc)", "BAD_REGEX"), ("[abc", "BAD_REGEX"), ("*a", "BAD_REGEX"), ("a\\", "BAD_REGEX"),
]


@pytest.mark.parametrize(("pattern", "code"), PATTERNS, ids=[repr(p) for p, _ in PATTERNS])
def test_pattern(pattern: str, code: str | None) -> None:
    doc = document()
    doc["rules"][0]["when"] = {"fact": "incident.text", "matches": pattern}
    result = validate(doc, run_tests=False)
    assert found(result) == ({(f"{W}/matches", code)} if code else set()), [p.to_json() for p in result.errors]


def test_unknown_fact_suggests_the_likely_one() -> None:
    doc = document()
    doc["rules"][0]["when"] = {"fact": "incident.categroy", "eq": "PETITION"}
    [problem] = validate(doc).errors
    assert "incident.category" in problem.message


def test_enum_mismatch_names_the_allowed_values() -> None:
    doc = document()
    doc["rules"][0]["when"] = {"fact": "incident.category", "eq": "LABOUR_DISPUTE"}
    [problem] = validate(doc).errors
    assert "LABOR_DISPUTE" in problem.message


def test_department_codes_in_conditions_are_checked_when_known() -> None:
    doc = document(rules=[
        rule("a", {"fact": "incident.returnedBy", "contains": "LABOUR"}),
        rule("b", {"fact": "incident.department", "in": ["LABOR", "POLICE", "POLISE"]}),
        rule("c", {"fact": "incident.department", "eq": "GRID_CENTER"}),
    ])
    assert validate(doc, run_tests=False).valid
    result = validate(doc, department_codes=["LABOR", "POLICE"])
    assert found(result) == {
        ("/rules/0/when/contains", "UNKNOWN_DEPARTMENT"),
        ("/rules/1/when/in/2", "UNKNOWN_DEPARTMENT"),
    }
