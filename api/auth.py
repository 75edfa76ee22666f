"""Authentication of a request: the bearer token → the caller's ``Scope`` on the context.

HTTP: ``Authorization: Bearer <token>``. WebSocket (graphql-transport-ws): the
``connection_init`` payload ``{"Authorization": "Bearer <token>"}`` (or the
handshake's header, for server-to-server clients). A token is either a JWT from
``login`` or a partner API token (``ggp_…``).

A missing token leaves the context anonymous; a bad one (expired, revoked, forged)
also leaves it anonymous and records why, so the ``UNAUTHENTICATED`` error can say
so. Nothing here raises into the request: the operation gate answers.

HTTP requests authenticate once each. A WebSocket authenticates at connect and then
again before every operation it carries (``recheck``, called by ``api.websocket``):
the same look-up as a request, so a revoked session, a deactivated account or a
revoked API token stops the socket at its next operation, and a moved member's
scope follows them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
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
    ctx.extra.pop("auth_token", None)
    if raw is None:
        return True
    cache = ctx.auth_cache
    who = cache.get(raw) if cache is not None else None
    try:
        if who is not None:
            # Answered within the last second (``domain.accounts.auth_cache``); expiry is
            # still checked now.
            accounts.check_not_expired(raw, who, settings=ctx.settings)
        else:
            read_at = cache.now() if cache is not None else 0.0
            async with ctx.read() as session:
                who = await accounts.authenticate(session, raw, settings=ctx.settings)
            if cache is not None:
                cache.put(raw, replace(who, touch_api_token=False), read_at=read_at)
    except TokenError as exc:
        ctx.auth_error = exc.reason
        return False
    _accept(ctx, raw, who)
    if who.touch_api_token and who.api_token_id is not None:
        try:
            async with ctx.write.begin() as session:
                await accounts.touch_api_token(session, who.api_token_id)
        except Exception:  # noqa: BLE001 — bookkeeping must not fail the request
            log.warning("could not record API token use", exc_info=True)
    return True


def _accept(ctx: Context, raw: str, who: accounts.Authenticated) -> None:
    ctx.scope = who.scope
    ctx.auth_error = None
    ctx.extra["auth_expires_at"] = who.expires_at
    ctx.extra["account"] = who.account
    ctx.extra["auth_token"] = raw  # long-lived connections re-check it (``recheck``)


async def recheck(ctx: Context) -> bool:
    """For long-lived connections, before each operation: is the token accepted at connect
    still good — not expired, not revoked (``token_generation``), the account (and an API
    token) still active? Re-reads the account and its scope (one statement, two for
    partners), so the scope follows the account's links too. ``False`` leaves the
    context anonymous with the reason in ``auth_error``; an anonymous connection stays
    as it is (``True``: its operations are refused by the gate unless public)."""
    raw = ctx.extra.get("auth_token")
    if raw is None:
        return ctx.auth_error is None
    try:
        async with ctx.read() as session:
            who = await accounts.authenticate(session, raw, settings=ctx.settings)
    except TokenError as exc:
        ctx.scope = None
        ctx.auth_error = exc.reason
        ctx.extra.pop("auth_token", None)
        return False
    _accept(ctx, raw, who)  # one assignment each: operations running meanwhile see old or new
    return True


def still_valid(ctx: Context) -> bool:
    """The token accepted earlier has not expired (cheap, no database: the operation gate
    calls it for every operation; ``recheck`` also catches revocation)."""
    expires = ctx.extra.get("auth_expires_at")
    if ctx.scope is not None and expires is not None and expires <= utcnow():
        ctx.scope = None
        ctx.auth_error = "登录已过期，请重新登录"
        return False
    return True
