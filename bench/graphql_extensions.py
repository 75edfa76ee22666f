"""Per-request cost of the hardening extensions, and proof the validation cache still hits.

200 identical authenticated requests (a page of 10 areas) through the real ASGI app on
a scratch SQLite database, under three schemas:

- ``caches only``   — ParserCache + ValidationCache (the foundation's setup);
- ``hardened``      — plus the depth/alias rule, token limit, operation gate (auth + cost);
- ``hardened, no validation cache`` — what it would cost if the cache stopped hitting.

Usage: ``.venv/bin/python bench/graphql_extensions.py [N]``
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

import httpx
import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from api import hardening
from api.app import create_app
from api.schema import Mutation, Query
from domain import migrate
from domain.accounts.models import Account
from domain.accounts.tokens import issue_access_token
from domain.db import make_engine, make_sessionmaker
from domain.enums import AccountRole, AreaKind
from domain.org.models import Area
from domain.settings import Settings

QUERY = """
query Bench($first: Int) {
  viewer { account { username role } readOnly }
  areas(first: $first) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id code name kind depth } } }
}
"""

IN_PROCESS = """
query Me { viewer { ...V account { ...A } } t1: __typename }
fragment V on Viewer { role readOnly canEditPolicies seesEverything departmentId enterpriseId memberId tokenExpiresAt }
fragment A on Account { id username displayName role active lastLoginAt passwordChangedAt lockedUntil memberId }
"""


def _schema(extensions: list[object]) -> strawberry.Schema:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hardening.GridGovSchema(query=Query, mutation=Mutation, extensions=extensions)  # type: ignore[arg-type]


async def main(n: int, url: str) -> None:
    """``url``: a migrated, empty database (migrations run outside the event loop)."""
    from strawberry.extensions.validation_cache import _get_validate_cache

    settings = Settings(database_url=url)
    engine = make_engine(url)
    async with make_sessionmaker(engine).begin() as session:
        admin = Account(username="bench", display_name="bench", role=AccountRole.ADMIN)
        session.add(admin)
        for i in range(12):
            area = Area(code=f"B{i}", name=f"区域{i}", kind=AreaKind.DISTRICT, depth=0)
            session.add(area)
            await session.flush()
            area.path = f"/{area.id}/"
        await session.flush()
    token, _ = issue_access_token(
        account_id=admin.id, generation=0, secret=settings.secret_key, ttl=timedelta(hours=1)
    )
    app = create_app(settings, engine=engine)
    view = app.state.graphql
    variants = {
        "caches only": [ParserCache(maxsize=512), ValidationCache(maxsize=512)],
        "hardened": [ParserCache(maxsize=512), ValidationCache(maxsize=512), *hardening.extensions(settings)],
        "hardened, no validation cache": [ParserCache(maxsize=512), *hardening.extensions(settings)],
    }
    body = {"query": QUERY, "variables": {"first": 10}}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for _round in range(2):  # the second round is the one printed
            lines = []
            for name, ext in variants.items():
                view.schema = _schema(ext)
                for _ in range(20):
                    r = await client.post("/graphql", json=body, headers=headers)
                    assert r.status_code == 200 and "errors" not in r.json(), r.text
                before = _get_validate_cache(512).cache_info()
                start = time.perf_counter()
                for _ in range(n):
                    await client.post("/graphql", json=body, headers=headers)
                ms = (time.perf_counter() - start) / n * 1e3
                after = _get_validate_cache(512).cache_info()
                lines.append(
                    f"{name:32s} {ms:7.3f} ms/request   validation cache "
                    f"hits +{after.hits - before.hits}, misses +{after.misses - before.misses}"
                )
        print(f"{n} identical requests each, through HTTP (ASGI) with authentication and SQL, second round:")
        print("\n".join(lines))

    # The same schemas in-process, no HTTP and no SQL: GraphQL's own overhead only.
    from types import SimpleNamespace

    from domain.scope import SYSTEM

    ctx = SimpleNamespace(scope=SYSTEM, auth_error=None, extra={"account": admin, "auth_expires_at": None})
    print(f"\n{n * 5} identical executions each, in-process (no HTTP, no SQL):")
    for name, ext in variants.items():
        schema = _schema(ext)
        for _ in range(50):
            await schema.execute(IN_PROCESS, context_value=ctx)
        before = _get_validate_cache(512).cache_info()
        start = time.perf_counter()
        for _ in range(n * 5):
            result = await schema.execute(IN_PROCESS, context_value=ctx)
        us = (time.perf_counter() - start) / (n * 5) * 1e6
        assert not result.errors, result.errors
        after = _get_validate_cache(512).cache_info()
        print(f"{name:32s} {us:7.0f} µs/execution validation cache hits +{after.hits - before.hits}, "
              f"misses +{after.misses - before.misses}")
    await engine.dispose()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(db)
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, db))
