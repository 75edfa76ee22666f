"""The operation gate: per request, before execution — authentication, string input,
cost (SPEC §5).

- **Authentication**: ``UNAUTHENTICATED`` for any operation that selects a top-level
  field other than ``login`` (and ``__typename``/introspection); a long-lived
  connection's token is checked for expiry here and for revocation before each of its
  operations (``api.websocket``).
- **String input**: a control character (NUL …) anywhere in the variables or the
  document's string literals is ``INVALID``, naming where (``text_input``).
- **Cost**: ``QUERY_TOO_COMPLEX`` above the limit (``limits.cost_of``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension

from api.auth import still_valid
from api.hardening import text_input
from api.hardening.limits import cost_of

# Top-level fields anyone may select without logging in.
PUBLIC_FIELDS = frozenset({"login", "__typename", "__schema", "__type"})


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


class OperationGate(SchemaExtension):
    """Per request (a factory in ``extensions``): authentication, string input and cost
    before execution. (Error codes and scrubbing happen in ``GridGovSchema``, which sees every
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
        bad = text_input.forbidden_input(document, ec.variables, source=ec.query)
        if bad is not None:
            return _error_result(text_input.MESSAGE.format(path=bad), "INVALID", field=bad)
        cost = cost_of(ec.schema._schema, ec.query, document, ec.operation_name, ec.variables)
        if cost > self.max_cost:
            return _error_result(
                f"查询过于复杂：估算需解析约 {cost} 个字段，上限 {self.max_cost}；"
                "请减小分页大小（first/last）或减少嵌套的列表",
                "QUERY_TOO_COMPLEX",
                cost=cost,
                limit=self.max_cost,
            )
        return None
