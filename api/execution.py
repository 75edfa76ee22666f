"""The executor each operation runs in — strawberry's, without its reference cycle.

graphql-core 3.3's ``ExecutionContext.__init__`` keeps ``async_helpers``, a named tuple
of two of its own bound methods: the executor refers to itself. Every request's state
hangs off that executor (the context with its sessions and DataLoaders, the parsed
variables, the rows it resolved), so none of it was freed when the request ended — all
of it waited for the cyclic garbage collector, which walked it first (≈ 375 objects per
report; found with ``gc.DEBUG_SAVEALL``, docs/benchmarks.md "reportIncident", fourth
round). Built on each access instead, the tuple holds no cycle; resolvers see the same
two methods.
"""

from __future__ import annotations

from typing import Any

from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    @property  # type: ignore[override]
    def async_helpers(self) -> GraphQLResolveInfoHelpers:
        return GraphQLResolveInfoHelpers(gather=self.gather_async_work, track=self.track_async_work)

    @async_helpers.setter
    def async_helpers(self, _value: Any) -> None:
        """``__init__`` assigns the tuple; it is rebuilt on access instead (module doc)."""
