"""``gridgov policy validate|test|eval`` (POLICY.md "Command line"), for policy files kept in git.

JSON only on stdout. Exit codes: 0 success (valid / all tests pass / decided),
1 invalid document, failing tests or an unreadable file, 2 bad arguments
(``--facts`` that is not a JSON object, a ``--now`` that is not ISO, usage).
The command line knows no organisation, so department codes are not checked.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any, NoReturn

from rules import engine
from rules.clock import SHANGHAI, parse_instant
from rules.document import KIND_SPECS
from rules.engine import PolicyCompileError
from rules.testing import as_json, run_document_tests
from rules.validation import compile_problem, validate

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


class _Usage(Exception):
    """Bad arguments: message for stderr, exit 2."""


class _Unreadable(Exception):
    """A policy file that cannot be read: message for stderr, exit 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Usage(f"{self.format_usage().rstrip()}\n{self.prog}: error: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gridgov policy", description="校验、测试、试算策略文档（见 POLICY.md）")
    sub = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)
    v = sub.add_parser("validate", help='print {"valid", "errors", "warnings"}; exit 0 valid, 1 not')
    v.add_argument("file")
    t = sub.add_parser("test", help='run the document\'s tests; print {"passed", "failed"}; exit 0 all pass, 1 otherwise')
    t.add_argument("file")
    e = sub.add_parser("eval", help='decide one set of facts; print {"outputs"|"items", "firedRules"}')
    e.add_argument("file")
    e.add_argument("--facts", required=True, help="inline JSON object, or @file.json")
    e.add_argument("--now", help="ISO date or date-time (default: the current time)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["policy"]:
        argv = argv[1:]
    try:
        args = _parser().parse_args(argv)
        if args.verb == "validate":
            return _validate(args.file)
        if args.verb == "test":
            return _test(args.file)
        return _eval(args.file, args.facts, args.now)
    except _Usage as exc:
        _err(str(exc))
        return EXIT_USAGE
    except _Unreadable as exc:
        _err(str(exc))
        return EXIT_INVALID
    except Exception as exc:  # never a traceback: say what failed and fail
        _err(f"gridgov policy: {type(exc).__name__}: {exc}")
        return EXIT_INVALID


def _validate(path: str) -> int:
    try:
        source = _read(path)
    except _Unreadable as exc:
        _err(str(exc))
        problem = {"path": "", "code": "BAD_DOCUMENT", "message": str(exc)}
        _out({"valid": False, "errors": [problem], "warnings": []})
        return EXIT_INVALID
    result = validate(source)
    _out(result.to_json())
    return EXIT_OK if result.valid else EXIT_INVALID


def _test(path: str) -> int:
    doc = _valid_document(path)
    if doc is None:
        return EXIT_INVALID
    try:
        passed, failed = run_document_tests(doc)
    except PolicyCompileError as exc:
        return _cannot_load(exc)
    _out({"passed": passed, "failed": failed})
    return EXIT_OK if not failed else EXIT_INVALID


def _eval(path: str, facts_arg: str, now_arg: str | None) -> int:
    facts = _facts(facts_arg)
    now = _now(now_arg)
    doc = _valid_document(path)
    if doc is None:
        return EXIT_INVALID
    try:
        policy = engine.compile_isolated(doc, version=0)
    except PolicyCompileError as exc:
        return _cannot_load(exc)
    try:
        decision = as_json(policy.decide(facts, now))
    finally:
        policy.close()
    out: dict[str, Any] = {}
    if KIND_SPECS[doc["kind"]].collect:
        out["items"] = [
            {"rule": item.get("rule"), "points": item.get("points"), "reason": item.get("reason")}
            for item in decision.get("items") or []
        ]
    else:
        out["outputs"] = decision.get("outputs") or {}
    out["firedRules"] = list(decision.get("firedRules") or [])
    if decision.get("fallback"):
        out["fallback"] = True
        out["error"] = decision.get("error")
    _out(out)
    return EXIT_OK


# --- helpers ------------------------------------------------------------------------------


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise _Unreadable(f"gridgov policy: cannot read {path!r}: {exc.strerror or exc}") from None


def _valid_document(path: str) -> dict[str, Any] | None:
    """The document if it is valid (tests not run); else its problems on stderr and ``None``."""
    result = validate(_read(path), run_tests=False)
    if not result.valid:
        _err(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return None
    return result.document


def _cannot_load(exc: Exception) -> int:
    """A valid document the engine could not load: a validation error on stderr, exit 1."""
    _err(json.dumps({"valid": False, "errors": [compile_problem(exc).to_json()], "warnings": []}, ensure_ascii=False, indent=2))
    return EXIT_INVALID


def _facts(arg: str) -> dict[str, Any]:
    if arg.startswith("@"):
        try:
            with open(arg[1:], "rb") as f:
                text: str | bytes = f.read()
        except OSError as exc:
            raise _Usage(f"gridgov policy eval: cannot read facts file {arg[1:]!r}: {exc.strerror or exc}") from None
    else:
        text = arg
    try:
        facts = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _Usage(f"gridgov policy eval: --facts is not JSON: {exc}") from None
    if not isinstance(facts, dict):
        raise _Usage("gridgov policy eval: --facts must be a JSON object")
    return facts


def _now(arg: str | None) -> datetime:
    if arg is None:
        return datetime.now(SHANGHAI)
    try:
        return parse_instant(arg)
    except ValueError as exc:
        raise _Usage(f"gridgov policy eval: --now is not an ISO date or date-time: {exc}") from None


def _out(value: object) -> None:
    _write(sys.stdout, json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def _err(message: str) -> None:
    _write(sys.stderr, message.rstrip("\n") + "\n")


def _write(stream: Any, text: str) -> None:
    """UTF-8 whatever the locale says (a C locale must not turn 欠薪 into an encoding error)."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
    else:
        stream.flush()
        buffer.write(text.encode("utf-8"))
    stream.flush()


if __name__ == "__main__":
    raise SystemExit(main())
