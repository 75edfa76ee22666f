"""Depth, alias and cost limits of a GraphQL operation (SPEC §5).

- **Depth and alias limits** are one validation rule class (``make_limits_rule``), built
  once per schema and added through an ``AddValidationRules`` factory that always
  passes the *same* class: the validation cache keys on the rules tuple, so it keeps
  hitting (a fresh rule class per request — what ``QueryDepthLimiter`` does when
  passed as a factory — turns it off; strawberry #4635, NOTES.md).
- **Cost** needs the variables (``first: $n``), so it is estimated per request by
  the operation gate before execution (``cost_of``): each field costs 1,
  multiplied by the page size (``first``/``last``, 20 when absent, at most
  ``relay.MAX_PAGE``) of every enclosing connection and by the number of ``ids`` of
  ``nodes``. Linear time: fragment costs are memoised (cost is linear in the multiplier).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_operation_ast,
)

from api.relay import DEFAULT_PAGE, MAX_PAGE

_INTROSPECTION = ("__schema", "__type")
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


# Costs of operations whose cost does not depend on their variables (no ``first: $n``,
# no ``ids: $ids``), per schema, by document text and operation name: the same mutation
# sent again needs no walk. Bounded like the parser cache.
_CONSTANT_COSTS: WeakKeyDictionary[GraphQLSchema, OrderedDict[tuple[str, str | None], int]] = WeakKeyDictionary()
_CONSTANT_COSTS_SIZE = 512


def cost_of(
    schema: GraphQLSchema,
    query: str | None,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> int:
    """The estimated number of fields the operation resolves (``estimate_cost``),
    remembered per document text when no variable entered it.
    ``query`` must be the text ``document`` was parsed from (``None``: not remembered)."""
    memo = _CONSTANT_COSTS.get(schema)
    if memo is None:
        memo = _CONSTANT_COSTS.setdefault(schema, OrderedDict())
    key = (query, operation_name) if query is not None else None
    if key is not None and (known := memo.get(key)) is not None:
        memo.move_to_end(key)
        return known
    cost, used_variables = estimate_cost(schema, document, operation_name, variables)
    if key is not None and not used_variables:
        memo[key] = cost
        while len(memo) > _CONSTANT_COSTS_SIZE:
            memo.popitem(last=False)
    return cost


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> tuple[int, bool]:
    """The estimated number of fields the operation resolves (see module docstring), and
    whether a variable's value entered it."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0, False
    variables = _Watched(variables or {})
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
        cost = unit_cost(operation.selection_set, root, frozenset())
    except _TooComplex:
        cost = 10**9
    return cost, variables.read


class _Watched(dict[str, Any]):
    """The variables, noting whether any was looked up (``get``: how the cost reads them)."""

    read = False

    def get(self, key: str, default: Any = None) -> Any:
        self.read = True
        return super().get(key, default)


class _TooComplex(Exception):
    pass
