"""Errors as the API shows them: ``userErrors`` in payloads, coded top-level errors."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError, DomainErrors


@strawberry.type(description="用户可处理的错误")
class UserError:
    field: str | None = strawberry.field(description="出错的输入字段")
    code: str = strawberry.field(description="稳定的错误代码，如 NOT_FOUND、INVALID")
    message: str = strawberry.field(description="错误说明（中文）")


def user_errors(exc: DomainError) -> list[UserError]:
    errors = exc.errors if isinstance(exc, DomainErrors) else [exc]
    return [UserError(field=e.field, code=e.code, message=e.message) for e in errors]


def coded_error(code: str, message: str, **extra: object) -> GraphQLError:
    """A top-level error with a machine-readable ``extensions.code``."""
    return GraphQLError(message, extensions={"code": code, **extra})
