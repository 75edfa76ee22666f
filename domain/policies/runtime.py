"""The policies this process decides with, kept in step with the database.

Published versions live in ``policy_versions``; the active one of a kind is its
highest version. Each worker process holds a ``rules.engine.PolicyRegistry`` and
``refresh()``es it from the database — on start, after its own publishes, and
every second from a background task — so a publish takes effect in every worker
within two seconds without a restart. A new version is compiled in a child
process with time and memory limits before this process loads it
(``compile_isolated``), so a bad document cannot hang or crash a server; a
decision in flight finishes on the version it started with (the registry swaps
references atomically).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.enums import PolicyKind
from domain.personal_data import json_ready
from domain.policies.models import DecisionRecord, PolicyVersion
from rules.engine import Decision, PolicyRegistry

log = logging.getLogger(__name__)


def default_document(kind: PolicyKind) -> dict[str, Any]:
    text = resources.files("rules").joinpath("defaults", f"{kind.value}.json").read_text(encoding="utf-8")
    return json.loads(text)


async def ensure_defaults(session: AsyncSession) -> None:
    """Publish the bundled default of every kind that has no version yet (version 1)."""
    have = set((await session.scalars(select(PolicyVersion.kind).distinct())).all())
    for kind in PolicyKind:
        if kind not in have:
            session.add(
                PolicyVersion(
                    kind=kind, version=1, document=default_document(kind), comment="默认规则（随系统发布）"
                )
            )
    await session.flush()


async def active_versions(session: AsyncSession) -> dict[PolicyKind, int]:
    rows = await session.execute(
        select(PolicyVersion.kind, func.max(PolicyVersion.version)).group_by(PolicyVersion.kind)
    )
    return {PolicyKind(k): int(v) for k, v in rows.all()}


class PolicyRuntime:
    """One per process: the compiled active policies and how to keep them current."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sm = sessionmaker
        self.registry = PolicyRegistry()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._loaded = False

    async def refresh(self) -> None:
        async with self._lock:
            async with self._sm() as session:
                wanted = await active_versions(session)
                stale = {k: v for k, v in wanted.items() if self.registry.version(k.value) != v}
                docs = {}
                for kind, version in stale.items():
                    docs[kind] = await session.scalar(
                        select(PolicyVersion.document).where(
                            PolicyVersion.kind == kind, PolicyVersion.version == version
                        )
                    )
            for kind, doc in docs.items():
                # Compiling (in a child process first) is CPU work; keep the loop responsive.
                await asyncio.to_thread(self.registry.install, doc, stale[kind])
                log.info("policy %s now at version %s", kind.value, stale[kind])

    async def ensure_loaded(self) -> None:
        """Publish the bundled defaults if the database has none, and load the active
        versions — once. Servers do this on start (``start``); tests and scripts that
        never run the lifespan get it on first use."""
        if self._loaded:
            return
        try:
            async with self._sm.begin() as session:
                await ensure_defaults(session)
        except IntegrityError:
            pass  # another process published the defaults first
        await self.refresh()
        self._loaded = True

    async def start(self, interval: float = 1.0) -> None:
        """Load now, then follow publishes from any process."""
        await self.ensure_loaded()

        async def follow() -> None:
            while True:
                await asyncio.sleep(interval)
                try:
                    await self.refresh()
                except Exception:  # noqa: BLE001 — keep following; the next tick retries
                    log.exception("policy refresh failed")

        self._task = asyncio.create_task(follow())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            self._task = None

    def decide(self, kind: PolicyKind, facts: dict[str, Any], now: datetime) -> Decision:
        return self.registry.decide(kind.value, facts, now)


async def store_decision(
    session: AsyncSession, decision: Decision, *, subject_type: str, subject_id: int
) -> DecisionRecord:
    """Keep what was decided, from which facts, on which version."""
    record = DecisionRecord(
        kind=PolicyKind(decision.kind),
        policy_version=decision.version,
        subject_type=subject_type,
        subject_id=subject_id,
        outputs=decision.outputs,
        items=decision.items,
        fired_rules=list(decision.fired_rules),
        fallback=decision.fallback,
        error=decision.error,
        # Stored facts are served back (``decisions { facts }``): no ID or phone numbers.
        facts=json_ready(decision.facts, scrub_text=True),
        decided_at=decision.now,
    )
    session.add(record)
    await session.flush()
    return record
