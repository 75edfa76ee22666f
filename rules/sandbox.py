"""Compiling a document in a child process with a time and a memory limit (issue 3).

durable_rules can spin forever holding the GIL (a node with more than 512
children), crash (a regex range of thousands of code points) or exhaust memory
while building a ruleset. The layout keeps documents inside its known limits,
but a new version is still compiled — and smoke-evaluated on its own tests,
on no facts and on every fact — in a child process first, before any server
process or the command line loads it: a document that hangs, crashes or fails
there is refused with :class:`rules.engine.PolicyCompileError` and never touches
the caller.

Run as ``python -m rules.sandbox MEMORY_MB`` with ``{"doc", "version"}`` on stdin;
it answers one JSON line ``{"ok": true}`` or ``{"ok": false, "error": "..."}``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent


def check_in_child(doc: dict[str, Any], *, version: int, timeout_s: float = 10, memory_mb: int = 512) -> None:
    """Compile and smoke-evaluate ``doc`` in a child process; raise ``PolicyCompileError`` unless it
    succeeded within ``timeout_s`` seconds and ``memory_mb`` MB of address space."""
    from rules.engine import PolicyCompileError

    payload = json.dumps({"doc": doc, "version": version}, ensure_ascii=False).encode("utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH")) if p)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "rules.sandbox", str(int(memory_mb))],
            input=payload,
            capture_output=True,
            timeout=timeout_s,
            env=env,
            cwd=str(_ROOT),
        )
    except subprocess.TimeoutExpired:
        raise PolicyCompileError(
            f"compiling the policy took longer than {timeout_s:g} s in the isolated compiler; it was not loaded"
        ) from None
    if proc.returncode < 0:
        try:
            name = signal.Signals(-proc.returncode).name
        except ValueError:
            name = str(-proc.returncode)
        raise PolicyCompileError(f"the isolated compiler crashed ({name}); the policy was not loaded")
    answer = _last_json_line(proc.stdout)
    if answer is None:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise PolicyCompileError(f"the isolated compiler failed: {detail[0]}")
    if not answer.get("ok"):
        raise PolicyCompileError(str(answer.get("error") or "the isolated compiler refused the policy"))


def _last_json_line(out: bytes) -> dict[str, Any] | None:
    for line in reversed(out.decode("utf-8", "replace").splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _sample_facts(kind: str) -> dict[str, Any]:
    """One value for every fact of ``kind`` (all present at once)."""
    from rules.codec import nest
    from rules.facts import CATALOGUES

    flat: dict[str, Any] = {}
    for fact in CATALOGUES[kind].values():
        if fact.type in ("number", "integer"):
            flat[fact.path] = fact.minimum if fact.minimum is not None else 1
        elif fact.type == "boolean":
            flat[fact.path] = True
        elif fact.type == "enum":
            flat[fact.path] = (fact.values or ("",))[0]
        elif fact.type == "string-list":
            flat[fact.path] = ["x"]
        else:
            flat[fact.path] = "x"
    return nest(flat)


def _child(memory_mb: int) -> dict[str, Any]:
    import resource

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from rules.clock import SHANGHAI, parse_instant
    from rules.engine import compile_policy

    data = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    doc, version = data["doc"], data["version"]
    policy = compile_policy(doc, version=version)
    try:
        now = datetime.now(SHANGHAI)
        cases: list[tuple[str, Any, datetime]] = [("no facts", {}, now), ("every fact", _sample_facts(doc["kind"]), now)]
        for test in doc.get("tests") or []:
            at = parse_instant(test["now"]) if "now" in test else now
            cases.append((f"test {test.get('name')!r}", test.get("facts") or {}, at))
        for label, facts, at in cases:
            decision = policy.decide(facts, at)
            if decision.fallback:
                return {"ok": False, "error": f"the engine failed on {label}: {decision.error}"}
    finally:
        policy.close()
    return {"ok": True}


def main(argv: list[str]) -> int:
    memory_mb = int(argv[1]) if len(argv) > 1 else 512
    try:
        answer = _child(memory_mb)
    except MemoryError:
        answer = {"ok": False, "error": f"compiling the policy needs more than {memory_mb} MB; it was not loaded"}
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises
        answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
