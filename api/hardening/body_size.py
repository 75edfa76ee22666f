"""Request size: an ASGI middleware that refuses a body above the limit with a 413 JSON
error before the application reads it (the token limit of the GraphQL parser bounds
the document itself; ``uvicorn --ws-max-size`` bounds WebSocket frames)."""

from __future__ import annotations

import json
from typing import Any


class BodySizeLimit:
    """ASGI middleware: a request body above ``max_bytes`` gets a 413 JSON error before the
    application reads it (declared ``Content-Length`` or counted while streaming)."""

    def __init__(self, app: Any, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", ()):
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes or declared < 0:
                    await self._reject(send)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], None, receive), send)

    async def _reject(self, send: Any) -> None:
        body = json.dumps(
            {
                "data": None,
                "errors": [
                    {
                        "message": f"请求体过大，上限 {self.max_bytes // 1024} KB",
                        "extensions": {"code": "REQUEST_TOO_LARGE", "limit": self.max_bytes},
                    }
                ],
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list[dict[str, Any]], first: dict[str, Any] | None, receive: Any) -> Any:
    pending = list(messages) + ([first] if first else [])

    async def replay() -> dict[str, Any]:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
