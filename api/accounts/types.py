"""GraphQL types of accounts, the viewer and partner API tokens."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.context import Info
from api.enums import AccountRole
from api.org.types import Area
from api.relay import Node, to_global_id
from domain.accounts.models import Account as AccountModel
from domain.accounts.models import ApiToken as ApiTokenModel
from domain.db import utcnow
from domain.org.repository import path_ids
from domain.scope import Scope


def _gid(type_name: str, pk: int | None) -> strawberry.ID | None:
    return to_global_id(type_name, pk) if pk is not None else None


async def _areas(info: Info, ids: list[int]) -> list[Area]:
    found = await info.context.loaders.area.load_many(ids)
    return [Area.from_model(m) for m in found if m is not None]


@strawberry.type(name="Account", description="登录账号（账号角色不同于网格力量角色）")
class Account(Node):
    model: strawberry.Private[AccountModel]
    username: str = strawberry.field(description="用户名")
    display_name: str = strawberry.field(description="姓名或名称")
    role: AccountRole = strawberry.field(description="账号角色")
    active: bool = strawberry.field(description="是否启用")
    last_login_at: datetime | None = strawberry.field(description="最近登录时间")
    password_changed_at: datetime | None = strawberry.field(description="最近修改密码时间")
    locked_until: datetime | None = strawberry.field(description="因多次密码错误锁定至（未锁定为 null）")
    member_id: strawberry.ID | None = strawberry.field(description="关联的网格力量成员（网格长、网格员）")
    department_id: strawberry.ID | None = strawberry.field(description="关联的部门（部门办理人员）")
    enterprise_id: strawberry.ID | None = strawberry.field(description="关联的企业（企业账号）")

    @classmethod
    def from_model(cls, m: AccountModel) -> Account:
        locked = m.locked_until if m.locked_until is not None and m.locked_until > utcnow() else None
        return cls(
            id=to_global_id("Account", m.id),
            model=m,
            username=m.username,
            display_name=m.display_name,
            role=m.role,
            active=m.active,
            last_login_at=m.last_login_at,
            password_changed_at=m.password_changed_at,
            locked_until=locked,
            member_id=_gid("Member", m.member_id),
            department_id=_gid("Department", m.department_id),
            enterprise_id=_gid("Enterprise", m.enterprise_id),
        )

    @strawberry.field(description="关联的区域（园区管理员、只读用户、规则编辑）")
    async def area(self, info: Info) -> Area | None:
        if self.model.area_id is None:
            return None
        m = await info.context.loaders.area.load(self.model.area_id)
        return Area.from_model(m) if m else None

    @strawberry.field(description="授权区域（外部平台可订阅这些区域的事件）")
    async def granted_areas(self, info: Info) -> list[Area]:
        return await _areas(info, await info.context.loaders.account_granted_areas.load(self.model.id))


@strawberry.type(description="当前登录者：账号及其可见范围")
class Viewer:
    scope: strawberry.Private[Scope]
    account: Account = strawberry.field(description="账号")
    token_expires_at: datetime | None = strawberry.field(description="当前令牌的过期时间")

    @strawberry.field(description="账号角色")
    def role(self) -> AccountRole:
        return self.account.role

    @strawberry.field(description="是否只读（只读用户；规则编辑除规则外只读）")
    def read_only(self) -> bool:
        return self.scope.read_only

    @strawberry.field(description="是否可编辑和发布规则")
    def can_edit_policies(self) -> bool:
        return self.scope.can_edit_policies

    @strawberry.field(description="是否可见全部区域（系统管理员）")
    def sees_everything(self) -> bool:
        return self.scope.sees_all

    @strawberry.field(description="数据范围：可见其下人员、企业、事件、订单等的区域（各子树的根）")
    async def areas(self, info: Info) -> list[Area]:
        if self.scope.sees_all:
            return []
        return await _areas(info, [path_ids(p)[-1] for p in self.scope.area_paths if path_ids(p)])

    @strawberry.field(description="可查看的区域树（各子树的根；其上级区域也可见）")
    async def area_tree(self, info: Info) -> list[Area]:
        tree = self.scope.tree
        if "/" in tree:
            return []
        return await _areas(info, [path_ids(p)[-1] for p in tree if path_ids(p)])

    @strawberry.field(description="外部平台：授权区域（事件流的范围）")
    async def granted_areas(self, info: Info) -> list[Area]:
        return await _areas(info, [path_ids(p)[-1] for p in self.scope.granted_paths if path_ids(p)])

    @strawberry.field(description="部门办理人员：所属部门（办理分派给该部门的事项）")
    def department_id(self) -> strawberry.ID | None:
        return _gid("Department", self.scope.department_id)

    @strawberry.field(description="企业账号：所属企业")
    def enterprise_id(self) -> strawberry.ID | None:
        return _gid("Enterprise", self.scope.enterprise_id)

    @strawberry.field(description="网格长、网格员：对应的网格力量成员")
    def member_id(self) -> strawberry.ID | None:
        return _gid("Member", self.scope.member_id)


@strawberry.type(name="ApiToken", description="外部平台接口令牌（长期有效、可吊销；只保存其哈希）")
class ApiToken(Node):
    model: strawberry.Private[ApiTokenModel]
    name: str = strawberry.field(description="名称（用途）")
    created_at: datetime = strawberry.field(description="创建时间")
    expires_at: datetime | None = strawberry.field(description="过期时间（null 为长期有效）")
    revoked_at: datetime | None = strawberry.field(description="吊销时间")
    last_used_at: datetime | None = strawberry.field(description="最近使用时间（约 10 分钟精度）")

    @classmethod
    def from_model(cls, m: ApiTokenModel) -> ApiToken:
        return cls(
            id=to_global_id("ApiToken", m.id),
            model=m,
            name=m.name,
            created_at=m.created_at,
            expires_at=m.expires_at,
            revoked_at=m.revoked_at,
            last_used_at=m.last_used_at,
        )

    @strawberry.field(description="是否可用（未吊销且未过期）")
    def active(self) -> bool:
        m = self.model
        return m.revoked_at is None and (m.expires_at is None or m.expires_at > utcnow())

    @strawberry.field(description="所属账号")
    async def account(self, info: Info) -> Account | None:
        m = await info.context.loaders.account.load(self.model.account_id)
        return Account.from_model(m) if m else None
