"""Who a bearer token is, kept for about a second per process.

Why: every request reads the account and the links its scope depends on (one
statement, ~0.5 ms of a worker's CPU with PostgreSQL's share and the round trip — a
tenth of a ``reportIncident``), and a client sends many requests a second with one
token. Within ``ttl`` seconds the same token is answered from here.

What that costs, and how it is bounded (docs/security.md, "Sessions"):

- In this process, any write that can change a scope — an ``INSERT``, ``UPDATE`` or
  ``DELETE`` on accounts, their granted areas or API tokens, members, areas,
  departments or enterprises, whoever sends it through the engine — empties the cache
  when it is sent and again when its connection goes back to the pool (after the
  commit or rollback has reached the database), and nothing is kept while such a
  write is open: a request that read the account while the change was uncommitted is
  answered but not remembered. A revocation, a deactivation or a moved member takes
  effect on this process's next request, as before.
- Another worker process learns of it within ``ttl`` (default 1 s, the same bound as
  a published policy reaching other workers): its entries are that old at most.
- Expiry is checked on every request (``tokens.decode_access_token``), never cached.
- ``ttl`` 0 turns the cache off.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

# The tables a scope is read from (``domain.accounts.service._link_statements``), and
# the account tables themselves.
SCOPE_TABLES = (
    "accounts", "account_areas", "api_tokens", "members", "areas", "departments", "enterprises",
)
_SCOPE_WRITE = re.compile(
    r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(?:" + "|".join(SCOPE_TABLES) + r")\b",
    re.IGNORECASE,
)
_PENDING = "gridgov_scope_write"


class AuthCache:
    """Token → what authenticating it returned, for ``ttl`` seconds (bounded, LRU)."""

    def __init__(self, ttl: float = 1.0, *, size: int = 4096, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self.invalidations = 0
        # Pooled connections (their ``info`` dicts) with a scope write not yet ended.
        self._writing: set[int] = set()

    def get(self, token: str) -> Any | None:
        if self.ttl <= 0:
            return None
        found = self._entries.get(token)
        if found is None:
            return None
        if self._clock() - found[0] >= self.ttl:
            self._entries.pop(token, None)
            return None
        return found[1]

    def put(self, token: str, value: Any, *, read_at: float) -> None:
        """``read_at``: the clock (``now()``) before the read began, so an entry read
        across an invalidation is dropped by it rather than outliving it."""
        if self.ttl <= 0 or read_at <= self._invalidated_at or self._writing:
            return
        self._entries[token] = (read_at, value)
        self._entries.move_to_end(token)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def now(self) -> float:
        return self._clock()

    _invalidated_at = float("-inf")

    def invalidate(self) -> None:
        self._entries.clear()
        self._invalidated_at = self._clock()
        self.invalidations += 1

    def follow_writes(self, engine: AsyncEngine) -> None:
        """Empty the cache whenever a statement writes a scope table through ``engine``,
        keep nothing while that write's transaction is open, and empty it again when its
        connection is checked in — after the commit (or rollback) reached the database.
        (The engine's ``commit`` event fires before the COMMIT is sent: a read in that
        gap would still see the old row.)"""

        def before(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if _SCOPE_WRITE.match(statement):
                info = conn.info  # the pooled connection's, the same dict at check-in
                info[_PENDING] = True
                self._writing.add(id(info))
                self.invalidate()

        def checked_in(_dbapi: Any, record: Any) -> None:
            # Also for an invalidated connection (``dbapi`` None); its ``info`` is cleared
            # only when it reconnects, at its next check-out.
            info = record.info
            if info.pop(_PENDING, False):
                self._writing.discard(id(info))
                self.invalidate()

        event.listen(engine.sync_engine, "before_cursor_execute", before)
        event.listen(engine.sync_engine, "checkin", checked_in)
