"""The audit log: every write and every policy change, with before/after (SPEC §5).

Call ``record`` inside the use case's transaction, so the entry commits (or rolls
back) with the change it describes::

    async with ctx.write.begin() as session:
        before = audit.snapshot(member)
        ...change member...
        await audit.record(session, actor=scope, action="member.update",
                           object_type="Member", object_id=member.id,
                           before=before, after=audit.snapshot(member))

``before``/``after`` never hold personal data in the clear: encrypted columns and
look-up hashes are dropped, secrets redacted, phone-like fields masked, and every
string scrubbed of resident IDs and phone numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.models import AuditEntry, PersonalDataAccess
from domain.personal_data import mask_phone, mask_resident_id, scrub
from domain.scope import Scope

REDACTED = "[已隐藏]"
_SECRET_KEYS = ("password", "secret", "token")
_PHONE_KEYS = ("phone", "mobile", "tel")
_ID_KEYS = ("resident_id", "id_number", "id_card", "residentid")


def _is_dropped(key: str) -> bool:
    k = key.lower()
    return k.endswith("_cipher") or k.endswith("_hash")


def mask_value(key: str, value: Any) -> Any:
    """One JSON value under ``key``, with personal data masked."""
    k = key.lower()
    if value is None:
        return None
    if any(s in k for s in _SECRET_KEYS):
        return REDACTED
    if isinstance(value, Mapping):
        return mask_document(value)
    if isinstance(value, (list, tuple)):
        return [mask_value(key, v) for v in value]
    if isinstance(value, str):
        if any(s in k for s in _ID_KEYS):
            return mask_resident_id(value)
        if any(s in k for s in _PHONE_KEYS):
            return mask_phone(value)
        return scrub(value)
    return value


def mask_document(doc: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if doc is None:
        return None
    return {str(k): mask_value(str(k), v) for k, v in doc.items() if not _is_dropped(str(k))}


def _json_safe(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    return value


def snapshot(obj: Any, *, fields: Iterable[str] | None = None, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """A JSON-safe dict of a model's column values (for ``before``/``after``).

    Encrypted columns and hashes are left out; ``record`` masks what remains."""
    mapper = sa_inspect(type(obj))
    names = list(fields) if fields is not None else [c.key for c in mapper.column_attrs]
    skip = set(exclude) | {"created_at", "updated_at"}
    return {
        n: _json_safe(getattr(obj, n))
        for n in names
        if n not in skip and not _is_dropped(n)
    }


async def record(
    session: AsyncSession,
    *,
    actor: Scope,
    action: str,
    object_type: str,
    object_id: int | str | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    request_id: str | None = None,
) -> AuditEntry:
    """Append one audit entry in the caller's transaction (flushes, never commits)."""
    entry = AuditEntry(
        account_id=actor.account_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=mask_document(_json_safe(before)) if before is not None else None,
        after=mask_document(_json_safe(after)) if after is not None else None,
        request_id=request_id,
    )
    session.add(entry)
    await session.flush()
    return entry


async def record_personal_reads(session: AsyncSession, reads: list[dict[str, Any]]) -> None:
    """The PIPL access log: one row per full-value read (``account_id``, ``subject_type``,
    ``subject_id``, ``field``), written in one statement."""
    if not reads:
        return
    await session.execute(insert(PersonalDataAccess), reads)
