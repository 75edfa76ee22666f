"""A mutation's use case: one transaction, expected failures as ``userErrors``.

Shared by the organisation and account mutations: the resolver decodes its input,
then hands ``run_use_case`` a function of (session, scope). A ``DomainError`` becomes
``userErrors`` (and the transaction rolls back); a unique constraint lost to a
concurrent writer (checked before, taken meanwhile) becomes ``CONFLICT`` instead of
an internal error; a transaction PostgreSQL aborted as a deadlock victim is run again
(``domain.db.in_transaction``); anything else is unexpected.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.context import Info
from api.errors import UserError, user_errors
from api.permissions import scope_of
from api.relay import expect_id
from domain.db import in_transaction
from domain.errors import DomainError
from domain.scope import Scope

log = logging.getLogger("gridgov.api")
T = TypeVar("T")

CONFLICT_MESSAGE = "数据已被他人同时修改（例如编码刚被占用），请刷新后重试"


def pk_of(gid: str, type_name: str, *, what: str, field: str) -> int:
    """The primary key behind a global id of ``type_name``; anything else — not one of
    our ids, or an id of another type — is as unknown as a missing row: ``NOT_FOUND``."""
    pk = expect_id(gid, type_name)
    if pk is None:
        raise DomainError("NOT_FOUND", f"{what}不存在", field)
    return pk


async def run_use_case(
    info: Info, action: Callable[[AsyncSession, Scope], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """One use case in one transaction; expected failures come back as user errors."""
    scope = scope_of(info)  # not logged in: a top-level UNAUTHENTICATED error
    try:
        result = await in_transaction(info.context.write, lambda session: action(session, scope))
    except DomainError as exc:
        return None, user_errors(exc)
    except IntegrityError as exc:
        log.info("integrity conflict in mutation: %s", type(exc.orig).__name__)
        return None, [UserError(field=None, code="CONFLICT", message=CONFLICT_MESSAGE)]
    info.context.loaders.clear()  # what this request loaded before may have changed
    return result, []
