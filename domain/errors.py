"""Expected failures of a use case: the API turns them into ``userErrors``."""

from __future__ import annotations


class DomainError(Exception):
    """A failure the person at the screen can act on.

    ``code`` is a stable string (``NOT_FOUND``, ``INVALID``, ``ILLEGAL_TRANSITION``,
    ``CONFLICT``, ``FORBIDDEN``, ``DUPLICATE``, ``POLICY_INVALID``); ``message`` is
    Chinese, for people; ``field`` names the input field at fault, if any.
    """

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class DomainErrors(DomainError):
    """Several field errors found at once (validation reports every problem)."""

    def __init__(self, errors: list[DomainError]) -> None:
        first = errors[0]
        super().__init__(first.code, first.message, first.field)
        self.errors = errors
