"""Account mutations: login, passwords, sessions, accounts and partner API tokens.

Each is one transaction; expected failures are ``userErrors``. ``login`` is the one
field reachable without a token; it commits failures too (throttling and audit).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import strawberry

from api.accounts.inputs import (
    ChangePasswordInput,
    CreateAccountInput,
    CreateApiTokenInput,
    LoginInput,
    ResetPasswordInput,
    RevokeApiTokenInput,
    RevokeSessionsInput,
    SetAccountActiveInput,
)
from api.accounts.types import Account, ApiToken, Viewer
from api.context import Info
from api.errors import UserError, user_errors
from api.permissions import scope_of
from api.relay import expect_id
from domain.accounts import service as accounts
from domain.errors import DomainError

# A time given without an offset is wall-clock time in China (the district's own).
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def aware_utc(value: datetime | None, field: str) -> datetime | None:
    """An input time as aware UTC: without an offset it is Asia/Shanghai time; a time
    that cannot be represented in UTC (year 1 or 9999 at the edge) is ``INVALID``."""
    if value is None:
        return None
    try:
        return (value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value).astimezone(UTC)
    except (OverflowError, ValueError):
        raise DomainError("INVALID", "时间超出可表示的范围", field) from None


@strawberry.type(description="登录结果")
class LoginPayload:
    token: str | None = strawberry.field(description="访问令牌：请求头 Authorization: Bearer <token>")
    expires_at: datetime | None = strawberry.field(description="令牌过期时间")
    viewer: Viewer | None = strawberry.field(description="登录者")
    user_errors: list[UserError] = strawberry.field(description="错误")


@strawberry.type(description="修改密码结果")
class ChangePasswordPayload:
    token: str | None = strawberry.field(description="新的访问令牌（旧令牌均已失效）")
    expires_at: datetime | None
    user_errors: list[UserError]


@strawberry.type(description="账号变更结果")
class AccountPayload:
    account: Account | None
    user_errors: list[UserError]


@strawberry.type(description="签发接口令牌结果")
class CreateApiTokenPayload:
    token: str | None = strawberry.field(description="令牌原文：只显示这一次，请妥善保存")
    api_token: ApiToken | None
    user_errors: list[UserError]


@strawberry.type(description="吊销接口令牌结果")
class RevokeApiTokenPayload:
    api_token: ApiToken | None
    user_errors: list[UserError]


def _pk(gid: strawberry.ID | None, type_name: str, field: str) -> int | None:
    if gid is None:
        return None
    pk = expect_id(gid, type_name)
    if pk is None:
        raise DomainError("INVALID", f"{field} 不是有效的 ID", field)
    return pk


def _required_pk(gid: strawberry.ID, type_name: str, field: str) -> int:
    pk = _pk(gid, type_name, field)
    assert pk is not None
    return pk


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="登录：用户名和密码换取访问令牌（连续 5 次错误锁定 15 分钟）")
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        ctx = info.context
        async with ctx.reading() as session:  # argon2 runs with no write lock held
            check = await accounts.check_password(session, username=input.username, password=input.password)
        async with ctx.write.begin() as session:
            outcome = await accounts.record_login(session, check, settings=ctx.settings)
        if outcome.error is not None or outcome.account is None or outcome.scope is None:
            err = outcome.error or DomainError("INVALID_CREDENTIALS", accounts.BAD_CREDENTIALS)
            return LoginPayload(token=None, expires_at=None, viewer=None, user_errors=user_errors(err))
        # The rest of the payload (``viewer { … }``) answers as the account just logged in.
        ctx.scope = outcome.scope
        viewer = Viewer(
            scope=outcome.scope, account=Account.from_model(outcome.account), token_expires_at=outcome.expires_at
        )
        return LoginPayload(token=outcome.token, expires_at=outcome.expires_at, viewer=viewer, user_errors=[])

    @strawberry.mutation(description="修改自己的密码；其他会话随之失效，返回新令牌")
    async def change_password(self, info: Info, input: ChangePasswordInput) -> ChangePasswordPayload:
        scope = scope_of(info)
        try:
            async with info.context.write.begin() as session:
                account = await accounts.change_password(
                    session, actor=scope, current_password=input.current_password, new_password=input.new_password
                )
        except DomainError as exc:
            return ChangePasswordPayload(token=None, expires_at=None, user_errors=user_errors(exc))
        token, expires = accounts.issue_token(account, settings=info.context.settings)
        return ChangePasswordPayload(token=token, expires_at=expires, user_errors=[])

    @strawberry.mutation(description="新建账号（系统管理员）")
    async def create_account(self, info: Info, input: CreateAccountInput) -> AccountPayload:
        scope = scope_of(info)
        try:
            granted = tuple(
                _required_pk(g, "Area", "grantedAreaIds") for g in (input.granted_area_ids or [])
            )
            async with info.context.write.begin() as session:
                account = await accounts.create_account(
                    session,
                    actor=scope,
                    username=input.username,
                    display_name=input.display_name,
                    password=input.password,
                    role=input.role,
                    member_id=_pk(input.member_id, "Member", "memberId"),
                    department_id=_pk(input.department_id, "Department", "departmentId"),
                    enterprise_id=_pk(input.enterprise_id, "Enterprise", "enterpriseId"),
                    area_id=_pk(input.area_id, "Area", "areaId"),
                    granted_area_ids=granted,
                )
        except DomainError as exc:
            return AccountPayload(account=None, user_errors=user_errors(exc))
        return AccountPayload(account=Account.from_model(account), user_errors=[])

    @strawberry.mutation(description="重置账号密码并解锁（系统管理员）；该账号的令牌随之失效")
    async def reset_password(self, info: Info, input: ResetPasswordInput) -> AccountPayload:
        scope = scope_of(info)
        try:
            async with info.context.write.begin() as session:
                account = await accounts.reset_password(
                    session, actor=scope, account_id=_required_pk(input.account_id, "Account", "accountId"),
                    new_password=input.new_password,
                )
        except DomainError as exc:
            return AccountPayload(account=None, user_errors=user_errors(exc))
        return AccountPayload(account=Account.from_model(account), user_errors=[])

    @strawberry.mutation(description="使账号的全部登录令牌立即失效（退出所有设备）")
    async def revoke_sessions(self, info: Info, input: RevokeSessionsInput) -> AccountPayload:
        scope = scope_of(info)
        try:
            async with info.context.write.begin() as session:
                account = await accounts.revoke_sessions(
                    session, actor=scope, account_id=_pk(input.account_id, "Account", "accountId")
                )
        except DomainError as exc:
            return AccountPayload(account=None, user_errors=user_errors(exc))
        return AccountPayload(account=Account.from_model(account), user_errors=[])

    @strawberry.mutation(description="启用或停用账号（系统管理员）")
    async def set_account_active(self, info: Info, input: SetAccountActiveInput) -> AccountPayload:
        scope = scope_of(info)
        try:
            async with info.context.write.begin() as session:
                account = await accounts.set_active(
                    session, actor=scope, account_id=_required_pk(input.account_id, "Account", "accountId"),
                    active=input.active,
                )
        except DomainError as exc:
            return AccountPayload(account=None, user_errors=user_errors(exc))
        return AccountPayload(account=Account.from_model(account), user_errors=[])

    @strawberry.mutation(description="为外部平台账号签发接口令牌（系统管理员）；令牌原文只返回这一次")
    async def create_api_token(self, info: Info, input: CreateApiTokenInput) -> CreateApiTokenPayload:
        scope = scope_of(info)
        try:
            expires_at = aware_utc(input.expires_at, "expiresAt")
            async with info.context.write.begin() as session:
                api_token, raw = await accounts.create_api_token(
                    session, actor=scope, account_id=_required_pk(input.account_id, "Account", "accountId"),
                    name=input.name, expires_at=expires_at,
                )
        except DomainError as exc:
            return CreateApiTokenPayload(token=None, api_token=None, user_errors=user_errors(exc))
        return CreateApiTokenPayload(token=raw, api_token=ApiToken.from_model(api_token), user_errors=[])

    @strawberry.mutation(description="吊销接口令牌（系统管理员）；立即生效")
    async def revoke_api_token(self, info: Info, input: RevokeApiTokenInput) -> RevokeApiTokenPayload:
        scope = scope_of(info)
        try:
            async with info.context.write.begin() as session:
                api_token = await accounts.revoke_api_token(
                    session, actor=scope, token_id=_required_pk(input.id, "ApiToken", "id")
                )
        except DomainError as exc:
            return RevokeApiTokenPayload(api_token=None, user_errors=user_errors(exc))
        return RevokeApiTokenPayload(api_token=ApiToken.from_model(api_token), user_errors=[])

