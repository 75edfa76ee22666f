"""Inputs of the organisation's mutations.

In ``update*`` inputs an omitted field keeps its value and an explicit ``null``
clears it (where clearing makes sense; otherwise it is an ``INVALID`` user error).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from api.enums import AreaKind, DepartmentLevel, DutyTag, MemberRole, PartyOrgKind, ProjectStatus

# --- areas ---------------------------------------------------------------------------


@strawberry.input(description="服务管理中心")
class ServiceCenterInput:
    name: str = strawberry.field(description="名称")
    address: str | None = strawberry.field(default=None, description="地址")
    phone: str | None = strawberry.field(default=None, description="服务电话")


@strawberry.input(description="党组织")
class PartyOrganizationInput:
    name: str = strawberry.field(description="名称")
    kind: PartyOrgKind | None = strawberry.field(default=None, description="类型")
    secretary: str | None = strawberry.field(default=None, description="书记")


@strawberry.input(description="新建区域")
class CreateAreaInput:
    code: str = strawberry.field(description="区域编码（唯一）")
    name: str = strawberry.field(description="名称")
    kind: AreaKind = strawberry.field(description="层级")
    parent_id: strawberry.ID | None = strawberry.field(default=None, description="上级区域（区不填）")
    service_center: ServiceCenterInput | None = strawberry.field(default=None, description="服务管理中心")
    party_organization: PartyOrganizationInput | None = strawberry.field(default=None, description="党组织")
    brand: str | None = strawberry.field(default=None, description="特色品牌")
    park_type: str | None = strawberry.field(default=None, description="园区类型")
    boundary: JSON | None = strawberry.field(default=None, description="边界（GeoJSON 多边形）")


@strawberry.input(description="修改区域；改上级即连同全部下级一起迁移")
class UpdateAreaInput:
    id: strawberry.ID = strawberry.field(description="区域")
    code: str | None = strawberry.field(default=UNSET, description="区域编码")
    name: str | None = strawberry.field(default=UNSET, description="名称")
    kind: AreaKind | None = strawberry.field(default=UNSET, description="层级")
    parent_id: strawberry.ID | None = strawberry.field(default=UNSET, description="上级区域（迁移）")
    service_center: ServiceCenterInput | None = strawberry.field(
        default=UNSET, description="服务管理中心（null 清除）"
    )
    party_organization: PartyOrganizationInput | None = strawberry.field(
        default=UNSET, description="党组织（null 清除）"
    )
    brand: str | None = strawberry.field(default=UNSET, description="特色品牌")
    park_type: str | None = strawberry.field(default=UNSET, description="园区类型")
    boundary: JSON | None = strawberry.field(default=UNSET, description="边界（GeoJSON 多边形）")


# --- members -------------------------------------------------------------------------


@strawberry.input(description="新增成员：属于一个区域，或（应哨责任人）一个部门")
class AddMemberInput:
    code: str = strawberry.field(description="成员编码（唯一）")
    name: str = strawberry.field(description="姓名")
    roles: list[MemberRole] = strawberry.field(description="角色（至少一个）")
    area_id: strawberry.ID | None = strawberry.field(default=None, description="所属区域")
    department_id: strawberry.ID | None = strawberry.field(default=None, description="所属部门")
    enterprise_id: strawberry.ID | None = strawberry.field(
        default=None, description="关联企业（兼职网格员必填，须在本网格内）"
    )
    duties: list[DutyTag] = strawberry.field(default_factory=list, description="职责标签")
    party_member: bool = strawberry.field(default=False, description="是否党员")
    phone: str | None = strawberry.field(default=None, description="手机号码")
    has_terminal: bool = strawberry.field(default=False, description="是否配备移动终端/APP")
    on_duty_date: date | None = strawberry.field(default=None, description="上岗公示日期")


@strawberry.input(description="修改成员信息（调整区域或部门用 moveMember）")
class UpdateMemberInput:
    id: strawberry.ID = strawberry.field(description="成员")
    code: str | None = strawberry.field(default=UNSET, description="成员编码")
    name: str | None = strawberry.field(default=UNSET, description="姓名")
    enterprise_id: strawberry.ID | None = strawberry.field(default=UNSET, description="关联企业（null 解除）")
    party_member: bool | None = strawberry.field(default=UNSET, description="是否党员")
    phone: str | None = strawberry.field(default=UNSET, description="手机号码（null 清除）")
    has_terminal: bool | None = strawberry.field(default=UNSET, description="是否配备移动终端/APP")
    on_duty_date: date | None = strawberry.field(default=UNSET, description="上岗公示日期")


@strawberry.input(description="调整成员的区域或部门；其未办结事件按责任人规则重新指派")
class MoveMemberInput:
    id: strawberry.ID = strawberry.field(description="成员")
    area_id: strawberry.ID | None = strawberry.field(default=None, description="新区域")
    department_id: strawberry.ID | None = strawberry.field(default=None, description="新部门")
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description="关联企业")
    roles: list[MemberRole] | None = strawberry.field(
        default=None, description="新角色（不填则保留原角色，须适合新位置）"
    )
    note: str | None = strawberry.field(default=None, description="说明")


@strawberry.input(description="停用成员；其未办结事件按责任人规则重新指派")
class DeactivateMemberInput:
    id: strawberry.ID = strawberry.field(description="成员")
    note: str | None = strawberry.field(default=None, description="原因")


@strawberry.input(description="设置成员角色（整体替换）")
class SetMemberRolesInput:
    id: strawberry.ID = strawberry.field(description="成员")
    roles: list[MemberRole] = strawberry.field(description="角色（至少一个）")


@strawberry.input(description="设置成员职责标签（整体替换）")
class SetMemberDutiesInput:
    id: strawberry.ID = strawberry.field(description="成员")
    duties: list[DutyTag] = strawberry.field(description="职责标签")


# --- departments ---------------------------------------------------------------------


@strawberry.input(description="新建部门")
class CreateDepartmentInput:
    code: str = strawberry.field(description="部门编码（规则中引用，唯一）")
    name: str = strawberry.field(description="名称")
    level: DepartmentLevel = strawberry.field(description="层级")
    park_id: strawberry.ID | None = strawberry.field(default=None, description="所属园区（园区科室必填）")
    has_platform_account: bool = strawberry.field(default=False, description="是否开通平台账号")


@strawberry.input(description="修改部门")
class UpdateDepartmentInput:
    id: strawberry.ID = strawberry.field(description="部门")
    code: str | None = strawberry.field(default=UNSET, description="部门编码")
    name: str | None = strawberry.field(default=UNSET, description="名称")
    level: DepartmentLevel | None = strawberry.field(default=UNSET, description="层级")
    park_id: strawberry.ID | None = strawberry.field(default=UNSET, description="所属园区")
    has_platform_account: bool | None = strawberry.field(default=UNSET, description="是否开通平台账号")


@strawberry.input(description="设置部门的应哨责任人（memberId 为 null 则清除）")
class SetDepartmentResponderInput:
    department_id: strawberry.ID = strawberry.field(description="部门")
    member_id: strawberry.ID | None = strawberry.field(description="成员")


# --- enterprises and projects --------------------------------------------------------


@strawberry.input(description="登记企业")
class CreateEnterpriseInput:
    name: str = strawberry.field(description="企业名称")
    credit_code: str = strawberry.field(description="统一社会信用代码（18位）")
    grid_id: strawberry.ID = strawberry.field(description="所属小网格")
    industry: str | None = strawberry.field(default=None, description="行业")
    employees: int = strawberry.field(default=0, description="从业人数")
    has_party_org: bool = strawberry.field(default=False, description="是否建立党组织")
    party_secretary_name: str | None = strawberry.field(default=None, description="企业党组织书记")
    contact_name: str | None = strawberry.field(default=None, description="联系人")
    contact_phone: str | None = strawberry.field(default=None, description="联系电话（手机或带区号的固定电话）")
    address: str | None = strawberry.field(default=None, description="地址")


@strawberry.input(description="修改企业")
class UpdateEnterpriseInput:
    id: strawberry.ID = strawberry.field(description="企业")
    name: str | None = strawberry.field(default=UNSET, description="企业名称")
    credit_code: str | None = strawberry.field(default=UNSET, description="统一社会信用代码")
    grid_id: strawberry.ID | None = strawberry.field(default=UNSET, description="所属小网格")
    industry: str | None = strawberry.field(default=UNSET, description="行业")
    employees: int | None = strawberry.field(default=UNSET, description="从业人数")
    has_party_org: bool | None = strawberry.field(default=UNSET, description="是否建立党组织")
    party_secretary_name: str | None = strawberry.field(default=UNSET, description="企业党组织书记")
    contact_name: str | None = strawberry.field(default=UNSET, description="联系人")
    contact_phone: str | None = strawberry.field(default=UNSET, description="联系电话")
    address: str | None = strawberry.field(default=UNSET, description="地址")


@strawberry.input(description="登记项目")
class CreateProjectInput:
    name: str = strawberry.field(description="项目名称")
    enterprise_id: strawberry.ID = strawberry.field(description="所属企业")
    grid_id: strawberry.ID | None = strawberry.field(default=None, description="所在小网格（默认为企业所在网格）")
    status: ProjectStatus = strawberry.field(default=ProjectStatus.UNDER_CONSTRUCTION, description="状态")
    investment: Decimal | None = strawberry.field(default=None, description="投资额（元）")
    started_on: date | None = strawberry.field(default=None, description="开工日期")


@strawberry.input(description="修改项目")
class UpdateProjectInput:
    id: strawberry.ID = strawberry.field(description="项目")
    name: str | None = strawberry.field(default=UNSET, description="项目名称")
    enterprise_id: strawberry.ID | None = strawberry.field(default=UNSET, description="所属企业")
    grid_id: strawberry.ID | None = strawberry.field(default=UNSET, description="所在小网格")
    status: ProjectStatus | None = strawberry.field(default=UNSET, description="状态")
    investment: Decimal | None = strawberry.field(default=UNSET, description="投资额（元）")
    started_on: date | None = strawberry.field(default=UNSET, description="开工日期")
