#!/usr/bin/env python3
"""Bootstrap and run GridGov with nothing but Python 3.11/3.12 (and a C compiler).

    python3 dev.py demo    # create .venv, install, migrate SQLite, load the demo district, serve :8000
    python3 dev.py test    # create .venv, install, run the whole suite (SQLite, and PostgreSQL if up)

Only the standard library is used here: this file runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".gridgov-installed"


def _python_ok() -> None:
    if not ((3, 11) <= sys.version_info[:2] <= (3, 12)):
        sys.exit(
            f"GridGov needs Python 3.11 or 3.12 (durable-rules does not build on 3.13); "
            f"this is {sys.version.split()[0]}. Run this file with python3.11 or python3.12."
        )


def _ensure_env() -> None:
    """Create the virtualenv and install the project (again when pyproject.toml changes)."""
    _python_ok()
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not PY.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not STAMP.exists() or STAMP.read_text() != wanted:
        print("installing GridGov and its dependencies …", flush=True)
        subprocess.run([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(PY), "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]"], check=True)
        STAMP.write_text(wanted)


def _run(args: list[str], env: dict[str, str] | None = None) -> int:
    return subprocess.call(args, cwd=ROOT, env={**os.environ, **(env or {})})


def demo(extra: list[str]) -> int:
    _ensure_env()
    gridgov = [str(PY), "-m", "api.cli"]
    code = _run(gridgov + ["demo"])
    if code:
        return code
    print("GraphiQL: http://127.0.0.1:8000/graphql", flush=True)
    return _run(gridgov + ["serve", *extra])


def test(extra: list[str]) -> int:
    _ensure_env()
    return _run([str(PY), "-m", "pytest", *extra])


def main() -> int:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    raise SystemExit(main())
