"""GraphQL hardening (SPEC §5), one module per concern:

- ``limits`` — depth and alias limits (one validation rule class, so the validation
  cache keeps hitting) and the cost estimate;
- ``gate`` — the per-request operation gate: authentication, control characters in
  string input (``text_input``), cost;
- ``errors`` — every error coded and scrubbed, masking in production, logging;
- ``body_size`` — the ASGI request-size limit (413);
- ``log_scrubbing`` — no resident ID or phone number in any log record.

``extensions(settings)`` assembles the schema extensions; the names below are the
package's public surface (``from api.hardening import …``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaskErrors, MaxTokensLimiter, SchemaExtension

from api.hardening.body_size import BodySizeLimit
from api.hardening.errors import MASKED_MESSAGE, GridGovSchema, finish_errors, should_mask_error
from api.hardening.gate import PUBLIC_FIELDS, OperationGate, top_level_fields
from api.hardening.limits import cost_of, estimate_cost, make_limits_rule
from api.hardening.log_scrubbing import ScrubFilter, install_log_scrubbing, scrub_record
from api.hardening.text_input import forbidden_input
from domain.settings import Settings

__all__ = [
    "MASKED_MESSAGE",
    "PUBLIC_FIELDS",
    "BodySizeLimit",
    "GridGovSchema",
    "OperationGate",
    "ScrubFilter",
    "cost_of",
    "estimate_cost",
    "extensions",
    "finish_errors",
    "forbidden_input",
    "install_log_scrubbing",
    "make_limits_rule",
    "scrub_record",
    "should_mask_error",
    "top_level_fields",
]


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
