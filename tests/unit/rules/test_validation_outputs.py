"""POLICY.md "The five kinds" and "Validation": outputs of ``then``/``default``, MISSING_DEFAULT,
officer selectors, department codes, and the warnings SHADOWED_RULE and NEVER_ACTIVE."""

from __future__ import annotations

from typing import Any

import pytest

from rules.validation import validate

from .conftest import SEED_DEPARTMENTS, document, found, rule, warned

OUTPUTS: list[tuple[str, str, dict[str, Any], set[tuple[str, str]]]] = [
    # incident-routing: department, level 1–3, dueInHours > 0, optional manual
    ("routing all outputs", "incident-routing", {"department": "LABOR", "level": 3, "dueInHours": 24, "manual": True}, set()),
    ("routing fractional due", "incident-routing", {"dueInHours": 0.5}, set()),
    ("routing unknown output", "incident-routing", {"dept": "LABOR"}, {("/dept", "BAD_OUTPUT")}),
    ("routing officer is another kind's", "incident-routing", {"officer": {"member": "M1"}}, {("/officer", "BAD_OUTPUT")}),
    ("routing level 0", "incident-routing", {"level": 0}, {("/level", "BAD_OUTPUT")}),
    ("routing level 4", "incident-routing", {"level": 4}, {("/level", "BAD_OUTPUT")}),
    ("routing level 2.5", "incident-routing", {"level": 2.5}, {("/level", "BAD_OUTPUT")}),
    ("routing level as a string", "incident-routing", {"level": "2"}, {("/level", "BAD_OUTPUT")}),
    ("routing level true", "incident-routing", {"level": True}, {("/level", "BAD_OUTPUT")}),
    ("routing level null", "incident-routing", {"level": None}, {("/level", "BAD_OUTPUT")}),
    ("routing due 0", "incident-routing", {"dueInHours": 0}, {("/dueInHours", "BAD_OUTPUT")}),
    ("routing due negative", "incident-routing", {"dueInHours": -24}, {("/dueInHours", "BAD_OUTPUT")}),
    ("routing due as a string", "incident-routing", {"dueInHours": "24"}, {("/dueInHours", "BAD_OUTPUT")}),
    ("routing manual as a string", "incident-routing", {"manual": "yes"}, {("/manual", "BAD_OUTPUT")}),
    ("routing manual as 1", "incident-routing", {"manual": 1}, {("/manual", "BAD_OUTPUT")}),
    ("routing department as a number", "incident-routing", {"department": 12}, {("/department", "BAD_OUTPUT")}),
    ("routing department empty", "incident-routing", {"department": ""}, {("/department", "BAD_OUTPUT")}),
    # incident-escalation: level 1–3 or null, dueInHours > 0, optional department
    ("escalation null level", "incident-escalation", {"level": None, "dueInHours": 24}, set()),
    ("escalation re-route", "incident-escalation", {"level": 3, "dueInHours": 24, "department": "LABOR"}, set()),
    ("escalation level 5", "incident-escalation", {"level": 5}, {("/level", "BAD_OUTPUT")}),
    ("escalation manual is routing's", "incident-escalation", {"manual": True}, {("/manual", "BAD_OUTPUT")}),
    # officer-assignment: officer, otherwise
    ("officer role and scope", "officer-assignment", {"officer": {"role": "GRID_LEADER", "scope": "LARGE_GRID"}}, set()),
    ("officer department responder", "officer-assignment", {"officer": {"role": "DEPARTMENT_RESPONDER"}}, set()),
    ("officer member", "officer-assignment", {"officer": {"member": "M-0001"}}, set()),
    ("officer otherwise list", "officer-assignment",
     {"officer": {"role": "PARK_RESPONDER", "scope": "PARK"},
      "otherwise": [{"role": "PARK_SECRETARY", "scope": "PARK"}, {"member": "M-9"}, {"role": "DEPARTMENT_RESPONDER"}]}, set()),
    ("officer unknown role", "officer-assignment", {"officer": {"role": "GRID_CAPTAIN", "scope": "GRID"}}, {("/officer/role", "UNKNOWN_ROLE")}),
    ("officer account role is not a member role", "officer-assignment", {"officer": {"role": "GRID_WORKER", "scope": "GRID"}},
     {("/officer/role", "UNKNOWN_ROLE")}),
    ("otherwise unknown role", "officer-assignment",
     {"officer": {"member": "M1"}, "otherwise": [{"role": "GRID_LEADER", "scope": "GRID"}, {"role": "LEADER", "scope": "PARK"}]},
     {("/otherwise/1/role", "UNKNOWN_ROLE")}),
    ("officer role without scope", "officer-assignment", {"officer": {"role": "GRID_LEADER"}}, {("/officer/scope", "BAD_OUTPUT")}),
    ("officer bad scope", "officer-assignment", {"officer": {"role": "GRID_LEADER", "scope": "SMALL_GRID"}}, {("/officer/scope", "BAD_OUTPUT")}),
    ("officer department responder with scope", "officer-assignment", {"officer": {"role": "DEPARTMENT_RESPONDER", "scope": "PARK"}},
     {("/officer/scope", "BAD_OUTPUT")}),
    ("officer selector extra key", "officer-assignment", {"officer": {"role": "GRID_LEADER", "scope": "GRID", "count": 2}},
     {("/officer", "BAD_OUTPUT")}),
    ("officer member empty", "officer-assignment", {"officer": {"member": ""}}, {("/officer/member", "BAD_OUTPUT")}),
    ("officer member and role", "officer-assignment", {"officer": {"member": "M1", "role": "GRID_LEADER"}}, {("/officer", "BAD_OUTPUT")}),
    ("officer empty selector", "officer-assignment", {"officer": {}}, {("/officer", "BAD_OUTPUT")}),
    ("officer as a string", "officer-assignment", {"officer": "GRID_LEADER"}, {("/officer", "BAD_OUTPUT")}),
    ("otherwise not a list", "officer-assignment", {"officer": {"member": "M1"}, "otherwise": {"member": "M2"}}, {("/otherwise", "BAD_OUTPUT")}),
    ("officer role not a string", "officer-assignment", {"officer": {"role": 3, "scope": "GRID"}}, {("/officer/role", "BAD_OUTPUT")}),
    # order-routing: department, dueInHours
    ("order outputs", "order-routing", {"department": "MARKET", "dueInHours": 168}, set()),
    ("order level is not an output", "order-routing", {"level": 2}, {("/level", "BAD_OUTPUT")}),
    # assessment-scoring: points (a number), reason
    ("scoring penalty", "assessment-scoring", {"points": -2.5, "reason": "超期"}, set()),
    ("scoring zero", "assessment-scoring", {"points": 0}, set()),
    ("scoring points as a string", "assessment-scoring", {"points": "-2"}, {("/points", "BAD_OUTPUT")}),
    ("scoring points boolean", "assessment-scoring", {"points": False}, {("/points", "BAD_OUTPUT")}),
    ("scoring reason not a string", "assessment-scoring", {"points": 1, "reason": 3}, {("/reason", "BAD_OUTPUT")}),
    ("scoring without points", "assessment-scoring", {"reason": "x"}, {("/points", "BAD_OUTPUT")}),
    ("scoring unknown output", "assessment-scoring", {"points": 1, "weight": 2}, {("/weight", "BAD_OUTPUT")}),
]


@pytest.mark.parametrize(("kind", "then", "expected"), [r[1:] for r in OUTPUTS], ids=[r[0] for r in OUTPUTS])
def test_then_outputs(kind: str, then: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    doc = document(kind)
    doc["rules"][0]["then"] = then
    result = validate(doc, run_tests=False)
    assert found(result) == {("/rules/0/then" + p, c) for p, c in expected}, [p.to_json() for p in result.errors]


@pytest.mark.parametrize(
    ("kind", "then", "expected"),
    [r[1:] for r in OUTPUTS if r[1] != "assessment-scoring"],
    ids=[r[0] for r in OUTPUTS if r[1] != "assessment-scoring"],
)
def test_default_outputs_are_checked_like_then(kind: str, then: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    doc = document(kind)
    doc["default"].update(then)
    result = validate(doc, run_tests=False)
    assert found(result) == {("/default" + p, c) for p, c in expected}, [p.to_json() for p in result.errors]


MISSING_DEFAULT = [
    ("incident-routing", ("department",)),
    ("incident-routing", ("level",)),
    ("incident-routing", ("dueInHours",)),
    ("incident-routing", ("department", "level", "dueInHours")),
    ("incident-escalation", ("level",)),
    ("incident-escalation", ("dueInHours",)),
    ("officer-assignment", ("officer",)),
    ("order-routing", ("department",)),
    ("order-routing", ("dueInHours",)),
]


@pytest.mark.parametrize(("kind", "missing"), MISSING_DEFAULT)
def test_default_must_give_every_required_output(kind: str, missing: tuple[str, ...]) -> None:
    doc = document(kind)
    for name in missing:
        del doc["default"][name]
    assert found(validate(doc)) == {(f"/default/{name}", "MISSING_DEFAULT") for name in missing}


@pytest.mark.parametrize("kind", ["incident-routing", "incident-escalation", "officer-assignment", "order-routing"])
def test_first_document_without_default(kind: str) -> None:
    doc = document(kind)
    del doc["default"]
    assert found(validate(doc)) == {("/default", "MISSING_DEFAULT")}


def test_optional_outputs_may_be_left_out_of_default() -> None:
    doc = document("incident-routing")
    del doc["default"]["manual"]
    assert validate(doc, run_tests=False).valid
    doc = document("officer-assignment")
    assert "otherwise" not in doc["default"] and validate(doc, run_tests=False).valid


def test_escalation_default_level_may_be_null_but_must_be_given() -> None:
    doc = document("incident-escalation")
    assert doc["default"]["level"] is None and validate(doc, run_tests=False).valid


# --- department codes (the server's check; the command line has none) ----------------------


def test_department_codes_are_not_checked_without_the_organisation() -> None:
    doc = document(rules=[rule("a", then={"department": "TAXES"})])
    doc["default"]["department"] = "TAXES"
    assert validate(doc, run_tests=False).valid


def test_unknown_department_codes_when_the_organisation_is_known() -> None:
    doc = document(rules=[rule("a", then={"department": "TAXES"}), rule("b", then={"department": "LABOR"})])
    doc["default"]["department"] = "LABOUR"
    result = validate(doc, department_codes=SEED_DEPARTMENTS)
    assert found(result) == {("/rules/0/then/department", "UNKNOWN_DEPARTMENT"), ("/default/department", "UNKNOWN_DEPARTMENT")}
    assert "TAXES" in result.errors[0].message


def test_grid_center_is_always_a_department() -> None:
    doc = document("order-routing", rules=[rule("a", then={"department": "GRID_CENTER", "dueInHours": 1})])
    assert validate(doc, department_codes=["LABOR"], run_tests=False).valid
    esc = document("incident-escalation", rules=[rule("a", then={"level": 3, "dueInHours": 1, "department": "POLICE"})])
    assert found(validate(esc, department_codes=[])) == {("/rules/0/then/department", "UNKNOWN_DEPARTMENT")}


# --- warnings ------------------------------------------------------------------------------

ALWAYS = None
SEV3 = {"fact": "incident.severity", "gte": 3}

WARNINGS: list[tuple[str, str, list[dict[str, Any]], set[tuple[str, str]]]] = [
    ("no warnings", "incident-routing", [rule("a", SEV3), rule("b", {"fact": "incident.severity", "gte": 2})], set()),
    ("after a rule without when", "incident-routing", [rule("a"), rule("b", SEV3)], {("/rules/1", "SHADOWED_RULE")}),
    ("after the same when", "incident-routing", [rule("a", SEV3), rule("b", dict(SEV3))], {("/rules/1", "SHADOWED_RULE")}),
    ("same when, keys in another order", "incident-routing",
     [rule("a", {"fact": "incident.severity", "gte": 3}), rule("b", {"gte": 3, "fact": "incident.severity"})], {("/rules/1", "SHADOWED_RULE")}),
    ("1 and 1.0 are the same number", "incident-routing",
     [rule("a", {"fact": "incident.severity", "eq": 1}), rule("b", {"fact": "incident.severity", "eq": 1.0})], {("/rules/1", "SHADOWED_RULE")}),
    ("another operator is not the same when", "incident-routing",
     [rule("a", {"fact": "incident.severity", "gte": 3}), rule("b", {"fact": "incident.severity", "gt": 3})], set()),
    ("a stricter when is not the same", "incident-routing",
     [rule("a", SEV3), rule("b", {"all": [SEV3, {"fact": "incident.peopleInvolved", "gte": 30}]})], set()),
    ("order is by priority, not position", "incident-routing", [rule("a", SEV3), rule("b", priority=10)], {("/rules/0", "SHADOWED_RULE")}),
    ("higher priority later is not shadowed", "incident-routing", [rule("a"), rule("b", SEV3, priority=1)], set()),
    ("equal priority: document order", "incident-routing", [rule("a", priority=5), rule("b", priority=5)], {("/rules/1", "SHADOWED_RULE")}),
    ("a disabled rule shadows nothing", "incident-routing", [rule("a", enabled=False), rule("b", SEV3)], {("/rules/0", "NEVER_ACTIVE")}),
    ("a windowed rule shadows nothing", "incident-routing", [rule("a", activeFrom="2026-12-01"), rule("b", SEV3)], set()),
    ("a rule with activeUntil shadows nothing", "incident-routing", [rule("a", activeUntil="2027-01-01"), rule("b")], set()),
    ("several shadowed", "incident-routing", [rule("a"), rule("b"), rule("c", SEV3)],
     {("/rules/1", "SHADOWED_RULE"), ("/rules/2", "SHADOWED_RULE")}),
    ("COLLECT rules are never shadowed", "assessment-scoring",
     [rule("a", then={"points": 1}), rule("b", then={"points": 2})], set()),
    ("disabled", "incident-routing", [rule("a", SEV3, enabled=False)], {("/rules/0", "NEVER_ACTIVE")}),
    ("enabled true", "incident-routing", [rule("a", SEV3, enabled=True)], set()),
    ("empty window", "incident-routing", [rule("a", SEV3, activeFrom="2027-01-01", activeUntil="2027-01-01")], {("/rules/0", "NEVER_ACTIVE")}),
    ("inverted window", "incident-routing", [rule("a", SEV3, activeFrom="2027-01-01", activeUntil="2026-12-01")], {("/rules/0", "NEVER_ACTIVE")}),
    ("window compared as instants", "incident-routing",
     [rule("a", SEV3, activeFrom="2026-12-01T09:00:00+08:00", activeUntil="2026-12-01T01:00:00Z")], {("/rules/0", "NEVER_ACTIVE")}),
    ("a bare date is Shanghai midnight", "incident-routing",
     [rule("a", SEV3, activeFrom="2026-12-01", activeUntil="2026-11-30T16:30:00Z")], set()),
    ("a window in the past is not a warning (no clock)", "incident-routing",
     [rule("a", SEV3, activeFrom="2020-01-01", activeUntil="2020-02-01")], set()),
    ("disabled COLLECT rule", "assessment-scoring", [rule("a", then={"points": 1}, enabled=False)], {("/rules/0", "NEVER_ACTIVE")}),
]


@pytest.mark.parametrize(("kind", "rules", "expected"), [r[1:] for r in WARNINGS], ids=[r[0] for r in WARNINGS])
def test_warnings(kind: str, rules: list[dict[str, Any]], expected: set[tuple[str, str]]) -> None:
    if kind == "assessment-scoring":
        for r in rules:
            r.pop("when", None)
    result = validate(document(kind, rules=rules), run_tests=False)
    assert result.valid, [p.to_json() for p in result.errors]
    assert warned(result) == expected


def test_shadow_warning_names_the_rule_that_shadows() -> None:
    result = validate(document(rules=[rule("catch-all"), rule("wages", SEV3)]), run_tests=False)
    [warning] = result.warnings
    assert "catch-all" in warning.message and "wages" in warning.message


def test_warnings_come_with_errors() -> None:
    doc = document(rules=[rule("a", enabled=False), rule("b", {"fact": "incident.colour", "eq": 1})])
    result = validate(doc)
    assert found(result) == {("/rules/1/when/fact", "UNKNOWN_FACT")}
    assert warned(result) == {("/rules/0", "NEVER_ACTIVE")}
