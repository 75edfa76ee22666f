"""Who is asking: the caller's scope, for every resolver.

``scope_of(info)`` is the single entry point resolvers use. The scope is built once
per request from the bearer token (``api.auth``) and cached on the context; without
one, ``scope_of`` fails closed with a top-level ``UNAUTHENTICATED`` error (the
operation gate in ``api.hardening`` normally answers before any resolver runs).

Reads filter with the scope (``scope.area_clause(Model.area_path)``,
``scope.area_id_clause(Model.area_id)``, ``scope.tree_clause(Area.path)``);
mutations call ``require_write(info, area_path)`` inside their ``try`` so a denial
becomes a ``FORBIDDEN`` or ``NOT_FOUND`` user error.
"""

from __future__ import annotations

from collections.abc import Collection

from graphql import GraphQLError

from api.context import Info
from api.errors import coded_error
from domain.enums import AccountRole
from domain.scope import FORBIDDEN_MESSAGE, ORG_WRITERS, Scope

UNAUTHENTICATED_MESSAGE = "未登录或登录已失效，请重新登录"


def unauthenticated(reason: str | None = None) -> GraphQLError:
    return coded_error("UNAUTHENTICATED", reason or UNAUTHENTICATED_MESSAGE)


def scope_of(info: Info) -> Scope:
    scope = info.context.scope
    if not isinstance(scope, Scope):
        raise unauthenticated(info.context.auth_error)
    return scope


def require_role(info: Info, *roles: AccountRole) -> Scope:
    """For queries a role may not use at all: a top-level ``FORBIDDEN`` error."""
    scope = scope_of(info)
    if scope.role not in roles:
        raise coded_error("FORBIDDEN", FORBIDDEN_MESSAGE)
    return scope


def require_write(
    info: Info,
    area_path: str | None,
    *,
    area_itself: bool = False,
    roles: Collection[AccountRole] = ORG_WRITERS,
) -> Scope:
    """For mutations: raises ``DomainError`` (``NOT_FOUND`` outside the scope, ``FORBIDDEN``
    for a role that may not change it) — the mutation turns it into ``userErrors``.

    ``area_path`` is the object's area path (for a new object, where it is created;
    ``None`` for district-wide objects); ``area_itself`` when the object *is* an area.
    By default only ADMIN (anywhere) and PARK_ADMIN (inside their park) write; pass
    ``roles`` to widen it (e.g. grid staff reporting an incident in their grid).
    """
    scope = scope_of(info)
    scope.check_write(area_path, area_itself=area_itself, roles=roles)
    return scope
