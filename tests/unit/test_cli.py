"""The ``gridgov`` command line refuses bad arguments with a message, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from api.cli import main


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, timeout=120,
        env={"GRIDGOV_DATABASE_URL": "sqlite+aiosqlite:////nonexistent/never-opened.db", "PATH": ""},
    )


def test_sla_sweep_with_a_bad_time_says_so() -> None:
    done = _run("sla", "sweep", "--now", "garbage")
    assert done.returncode == 2
    assert "--now 'garbage'" in done.stderr and "Traceback" not in done.stderr


def test_downgrade_needs_an_explicit_revision() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["db", "downgrade"])
    assert exc.value.code == 2


def test_schema_prints_the_sdl(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    assert "type Query" in out and "reportIncident" in out
