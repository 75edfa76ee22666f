"""Builders for policy documents and a runner for the real command line."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rules.validation import ValidationResult

ROOT = Path(__file__).resolve().parents[3]
SEED_DEPARTMENTS = (
    "PARTY GOVERNANCE ENVIRONMENT EMERGENCY MARKET URBAN LABOR CONSTRUCTION POLICE FIRE PETITION GRID_CENTER".split()
)
NOW = "2026-11-26T10:00:00+08:00"

DEFAULTS: dict[str, dict[str, Any]] = {
    "incident-routing": {"department": "GRID_CENTER", "level": 1, "dueInHours": 72, "manual": False},
    "incident-escalation": {"level": None, "dueInHours": 48},
    "officer-assignment": {"officer": {"role": "GRID_LEADER", "scope": "GRID"}},
    "order-routing": {"department": "GRID_CENTER", "dueInHours": 120},
}
THEN: dict[str, dict[str, Any]] = {
    "incident-routing": {"department": "LABOR", "level": 3, "dueInHours": 24},
    "incident-escalation": {"level": 2, "dueInHours": 48},
    "officer-assignment": {"officer": {"role": "PARK_RESPONDER", "scope": "PARK"}},
    "order-routing": {"department": "LABOR", "dueInHours": 48},
    "assessment-scoring": {"points": -2},
}


def rule(rid: str = "r1", when: Any = None, then: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A routing rule; ``when=None`` leaves ``when`` out (always matches)."""
    r: dict[str, Any] = {"id": rid, "title": rid, "then": then if then is not None else dict(THEN["incident-routing"])}
    if when is not None:
        r["when"] = when
    r.update(extra)
    return r


def document(kind: str = "incident-routing", rules: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    """A minimal valid document of ``kind`` (one rule unless ``rules`` is given), then ``extra`` keys."""
    if rules is None:
        rules = [rule("r1", {"fact": _a_fact(kind), "exists": True}, dict(THEN.get(kind, {})))]
    doc: dict[str, Any] = {"kind": kind, "title": f"{kind} test", "rules": copy.deepcopy(rules)}
    if kind in DEFAULTS:
        doc["default"] = copy.deepcopy(DEFAULTS[kind])
    doc.update(extra)
    return doc


def _a_fact(kind: str) -> str:
    return {"order-routing": "order.category", "assessment-scoring": "event.type"}.get(kind, "incident.category")


def found(result: ValidationResult) -> set[tuple[str, str]]:
    """The errors as ``{(path, code)}``."""
    return {(p.path, p.code) for p in result.errors}


def warned(result: ValidationResult) -> set[tuple[str, str]]:
    return {(p.path, p.code) for p in result.warnings}


@dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> CliRun:
    """``python -m rules.cli ARGS`` as a real subprocess of the project's interpreter."""
    proc = subprocess.run(
        [sys.executable, "-m", "rules.cli", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env=env,
    )
    return CliRun(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def write_json(tmp_path: Path) -> Iterator[Any]:
    """Write a value (or raw text) to a fresh file and return its path."""
    counter = iter(range(10_000))

    def write(value: Any, name: str | None = None) -> str:
        path = tmp_path / (name or f"doc{next(counter)}.json")
        path.write_text(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False), encoding="utf-8")
        return str(path)

    yield write
