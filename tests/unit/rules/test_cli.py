"""POLICY.md "Command line": ``gridgov policy validate|test|eval``, run as real subprocesses.

JSON only on stdout; exit 0 on success, 1 for an invalid document or failing
tests, and never a traceback on bad input.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import NOW, ROOT, document, rule, run_cli

LABOR_MASS = {"all": [{"fact": "incident.category", "eq": "LABOR_DISPUTE"}, {"fact": "incident.peopleInvolved", "gte": 30}]}
MASS_FACTS = {"incident": {"category": "LABOR_DISPUTE", "peopleInvolved": 40}}


def routing_doc(**extra: Any) -> dict[str, Any]:
    doc = document(rules=[rule("wages-mass", LABOR_MASS, {"department": "LABOR", "level": 3, "dueInHours": 24}, priority=100)])
    doc["tests"] = [
        {"name": "40 workers unpaid", "facts": MASS_FACTS, "now": NOW,
         "expect": {"department": "LABOR", "level": 3}, "expectRules": ["wages-mass"]},
        {"name": "2 workers", "facts": {"incident": {"category": "LABOR_DISPUTE", "peopleInvolved": 2}}, "now": NOW,
         "expect": {"department": "GRID_CENTER", "level": 1, "manual": False}, "expectRules": []},
    ]
    doc.update(extra)
    return doc


def scoring_doc() -> dict[str, Any]:
    return document(
        "assessment-scoring",
        rules=[
            {"id": "overdue", "title": "事件超期", "when": {"fact": "event.type", "eq": "INCIDENT_OVERDUE"},
             "then": {"points": -2, "reason": "超期扣 2 分"}, "cap": 10},
            {"id": "overdue-long", "title": "超期 72 小时以上加扣", "priority": -1,
             "when": {"all": [{"fact": "event.type", "eq": "INCIDENT_OVERDUE"}, {"fact": "event.overdueHours", "gte": 72}]},
             "then": {"points": -1}, "cap": 1},
            {"id": "volunteer", "title": "志愿服务", "when": {"fact": "event.type", "eq": "VOLUNTEER_SERVICE"}, "then": {"points": 1}},
        ],
        tests=[{"name": "long overdue", "facts": {"event": {"type": "INCIDENT_OVERDUE", "overdueHours": 80}}, "now": NOW,
                "expect": {"points": -3}, "expectRules": ["overdue", "overdue-long"]}],
    )


def assert_no_traceback(run: Any) -> None:
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout


# --- validate ------------------------------------------------------------------------------


def test_validate_a_valid_file(write_json: Any) -> None:
    run = run_cli("validate", write_json(routing_doc()))
    assert run.code == 0, run.stderr
    assert run.json() == {"valid": True, "errors": [], "warnings": []}


def test_validate_an_invalid_file_prints_every_problem_and_exits_1(write_json: Any) -> None:
    doc = routing_doc()
    doc["rules"][0]["when"]["all"][0]["eq"] = "LABOUR_DISPUTE"
    doc["rules"].append(rule("bad", {"fact": "incident.severty", "gt": 2}))
    del doc["default"]
    run = run_cli("validate", write_json(doc))
    assert run.code == 1
    out = run.json()
    assert out["valid"] is False and out["warnings"] == []
    assert {(e["path"], e["code"]) for e in out["errors"]} == {
        ("/rules/0/when/all/0/eq", "TYPE_MISMATCH"),
        ("/rules/1/when/fact", "UNKNOWN_FACT"),
        ("/default", "MISSING_DEFAULT"),
    }
    assert all(set(e) == {"path", "code", "message"} and e["message"] for e in out["errors"])


def test_validate_reports_warnings_and_still_exits_0(write_json: Any) -> None:
    doc = routing_doc(tests=[])
    doc["rules"].insert(0, rule("catch-all", priority=200))
    doc["rules"].append(rule("off", enabled=False))
    run = run_cli("validate", write_json(doc))
    assert run.code == 0
    out = run.json()
    assert out["valid"] is True and out["errors"] == []
    assert {(w["path"], w["code"]) for w in out["warnings"]} == {
        ("/rules/1", "SHADOWED_RULE"),
        ("/rules/2", "NEVER_ACTIVE"),
    }


def test_validate_runs_the_tests(write_json: Any) -> None:
    doc = routing_doc()
    doc["tests"][1]["expect"]["level"] = 2
    run = run_cli("validate", write_json(doc))
    assert run.code == 1
    assert [(e["path"], e["code"]) for e in run.json()["errors"]] == [("/tests/1", "TEST_FAILED")]
    assert "2 workers" in run.json()["errors"][0]["message"]


def test_validate_does_not_check_department_codes(write_json: Any) -> None:
    doc = routing_doc(tests=[])
    doc["rules"][0]["then"]["department"] = "NO_SUCH_DEPARTMENT"
    assert run_cli("validate", write_json(doc)).code == 0


def test_validate_text_that_is_not_json(write_json: Any) -> None:
    run = run_cli("validate", write_json('{"kind": "incident-routing", '))
    assert run.code == 1
    assert [(e["path"], e["code"]) for e in run.json()["errors"]] == [("", "BAD_DOCUMENT")]
    assert_no_traceback(run)


def test_validate_an_unknown_kind(write_json: Any) -> None:
    run = run_cli("validate", write_json(document(kind="incident-triage")))
    assert run.code == 1
    assert ("/kind", "UNKNOWN_KIND") in {(e["path"], e["code"]) for e in run.json()["errors"]}


def test_validate_a_missing_file(tmp_path: Path) -> None:
    run = run_cli("validate", str(tmp_path / "nope.json"))
    assert run.code == 1
    assert "nope.json" in run.stderr
    assert run.json()["valid"] is False
    assert_no_traceback(run)


def test_validate_keeps_chinese_readable(write_json: Any) -> None:
    doc = routing_doc(tests=[])
    doc["rules"][0]["when"]["all"][0]["eq"] = "劳资纠纷"
    run = run_cli("validate", write_json(doc))
    assert run.code == 1
    assert "劳资纠纷" in run.stdout


# --- test ----------------------------------------------------------------------------------


def test_test_all_passing(write_json: Any) -> None:
    run = run_cli("test", write_json(routing_doc()))
    assert run.code == 0, run.stderr
    assert run.json() == {"passed": 2, "failed": []}


def test_test_failing_prints_name_expected_actual_and_exits_1(write_json: Any) -> None:
    doc = routing_doc()
    doc["tests"][0]["expect"] = {"department": "POLICE", "level": 3}
    doc["tests"][1]["expectRules"] = ["wages-mass"]
    run = run_cli("test", write_json(doc))
    assert run.code == 1
    out = run.json()
    assert out["passed"] == 0
    assert [f["name"] for f in out["failed"]] == ["40 workers unpaid", "2 workers"]
    first = out["failed"][0]
    assert set(first) == {"name", "expected", "actual"}
    assert first["expected"]["department"] == "POLICE" and first["actual"]["department"] == "LABOR"
    assert out["failed"][1]["actual"]["firedRules"] == [] and out["failed"][1]["expected"]["firedRules"] == ["wages-mass"]


def test_test_collect_sums_the_points(write_json: Any) -> None:
    run = run_cli("test", write_json(scoring_doc()))
    assert run.code == 0, run.stderr
    assert run.json() == {"passed": 1, "failed": []}
    doc = scoring_doc()
    doc["tests"][0]["expect"] = {"points": -2}
    run = run_cli("test", write_json(doc))
    assert run.code == 1
    [failure] = run.json()["failed"]
    assert failure["expected"]["points"] == -2 and failure["actual"]["points"] == -3


def test_test_without_tests_passes_nothing(write_json: Any) -> None:
    run = run_cli("test", write_json(routing_doc(tests=[])))
    assert (run.code, run.json()) == (0, {"passed": 0, "failed": []})


def test_test_an_invalid_document_prints_errors_on_stderr(write_json: Any) -> None:
    doc = routing_doc()
    doc["rules"][0]["when"]["all"][1]["gte"] = "30"
    run = run_cli("test", write_json(doc))
    assert run.code == 1
    assert run.stdout == ""
    errors = json.loads(run.stderr)["errors"]
    assert [(e["path"], e["code"]) for e in errors] == [("/rules/0/when/all/1/gte", "TYPE_MISMATCH")]


def test_test_without_now_uses_the_current_clock(write_json: Any) -> None:
    doc = routing_doc()
    doc["rules"] = [
        rule("expired", {"fact": "incident.category", "eq": "LABOR_DISPUTE"}, {"department": "POLICE"},
             priority=1000, activeUntil="2001-01-01"),
        rule("started", LABOR_MASS, {"department": "LABOR", "level": 3, "dueInHours": 24},
             priority=900, activeFrom="2001-01-01"),
    ]
    doc["tests"] = [{"name": "now", "facts": MASS_FACTS, "expect": {"department": "LABOR"}, "expectRules": ["started"]}]
    run = run_cli("test", write_json(doc))
    assert (run.code, run.json()) == (0, {"passed": 1, "failed": []}), run.stderr


# --- eval ----------------------------------------------------------------------------------


def test_eval_first_prints_outputs_and_fired_rules(write_json: Any) -> None:
    run = run_cli("eval", write_json(routing_doc()), "--facts", json.dumps(MASS_FACTS), "--now", NOW)
    assert run.code == 0, run.stderr
    assert run.json() == {
        "outputs": {"department": "LABOR", "level": 3, "dueInHours": 24, "manual": False},
        "firedRules": ["wages-mass"],
    }


def test_eval_no_match_gives_the_default(write_json: Any) -> None:
    run = run_cli("eval", write_json(routing_doc()), "--facts", "{}", "--now", NOW)
    assert run.code == 0, run.stderr
    assert run.json() == {"outputs": {"department": "GRID_CENTER", "level": 1, "dueInHours": 72, "manual": False}, "firedRules": []}


def test_eval_facts_from_a_file(write_json: Any) -> None:
    facts = write_json(MASS_FACTS, "facts.json")
    run = run_cli("eval", write_json(routing_doc()), "--facts", "@" + facts, "--now", NOW)
    assert run.code == 0, run.stderr
    assert run.json()["firedRules"] == ["wages-mass"]


def test_eval_collect_prints_items(write_json: Any) -> None:
    facts = {"event": {"type": "INCIDENT_OVERDUE", "overdueHours": 80}}
    run = run_cli("eval", write_json(scoring_doc()), "--facts", json.dumps(facts), "--now", NOW)
    assert run.code == 0, run.stderr
    assert run.json() == {
        "items": [
            {"rule": "overdue", "points": -2, "reason": "超期扣 2 分"},
            {"rule": "overdue-long", "points": -1, "reason": "超期 72 小时以上加扣"},  # reason defaults to the title
        ],
        "firedRules": ["overdue", "overdue-long"],
    }


def test_eval_collect_without_matches(write_json: Any) -> None:
    run = run_cli("eval", write_json(scoring_doc()), "--facts", '{"event": {"type": "MEETING_MISSED"}}', "--now", NOW)
    assert (run.code, run.json()) == (0, {"items": [], "firedRules": []})


def test_eval_now_decides_the_active_window_and_time_facts(write_json: Any) -> None:
    doc = routing_doc(tests=[])
    doc["rules"] = [
        rule("december", then={"department": "EMERGENCY"}, activeFrom="2026-12-01", activeUntil="2027-01-01", priority=10),
        rule("holiday", {"all": [{"fact": "time.isWorkday", "eq": False}, {"fact": "incident.severity", "eq": 4}]},
             {"department": "POLICE"}),
    ]
    path = write_json(doc)

    def department(now: str, facts: str = "{}") -> str:
        run = run_cli("eval", path, "--facts", facts, "--now", now)
        assert run.code == 0, run.stderr
        return run.json()["outputs"]["department"]

    assert department("2026-12-01") == "EMERGENCY"  # a bare date is 00:00 Shanghai: inside
    assert department("2026-11-30T23:59:59") == "GRID_CENTER"  # no offset = Shanghai: before the window
    assert department("2026-11-30T16:00:00Z") == "EMERGENCY"  # = 2026-12-01 00:00 Shanghai
    assert department("2027-01-01T00:00:00+08:00") == "GRID_CENTER"  # activeUntil is exclusive
    sev4 = '{"incident": {"severity": 4}}'
    assert department("2026-10-05T10:00:00+08:00", sev4) == "POLICE"  # National Day holiday, a Monday
    assert department("2026-10-10T10:00:00+08:00", sev4) == "GRID_CENTER"  # 调休 Saturday: a workday
    assert department("2026-10-10T10:00:00+08:00", '{"incident": {"severity": 4}, "time": {"isWorkday": false}}') == "POLICE"


def test_eval_prints_no_fallback_when_the_engine_did_not_fail(write_json: Any) -> None:
    out = run_cli("eval", write_json(routing_doc()), "--facts", "{}", "--now", NOW).json()
    assert "fallback" not in out and "error" not in out


def test_eval_an_invalid_document(write_json: Any) -> None:
    doc = routing_doc()
    doc["rules"][0]["then"]["level"] = 4
    run = run_cli("eval", write_json(doc), "--facts", "{}")
    assert run.code == 1 and run.stdout == ""
    assert [(e["path"], e["code"]) for e in json.loads(run.stderr)["errors"]] == [("/rules/0/then/level", "BAD_OUTPUT")]


def test_eval_does_not_require_the_tests_to_pass(write_json: Any) -> None:
    doc = routing_doc()
    doc["tests"][0]["expect"]["level"] = 1
    assert run_cli("eval", write_json(doc), "--facts", "{}").code == 0


@pytest.mark.parametrize(
    ("facts", "needle"),
    [("{not json", "--facts"), ("[1, 2]", "object"), ('"x"', "object"), ("@/no/such/facts.json", "facts.json")],
)
def test_eval_bad_facts_is_a_clear_error(write_json: Any, facts: str, needle: str) -> None:
    run = run_cli("eval", write_json(routing_doc()), "--facts", facts)
    assert run.code == 2 and run.stdout == ""
    assert needle in run.stderr
    assert_no_traceback(run)


@pytest.mark.parametrize("now", ["yesterday", "2026-02-30", "26/11/2026"])
def test_eval_bad_now_is_a_clear_error(write_json: Any, now: str) -> None:
    run = run_cli("eval", write_json(routing_doc()), "--facts", "{}", "--now", now)
    assert run.code == 2 and run.stdout == ""
    assert "--now" in run.stderr
    assert_no_traceback(run)


def test_eval_a_missing_file(tmp_path: Path) -> None:
    run = run_cli("eval", str(tmp_path / "gone.json"), "--facts", "{}")
    assert run.code == 1 and run.stdout == ""
    assert "gone.json" in run.stderr
    assert_no_traceback(run)


def test_eval_typed_facts_wrong_types_count_as_absent(write_json: Any) -> None:
    facts = {"incident": {"category": "LABOR_DISPUTE", "peopleInvolved": "40"}}
    run = run_cli("eval", write_json(routing_doc()), "--facts", json.dumps(facts), "--now", NOW)
    assert run.json()["firedRules"] == []


# --- usage ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [[], ["frobnicate", "x.json"], ["validate"], ["eval", "x.json"], ["validate", "a.json", "b.json"]]
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    run = run_cli(*args)
    assert run.code == 2 and run.stdout == ""
    assert "usage" in run.stderr
    assert_no_traceback(run)


def test_a_leading_policy_word_is_accepted(write_json: Any) -> None:
    run = run_cli("policy", "validate", write_json(routing_doc()))
    assert run.code == 0 and run.json()["valid"] is True


def test_the_gridgov_command(write_json: Any) -> None:
    gridgov = Path(sys.executable).with_name("gridgov")
    proc = subprocess.run(
        [str(gridgov), "policy", "eval", write_json(routing_doc()), "--facts", json.dumps(MASS_FACTS), "--now", NOW],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outputs"]["department"] == "LABOR"


def test_eval_follows_the_configured_holiday_calendar(write_json: Any, tmp_path: Path) -> None:
    import os

    doc = routing_doc(tests=[])
    doc["rules"] = [rule("holiday", {"fact": "time.isWorkday", "eq": False}, {"department": "POLICE"})]
    path = write_json(doc)
    calendar = tmp_path / "calendar.json"
    calendar.write_text(json.dumps({"holidays": {"2026-11-26": "园区停产检修日"}, "workdays": []}), encoding="utf-8")
    plain = run_cli("eval", path, "--facts", "{}", "--now", NOW)
    custom = run_cli("eval", path, "--facts", "{}", "--now", NOW, env={**os.environ, "GRIDGOV_HOLIDAY_CALENDAR": str(calendar)})
    assert plain.json()["firedRules"] == [] and custom.json()["firedRules"] == ["holiday"], custom.stderr


def test_eval_prints_fallback_and_error_only_when_the_engine_failed(
    write_json: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rules import cli, engine

    class Failing:
        def decide(self, facts: dict[str, Any], now: Any) -> dict[str, Any]:
            return {"outputs": {"department": "GRID_CENTER", "level": 1, "dueInHours": 72, "manual": False},
                    "firedRules": [], "fallback": True, "error": "EngineError: boom"}

        def close(self) -> None:
            pass

    monkeypatch.setattr(engine, "compile_isolated", lambda doc, version: Failing())
    assert cli.main(["eval", write_json(routing_doc()), "--facts", "{}"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "outputs": {"department": "GRID_CENTER", "level": 1, "dueInHours": 72, "manual": False},
        "firedRules": [],
        "fallback": True,
        "error": "EngineError: boom",
    }


@pytest.mark.parametrize("verb", ["eval", "test"])
def test_a_document_the_engine_cannot_load_is_refused_on_stderr(
    verb: str, write_json: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rules import cli, engine

    def refuse(doc: dict[str, Any], version: int) -> Any:
        raise engine.PolicyCompileError("compiling the policy took longer than 10 s in the isolated compiler")

    monkeypatch.setattr(engine, "compile_isolated", refuse)
    args = [verb, write_json(routing_doc())] + (["--facts", "{}"] if verb == "eval" else [])
    assert cli.main(args) == 1
    out = capsys.readouterr()
    assert out.out == ""
    [error] = json.loads(out.err)["errors"]
    assert error["code"] == "LIMIT_EXCEEDED" and "10 s" in error["message"]
