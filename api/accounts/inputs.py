"""Inputs of the account mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.enums import AccountRole


@strawberry.input(description="登录")
class LoginInput:
    username: str = strawberry.field(description="用户名")
    password: str = strawberry.field(description="密码")


@strawberry.input(description="修改自己的密码（其他会话随之失效）")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="当前密码")
    new_password: str = strawberry.field(description="新密码：至少 10 位，须含字母和数字")


@strawberry.input(description="新建账号（系统管理员）")
class CreateAccountInput:
    username: str = strawberry.field(description="用户名（3–64 个字符，不区分大小写）")
    display_name: str = strawberry.field(description="姓名或名称")
    password: str = strawberry.field(description="初始密码：至少 10 位，须含字母和数字")
    role: AccountRole = strawberry.field(description="账号角色")
    member_id: strawberry.ID | None = strawberry.field(default=None, description="网格长、网格员：对应成员")
    department_id: strawberry.ID | None = strawberry.field(default=None, description="部门办理人员：所属部门")
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description="企业账号：所属企业")
    area_id: strawberry.ID | None = strawberry.field(
        default=None, description="园区管理员：园区；只读用户、规则编辑：区或园区"
    )
    granted_area_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="外部平台：授权区域"
    )


@strawberry.input(description="重置账号密码并解锁（系统管理员）")
class ResetPasswordInput:
    account_id: strawberry.ID = strawberry.field(description="账号")
    new_password: str = strawberry.field(description="新密码：至少 10 位，须含字母和数字")


@strawberry.input(description="使账号的全部登录令牌失效（不填账号即本人）")
class RevokeSessionsInput:
    account_id: strawberry.ID | None = strawberry.field(default=None, description="账号（他人须系统管理员）")


@strawberry.input(description="启用或停用账号（系统管理员）")
class SetAccountActiveInput:
    account_id: strawberry.ID = strawberry.field(description="账号")
    active: bool = strawberry.field(description="启用（true）或停用（false）")


@strawberry.input(description="为外部平台账号签发接口令牌（系统管理员）")
class CreateApiTokenInput:
    account_id: strawberry.ID = strawberry.field(description="外部平台（PARTNER）账号")
    name: str = strawberry.field(description="名称（用途）")
    expires_at: datetime | None = strawberry.field(default=None, description="过期时间（不填为长期有效）")


@strawberry.input(description="吊销接口令牌（系统管理员）")
class RevokeApiTokenInput:
    id: strawberry.ID = strawberry.field(description="接口令牌")
