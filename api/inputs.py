"""Input objects built from GraphQL's coerced values without re-inspecting their types.

Why: strawberry converts an input object field by field, resolving each field's type
annotation and asking what kind of type it is on every request — for the 17 fields
of ``ReportIncidentInput`` that was ~8 % of a worker's CPU per report (docs/benchmarks.md).
Most fields need no conversion at all: graphql-core has already coerced their
values (scalars parsed, enum names made members), and strawberry hands them over
unchanged. ``install(schema)`` gives every input type of the schema a ``from_input``
hook (strawberry's documented hook for types that build their own values) that
decides once per field, on first use, whether strawberry would change its value:

- a scalar (not a ``GlobalID``) or an enum, or an optional one, is passed as it is;
- anything else — lists (strawberry copies them), nested inputs, ``Maybe``,
  ``GlobalID`` — goes through strawberry's own conversion, as before.

Fields the client left out get what strawberry gives them: ``None`` when the field
has no default, else the class's default. ``tests/unit/test_inputs.py`` holds the
result to strawberry's own conversion for every input type of the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass
from typing import Any

import strawberry
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition


@dataclass(frozen=True, slots=True)
class _Field:
    graphql_name: str
    python_name: str
    # ``None``: the value is passed as it is; else the type strawberry converts it as.
    convert_as: Any


@dataclass(frozen=True, slots=True)
class _Plan:
    registry: Mapping[object, Any]
    implicit: tuple[tuple[str, None], ...]
    fields: tuple[_Field, ...]


def _passes_unchanged(type_: Any, registry: Mapping[object, Any]) -> bool:
    """Whether strawberry's ``convert_argument`` returns a value of this type as it is."""
    if isinstance(type_, StrawberryMaybe):
        return False  # wrapped in ``Some``
    if isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
        if isinstance(type_, StrawberryMaybe):
            return False
    if type_ is GlobalID or isinstance(type_, StrawberryList):
        return False
    if isinstance(type_, StrawberryEnumDefinition) or has_enum_definition(type_):
        return True
    try:
        return is_scalar(type_, registry)
    except TypeError:  # an unhashable type object
        return False


def _plan(definition: StrawberryObjectDefinition, context: InputContext) -> _Plan:
    registry = context.scalar_registry
    fields = []
    for field in definition.fields:
        resolved = field.resolve_type(type_definition=definition)
        fields.append(
            _Field(
                graphql_name=context.config.name_converter.from_field(field),
                python_name=field.python_name,
                convert_as=None if _passes_unchanged(resolved, registry) else resolved,
            )
        )
    implicit = tuple(
        (f.python_name, None)
        for f in definition.fields
        if f.default_value is MISSING and f.default_factory is MISSING
    )
    return _Plan(registry, implicit, tuple(fields))


def _hook(definition: StrawberryObjectDefinition) -> Callable[[type, Mapping[str, Any], InputContext], Any]:
    # Per scalar registry (one per schema; a process holds more than one schema).
    plans: dict[int, _Plan] = {}

    def build(type_: type, value: Mapping[str, Any], context: InputContext) -> Any:
        plan = plans.get(id(context.scalar_registry))
        if plan is None or plan.registry is not context.scalar_registry:
            plan = plans[id(context.scalar_registry)] = _plan(definition, context)
        kwargs: dict[str, Any] = dict(plan.implicit)
        for f in plan.fields:
            if f.graphql_name in value:
                item = value[f.graphql_name]
                kwargs[f.python_name] = item if f.convert_as is None else context.convert(item, f.convert_as, f.graphql_name)
        return type_(**kwargs)

    return build


def _has_maybe(definition: StrawberryObjectDefinition) -> bool:
    for field in definition.fields:
        t = field.resolve_type(type_definition=definition)
        if isinstance(t, StrawberryMaybe) or (isinstance(t, StrawberryOptional) and isinstance(t.of_type, StrawberryMaybe)):
            return True
    return False


def install(schema: strawberry.Schema) -> int:
    """Give every input type of ``schema`` that builds its values the default way the
    hook above; the number of types given it. The hook sits on the class's definition,
    so every schema built from these classes uses it.

    Not on types with a ``Maybe`` field: strawberry's validation of explicit nulls for
    those (``MaybeNullValidationRule``) leaves types with a ``from_input`` hook to the
    hook."""
    count = 0
    for concrete in schema.schema_converter.type_map.values():
        definition = concrete.definition
        if (
            isinstance(definition, StrawberryObjectDefinition)
            and definition.is_input
            and definition.from_input is None
            and has_object_definition(definition.origin)
            and not _has_maybe(definition)
        ):
            definition.from_input = _hook(definition)
            count += 1
    return count
