"""The audit trail of the organisation's writes (SPEC §5: every write is audited).

Each use case of ``domain.org`` records exactly one entry, in its own transaction,
naming what it did (``area.create``, ``member.move`` …) and the object's state
before and after (``state``). ``domain.audit.service.record`` masks what needs it;
encrypted columns (phones) never appear, and an area's boundary — a GeoJSON
polygon, possibly large — is summarised as ``has_boundary``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import service as audit
from domain.org.models import Area
from domain.scope import Scope


def state(obj: Any, **extra: Any) -> dict[str, Any]:
    """A JSON-safe snapshot of an organisation object, with ``extra`` fields (a member's
    roles and duties)."""
    if isinstance(obj, Area):
        doc = audit.snapshot(obj, exclude=("boundary",))
        doc["has_boundary"] = obj.boundary is not None
    else:
        doc = audit.snapshot(obj)
    doc.update(extra)
    return doc


async def record(
    session: AsyncSession,
    scope: Scope,
    action: str,
    obj: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """One audit entry for ``obj`` (its class name is the object type); ``after``
    defaults to the object's current ``state``."""
    await audit.record(
        session,
        actor=scope,
        action=action,
        object_type=type(obj).__name__,
        object_id=obj.id,
        before=before,
        after=after if after is not None else state(obj),
    )
