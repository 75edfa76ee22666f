"""The WebSocket side of /graphql (graphql-transport-ws): a token is good for as long as
the account's sessions are.

A socket authenticates at ``connection_init`` (``GridGovGraphQL.on_ws_connect``). Then:

- **before every operation** (``subscribe`` message: queries, mutations and
  subscriptions alike) the token is checked again against the database
  (``api.auth.recheck``: expired, revoked by ``revokeSessions``/password change,
  account deactivated, API token revoked). If it no longer holds, the operation is
  refused with an ``error`` message (``extensions.code = UNAUTHENTICATED``, the
  reason in the message), every open operation is ended and the socket is closed
  with **4401**;
- **while the socket is open** a watch re-checks every ``recheck_seconds`` (30 s) and
  ends it the same way — so a revoked or expired token also ends subscriptions that
  are already running (SPEC §5), not only the next operation;
- each operation starts with empty DataLoaders: a long-lived socket does not serve
  objects cached by an earlier operation, and its memory does not grow with use.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage, SubscribeMessage

from api import auth
from api.context import Context
from api.permissions import UNAUTHENTICATED_MESSAGE

log = logging.getLogger("gridgov.ws")

CLOSE_UNAUTHORIZED = 4401
CLOSE_REASON = "Unauthorized: token expired or revoked"  # ASCII, well under the 123-byte limit


class GridGovTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    recheck_seconds: float = 30.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watch: asyncio.Task[None] | None = None
        self._ended = False

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._watch is None and self.context.extra.get("auth_token"):
            self._watch = asyncio.create_task(self._watch_token())

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self._ended:
            return
        if self.connection_acknowledged:
            if not await self._authorised():
                await self._end(refuse=message.get("id"))
                return
            self.context.loaders.clear()
        await super().handle_subscribe(message)

    async def shutdown(self) -> None:
        if self._watch is not None and self._watch is not asyncio.current_task():
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watch
        await super().shutdown()

    # --- the checks ----------------------------------------------------------------

    async def _authorised(self) -> bool:
        ctx = self.context
        had_token = ctx.extra.get("auth_token") is not None
        if not auth.still_valid(ctx):
            ctx.extra.pop("auth_token", None)
            return False
        try:
            return await auth.recheck(ctx)
        except Exception:  # noqa: BLE001 — cannot tell: fail closed, the client reconnects
            log.warning("could not re-check a WebSocket's token", exc_info=True)
            if had_token:
                ctx.scope = None
                ctx.auth_error = UNAUTHENTICATED_MESSAGE
            return False

    async def _watch_token(self) -> None:
        while not self._ended:
            await asyncio.sleep(self.recheck_seconds)
            if not await self._authorised():
                await self._end(refuse=None)
                return

    async def _end(self, *, refuse: str | None) -> None:
        """Refuse the operation ``refuse`` (if any), end every open one, close with 4401."""
        if self._ended:
            return
        self._ended = True
        reason = self.context.auth_error or UNAUTHENTICATED_MESSAGE
        with contextlib.suppress(Exception):
            if refuse is not None:
                await self.send_message(
                    {  # type: ignore[typeddict-item]
                        "id": refuse,
                        "type": "error",
                        "payload": [{"message": reason, "extensions": {"code": "UNAUTHENTICATED"}}],
                    }
                )
            for operation_id in list(self.operations):
                await self.cleanup_operation(operation_id)
            await self.websocket.close(code=CLOSE_UNAUTHORIZED, reason=CLOSE_REASON)
