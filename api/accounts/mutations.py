"""Account mutations: login, passwords, sessions, accounts and partner API tokens.

Each is one transaction; expected failures are ``userErrors``. ``login`` is the one
field reachable without a token; it commits failures too (throttling and audit).
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

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
from api.times import input_utc
from api.use_case import pk_of, run_use_case
from domain.accounts import service as accounts
from domain.accounts.models import Account as AccountModel
from domain.accounts.models import ApiToken as ApiTokenModel
from domain.errors import DomainError
from domain.scope import Scope

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


def _account(gid: strawberry.ID) -> int:
    return pk_of(gid, "Account", what="账号", field="accountId")


def _opt(gid: strawberry.ID | None, type_name: str, *, what: str, field: str) -> int | None:
    return None if gid is None else pk_of(gid, type_name, what=what, field=field)


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
        account, errors = await run_use_case(
            info,
            lambda session, scope: accounts.change_password(
                session, actor=scope, current_password=input.current_password, new_password=input.new_password
            ),
        )
        if account is None:
            return ChangePasswordPayload(token=None, expires_at=None, user_errors=errors)
        token, expires = accounts.issue_token(account, settings=info.context.settings)
        return ChangePasswordPayload(token=token, expires_at=expires, user_errors=[])

    @strawberry.mutation(description="新建账号（系统管理员）")
    async def create_account(self, info: Info, input: CreateAccountInput) -> AccountPayload:
        async def act(session: AsyncSession, scope: Scope) -> AccountModel:
            return await accounts.create_account(
                session,
                actor=scope,
                username=input.username,
                display_name=input.display_name,
                password=input.password,
                role=input.role,
                member_id=_opt(input.member_id, "Member", what="成员", field="memberId"),
                department_id=_opt(input.department_id, "Department", what="部门", field="departmentId"),
                enterprise_id=_opt(input.enterprise_id, "Enterprise", what="企业", field="enterpriseId"),
                area_id=_opt(input.area_id, "Area", what="区域", field="areaId"),
                granted_area_ids=tuple(
                    pk_of(g, "Area", what="授权区域", field="grantedAreaIds") for g in (input.granted_area_ids or [])
                ),
            )

        return _account_payload(*await run_use_case(info, act))

    @strawberry.mutation(description="重置账号密码并解锁（系统管理员）；该账号的令牌随之失效")
    async def reset_password(self, info: Info, input: ResetPasswordInput) -> AccountPayload:
        return _account_payload(*await run_use_case(
            info,
            lambda session, scope: accounts.reset_password(
                session, actor=scope, account_id=_account(input.account_id), new_password=input.new_password
            ),
        ))

    @strawberry.mutation(description="使账号的全部登录令牌立即失效（退出所有设备）")
    async def revoke_sessions(self, info: Info, input: RevokeSessionsInput) -> AccountPayload:
        return _account_payload(*await run_use_case(
            info,
            lambda session, scope: accounts.revoke_sessions(
                session, actor=scope, account_id=_opt(input.account_id, "Account", what="账号", field="accountId")
            ),
        ))

    @strawberry.mutation(description="启用或停用账号（系统管理员）")
    async def set_account_active(self, info: Info, input: SetAccountActiveInput) -> AccountPayload:
        return _account_payload(*await run_use_case(
            info,
            lambda session, scope: accounts.set_active(
                session, actor=scope, account_id=_account(input.account_id), active=input.active
            ),
        ))

    @strawberry.mutation(description="为外部平台账号签发接口令牌（系统管理员）；令牌原文只返回这一次")
    async def create_api_token(self, info: Info, input: CreateApiTokenInput) -> CreateApiTokenPayload:
        async def act(session: AsyncSession, scope: Scope) -> tuple[ApiTokenModel, str]:
            return await accounts.create_api_token(
                session, actor=scope, account_id=_account(input.account_id),
                name=input.name, expires_at=input_utc(input.expires_at, "expiresAt"),
            )

        made, errors = await run_use_case(info, act)
        if made is None:
            return CreateApiTokenPayload(token=None, api_token=None, user_errors=errors)
        api_token, raw = made
        return CreateApiTokenPayload(token=raw, api_token=ApiToken.from_model(api_token), user_errors=[])

    @strawberry.mutation(description="吊销接口令牌（系统管理员）；立即生效")
    async def revoke_api_token(self, info: Info, input: RevokeApiTokenInput) -> RevokeApiTokenPayload:
        api_token, errors = await run_use_case(
            info,
            lambda session, scope: accounts.revoke_api_token(
                session, actor=scope, token_id=pk_of(input.id, "ApiToken", what="接口令牌", field="id")
            ),
        )
        return RevokeApiTokenPayload(
            api_token=ApiToken.from_model(api_token) if api_token is not None else None, user_errors=errors
        )


def _account_payload(account: AccountModel | None, errors: list[UserError]) -> AccountPayload:
    return AccountPayload(account=Account.from_model(account) if account is not None else None, user_errors=errors)
