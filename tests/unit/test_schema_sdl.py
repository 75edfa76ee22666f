"""The committed ``schema.graphql`` is what the server serves (front-end codegen reads it),
and every type and enum value carries its Chinese name."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLEnumType

from api.schema import schema

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"
REGENERATE = "schema.graphql is out of date; regenerate it with: .venv/bin/gridgov schema > schema.graphql"


def test_committed_sdl_matches_the_schema() -> None:
    assert SDL.exists(), REGENERATE
    assert SDL.read_text(encoding="utf-8").rstrip("\n") == schema.as_str(), REGENERATE


def test_every_type_and_enum_value_has_a_description() -> None:
    missing: list[str] = []
    for name, t in schema._schema.type_map.items():
        if name.startswith("__"):
            continue
        if not t.description:
            missing.append(name)
        if isinstance(t, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in t.values.items() if not value.description]
    assert missing == []
