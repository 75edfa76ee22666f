"""GraphQL hardening (SPEC §5): limits, the operation gate, error hygiene, body size, log scrubbing.

- **Depth and alias limits** are one validation rule class (``LimitsRule``), built
  once per schema and added through an ``AddValidationRules`` factory that always
  passes the *same* class: the validation cache keys on the rules tuple, so it keeps
  hitting (a fresh rule class per request — what ``QueryDepthLimiter`` does when
  passed as a factory — turns it off; strawberry #4635, NOTES.md).
- **Cost** needs the variables (``first: $n``), so it is estimated per request by
  the ``OperationGate`` before execution: each field costs 1, multiplied by the page
  size (``first``/``last``, 20 when absent, at most ``relay.MAX_PAGE``) of every
  enclosing connection and by the number of ``ids`` of ``nodes``. Linear time:
  fragment costs are memoised (cost is linear in the multiplier).
- **Authentication**: the gate answers ``UNAUTHENTICATED`` for any operation that
  selects a top-level field other than ``login`` (and ``__typename``/introspection).
- **Errors**: every error leaves with ``extensions.code`` (validation errors
  ``GRAPHQL_VALIDATION_FAILED``, syntax ``GRAPHQL_PARSE_FAILED``, unexpected ones
  ``INTERNAL_SERVER_ERROR`` — masked in production) and its message scrubbed of
  resident IDs and phone numbers.
- **Request size**: ``BodySizeLimit`` (ASGI) answers 413 above the limit; the token
  limit bounds the parser.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLInterfaceType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_operation_ast,
)
from strawberry.extensions import AddValidationRules, MaskErrors, MaxTokensLimiter, SchemaExtension

from api.auth import still_valid
from api.relay import DEFAULT_PAGE, MAX_PAGE
from domain.personal_data import scrub
from domain.settings import Settings

log = logging.getLogger("gridgov.graphql")

# Top-level fields anyone may select without logging in.
PUBLIC_FIELDS = frozenset({"login", "__typename", "__schema", "__type"})
_INTROSPECTION = ("__schema", "__type")
MASKED_MESSAGE = "服务器内部错误，请稍后重试"
# Hard bound on AST nodes visited by the checks, whatever the document.
_MAX_VISITS = 100_000


# --- depth and aliases: one validation rule -----------------------------------------


def make_limits_rule(*, max_depth: int, max_aliases: int) -> type[ValidationRule]:
    """A validation rule class enforcing depth and alias limits on every operation,
    fragments expanded (memoised, so a document of fragments that spread each other
    repeatedly costs linear time)."""

    class LimitsRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            memo: dict[str, tuple[int, int]] = {}

            def measure(sel_set: SelectionSetNode | None, stack: frozenset[str]) -> tuple[int, int]:
                """(depth, aliases) of a selection set, fragments expanded."""
                if sel_set is None:
                    return 0, 0
                depth = aliases = 0
                for sel in sel_set.selections:
                    if isinstance(sel, FieldNode):
                        if sel.name.value in _INTROSPECTION:
                            continue
                        d, a = measure(sel.selection_set, stack)
                        depth = max(depth, d + 1)
                        aliases += a + (1 if sel.alias else 0)
                    elif isinstance(sel, InlineFragmentNode):
                        d, a = measure(sel.selection_set, stack)
                        depth, aliases = max(depth, d), aliases + a
                    elif isinstance(sel, FragmentSpreadNode):
                        name = sel.name.value
                        if name in stack:
                            continue  # a cycle: NoFragmentCyclesRule reports it
                        if name not in memo:
                            frag = self.context.get_fragment(name)
                            memo[name] = measure(frag.selection_set, stack | {name}) if frag else (0, 0)
                        d, a = memo[name]
                        depth, aliases = max(depth, d), aliases + a
                return depth, aliases

            depth, aliases = measure(node.selection_set, frozenset())
            if depth > max_depth:
                self.report_error(
                    GraphQLError(
                        f"查询嵌套过深：{depth} 层，上限 {max_depth} 层；请拆分查询",
                        node,
                        extensions={"code": "QUERY_TOO_DEEP", "depth": depth, "limit": max_depth},
                    )
                )
            if aliases > max_aliases:
                self.report_error(
                    GraphQLError(
                        f"别名过多：{aliases} 个，上限 {max_aliases} 个；批量获取请用 nodes(ids:)",
                        node,
                        extensions={"code": "TOO_MANY_ALIASES", "aliases": aliases, "limit": max_aliases},
                    )
                )

    return LimitsRule


# --- cost ------------------------------------------------------------------------------


def _int_arg(node: Any, variables: dict[str, Any], defaults: dict[str, Any]) -> int | None:
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, VariableNode):
        name = node.name.value
        value = variables.get(name, defaults.get(name))
        if isinstance(value, IntValueNode):
            return int(value.value)
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return None


def _list_len(node: Any, variables: dict[str, Any]) -> int | None:
    if isinstance(node, ListValueNode):
        return len(node.values)
    if isinstance(node, VariableNode):
        value = variables.get(node.name.value)
        return len(value) if isinstance(value, list) else None
    return None


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> int:
    """The estimated number of fields the operation resolves (see module docstring)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    variables = variables or {}
    defaults = {
        v.variable.name.value: v.default_value for v in operation.variable_definitions or () if v.default_value
    }
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    memo: dict[str, int] = {}
    visits = 0

    def factor(field: FieldNode, has_paging: bool) -> int:
        args = {a.name.value: a.value for a in field.arguments or ()}
        if "ids" in args:
            n = _list_len(args["ids"], variables)
            return max(n if n is not None else MAX_PAGE, 1)
        if not has_paging:
            return 1
        sizes = [_int_arg(args[k], variables, defaults) for k in ("first", "last") if k in args]
        sizes = [min(max(s, 0), MAX_PAGE) for s in sizes if s is not None]
        return max(min(sizes) if sizes else DEFAULT_PAGE, 1)

    def unit_cost(sel_set: SelectionSetNode | None, parent: GraphQLNamedType | None, stack: frozenset[str]) -> int:
        """Cost of a selection set under a multiplier of 1 (cost is linear in it)."""
        nonlocal visits
        if sel_set is None:
            return 0
        total = 0
        for sel in sel_set.selections:
            visits += 1
            if visits > _MAX_VISITS:
                raise _TooComplex
            if isinstance(sel, FieldNode):
                name = sel.name.value
                if name.startswith("__"):
                    continue
                field_def = (
                    parent.fields.get(name)
                    if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType))
                    else None
                )
                child_type = get_named_type(field_def.type) if field_def else None
                has_paging = field_def is not None and "first" in field_def.args
                total += 1
                if sel.selection_set is not None:
                    total += factor(sel, has_paging) * unit_cost(sel.selection_set, child_type, stack)
            elif isinstance(sel, InlineFragmentNode):
                cond = schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                total += unit_cost(sel.selection_set, cond, stack)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                frag = fragments.get(name)
                if frag is None or name in stack:
                    continue
                if name not in memo:
                    memo[name] = unit_cost(
                        frag.selection_set, schema.get_type(frag.type_condition.name.value), stack | {name}
                    )
                total += memo[name]
        return total

    root = schema.get_root_type(operation.operation)
    try:
        return unit_cost(operation.selection_set, root, frozenset())
    except _TooComplex:
        return 10**9


class _TooComplex(Exception):
    pass


def top_level_fields(document: DocumentNode, operation_name: str | None) -> set[str] | None:
    """Names of the fields an operation selects at its root (fragments expanded)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    names: set[str] = set()
    seen: set[str] = set()

    def walk(sel_set: SelectionSetNode) -> None:
        for sel in sel_set.selections:
            if isinstance(sel, FieldNode):
                names.add(sel.name.value)
            elif isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                seen.add(sel.name.value)
                frag = fragments.get(sel.name.value)
                if frag is not None:
                    walk(frag.selection_set)

    walk(operation.selection_set)
    return names


# --- the operation gate ---------------------------------------------------------------


def _error_result(message: str, code: str, **extensions: Any) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code, **extensions})])


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


class OperationGate(SchemaExtension):
    """Per request (a factory in ``extensions``): authentication and cost before
    execution. (Error codes and scrubbing happen in ``GridGovSchema``, which sees every
    result — including parse errors that escape the extension hooks.)"""

    def __init__(self, *, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        ctx = ec.context
        document = ec.graphql_document
        if document is not None and ec.result is None:
            denied = self._deny(ctx, document)
            if denied is not None:
                ec.result = denied
        yield

    def _deny(self, ctx: Any, document: DocumentNode) -> ExecutionResult | None:
        ec = self.execution_context
        if ctx is not None and hasattr(ctx, "scope"):
            still_valid(ctx)
            if ctx.scope is None:
                fields = top_level_fields(document, ec.operation_name) or set()
                if fields - PUBLIC_FIELDS:
                    reason = getattr(ctx, "auth_error", None) or "未登录或登录已失效，请重新登录"
                    return _error_result(reason, "UNAUTHENTICATED")
        cost = estimate_cost(ec.schema._schema, document, ec.operation_name, ec.variables)
        if cost > self.max_cost:
            return _error_result(
                f"查询过于复杂：估算需解析约 {cost} 个字段，上限 {self.max_cost}；"
                "请减小分页大小（first/last）或减少嵌套的列表",
                "QUERY_TOO_COMPLEX",
                cost=cost,
                limit=self.max_cost,
            )
        return None


def should_mask_error(error: GraphQLError) -> bool:
    """Production masks only the unexpected: an exception that is not a GraphQL error
    and carries no code. Validation errors, bad variables and coded errors pass."""
    if (error.extensions or {}).get("code"):
        return False
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


def extensions(settings: Settings | None) -> list[Any]:
    """The hardening extensions, in order (the gate before ``MaskErrors`` so that its
    after-hook sees errors already masked). Factories are per-request; the rules tuple
    handed to ``AddValidationRules`` is the same object every time (validation cache)."""
    s = settings or Settings()
    rules: list[Any] = [make_limits_rule(max_depth=s.query_max_depth, max_aliases=s.query_max_aliases)]
    if not s.introspection_enabled:
        rules.append(NoSchemaIntrospectionCustomRule)
    max_tokens, max_cost = s.query_max_tokens, s.query_max_cost
    result: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: AddValidationRules(rules),
        lambda: OperationGate(max_cost=max_cost),
    ]
    if s.mode == "production":
        result.append(lambda: MaskErrors(should_mask_error=should_mask_error, error_message=MASKED_MESSAGE))
    return result


# --- errors in the logs ----------------------------------------------------------------


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


# --- request size -------------------------------------------------------------------------


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


# --- personal data out of the logs -------------------------------------------------------

_installed = False


def _scrub_arg(arg: Any) -> Any:
    if isinstance(arg, (bool, float)) or (isinstance(arg, int) and abs(arg) < 10**10):
        return arg
    text = str(arg)
    clean = scrub(text)
    return arg if clean == text else clean


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask resident IDs and phone numbers in a log record's message, arguments and
    traceback, keeping the arguments when it can (formatters such as uvicorn's
    access log read them)."""
    try:
        original = record.getMessage()
    except Exception:  # noqa: BLE001 — a broken record is logging's business
        return record
    if scrub(original) != original:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_scrub_arg(a) for a in args)
        elif isinstance(args, dict):
            record.args = {k: _scrub_arg(v) for k, v in args.items()}
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        try:
            formatted = record.getMessage()
        except Exception:  # noqa: BLE001
            formatted = None
        if formatted is None or scrub(formatted) != formatted:
            record.msg, record.args = scrub(original), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    return record


class ScrubFilter(logging.Filter):
    """The same scrubbing as a filter, for handlers configured elsewhere."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


def install_log_scrubbing() -> None:
    """Scrub every log record of the process at creation (idempotent): no handler,
    logger or library can emit a resident ID or phone number."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
