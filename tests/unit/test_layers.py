"""Imports flow one way: api → domain → rules. Only rules/engine-side modules touch
durable_rules; rules knows nothing of the database or GraphQL; domain nothing of Strawberry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "rules": ("api", "domain", "sqlalchemy", "strawberry", "starlette", "alembic", "asyncpg", "aiosqlite"),
    "domain": ("api", "strawberry", "starlette"),
    "migrations": ("api", "strawberry"),
}
# The C engine is driven from the compiler/runtime only.
DURABLE_ALLOWED = {"rules/compiler.py", "rules/engine.py", "rules/sandbox.py", "rules/runtime.py"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downward(package: str) -> None:
    violations = [
        f"{f.relative_to(ROOT)} imports {name}"
        for f in _files(package)
        for name in _imports(f)
        if name.split(".")[0] in FORBIDDEN[package]
    ]
    assert violations == []


def test_only_the_engine_imports_durable_rules() -> None:
    violations = [
        str(f.relative_to(ROOT))
        for pkg in ("api", "domain", "rules", "migrations")
        for f in _files(pkg)
        if any(n.split(".")[0] in ("durable", "durable_rules_engine") for n in _imports(f))
        and str(f.relative_to(ROOT)) not in DURABLE_ALLOWED
    ]
    assert violations == []


def test_the_check_sees_every_layer() -> None:
    # Guard against the check passing because it looked at nothing.
    assert all(_files(p) for p in ("api", "domain", "rules", "migrations"))
