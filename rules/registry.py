"""Versions: the active compiled policy per kind, swapped atomically (POLICY.md "Lifecycle")."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from rules.decision import Decision
from rules.engine import CompiledPolicy, compile_isolated, compile_policy


class PolicyRegistry:
    """The active compiled policy of each kind, keyed by (kind, version), swapped atomically.

    ``install`` compiles the new version (in a child process first, unless
    ``isolate=False``), swaps it in, and retires the old one, which is freed once
    no decision is in flight on it: a decision that started on a version finishes
    on it.
    """

    def __init__(self, *, isolate: bool = True, timeout_s: float = 10, memory_mb: int = 512) -> None:
        self._isolate = isolate
        self._timeout_s = timeout_s
        self._memory_mb = memory_mb
        self._lock = threading.Lock()
        self._active: dict[str, CompiledPolicy] = {}

    def install(self, doc: dict[str, Any], version: int) -> CompiledPolicy:
        kind = doc["kind"]
        with self._lock:
            current = self._active.get(kind)
            if current is not None and current.version == version and current.document == doc:
                return current
        if self._isolate:
            new = compile_isolated(doc, version=version, timeout_s=self._timeout_s, memory_mb=self._memory_mb)
        else:
            new = compile_policy(doc, version=version)
        with self._lock:
            old = self._active.get(kind)
            self._active[kind] = new
        if old is not None and old is not new:
            old.close()
        return new

    def version(self, kind: str) -> int | None:
        with self._lock:
            policy = self._active.get(kind)
        return None if policy is None else policy.version

    def versions(self) -> dict[tuple[str, int], CompiledPolicy]:
        with self._lock:
            return {(p.kind, p.version): p for p in self._active.values()}

    @contextmanager
    def hold(self, kind: str) -> Iterator[CompiledPolicy]:
        """The active policy of ``kind``, kept alive (not freed by a swap) until the block ends;
        ``LookupError`` when none is installed."""
        with self._lock:
            policy = self._active.get(kind)
            if policy is None:
                raise LookupError(f"no {kind} policy is installed")
            policy._enter()
        try:
            yield policy
        finally:
            policy._exit()

    def decide(self, kind: str, facts: dict[str, Any], now: datetime) -> Decision:
        """Decide with the active version of ``kind`` (``LookupError`` when none is installed)."""
        with self.hold(kind) as policy:
            return policy.decide(facts, now)

    def close(self) -> None:
        with self._lock:
            policies = list(self._active.values())
            self._active.clear()
        for policy in policies:
            policy.close()
