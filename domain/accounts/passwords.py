"""Password hashes (argon2id) and the password policy (SPEC §5).

Hashes use argon2-cffi's defaults (RFC 9106 "low memory" profile: argon2id, 64 MiB,
3 passes); ``needs_rehash`` lets a login upgrade an old hash when the defaults move.
"""

from __future__ import annotations

import asyncio
import re
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from domain.errors import DomainError, DomainErrors

MIN_LENGTH = 10
MAX_LENGTH = 128

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists: pass ``None`` for a missing
    account and a dummy hash is verified instead (no timing oracle for usernames)."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def ahash_password(password: str) -> str:
    """``hash_password`` off the event loop (argon2 takes tens of milliseconds of CPU;
    the binding releases the GIL, so other requests go on meanwhile)."""
    return await asyncio.to_thread(hash_password, password)


async def averify_password(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("gridgov-dummy-password-0")


_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"\d")


def policy_problems(password: str, *, username: str | None = None) -> list[str]:
    """What is wrong with a new password (Chinese sentences; empty when it is acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少 {MIN_LENGTH} 位")
    if len(password) > MAX_LENGTH:
        problems.append(f"密码最多 {MAX_LENGTH} 位")
    if not (_LETTER.search(password) and _DIGIT.search(password)):
        problems.append("密码须同时包含字母和数字")
    if username and username.strip().lower() in password.lower():
        problems.append("密码不得包含用户名")
    return problems


def check_policy(password: str, *, username: str | None = None, field: str = "password") -> None:
    problems = policy_problems(password, username=username)
    if problems:
        raise DomainErrors([DomainError("INVALID", p, field) for p in problems])
