"""Every input type of the schema is built by ``api.inputs``' hook exactly as strawberry's
own conversion builds it: all fields given, only the required ones, and explicit nulls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    coerce_input_value,
)
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryObjectDefinition

from api.schema import schema

SAMPLES: dict[str, Any] = {
    "String": "文本", "Int": 3, "Float": 1.5, "Boolean": True, "ID": "QXJlYTox",
    "Decimal": "12.50", "DateTime": "2026-11-26T10:00:00+08:00", "Date": "2026-11-26",
    "JSON": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
}


def _inputs() -> list[tuple[str, StrawberryObjectDefinition]]:
    found = []
    for name, concrete in schema.schema_converter.type_map.items():
        d = concrete.definition
        if isinstance(d, StrawberryObjectDefinition) and d.is_input:
            found.append((name, d))
    return sorted(found, key=lambda x: x[0])


def _sample(gtype: Any, depth: int = 0) -> Any:
    if isinstance(gtype, GraphQLNonNull):
        return _sample(gtype.of_type, depth)
    if isinstance(gtype, GraphQLList):
        return [_sample(gtype.of_type, depth)]
    if isinstance(gtype, GraphQLEnumType):
        return next(iter(gtype.values))
    if isinstance(gtype, GraphQLScalarType):
        return SAMPLES[gtype.name]
    assert isinstance(gtype, GraphQLInputObjectType)
    return {name: _sample(f.type, depth + 1) for name, f in gtype.fields.items() if depth < 3 or isinstance(f.type, GraphQLNonNull)}


def _shapes(gtype: GraphQLInputObjectType) -> Iterator[dict[str, Any]]:
    everything = _sample(gtype)
    yield everything
    yield {k: v for k, v in everything.items() if isinstance(gtype.fields[k].type, GraphQLNonNull)}
    yield {k: (v if isinstance(gtype.fields[k].type, GraphQLNonNull) else None) for k, v in everything.items()}


@contextmanager
def _without_hooks() -> Iterator[None]:
    saved = [(d, d.from_input) for _, d in _inputs()]
    for d, _ in saved:
        d.from_input = None
    try:
        yield
    finally:
        for d, hook in saved:
            d.from_input = hook


def test_every_input_type_has_the_hook() -> None:
    assert _inputs() and all(d.from_input is not None for _, d in _inputs())


@pytest.mark.parametrize("name", [name for name, _ in _inputs()])
def test_the_hook_builds_what_strawberry_builds(name: str) -> None:
    definition = dict(_inputs())[name]
    gtype = schema._schema.type_map[name]
    assert isinstance(gtype, GraphQLInputObjectType)
    registry, config = schema.schema_converter.scalar_registry, schema.config
    for shape in _shapes(gtype):
        coerced = coerce_input_value(shape, gtype)
        built = convert_argument(coerced, definition.origin, registry, config)
        with _without_hooks():
            expected = convert_argument(coerced, definition.origin, registry, config)
        assert built == expected, (name, shape)
        assert type(built) is type(expected)
        # Lists are the request's own copies, as strawberry makes them (graphql-core
        # hands every request the same default list).
        for field in definition.fields:
            given = coerced.get(config.name_converter.from_field(field))
            if isinstance(given, list):
                assert getattr(built, field.python_name) is not given, (name, field.python_name)


@strawberry.input
class WithMaybe:
    name: strawberry.Maybe[str]
    count: int = 0


@strawberry.input
class Plain:
    name: str


@strawberry.type
class MaybeQuery:
    @strawberry.field
    def f(self, a: WithMaybe, b: Plain) -> int:
        return 1


def test_types_with_a_maybe_field_keep_strawberrys_own_conversion() -> None:
    """strawberry validates explicit nulls of ``Maybe`` fields only for types without a
    ``from_input`` hook: those types are left to it."""
    from api import inputs

    assert inputs.install(strawberry.Schema(query=MaybeQuery)) == 1
    assert WithMaybe.__strawberry_definition__.from_input is None  # type: ignore[attr-defined]
    assert Plain.__strawberry_definition__.from_input is not None  # type: ignore[attr-defined]
