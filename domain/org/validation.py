"""Checks shared by the organisation's use cases: input formats, look-ups, scope.

Field names in errors are the input fields of the API contract (``creditCode``,
``parentId``); messages are Chinese, for the person at the screen.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import LABELS
from domain.errors import DomainError, DomainErrors
from domain.identifiers import credit_code_error, mobile_error
from domain.org.models import Area, Department
from domain.scope import Scope

T = TypeVar("T")


class _Keep:
    """Marks an update argument the caller did not give: keep the stored value."""

    _instance: _Keep | None = None

    def __new__(cls) -> _Keep:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "KEEP"

    def __bool__(self) -> bool:
        return False


KEEP: Any = _Keep()

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")
_SERVICE_PHONE = re.compile(r"\d{3,8}")  # 12345-style short numbers


def label(value: str) -> str:
    return LABELS.get(value, value)


class Problems:
    """Collects every field problem of one input, then raises them together."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def add(self, field: str | None, message: str, code: str = "INVALID") -> None:
        self.errors.append(DomainError(code, message, field))

    def check(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DomainErrors(self.errors)

    # --- formats ----------------------------------------------------------------

    def code(self, value: str, field: str = "code", what: str = "编码") -> str:
        value = value.strip()
        if not _CODE.fullmatch(value):
            self.add(field, f"{what}“{value}”无效：1–32位字母、数字、下划线、点或连字符，以字母或数字开头")
        return value

    def text(self, value: str, field: str, what: str, *, max_len: int, required: bool = True) -> str:
        value = value.strip()
        if required and not value:
            self.add(field, f"{what}不能为空")
        elif len(value) > max_len:
            self.add(field, f"{what}不能超过{max_len}个字")
        return value

    def optional_text(self, value: str | None, field: str, what: str, *, max_len: int) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if len(value) > max_len:
            self.add(field, f"{what}不能超过{max_len}个字")
        return value or None

    def mobile(self, value: str | None, field: str = "phone") -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        error = mobile_error(value)
        if error:
            self.add(field, f"手机号码“{value}”无效：{error}")
        return value

    def contact_phone(self, value: str | None, field: str) -> str | None:
        """A mobile number or a landline with its area code (``025-12345678``)."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        if _LANDLINE.fullmatch(value):
            return value
        error = mobile_error(value)
        if error:
            self.add(field, f"联系电话“{value}”无效：应为手机号码或带区号的固定电话（{error}）")
        return value

    def service_phone(self, value: str | None, field: str) -> str | None:
        """A centre's phone: landline, mobile or short service number."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not (_LANDLINE.fullmatch(value) or _SERVICE_PHONE.fullmatch(value) or mobile_error(value) is None):
            self.add(field, f"服务电话“{value}”无效：应为带区号的固定电话、手机号码或服务短号")
        return value

    def credit_code(self, value: str, field: str = "creditCode") -> str:
        value = value.strip()
        error = credit_code_error(value)
        if error:
            self.add(field, error)
        return value

    def non_negative(self, value: Any, field: str, what: str) -> Any:
        if value is not None and value < 0:
            self.add(field, f"{what}不能为负数")
        return value

    def amount(self, value: Any, field: str, what: str, *, digits: int = 16, places: int = 2) -> Decimal | None:
        """A money amount for a ``Numeric(digits, places)`` column: finite, not negative,
        at most ``digits - places`` digits before the point; rounded to ``places``
        (half up, as PostgreSQL would — SQLite would not, so it is done here)."""
        if value is None:
            return None
        try:
            amount = Decimal(value) if not isinstance(value, Decimal) else value
        except (InvalidOperation, TypeError, ValueError):
            self.add(field, f"{what}须为数字")
            return None
        if not amount.is_finite():
            self.add(field, f"{what}须为有限的数字（不接受 NaN、Infinity）")
            return None
        if amount < 0:
            self.add(field, f"{what}不能为负数")
            return None
        limit = Decimal(10) ** (digits - places)
        try:
            rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        except InvalidOperation:  # far too many digits to quantize
            rounded = limit
        if rounded >= limit:
            self.add(field, f"{what}过大：须小于 {limit:,}")
            return None
        return abs(rounded) if rounded.is_zero() else rounded  # no "-0.00"


# --- scope and look-ups --------------------------------------------------------------


def not_found(what: str, field: str | None) -> DomainError:
    return DomainError("NOT_FOUND", f"{what}不存在", field)


def guard(scope: Scope, path: str | None, *, what: str, field: str | None, area_itself: bool = False) -> None:
    """May the caller change — or link to — an object at area ``path`` (``None``: district-wide)?

    ``Scope.check_write`` decides; an object outside the scope reads exactly like an
    unknown id (``NOT_FOUND`` naming ``what``), so its existence is not revealed.
    """
    try:
        scope.check_write(path, area_itself=area_itself)
    except DomainError as exc:
        if exc.code == "NOT_FOUND":
            raise not_found(what, field) from None
        raise DomainError(exc.code, exc.message, field) from None


async def fetch(
    session: AsyncSession,
    model: type[T],
    pk: int | None,
    *,
    what: str,
    field: str | None,
    lock: bool = False,
) -> T:
    """The row, or ``NOT_FOUND`` naming ``what`` (wrong or unknown ids look the same)."""
    row = None
    if pk is not None:
        stmt = select(model).where(model.id == pk)  # type: ignore[attr-defined]
        if lock:
            stmt = stmt.with_for_update()
        row = await session.scalar(stmt)
    if row is None:
        raise not_found(what, field)
    return row


async def area_path(session: AsyncSession, area_id: int | None) -> str | None:
    return await session.scalar(select(Area.path).where(Area.id == area_id)) if area_id is not None else None


async def department_path(session: AsyncSession, department: Department) -> str | None:
    """Where a department sits for scope: its park's path; ``None`` for a district department."""
    return await area_path(session, department.park_id)
