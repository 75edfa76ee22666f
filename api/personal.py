"""Personal data on the way out (SPEC §5, PIPL): masked unless the role needs the full value,
and every full-value read logged.

Masked by default, full on request: a personal-data field takes ``reveal: Boolean =
false`` and its resolver calls ``await reveal_phone(info, "Member", member.id,
member.phone_cipher, area_path=grid_path, reveal=reveal)`` (or ``reveal_resident_id``)
and returns what it gives: the full value when asked for by a caller entitled to it —
with one row in ``personal_data_access`` — the masked value otherwise. Lists stay
masked, so only a deliberate look at one person's number is a logged access.

Who sees full values (docs/security.md):

- ADMIN — everywhere;
- PARK_ADMIN — subjects inside their park;
- GRID_LEADER — subjects inside their grid (they call their people);
- anyone — their own record (a member's own phone, an enterprise's own contact).

Viewers, policy editors, grid workers, officers, other enterprises and partners see
masked values. A subject whose area is unknown (``area_path=None``) is masked for all
but ADMIN and the subject itself (fail closed).

Access-log rows of one request are written in one statement (a DataLoader batches
them); if the log cannot be written the field fails instead of leaking unlogged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from strawberry.dataloader import DataLoader

from api.context import Context, Info
from api.permissions import scope_of
from domain.audit import service as audit
from domain.enums import AccountRole
from domain.personal_data import decrypt, mask_phone, mask_resident_id
from domain.scope import Scope

log = logging.getLogger("gridgov.personal")

_FULL_IN_SCOPE = frozenset({AccountRole.PARK_ADMIN, AccountRole.GRID_LEADER})
_SELF_LINK = {"Member": "member_id", "Enterprise": "enterprise_id"}


def may_see_full(scope: Scope, *, subject_type: str, subject_id: int, area_path: str | None) -> bool:
    """The one rule for full values of personal data."""
    if scope.role is AccountRole.ADMIN and scope.sees_all:
        return True
    link = _SELF_LINK.get(subject_type)
    if link is not None and getattr(scope, link) == subject_id:
        return True
    if scope.role in _FULL_IN_SCOPE and not scope.read_only:
        return area_path is not None and scope.covers_path(area_path)
    return False


def _access_loader(ctx: Context) -> DataLoader[tuple[int | None, str, int, str], bool]:
    loader = ctx.extra.get("personal_access_log")
    if loader is None:

        async def write(keys: Sequence[tuple[int | None, str, int, str]]) -> list[bool]:
            rows = [
                {"account_id": a, "subject_type": t, "subject_id": s, "field": f} for a, t, s, f in keys
            ]
            async with ctx.write.begin() as session:
                await audit.record_personal_reads(session, rows)
            return [True] * len(keys)

        loader = DataLoader(load_fn=write)
        ctx.extra["personal_access_log"] = loader
    return loader


async def _reveal(
    info: Info,
    *,
    subject_type: str,
    subject_id: int,
    cipher: str | None,
    field: str,
    mask: Callable[[str], str],
    area_path: str | None,
    reveal: bool,
) -> str | None:
    if not cipher:
        return None
    try:
        value = decrypt(cipher)
    except Exception:  # noqa: BLE001 — a wrong key or a damaged value: show nothing, say why in the log
        log.warning("cannot decrypt %s of %s %s", field, subject_type, subject_id)
        return None
    scope = scope_of(info)
    if not reveal or not may_see_full(scope, subject_type=subject_type, subject_id=subject_id, area_path=area_path):
        return mask(value)
    await _access_loader(info.context).load((scope.account_id, subject_type, subject_id, field))
    return value


async def reveal_phone(
    info: Info,
    subject_type: str,
    subject_id: int,
    cipher: str | None,
    *,
    area_path: str | None = None,
    field: str = "phone",
    reveal: bool = False,
) -> str | None:
    """A phone number as this caller may see it (``138****5678``; full and logged only
    when ``reveal`` and the caller is entitled)."""
    return await _reveal(
        info, subject_type=subject_type, subject_id=subject_id, cipher=cipher, field=field,
        mask=mask_phone, area_path=area_path, reveal=reveal,
    )


async def reveal_resident_id(
    info: Info,
    subject_type: str,
    subject_id: int,
    cipher: str | None,
    *,
    area_path: str | None = None,
    field: str = "resident_id",
    reveal: bool = False,
) -> str | None:
    """A resident ID as this caller may see it (``3201**********1234``; full and logged
    only when ``reveal`` and the caller is entitled)."""
    return await _reveal(
        info, subject_type=subject_type, subject_id=subject_id, cipher=cipher, field=field,
        mask=mask_resident_id, area_path=area_path, reveal=reveal,
    )


__all__ = ["may_see_full", "reveal_phone", "reveal_resident_id"]
