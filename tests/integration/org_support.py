"""Shared by the organisation tests (issue 4): ids, user-error helpers, data fixtures."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.relay import to_global_id
from domain.org.models import Area
from tests.factories import make_area_tree


def gid(type_name: str, obj: Any) -> str:
    return to_global_id(type_name, obj if isinstance(obj, int) else obj.id)


def area_id(area: Area) -> str:
    return gid("Area", area)


def errors(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    """``userErrors`` as ``(field, code)`` pairs."""
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


def one_error(payload: dict[str, Any]) -> dict[str, Any]:
    assert len(payload["userErrors"]) == 1, payload["userErrors"]
    error: dict[str, Any] = payload["userErrors"][0]
    assert error["message"], error
    return error


@pytest.fixture
async def tree(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Area]:
    async with sessionmaker.begin() as session:
        return await make_area_tree(session)


@pytest.fixture
def isolated_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The organisation tests see only the unavailability hooks they register themselves:
    what other packages hang there (the incidents' re-assignment) is tested with them."""
    from domain.org import members

    monkeypatch.setattr(members, "on_member_unavailable", [])
