"""Bearer tokens: short-lived JWT access tokens and long-lived partner API tokens.

Access tokens are HS256 JWTs signed with ``GRIDGOV_SECRET_KEY``. They carry the
account id and the account's ``token_generation``; bumping the generation revokes
every token issued before (logout everywhere, password change, role change).

Partner API tokens are random (256 bits), shown once, and stored only as their
SHA-256 hash; they are told apart from JWTs by the ``ggp_`` prefix.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt

from domain.db import utcnow

ALGORITHM = "HS256"
ISSUER = "gridgov"
AUDIENCE = "gridgov-api"
API_TOKEN_PREFIX = "ggp_"


class TokenError(Exception):
    """A bearer token that does not authenticate; ``reason`` is shown to the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AccessClaims:
    account_id: int
    generation: int
    expires_at: datetime


def issue_access_token(
    *, account_id: int, generation: int, secret: str, ttl: timedelta, now: datetime | None = None
) -> tuple[str, datetime]:
    now = now or utcnow()
    expires = now + ttl
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(account_id),
        "gen": generation,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires.replace(microsecond=0)


def decode_access_token(token: str, *, secret: str, now: datetime | None = None) -> AccessClaims:
    """The claims of a valid, unexpired access token; ``TokenError`` otherwise.

    A token's signature and claims are checked once per process (``_verified``, a bounded
    cache keyed by the token and the secret): PyJWT's decode is ~0.1 ms of CPU, on every
    request of a session. Expiry is checked on every call; revocation (the generation)
    is the caller's, against the database, on every request."""
    claims = _verified(token, secret)
    if claims.expires_at <= (now or utcnow()):
        raise TokenError("登录已过期，请重新登录")
    return claims


@lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> AccessClaims:
    """Signature and claims of a token (raises ``TokenError``; failures are not cached)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("登录已过期，请重新登录") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("登录凭证无效，请重新登录") from exc
    sub, gen = claims.get("sub"), claims.get("gen")
    if not (isinstance(sub, str) and sub.isdigit() and isinstance(gen, int)):
        raise TokenError("登录凭证无效，请重新登录")
    return AccessClaims(int(sub), gen, datetime.fromtimestamp(claims["exp"], UTC))


def new_api_token() -> tuple[str, str]:
    """``(token shown once, hash stored)``."""
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return raw, hash_api_token(raw)


def hash_api_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def is_api_token(raw: str) -> bool:
    return raw.startswith(API_TOKEN_PREFIX)
