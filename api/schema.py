"""The root schema, composed from each area's query and mutation classes."""

from __future__ import annotations

import warnings

import strawberry
from strawberry.extensions import MaskErrors, ParserCache, ValidationCache
from strawberry.tools import merge_types

from api.node import NodeQueries, register
from api.org.queries import OrgQueries
from api.org.types import Area
from domain.settings import Settings

register("Area", "area", Area.from_model)

Query = merge_types("Query", (NodeQueries, OrgQueries))


def _should_mask(error: object) -> bool:
    """Mask only the unexpected: coded errors (and GraphQL validation errors) pass."""
    from graphql import GraphQLError

    if not isinstance(error, GraphQLError):
        return True
    if error.original_error is None:
        return False  # validation and parse errors
    return not (error.extensions or {}).get("code")


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    extensions: list[object] = [ParserCache(maxsize=512), ValidationCache(maxsize=512)]
    if settings is not None and settings.mode == "production":
        extensions.append(MaskErrors(should_mask_error=_should_mask))
    # Extension *instances*, on purpose: passing factories (the style the deprecation
    # warning asks for) silently disables the validation cache (strawberry #4635,
    # NOTES.md). Re-measure when strawberry moves.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Passing an extension instance", category=DeprecationWarning)
        return strawberry.Schema(query=Query, extensions=extensions)  # type: ignore[arg-type]


schema = build_schema()
