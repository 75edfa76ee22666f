"""Accounts: login with throttling, bearer-token authentication, account and API-token
administration. Services flush, never commit; the caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.accounts import passwords, tokens
from domain.accounts.models import Account, AccountArea, ApiToken
from domain.audit import service as audit
from domain.db import utcnow
from domain.direct import Direct, column_keys, detached
from domain.enums import AccountRole, AreaKind, DepartmentLevel
from domain.errors import DomainError, DomainErrors
from domain.org.models import Area, Department, Enterprise, Member
from domain.scope import FORBIDDEN_MESSAGE, AccountLinks, Scope, scope_for
from domain.settings import Settings

BAD_CREDENTIALS = "用户名或密码错误"
# Partner API tokens record their last use at most this often (no write per request).
LAST_USED_RESOLUTION = timedelta(minutes=10)


def normalize_username(username: str) -> str:
    return username.strip().lower()


# --- scope ------------------------------------------------------------------------


def _link_statements() -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The scope's links of one account (``:account_id``), built once: the four area
    aliases cost far more to construct than the statement costs to run, so it is
    never rebuilt per request. Returns (links only, the account with its links,
    a partner's granted paths)."""
    own, member_area, dept_park, grid = (
        aliased(Area, name=n) for n in ("own_area", "member_area", "dept_park", "enterprise_grid")
    )
    columns = (own.path, Member.active, member_area.path, Department.level, dept_park.path, grid.path)

    def joined(stmt: Select[Any]) -> Select[Any]:
        return (
            stmt.select_from(Account)
            .outerjoin(own, own.id == Account.area_id)
            .outerjoin(Member, Member.id == Account.member_id)
            .outerjoin(member_area, member_area.id == Member.area_id)
            .outerjoin(Department, Department.id == Account.department_id)
            .outerjoin(dept_park, dept_park.id == Department.park_id)
            .outerjoin(Enterprise, Enterprise.id == Account.enterprise_id)
            .outerjoin(grid, grid.id == Enterprise.grid_id)
            .where(Account.id == bindparam("account_id"))
        )

    granted = (
        select(Area.path)
        .join(AccountArea, AccountArea.area_id == Area.id)
        .where(AccountArea.account_id == bindparam("account_id"))
        .order_by(Area.path)
    )
    return joined(select(*columns)), joined(select(Account, *columns)), granted


_LINKS, _ACCOUNT_WITH_LINKS_STATEMENT, _GRANTED_PATHS = _link_statements()
# Every request's authentication: on the driver's connection (``domain.direct``).
_ACCOUNT_WITH_LINKS = Direct(_ACCOUNT_WITH_LINKS_STATEMENT)
_ACCOUNT_KEYS = column_keys(Account)


async def load_links(session: AsyncSession, account: Account) -> AccountLinks:
    """Everything the account's scope depends on, in one statement (two for partners)."""
    row = (await session.execute(_LINKS, {"account_id": account.id})).one()
    return await _links_of(session, account, tuple(row))


async def _links_of(session: AsyncSession, account: Account, row: tuple[Any, ...]) -> AccountLinks:
    """``AccountLinks`` from a row of the link columns (``_LINKS``)."""
    area_path, member_active, member_path, dept_level, dept_park_path, grid_path = row
    granted: tuple[str, ...] = ()
    if account.role is AccountRole.PARTNER:
        granted = tuple(await session.scalars(_GRANTED_PATHS, {"account_id": account.id}))
    return AccountLinks(
        account_id=account.id,
        role=account.role,
        username=account.username,
        area_path=area_path,
        member_id=account.member_id,
        member_area_path=member_path if member_active else None,
        department_id=account.department_id if dept_level is not None else None,
        department_park_path=dept_park_path if dept_level is DepartmentLevel.PARK_OFFICE else None,
        enterprise_id=account.enterprise_id,
        enterprise_grid_path=grid_path,
        granted_paths=granted,
    )


async def scope_of_account(session: AsyncSession, account: Account) -> Scope:
    return scope_for(await load_links(session, account))


# --- bearer tokens --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Authenticated:
    scope: Scope
    account: Account
    expires_at: datetime | None
    api_token_id: int | None = None
    touch_api_token: bool = False  # record ``last_used_at`` (caller writes it)


async def authenticate(session: AsyncSession, raw: str, *, settings: Settings) -> Authenticated:
    """A bearer token (JWT or partner API token) → who it is. Raises ``TokenError``."""
    now = utcnow()
    if tokens.is_api_token(raw):
        row = (
            await session.execute(
                select(ApiToken, Account)
                .join(Account, Account.id == ApiToken.account_id)
                .where(ApiToken.token_hash == tokens.hash_api_token(raw))
            )
        ).one_or_none()
        if row is None:
            raise tokens.TokenError("接口令牌无效")
        api_token, account = row
        if api_token.revoked_at is not None:
            raise tokens.TokenError("接口令牌已吊销")
        if api_token.expires_at is not None and api_token.expires_at <= now:
            raise tokens.TokenError("接口令牌已过期")
        if not account.active:
            raise tokens.TokenError("账号已停用")
        touch = api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION
        scope = await scope_of_account(session, account)
        return Authenticated(scope, account, api_token.expires_at, api_token.id, touch)

    claims = tokens.decode_access_token(raw, secret=settings.secret_key)
    # The account and its scope's links in one round trip. A worker keeps the answer
    # for at most ``GRIDGOV_AUTH_CACHE_SECONDS`` (``auth_cache``, emptied by any scope
    # write it sends), so a revocation, a deactivation or a moved member takes effect
    # on that worker's next request and on every other worker's within the second.
    rows = await _ACCOUNT_WITH_LINKS.rows(session, {"account_id": claims.account_id})
    n = len(_ACCOUNT_KEYS)
    account = detached(Account, _ACCOUNT_KEYS, rows[0][:n]) if rows else None
    if account is None or not account.active:
        raise tokens.TokenError("账号不存在或已停用")
    if account.token_generation != claims.generation:
        raise tokens.TokenError("登录已失效（已退出登录或密码已修改），请重新登录")
    links = await _links_of(session, account, rows[0][n:])
    return Authenticated(scope_for(links), account, claims.expires_at)


def check_not_expired(raw: str, who: Authenticated, *, settings: Settings) -> None:
    """For an authentication answered from memory (``auth_cache``): the token has not
    expired since. Raises ``TokenError`` as ``authenticate`` would."""
    if tokens.is_api_token(raw):
        if who.expires_at is not None and who.expires_at <= utcnow():
            raise tokens.TokenError("接口令牌已过期")
        return
    tokens.decode_access_token(raw, secret=settings.secret_key)


async def touch_api_token(session: AsyncSession, token_id: int) -> None:
    await session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))


def issue_token(account: Account, *, settings: Settings) -> tuple[str, datetime]:
    return tokens.issue_access_token(
        account_id=account.id,
        generation=account.token_generation,
        secret=settings.secret_key,
        ttl=timedelta(minutes=settings.token_ttl_minutes),
    )


# --- login ------------------------------------------------------------------------


@dataclass(slots=True)
class LoginOutcome:
    """A login either succeeds (``token``) or fails (``error``). Failures are *returned*,
    not raised, so the caller commits the failure count and the audit entry."""

    account: Account | None = None
    token: str | None = None
    expires_at: datetime | None = None
    scope: Scope | None = None
    error: DomainError | None = None


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """Step 1 of a login, outside any write transaction: was the password right?"""

    username: str
    password_ok: bool
    rehash: str | None = None  # a fresh hash when the stored one uses old parameters
    # The hash the password was checked against: if it changed before step 2 (a reset or
    # a password change in between), the check no longer holds.
    checked_hash: str | None = None


async def check_password(session: AsyncSession, *, username: str, password: str) -> PasswordCheck:
    """Verify the password (argon2, in a thread) without holding a write lock: on SQLite a
    write transaction locks the whole database for the ~50 ms argon2 takes."""
    name = normalize_username(username)
    stored = await session.scalar(select(Account.password_hash).where(Account.username == name))
    ok = await passwords.averify_password(stored, password)
    rehash = await passwords.ahash_password(password) if ok and stored and passwords.needs_rehash(stored) else None
    return PasswordCheck(name, ok, rehash, stored)


async def record_login(session: AsyncSession, check: PasswordCheck, *, settings: Settings) -> LoginOutcome:
    """Step 2, in a short write transaction: lockout, failure count, audit, token."""
    now = utcnow()
    name = check.username
    account = await session.scalar(select(Account).where(Account.username == name).with_for_update())
    if account is None or not account.active or account.password_hash is None:
        await audit.record(
            session, actor=Scope(account_id=None, role=None), action="account.login_failed",
            object_type="Account", object_id=account.id if account else None,
            after={"username": name, "reason": "unknown" if account is None else "inactive"},
        )
        return LoginOutcome(error=DomainError("INVALID_CREDENTIALS", BAD_CREDENTIALS, "password"))

    actor = Scope(account_id=account.id, role=account.role, username=account.username)
    if account.locked_until is not None and account.locked_until > now:
        await audit.record(
            session, actor=actor, action="account.login_failed", object_type="Account",
            object_id=account.id, after={"username": name, "reason": "locked"},
        )
        return LoginOutcome(account=account, error=_locked(account.locked_until, now))

    # Checked against the hash that is still stored (row locked above): a password reset
    # committed between the two steps must not let the old password in — nor be undone
    # by writing back the old password's rehash.
    if not (check.password_ok and account.password_hash == check.checked_hash):
        account.failed_logins = (account.failed_logins or 0) + 1
        locked = account.failed_logins >= settings.login_max_failures
        if locked:
            account.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
            account.failed_logins = 0
        await session.flush()
        await audit.record(
            session, actor=actor, action="account.locked" if locked else "account.login_failed",
            object_type="Account", object_id=account.id,
            after={"username": name, "reason": "password"},
        )
        error = _locked(account.locked_until, now) if locked else DomainError(
            "INVALID_CREDENTIALS", BAD_CREDENTIALS, "password"
        )
        return LoginOutcome(account=account, error=error)

    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    if check.rehash:
        account.password_hash = check.rehash
    await session.flush()
    await audit.record(session, actor=actor, action="account.login", object_type="Account", object_id=account.id)
    token, expires = issue_token(account, settings=settings)
    return LoginOutcome(
        account=account, token=token, expires_at=expires, scope=await scope_of_account(session, account)
    )


async def login(session: AsyncSession, *, username: str, password: str, settings: Settings) -> LoginOutcome:
    """Both steps in one session (scripts, tests); the API runs them in two."""
    check = await check_password(session, username=username, password=password)
    return await record_login(session, check, settings=settings)


def _locked(until: datetime | None, now: datetime) -> DomainError:
    minutes = max(1, int(((until or now) - now).total_seconds() + 59) // 60)
    return DomainError("ACCOUNT_LOCKED", f"密码错误次数过多，账号已锁定，请 {minutes} 分钟后再试", "password")


# --- account administration ---------------------------------------------------------

# What each role must be linked to (SPEC §5).
_REQUIRED_LINK = {
    AccountRole.PARK_ADMIN: "areaId",
    AccountRole.VIEWER: "areaId",
    AccountRole.POLICY_EDITOR: "areaId",
    AccountRole.GRID_LEADER: "memberId",
    AccountRole.GRID_WORKER: "memberId",
    AccountRole.DEPARTMENT_OFFICER: "departmentId",
    AccountRole.ENTERPRISE: "enterpriseId",
    AccountRole.PARTNER: "grantedAreaIds",
}


def _require_admin(actor: Scope) -> None:
    if not actor.is_admin:
        raise DomainError("FORBIDDEN", FORBIDDEN_MESSAGE)


async def create_account(
    session: AsyncSession,
    *,
    actor: Scope,
    username: str,
    display_name: str,
    password: str,
    role: AccountRole,
    member_id: int | None = None,
    department_id: int | None = None,
    enterprise_id: int | None = None,
    area_id: int | None = None,
    granted_area_ids: tuple[int, ...] = (),
) -> Account:
    """ADMIN only. Checks the password policy and that the role's link exists."""
    _require_admin(actor)
    name = normalize_username(username)
    problems: list[DomainError] = []
    if not 3 <= len(name) <= 64:
        problems.append(DomainError("INVALID", "用户名长度须为 3–64 个字符", "username"))
    if not display_name.strip():
        problems.append(DomainError("INVALID", "请填写姓名或名称", "displayName"))
    elif len(display_name.strip()) > 100:  # the column holds 100 characters
        problems.append(DomainError("INVALID", "姓名或名称不能超过 100 个字", "displayName"))
    problems += [DomainError("INVALID", p, "password") for p in passwords.policy_problems(password, username=name)]
    problems += await _link_problems(
        session, role=role, member_id=member_id, department_id=department_id,
        enterprise_id=enterprise_id, area_id=area_id, granted_area_ids=granted_area_ids,
    )
    if problems:
        raise DomainErrors(problems)
    if await session.scalar(select(Account.id).where(Account.username == name)) is not None:
        raise DomainError("DUPLICATE", f"用户名 {name} 已存在", "username")
    account = Account(
        username=name,
        display_name=display_name.strip(),
        password_hash=await passwords.ahash_password(password),
        role=role,
        member_id=member_id,
        department_id=department_id,
        enterprise_id=enterprise_id,
        area_id=area_id,
        password_changed_at=utcnow(),
    )
    session.add(account)
    await session.flush()
    for aid in sorted(set(granted_area_ids)):
        session.add(AccountArea(account_id=account.id, area_id=aid))
    await session.flush()
    await audit.record(
        session, actor=actor, action="account.create", object_type="Account", object_id=account.id,
        after={**audit.snapshot(account), "granted_area_ids": sorted(set(granted_area_ids))},
    )
    return account


async def _link_problems(
    session: AsyncSession,
    *,
    role: AccountRole,
    member_id: int | None,
    department_id: int | None,
    enterprise_id: int | None,
    area_id: int | None,
    granted_area_ids: tuple[int, ...],
) -> list[DomainError]:
    problems: list[DomainError] = []
    required = _REQUIRED_LINK.get(role)
    given = {
        "memberId": member_id, "departmentId": department_id, "enterpriseId": enterprise_id,
        "areaId": area_id, "grantedAreaIds": granted_area_ids or None,
    }
    if required and not given[required]:
        problems.append(DomainError("INVALID", "该角色须关联对应的人员、部门、企业或区域", required))
    if area_id is not None:
        area = await session.get(Area, area_id)
        if area is None:
            problems.append(DomainError("NOT_FOUND", "区域不存在", "areaId"))
        elif role is AccountRole.PARK_ADMIN and area.kind is not AreaKind.PARK:
            problems.append(DomainError("INVALID", "园区管理员须关联一个产业园区", "areaId"))
    if member_id is not None and await session.get(Member, member_id) is None:
        problems.append(DomainError("NOT_FOUND", "人员不存在", "memberId"))
    if department_id is not None and await session.get(Department, department_id) is None:
        problems.append(DomainError("NOT_FOUND", "部门不存在", "departmentId"))
    if enterprise_id is not None and await session.get(Enterprise, enterprise_id) is None:
        problems.append(DomainError("NOT_FOUND", "企业不存在", "enterpriseId"))
    if granted_area_ids:
        found = set(await session.scalars(select(Area.id).where(Area.id.in_(granted_area_ids))))
        if found != set(granted_area_ids):
            problems.append(DomainError("NOT_FOUND", "授权区域不存在", "grantedAreaIds"))
    return problems


async def change_password(
    session: AsyncSession, *, actor: Scope, current_password: str, new_password: str
) -> Account:
    """The account's own password. Bumps the token generation: other sessions end."""
    account = await session.get(Account, actor.account_id) if actor.account_id else None
    if account is None:
        raise DomainError("NOT_FOUND", "账号不存在")
    if not await passwords.averify_password(account.password_hash, current_password):
        raise DomainError("INVALID_CREDENTIALS", "当前密码错误", "currentPassword")
    passwords.check_policy(new_password, username=account.username, field="newPassword")
    if await passwords.averify_password(account.password_hash, new_password):
        raise DomainError("INVALID", "新密码不能与当前密码相同", "newPassword")
    await _set_password(account, new_password)
    await session.flush()
    await audit.record(session, actor=actor, action="account.change_password", object_type="Account", object_id=account.id)
    return account


async def reset_password(session: AsyncSession, *, actor: Scope, account_id: int, new_password: str) -> Account:
    """ADMIN: set a new password, unlock, and end the account's sessions."""
    _require_admin(actor)
    account = await session.get(Account, account_id)
    if account is None:
        raise DomainError("NOT_FOUND", "账号不存在", "accountId")
    passwords.check_policy(new_password, username=account.username, field="newPassword")
    await _set_password(account, new_password)
    await session.flush()
    await audit.record(session, actor=actor, action="account.reset_password", object_type="Account", object_id=account.id)
    return account


async def _set_password(account: Account, password: str) -> None:
    account.password_hash = await passwords.ahash_password(password)
    account.password_changed_at = utcnow()
    account.token_generation = (account.token_generation or 0) + 1
    account.failed_logins = 0
    account.locked_until = None


async def revoke_sessions(session: AsyncSession, *, actor: Scope, account_id: int | None = None) -> Account:
    """End every session of an account (its own, or any for ADMIN) by bumping its
    token generation: tokens issued before stop working at once."""
    target = account_id if account_id is not None else actor.account_id
    if target != actor.account_id:
        _require_admin(actor)
    account = await session.get(Account, target) if target is not None else None
    if account is None:
        raise DomainError("NOT_FOUND", "账号不存在", "accountId")
    account.token_generation = (account.token_generation or 0) + 1
    await session.flush()
    await audit.record(
        session, actor=actor, action="account.revoke_sessions", object_type="Account", object_id=account.id,
        after={"token_generation": account.token_generation},
    )
    return account


async def set_active(session: AsyncSession, *, actor: Scope, account_id: int, active: bool) -> Account:
    """ADMIN: enable or disable an account (disabling ends its sessions and API tokens' use)."""
    _require_admin(actor)
    account = await session.get(Account, account_id)
    if account is None:
        raise DomainError("NOT_FOUND", "账号不存在", "accountId")
    if account.id == actor.account_id and not active:
        raise DomainError("INVALID", "不能停用自己的账号", "accountId")
    before = {"active": account.active}
    account.active = active
    account.token_generation = (account.token_generation or 0) + 1
    await session.flush()
    await audit.record(
        session, actor=actor, action="account.set_active", object_type="Account", object_id=account.id,
        before=before, after={"active": active},
    )
    return account


# --- partner API tokens ---------------------------------------------------------------


async def create_api_token(
    session: AsyncSession, *, actor: Scope, account_id: int, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """ADMIN: a long-lived token for a partner account; the raw token is returned once."""
    _require_admin(actor)
    account = await session.get(Account, account_id)
    if account is None:
        raise DomainError("NOT_FOUND", "账号不存在", "accountId")
    problems: list[DomainError] = []
    if account.role is not AccountRole.PARTNER:
        problems.append(DomainError("INVALID", "接口令牌只发给外部平台（PARTNER）账号", "accountId"))
    if not name.strip() or len(name) > 100:
        problems.append(DomainError("INVALID", "请填写令牌名称（最多 100 字）", "name"))
    if expires_at is not None and expires_at <= utcnow():
        problems.append(DomainError("INVALID", "过期时间须晚于现在", "expiresAt"))
    if problems:
        raise DomainErrors(problems)
    raw, digest = tokens.new_api_token()
    api_token = ApiToken(account_id=account.id, name=name.strip(), token_hash=digest, expires_at=expires_at)
    session.add(api_token)
    await session.flush()
    await audit.record(
        session, actor=actor, action="api_token.create", object_type="ApiToken", object_id=api_token.id,
        after={"account_id": account.id, "name": api_token.name, "expires_at": expires_at},
    )
    return api_token, raw


async def revoke_api_token(session: AsyncSession, *, actor: Scope, token_id: int) -> ApiToken:
    _require_admin(actor)
    api_token = await session.get(ApiToken, token_id)
    if api_token is None:
        raise DomainError("NOT_FOUND", "接口令牌不存在", "id")
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        await session.flush()
        await audit.record(
            session, actor=actor, action="api_token.revoke", object_type="ApiToken", object_id=api_token.id,
            after={"revoked_at": api_token.revoked_at},
        )
    return api_token
