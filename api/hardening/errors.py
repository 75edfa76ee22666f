"""Error hygiene: every error leaves with an ``extensions.code`` and a message free of
resident IDs and phone numbers; production masks only the unexpected; expected errors
are logged at DEBUG, unexpected ones at ERROR (scrubbed, with their traceback).

Codes given here: validation errors ``GRAPHQL_VALIDATION_FAILED``, syntax
``GRAPHQL_PARSE_FAILED``, too many tokens ``QUERY_TOO_LARGE``, a variable of the wrong
type ``BAD_USER_INPUT``, anything else unexpected ``INTERNAL_SERVER_ERROR``.
"""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError

from domain.personal_data import scrub

log = logging.getLogger("gridgov.graphql")

MASKED_MESSAGE = "服务器内部错误，请稍后重试"


def _code_for(error: GraphQLError) -> str:
    if error.message == MASKED_MESSAGE:
        return "INTERNAL_SERVER_ERROR"
    if error.original_error is None:
        if error.message.startswith("Syntax Error"):
            return "QUERY_TOO_LARGE" if "tokens" in error.message else "GRAPHQL_PARSE_FAILED"
        return "GRAPHQL_VALIDATION_FAILED"
    if isinstance(error.original_error, GraphQLError):
        return "BAD_USER_INPUT"  # e.g. a variable of the wrong type
    return "INTERNAL_SERVER_ERROR"


def finish_errors(errors: list[GraphQLError] | None) -> None:
    """Every error gets a code and a message free of resident IDs and phone numbers."""
    for error in errors or ():
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": _code_for(error)}
        clean = scrub(error.message)
        if clean != error.message:
            error.message = clean or ""


def should_mask_error(error: GraphQLError) -> bool:
    """Production masks only the unexpected: an exception that is not a GraphQL error
    and carries no code. Validation errors, bad variables and coded errors pass."""
    if (error.extensions or {}).get("code"):
        return False
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


class GridGovSchema(strawberry.Schema):
    """Every result leaves with coded, scrubbed errors (``finish_errors``). Logs only
    unexpected errors at ERROR; expected, coded ones (bad input, not logged in, limits)
    at DEBUG — they are the client's business, not an incident."""

    async def execute(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        result = await super().execute(*args, **kwargs)
        finish_errors(getattr(result, "errors", None))
        return result

    def execute_sync(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        result = super().execute_sync(*args, **kwargs)
        finish_errors(getattr(result, "errors", None))
        return result

    async def stream(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """WebSocket operations (graphql-transport-ws) and subscriptions."""
        result = await super().stream(*args, **kwargs)
        if hasattr(result, "__aiter__"):
            return _finished(result)
        finish_errors(getattr(result, "errors", None))
        return result

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            if should_mask_error(error):
                log.error("unexpected error: %s", error, exc_info=error.original_error)
            else:
                log.debug("client error: %s", error.message)


async def _finished(source: Any) -> Any:
    try:
        async for item in source:
            finish_errors(getattr(item, "errors", None))
            yield item
    finally:
        close = getattr(source, "aclose", None)
        if close is not None:
            await close()
