"""Authentication of a request: the bearer token → the caller's ``Scope`` on the context.

HTTP: ``Authorization: Bearer <token>``. WebSocket (graphql-transport-ws): the
``connection_init`` payload ``{"Authorization": "Bearer <token>"}`` (or the
handshake's header, for server-to-server clients). A token is either a JWT from
``login`` or a partner API token (``ggp_…``).

A missing token leaves the context anonymous; a bad one (expired, revoked, forged)
also leaves it anonymous and records why, so the ``UNAUTHENTICATED`` error can say
so. Nothing here raises into the request: the operation gate answers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from api.context import Context
from domain.accounts import service as accounts
from domain.accounts.tokens import TokenError
from domain.db import utcnow

log = logging.getLogger("gridgov.auth")

_MAX_TOKEN_LENGTH = 4096


def bearer(value: object) -> str | None:
    """``"Bearer abc"`` → ``"abc"``; anything else → ``None``."""
    if not isinstance(value, str):
        return None
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    return token


def bearer_from_headers(headers: Mapping[str, str] | None) -> str | None:
    if headers is None:
        return None
    return bearer(headers.get("authorization"))


def bearer_from_params(params: Mapping[str, Any] | None) -> str | None:
    if not isinstance(params, Mapping):
        return None
    for key in ("Authorization", "authorization"):
        if key in params:
            return bearer(params[key])
    return None


async def authenticate(ctx: Context, raw: str | None) -> bool:
    """Set ``ctx.scope`` from a raw bearer token; ``False`` if one was given and refused."""
    ctx.scope = None
    ctx.auth_error = None
    ctx.extra.pop("auth_expires_at", None)
    if raw is None:
        return True
    try:
        async with ctx.read() as session:
            who = await accounts.authenticate(session, raw, settings=ctx.settings)
    except TokenError as exc:
        ctx.auth_error = exc.reason
        return False
    ctx.scope = who.scope
    ctx.extra["auth_expires_at"] = who.expires_at
    ctx.extra["account"] = who.account
    if who.touch_api_token and who.api_token_id is not None:
        try:
            async with ctx.write.begin() as session:
                await accounts.touch_api_token(session, who.api_token_id)
        except Exception:  # noqa: BLE001 — bookkeeping must not fail the request
            log.warning("could not record API token use", exc_info=True)
    return True


def still_valid(ctx: Context) -> bool:
    """For long-lived connections: the token seen at connect time has not expired.
    (Revocation of open subscriptions is checked by the subscription loop.)"""
    expires = ctx.extra.get("auth_expires_at")
    if ctx.scope is not None and expires is not None and expires <= utcnow():
        ctx.scope = None
        ctx.auth_error = "登录已过期，请重新登录"
        return False
    return True
