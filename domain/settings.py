"""Configuration from environment variables with the prefix ``GRIDGOV_``.

It lives in ``domain`` (not ``api``) because the services, the CLI and the
migrations all read it; the API only adds presentation switches.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDGOV_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./gridgov.db"
    mode: Literal["development", "production"] = "development"
    # Secrets: the development defaults are refused in production mode (see ``check``).
    secret_key: str = "dev-secret-change-me-0123456789abcdef"
    data_key: str = "dev-data-key-change-me-0123456789abcdef"
    graphiql: bool | None = None
    introspection: bool | None = None
    db_pool_size: int = 16
    db_echo: bool = False
    log_level: str = "INFO"
    # Staffing model "1+1+N" (SPEC §1) is configuration, not code: role → (min, max); max -1 = unbounded.
    staffing_model: dict[str, tuple[int, int]] = {
        "GRID_LEADER": (1, 1),
        "AGENCY_STAFF": (1, 1),
        "FULL_TIME_WORKER": (1, 2),
        "PART_TIME_WORKER": (0, -1),
    }
    full_time_monthly_pay: int = 4500
    # Security (SPEC §5, docs/security.md): sessions, login throttling, request limits.
    token_ttl_minutes: int = 480
    # How long a worker answers a token from memory (``domain.accounts.auth_cache``):
    # another worker sees a revocation or a scope change at most this late. 0: never.
    auth_cache_seconds: float = 1.0
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    max_request_bytes: int = 1_048_576
    query_max_depth: int = 12
    query_max_aliases: int = 30
    query_max_cost: int = 50_000
    query_max_tokens: int = 5_000

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else self.mode == "development"

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else self.mode == "development"

    def check(self) -> None:
        """Refuse to run production with development secrets."""
        if self.mode == "production" and (
            self.secret_key.startswith("dev-") or self.data_key.startswith("dev-")
        ):
            raise RuntimeError("GRIDGOV_SECRET_KEY and GRIDGOV_DATA_KEY must be set in production mode")
        if self.mode == "production" and len(self.secret_key) < 32:
            # It signs HS256 bearer tokens: a short key can be brute-forced offline.
            raise RuntimeError("GRIDGOV_SECRET_KEY must be at least 32 characters in production mode")


@lru_cache
def get_settings() -> Settings:
    return Settings()
