"""How an operation is validated and executed — strawberry's ways, minus two costs.

**Executor without a reference cycle.**
graphql-core 3.3's ``ExecutionContext.__init__`` keeps ``async_helpers``, a named tuple
of two of its own bound methods: the executor refers to itself. Every request's state
hangs off that executor (the context with its sessions and DataLoaders, the parsed
variables, the rows it resolved), so none of it was freed when the request ended — all
of it waited for the cyclic garbage collector, which walked it first (≈ 375 objects per
report; found with ``gc.DEBUG_SAVEALL``, docs/benchmarks.md "reportIncident", fourth
round). Built on each access instead, the tuple holds no cycle; resolvers see the same
two methods.

**Validation cached by the query's text.** strawberry's ``ValidationCache`` keys an
``lru_cache`` by the parsed document; a graphql-core node does not keep its hash, so
every request hashed its whole syntax tree again (≈ 0.9 % of a report's CPU). The
document is a function of the text (``ParserCache`` parses each text once), so the
text keys the same answers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.extensions import ValidationCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext, validate_document


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    @property  # type: ignore[override]
    def async_helpers(self) -> GraphQLResolveInfoHelpers:
        return GraphQLResolveInfoHelpers(gather=self.gather_async_work, track=self.track_async_work)

    @async_helpers.setter
    def async_helpers(self, _value: Any) -> None:
        """``__init__`` assigns the tuple; it is rebuilt on access instead (module doc)."""


class ValidationCacheByText(ValidationCache):
    """``ValidationCache`` keyed by (schema, query text, rules) instead of the document
    (module doc). One instance serves every request, as the parser and validation
    caches do in ``api.schema``: the hook reads the execution context before any await."""

    def __init__(self, maxsize: int = 512) -> None:
        super().__init__(maxsize=maxsize)
        self._maxsize = maxsize
        self._answers: OrderedDict[tuple[Any, str, Any], Any] = OrderedDict()

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is None:  # a document without its text: strawberry's own cache
            yield from super().on_validate()
            return
        key = (context.schema._schema, context.query, context.validation_rules)
        answers = self._answers
        errors = answers.get(key)
        if errors is None:
            errors = validate_document(context.schema._schema, context.graphql_document, context.validation_rules)
            answers[key] = errors
            if len(answers) > self._maxsize:
                answers.popitem(last=False)
        else:
            answers.move_to_end(key)
        context.pre_execution_errors = errors
        yield
