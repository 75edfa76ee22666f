"""Who is asking: the caller's scope, for every resolver.

``scope_of(info)`` is the single entry point resolvers use. Until accounts and
bearer tokens land (access-control issue) it returns the system scope.
"""

from __future__ import annotations

from api.context import Info
from domain.scope import SYSTEM, Scope


def scope_of(info: Info) -> Scope:
    scope = info.context.extra.get("scope")
    return scope if isinstance(scope, Scope) else SYSTEM
