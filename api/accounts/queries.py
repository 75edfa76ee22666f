"""Account queries: ``viewer`` for everyone logged in; accounts and API tokens for ADMIN."""

from __future__ import annotations

import strawberry
from sqlalchemy import or_, select

from api.accounts.types import Account, ApiToken, Viewer
from api.context import Info
from api.enums import AccountRole
from api.errors import coded_error
from api.permissions import require_role, scope_of
from api.relay import Connection, connection, expect_id, paginate
from domain.accounts.models import Account as AccountModel
from domain.accounts.models import ApiToken as ApiTokenModel
from domain.enums import AccountRole as Role


@strawberry.input(description="账号筛选")
class AccountFilter:
    role: AccountRole | None = strawberry.field(default=None, description="角色")
    active: bool | None = strawberry.field(default=None, description="是否启用")
    search: str | None = strawberry.field(default=None, description="按用户名或姓名查找")


@strawberry.type
class AccountQueries:
    @strawberry.field(description="当前登录者：账号、角色及可见范围")
    async def viewer(self, info: Info) -> Viewer | None:
        scope = scope_of(info)
        m = info.context.extra.get("account")
        if m is None and scope.account_id is not None:
            m = await info.context.loaders.account.load(scope.account_id)
        if m is None:
            return None
        return Viewer(
            scope=scope, account=Account.from_model(m), token_expires_at=info.context.extra.get("auth_expires_at")
        )

    @strawberry.field(description="账号列表（系统管理员）")
    async def accounts(
        self,
        info: Info,
        filter: AccountFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Account] | None:
        require_role(info, Role.ADMIN)
        f = filter or AccountFilter()
        stmt = select(AccountModel)
        if f.role is not None:
            stmt = stmt.where(AccountModel.role == f.role)
        if f.active is not None:
            stmt = stmt.where(AccountModel.active == f.active)
        if f.search and f.search.strip():
            term = f.search.strip()
            stmt = stmt.where(or_(
                AccountModel.username.contains(term.lower(), autoescape=True),
                AccountModel.display_name.contains(term, autoescape=True),
            ))
        async with info.context.reading() as session:
            rows, w = await paginate(
                session, stmt.order_by(AccountModel.username, AccountModel.id),
                first=first, after=after, last=last, before=before,
            )
        return connection([Account.from_model(r) for r in rows], w)

    @strawberry.field(description="外部平台接口令牌（系统管理员）")
    async def api_tokens(
        self,
        info: Info,
        account_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ApiToken] | None:
        require_role(info, Role.ADMIN)
        stmt = select(ApiTokenModel)
        if account_id is not None:
            pk = expect_id(account_id, "Account")
            if pk is None:
                raise coded_error("INVALID", "accountId 不是账号 ID", field="accountId")
            stmt = stmt.where(ApiTokenModel.account_id == pk)
        async with info.context.reading() as session:
            rows, w = await paginate(
                session, stmt.order_by(ApiTokenModel.id.desc()), first=first, after=after, last=last, before=before
            )
        return connection([ApiToken.from_model(r) for r in rows], w)
