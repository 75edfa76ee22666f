"""What an account may see: the one place that decides scope (SPEC §5).

Every query, connection, ``node``, mutation, subscription and count filters through
a ``Scope``; resolvers never reinvent it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute

from domain.enums import AccountRole


@dataclass(frozen=True, slots=True)
class Scope:
    """``area_paths`` are the materialised paths of the subtrees visible to the account;
    ``("/",)`` means everything, ``()`` nothing by area (officers, enterprises and partners
    see through ``department_id``, ``enterprise_id`` or granted areas instead)."""

    account_id: int | None
    role: AccountRole | None
    area_paths: tuple[str, ...] = ()
    department_id: int | None = None
    enterprise_id: int | None = None
    member_id: int | None = None
    read_only: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def sees_all(self) -> bool:
        return "/" in self.area_paths

    def covers_path(self, path: str | None) -> bool:
        return path is not None and any(path.startswith(p) for p in self.area_paths)

    def area_clause(self, path_column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        """SQL: the row's area path lies in one of the visible subtrees."""
        if self.sees_all:
            return true()
        if not self.area_paths:
            return false()
        return or_(*(path_column.like(f"{p}%") for p in self.area_paths))


# The system itself (CLI, sweeper, demo loader): sees and may change everything.
SYSTEM = Scope(account_id=None, role=AccountRole.ADMIN, area_paths=("/",))
