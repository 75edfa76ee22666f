"""Control characters in string input, refused at the API edge.

PostgreSQL cannot store NUL (``\\u0000``) in text — asyncpg fails the statement with
"invalid byte sequence" — and no person types the other C0 control characters or an
unpaired UTF-16 surrogate (which has no UTF-8 form). So one check, before any
resolver runs, looks at every string of the request: the variables (nested inputs
and lists included) and every string literal of the document (arguments, input
objects, lists, variable defaults, directives). The first one holding such a
character answers one top-level ``INVALID`` error naming where it is
(``$input.title``, ``login.input.username``), never echoing the value.

Allowed: tab, line feed and carriage return (multi-line descriptions), and
everything from U+0020 up except the surrogates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
)

# C0 controls except \t \n \r, and unpaired surrogates (JSON "\ud800" decodes to one).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

MESSAGE = "输入含有不允许的控制字符（如 NUL \\u0000）：{path}；请删除后重试"


def has_forbidden(text: str) -> bool:
    return _FORBIDDEN.search(text) is not None


def _variable_strings(variables: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """``(path, string)`` of every string in the variables (keys included), iteratively —
    a deeply nested JSON value cannot exhaust the stack."""
    stack: list[tuple[str, Any]] = [(f"${name}", value) for name, value in reversed(list(variables.items()))]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, Mapping):
            for key, item in reversed(list(value.items())):
                key = str(key)
                yield f"{path}.{key}", key
                stack.append((f"{path}.{key}", item))
        elif isinstance(value, (list, tuple)):
            for i in range(len(value) - 1, -1, -1):
                stack.append((f"{path}[{i}]", value[i]))


def _value_strings(path: str, node: ValueNode) -> Iterator[tuple[str, str]]:
    stack: list[tuple[str, ValueNode]] = [(path, node)]
    while stack:
        p, v = stack.pop()
        if isinstance(v, StringValueNode):
            yield p, v.value
        elif isinstance(v, ObjectValueNode):
            for f in reversed(v.fields):
                stack.append((f"{p}.{f.name.value}", f.value))
        elif isinstance(v, ListValueNode):
            for i in range(len(v.values) - 1, -1, -1):
                stack.append((f"{p}[{i}]", v.values[i]))


def _arguments(path: str, args: tuple[ArgumentNode, ...] | None) -> Iterator[tuple[str, str]]:
    for arg in args or ():
        yield from _value_strings(f"{path}.{arg.name.value}", arg.value)


def _directives(path: str, directives: tuple[DirectiveNode, ...] | None) -> Iterator[tuple[str, str]]:
    for d in directives or ():
        yield from _arguments(f"{path}@{d.name.value}", d.arguments)


def _document_strings(document: DocumentNode) -> Iterator[tuple[str, str]]:
    """``(path, string)`` of every string literal; the path is the response path of the
    field (alias or name) and the argument, ``field.argument.inputField[0]``."""
    pending: list[tuple[str, SelectionSetNode | None]] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for var in definition.variable_definitions or ():
                if var.default_value is not None:
                    yield from _value_strings(f"${var.variable.name.value}", var.default_value)
            yield from _directives("", definition.directives)
            pending.append(("", definition.selection_set))
        elif isinstance(definition, FragmentDefinitionNode):
            yield from _directives(definition.name.value, definition.directives)
            pending.append((definition.name.value, definition.selection_set))
    while pending:
        prefix, sel_set = pending.pop()
        if sel_set is None:
            continue
        for sel in sel_set.selections:
            if isinstance(sel, FieldNode):
                name = (sel.alias or sel.name).value
                path = f"{prefix}.{name}" if prefix else name
                yield from _arguments(path, sel.arguments)
                yield from _directives(path, sel.directives)
                pending.append((path, sel.selection_set))
            elif isinstance(sel, InlineFragmentNode):
                yield from _directives(prefix, sel.directives)
                pending.append((prefix, sel.selection_set))
            elif isinstance(sel, FragmentSpreadNode):
                yield from _directives(prefix, sel.directives)


def forbidden_input(
    document: DocumentNode, variables: Mapping[str, Any] | None, *, source: str | None = None
) -> str | None:
    """The path of the first string holding a forbidden character, or ``None``.

    ``source``: the text ``document`` was parsed from. Without a backslash in it no
    string literal can hold a character the text does not (escapes are the only way
    to write one), so a clean text spares the walk over the document."""
    for path, text in _variable_strings(variables or {}):
        if has_forbidden(text):
            return path
    if source is not None and "\\" not in source and not has_forbidden(source):
        return None
    for path, text in _document_strings(document):
        if has_forbidden(text):
            return path
    return None
