"""GraphQL type of an audit-log entry."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.accounts.types import Account
from api.context import Info
from api.relay import Node, to_global_id
from domain.audit.models import AuditEntry as AuditEntryModel


@strawberry.type(name="AuditEntry", description="审计日志：谁在何时做了什么，变更前后（个人信息已脱敏）")
class AuditEntry(Node):
    model: strawberry.Private[AuditEntryModel]
    at: datetime = strawberry.field(description="时间")
    action: str = strawberry.field(description="操作，如 account.login、member.update")
    object_type: str = strawberry.field(description="对象类型")
    object_id: str | None = strawberry.field(description="对象编号")
    before: strawberry.scalars.JSON | None = strawberry.field(description="变更前（脱敏）")
    after: strawberry.scalars.JSON | None = strawberry.field(description="变更后（脱敏）")
    request_id: str | None = strawberry.field(description="请求编号")

    @classmethod
    def from_model(cls, m: AuditEntryModel) -> AuditEntry:
        return cls(
            id=to_global_id("AuditEntry", m.id),
            model=m,
            at=m.at,
            action=m.action,
            object_type=m.object_type,
            object_id=m.object_id,
            before=m.before,
            after=m.after,
            request_id=m.request_id,
        )

    @strawberry.field(description="操作账号（系统操作为 null）")
    async def account(self, info: Info) -> Account | None:
        if self.model.account_id is None:
            return None
        m = await info.context.loaders.account.load(self.model.account_id)
        return Account.from_model(m) if m else None
