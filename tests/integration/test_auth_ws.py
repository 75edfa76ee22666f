"""The WebSocket (graphql-transport-ws) keeps no token alive longer than the account's
sessions: revoked, deactivated or expired, the socket's next operation is refused with
UNAUTHENTICATED and the socket is closed (4401) — mutations included — and a socket
left open is closed by its watch without any operation (SPEC §5: a revoked or expired
token ends its open subscriptions)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.relay import to_global_id
from api.websocket import CLOSE_UNAUTHORIZED, GridGovTransportWSHandler
from domain.enums import AreaKind
from domain.org.models import Area
from domain.settings import Settings
from tests.conftest import GraphQLClient, make_account, token_for
from tests.factories import make_area

REVOKE_OWN = "mutation { revokeSessions(input: {}) { userErrors { code } } }"
SET_ACTIVE = (
    "mutation S($id: ID!) { setAccountActive(input: {accountId: $id, active: false}) { userErrors { code } } }"
)
AREA = "query($id: ID!) { area(id: $id) { name brand } }"
SET_BRAND = "mutation($id: ID!, $b: String) { updateArea(input: {id: $id, brand: $b}) { area { brand } userErrors { code } } }"


@asynccontextmanager
async def _socket(app: Any, token: str) -> AsyncIterator[AsyncWebSocketSession]:
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://test") as http:
        async with aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
            assert (await ws.receive_json())["type"] == "connection_ack"
            yield ws


async def _run(ws: AsyncWebSocketSession, op_id: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    await ws.send_json({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
    msg = await ws.receive_json(timeout=10)
    if msg["type"] == "next":
        assert (await ws.receive_json(timeout=10)) == {"id": op_id, "type": "complete"}
    return msg


async def _closed(ws: AsyncWebSocketSession) -> int:
    with pytest.raises(WebSocketDisconnect) as closed:
        await ws.receive_json(timeout=10)
    return closed.value.code


async def _admin(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> tuple[int, str, Area]:
    async with sessionmaker.begin() as session:
        account = await make_account(session, role="ADMIN")
        area = await make_area(session, kind=AreaKind.DISTRICT, brand="原品牌")
    return account.id, token_for(account, settings), area


async def test_revoked_sessions_end_the_socket_at_its_next_operation(
    app: Any, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    _, token, area = await _admin(sessionmaker, settings)
    area_id = to_global_id("Area", area.id)
    async with _socket(app, token) as ws:
        ok = await _run(ws, "1", AREA, {"id": area_id})
        assert ok["type"] == "next" and ok["payload"]["data"]["area"]["brand"] == "原品牌"

        assert (await GraphQLClient(client, token)(REVOKE_OWN))["revokeSessions"]["userErrors"] == []

        # The next operation — a mutation — is refused, nothing is written, the socket closes.
        refused = await _run(ws, "2", SET_BRAND, {"id": area_id, "b": "撤销后写入"})
        assert refused["type"] == "error" and refused["id"] == "2"
        assert [e["extensions"]["code"] for e in refused["payload"]] == ["UNAUTHENTICATED"]
        assert "登录已失效" in refused["payload"][0]["message"]
        assert await _closed(ws) == CLOSE_UNAUTHORIZED
    async with sessionmaker() as session:
        assert (await session.get(Area, area.id)).brand == "原品牌"  # type: ignore[union-attr]


async def test_a_deactivated_account_loses_its_socket(
    app: Any, gql: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    account_id, token, area = await _admin(sessionmaker, settings)
    async with _socket(app, token) as ws:
        assert (await _run(ws, "1", AREA, {"id": to_global_id("Area", area.id)}))["type"] == "next"
        off = await gql(SET_ACTIVE, {"id": to_global_id("Account", account_id)})
        assert off["setAccountActive"]["userErrors"] == []
        refused = await _run(ws, "2", "{ viewer { role } }")
        assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert await _closed(ws) == CLOSE_UNAUTHORIZED


async def test_an_open_socket_is_closed_by_its_watch_when_revoked(
    app: Any, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Open subscriptions end too: nothing needs to be sent for the socket to be closed.
    monkeypatch.setattr(GridGovTransportWSHandler, "recheck_seconds", 0.2)
    _, token, _ = await _admin(sessionmaker, settings)
    async with _socket(app, token) as ws:
        assert (await _run(ws, "1", "{ viewer { role } }"))["type"] == "next"
        await asyncio.sleep(0.5)  # still good: the watch keeps it open
        assert (await _run(ws, "2", "{ viewer { role } }"))["type"] == "next"
        assert (await GraphQLClient(client, token)(REVOKE_OWN))["revokeSessions"]["userErrors"] == []
        assert await _closed(ws) == CLOSE_UNAUTHORIZED


async def test_each_operation_reads_fresh_data(
    app: Any, gql: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    # Loaders start empty for every operation: a long-lived socket serves no stale objects.
    _, token, area = await _admin(sessionmaker, settings)
    area_id = to_global_id("Area", area.id)
    query = "query($id: ID!) { nodes(ids: [$id]) { ... on Area { brand } } }"
    async with _socket(app, token) as ws:
        assert (await _run(ws, "1", query, {"id": area_id}))["payload"]["data"]["nodes"] == [{"brand": "原品牌"}]
        await gql(SET_BRAND, {"id": area_id, "b": "新品牌"})
        assert (await _run(ws, "2", query, {"id": area_id}))["payload"]["data"]["nodes"] == [{"brand": "新品牌"}]
