"""The audit log, for ADMIN (park admins would need area attribution of entries — later)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import select

from api.audit.types import AuditEntry
from api.context import Info
from api.errors import coded_error
from api.permissions import require_role
from api.relay import Connection, connection, expect_id, paginate
from api.times import bound_utc
from domain.audit.models import AuditEntry as AuditEntryModel
from domain.enums import AccountRole


@strawberry.input(description="审计日志筛选")
class AuditLogFilter:
    account_id: strawberry.ID | None = strawberry.field(default=None, description="操作账号")
    action: str | None = strawberry.field(default=None, description="操作（完全一致，或以 . 结尾作前缀，如 account.）")
    object_type: str | None = strawberry.field(default=None, description="对象类型")
    object_id: str | None = strawberry.field(default=None, description="对象编号")
    since: datetime | None = strawberry.field(default=None, description="起（含）")
    until: datetime | None = strawberry.field(default=None, description="止（不含）")


@strawberry.type
class AuditQueries:
    @strawberry.field(description="审计日志（系统管理员），新的在前")
    async def audit_log(
        self,
        info: Info,
        filter: AuditLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AuditEntry] | None:
        require_role(info, AccountRole.ADMIN)
        f = filter or AuditLogFilter()
        stmt = select(AuditEntryModel)
        if f.account_id is not None:
            pk = expect_id(f.account_id, "Account")
            if pk is None:
                raise coded_error("INVALID", "filter.accountId 不是账号 ID", field="filter.accountId")
            stmt = stmt.where(AuditEntryModel.account_id == pk)
        if f.action:
            if f.action.endswith("."):
                stmt = stmt.where(AuditEntryModel.action.startswith(f.action, autoescape=True))
            else:
                stmt = stmt.where(AuditEntryModel.action == f.action)
        if f.object_type:
            stmt = stmt.where(AuditEntryModel.object_type == f.object_type)
        if f.object_id:
            stmt = stmt.where(AuditEntryModel.object_id == f.object_id)
        for name, value in (("since", f.since), ("until", f.until)):
            if value is not None and value.tzinfo is None:
                raise coded_error("INVALID", f"filter.{name} 须带时区", field=f"filter.{name}")
        if f.since is not None:
            stmt = stmt.where(AuditEntryModel.at >= bound_utc(f.since))
        if f.until is not None:
            stmt = stmt.where(AuditEntryModel.at < bound_utc(f.until))
        async with info.context.reading() as session:
            rows, w = await paginate(
                session, stmt.order_by(AuditEntryModel.at.desc(), AuditEntryModel.id.desc()),
                first=first, after=after, last=last, before=before,
            )
        return connection([AuditEntry.from_model(r) for r in rows], w)
