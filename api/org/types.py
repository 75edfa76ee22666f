"""GraphQL types of the organisation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from api.context import Info
from api.enums import AreaKind, DepartmentLevel, DutyTag, MemberRole, PartyOrgKind, ProjectStatus
from api.org.staffing import GridStaffing
from api.org.visibility import shown
from api.permissions import scope_of
from api.personal import reveal_phone
from api.relay import Connection, Node, connection, paginate, to_global_id
from domain.enums import AreaKind as AreaKindValue
from domain.enums import ProjectStatus as ProjectStatusValue
from domain.org import repository as org_repo
from domain.org import staffing as domain_staffing
from domain.org.models import Area as AreaModel
from domain.org.models import Department as DepartmentModel
from domain.org.models import Enterprise as EnterpriseModel
from domain.org.models import Member as MemberModel
from domain.org.models import Project as ProjectModel
from domain.org.models import TrainingRecord as TrainingRecordModel


@strawberry.type(description="服务管理中心")
class ServiceCenter:
    name: str = strawberry.field(description="名称")
    address: str | None = strawberry.field(description="地址")
    phone: str | None = strawberry.field(description="服务电话")


@strawberry.type(description="党组织")
class PartyOrganization:
    name: str = strawberry.field(description="名称")
    kind: PartyOrgKind | None = strawberry.field(description="类型")
    secretary: str | None = strawberry.field(description="书记")


@strawberry.type(name="Area", description="区域：区、产业园区、大网格、小网格（网格片区）")
class Area(Node):
    model: strawberry.Private[AreaModel]
    code: str = strawberry.field(description="区域编码（唯一）")
    name: str = strawberry.field(description="名称")
    kind: AreaKind = strawberry.field(description="层级")
    brand: str | None = strawberry.field(description="特色品牌（一网格一品牌）")
    park_type: str | None = strawberry.field(description="园区类型")
    depth: int = strawberry.field(description="层级深度（区为 0）")

    @classmethod
    def from_model(cls, m: AreaModel) -> Area:
        return cls(
            id=to_global_id("Area", m.id),
            model=m,
            code=m.code,
            name=m.name,
            kind=m.kind,
            brand=m.brand,
            park_type=m.park_type,
            depth=m.depth,
        )

    @strawberry.field(description="服务管理中心")
    def service_center(self) -> ServiceCenter | None:
        m = self.model
        if not m.center_name:
            return None
        return ServiceCenter(name=m.center_name, address=m.center_address, phone=m.center_phone)

    @strawberry.field(description="党组织")
    def party_organization(self) -> PartyOrganization | None:
        m = self.model
        if not m.party_org_name:
            return None
        return PartyOrganization(name=m.party_org_name, kind=m.party_org_kind, secretary=m.party_secretary)

    @strawberry.field(description="边界（GeoJSON 多边形）")
    def boundary(self) -> strawberry.scalars.JSON | None:
        return self.model.boundary

    @strawberry.field(description="上级区域")
    async def parent(self, info: Info) -> Area | None:
        if self.model.parent_id is None:
            return None
        m = await shown(info, await info.context.loaders.area.load(self.model.parent_id))
        return Area.from_model(m) if m else None

    @strawberry.field(description="从区到上级的各级区域（自上而下）")
    async def ancestors(self, info: Info) -> list[Area]:
        ids = org_repo.path_ids(self.model.path)[:-1]
        found = await info.context.loaders.area.load_many(ids)
        return [Area.from_model(m) for m in found if m is not None and await shown(info, m) is not None]

    @strawberry.field(description="下级区域数（可见的）")
    async def children_count(self, info: Info) -> int:
        on_path = scope_of(info).children_on_path(self.model.path)
        if on_path is not None:  # seen as a breadcrumb: only the children leading to the caller's areas
            return len(on_path)
        return await info.context.loaders.area_children_count.load(self.model.id)

    @strawberry.field(description="下级区域")
    async def children(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Area]:
        scope = scope_of(info)
        async with info.context.reading() as session:
            rows, w = await paginate(
                session,
                org_repo.areas_query(parent_id=self.model.id, scope=scope),
                first=first, after=after, last=last, before=before,
            )
        return connection([Area.from_model(r) for r in rows], w)

    @strawberry.field(description="网格长（在岗；无则为 null）")
    async def grid_leader(self, info: Info) -> Member | None:
        if not scope_of(info).covers_path(self.model.path):
            return None
        m = await shown(info, await info.context.loaders.area_grid_leader.load(self.model.id))
        return Member.from_model(m) if m else None

    @strawberry.field(description="人员配备（1+1+N，仅小网格；其他层级为 null）")
    async def staffing(self, info: Info) -> GridStaffing | None:
        if self.model.kind != AreaKindValue.SMALL_GRID or not scope_of(info).covers_path(self.model.path):
            return None
        counts = await info.context.loaders.area_role_counts.load(self.model.id)
        return GridStaffing(result=domain_staffing.evaluate(self.model, counts))


# --- personal data -------------------------------------------------------------------


async def _area_path_of(info: Info, area_id: int | None) -> str | None:
    if area_id is None:
        return None
    a = await info.context.loaders.area.load(area_id)
    return a.path if a is not None else None


async def _phone(info: Info, member: MemberModel, reveal: bool = False) -> str | None:
    """A member's phone as this caller may see it: masked (``138****5678``), or — asked
    with ``reveal`` by a role that needs it — in full and logged (``api.personal``)."""
    if not member.phone_cipher:
        return None
    return await reveal_phone(
        info, "Member", member.id, member.phone_cipher,
        area_path=await _area_path_of(info, member.area_id), reveal=reveal,
    )


async def _contact_phone(info: Info, enterprise: EnterpriseModel, reveal: bool = False) -> str | None:
    """An enterprise contact's phone as this caller may see it (``api.personal`` decides)."""
    if not enterprise.contact_phone_cipher:
        return None
    return await reveal_phone(
        info, "Enterprise", enterprise.id, enterprise.contact_phone_cipher,
        area_path=await _area_path_of(info, enterprise.grid_id), field="contact_phone", reveal=reveal,
    )


_REVEAL = "查看全号：系统管理员、本园区的园区管理员、本网格的网格长及本人可见，每次查看都记录在案"


# --- members -------------------------------------------------------------------------


@strawberry.type(description="培训记录")
class TrainingRecord:
    title: str = strawberry.field(description="培训内容")
    held_on: date = strawberry.field(description="培训日期")
    hours: float = strawberry.field(description="学时")

    @classmethod
    def from_model(cls, m: TrainingRecordModel) -> TrainingRecord:
        return cls(title=m.title, held_on=m.held_on, hours=float(m.hours or 0))


@strawberry.type(name="Member", description="网格力量成员：网格长、网格员、园区与部门的应哨责任人等")
class Member(Node):
    model: strawberry.Private[MemberModel]
    code: str = strawberry.field(description="成员编码（唯一）")
    name: str = strawberry.field(description="姓名")
    party_member: bool = strawberry.field(description="是否党员")
    has_terminal: bool = strawberry.field(description="是否配备移动终端/APP")
    on_duty_date: date | None = strawberry.field(description="上岗公示日期")
    active: bool = strawberry.field(description="是否在岗（停用为 false）")

    @classmethod
    def from_model(cls, m: MemberModel) -> Member:
        return cls(
            id=to_global_id("Member", m.id),
            model=m,
            code=m.code,
            name=m.name,
            party_member=m.party_member,
            has_terminal=m.has_terminal,
            on_duty_date=m.on_duty_date,
            active=m.active,
        )

    @strawberry.field(description="手机号码（默认脱敏，如 138****5678）")
    async def phone(
        self, info: Info, reveal: Annotated[bool, strawberry.argument(description=_REVEAL)] = False
    ) -> str | None:
        return await _phone(info, self.model, reveal)

    @strawberry.field(description="所属区域（部门成员为 null）")
    async def area(self, info: Info) -> Area | None:
        if self.model.area_id is None:
            return None
        m = await shown(info, await info.context.loaders.area.load(self.model.area_id))
        return Area.from_model(m) if m else None

    @strawberry.field(description="所属部门（区域成员为 null）")
    async def department(self, info: Info) -> Department | None:
        if self.model.department_id is None:
            return None
        m = await shown(info, await info.context.loaders.department.load(self.model.department_id))
        return Department.from_model(m) if m else None

    @strawberry.field(description="关联企业（兼职网格员所在企业）")
    async def enterprise(self, info: Info) -> Enterprise | None:
        if self.model.enterprise_id is None:
            return None
        m = await shown(info, await info.context.loaders.enterprise.load(self.model.enterprise_id))
        return Enterprise.from_model(m) if m else None

    @strawberry.field(description="角色")
    async def roles(self, info: Info) -> list[MemberRole]:
        return await info.context.loaders.member_roles.load(self.model.id)

    @strawberry.field(description="职责标签")
    async def duties(self, info: Info) -> list[DutyTag]:
        return await info.context.loaders.member_duties.load(self.model.id)

    @strawberry.field(description="培训记录")
    async def training_records(self, info: Info) -> list[TrainingRecord]:
        return [TrainingRecord.from_model(t) for t in await info.context.loaders.member_trainings.load(self.model.id)]


# --- departments ---------------------------------------------------------------------


@strawberry.type(name="Department", description="部门：园区科室或区职能部门")
class Department(Node):
    model: strawberry.Private[DepartmentModel]
    code: str = strawberry.field(description="部门编码（规则中引用）")
    name: str = strawberry.field(description="名称")
    level: DepartmentLevel = strawberry.field(description="层级")
    has_platform_account: bool = strawberry.field(description="是否开通平台账号")

    @classmethod
    def from_model(cls, m: DepartmentModel) -> Department:
        return cls(
            id=to_global_id("Department", m.id),
            model=m,
            code=m.code,
            name=m.name,
            level=m.level,
            has_platform_account=m.has_platform_account,
        )

    @strawberry.field(description="所属园区（园区科室）")
    async def park(self, info: Info) -> Area | None:
        if self.model.park_id is None:
            return None
        m = await shown(info, await info.context.loaders.area.load(self.model.park_id))
        return Area.from_model(m) if m else None

    @strawberry.field(description="应哨责任人")
    async def responder(self, info: Info) -> Member | None:
        if self.model.responder_id is None:
            return None
        m = await shown(info, await info.context.loaders.member.load(self.model.responder_id))
        return Member.from_model(m) if m else None


# --- enterprises and projects --------------------------------------------------------


@strawberry.type(name="Enterprise", description="企业")
class Enterprise(Node):
    model: strawberry.Private[EnterpriseModel]
    name: str = strawberry.field(description="企业名称")
    credit_code: str = strawberry.field(description="统一社会信用代码")
    industry: str | None = strawberry.field(description="行业")
    employees: int = strawberry.field(description="从业人数")
    has_party_org: bool = strawberry.field(description="是否建立党组织")
    party_secretary_name: str | None = strawberry.field(description="企业党组织书记")
    contact_name: str | None = strawberry.field(description="联系人")
    address: str | None = strawberry.field(description="地址")

    @classmethod
    def from_model(cls, m: EnterpriseModel) -> Enterprise:
        return cls(
            id=to_global_id("Enterprise", m.id),
            model=m,
            name=m.name,
            credit_code=m.credit_code,
            industry=m.industry,
            employees=m.employees,
            has_party_org=m.has_party_org,
            party_secretary_name=m.party_secretary_name,
            contact_name=m.contact_name,
            address=m.address,
        )

    @strawberry.field(description="联系电话（默认脱敏，如 138****5678）")
    async def contact_phone(
        self, info: Info, reveal: Annotated[bool, strawberry.argument(description=_REVEAL)] = False
    ) -> str | None:
        return await _contact_phone(info, self.model, reveal)

    @strawberry.field(description="所属网格")
    async def grid(self, info: Info) -> Area | None:
        m = await shown(info, await info.context.loaders.area.load(self.model.grid_id))
        return Area.from_model(m) if m else None

    @strawberry.field(description="项目数")
    async def project_count(self, info: Info) -> int:
        return await info.context.loaders.enterprise_project_count.load(self.model.id)


@strawberry.type(name="Project", description="在建项目")
class Project(Node):
    model: strawberry.Private[ProjectModel]
    name: str = strawberry.field(description="项目名称")
    status: ProjectStatus = strawberry.field(description="状态")
    investment: Decimal | None = strawberry.field(description="投资额（元）")
    started_on: date | None = strawberry.field(description="开工日期")

    @classmethod
    def from_model(cls, m: ProjectModel) -> Project:
        return cls(
            id=to_global_id("Project", m.id),
            model=m,
            name=m.name,
            status=ProjectStatusValue(m.status),
            investment=Decimal(m.investment) if m.investment is not None else None,
            started_on=m.started_on,
        )

    @strawberry.field(description="所属企业")
    async def enterprise(self, info: Info) -> Enterprise | None:
        m = await shown(info, await info.context.loaders.enterprise.load(self.model.enterprise_id))
        return Enterprise.from_model(m) if m else None

    @strawberry.field(description="所在网格")
    async def grid(self, info: Info) -> Area | None:
        m = await shown(info, await info.context.loaders.area.load(self.model.grid_id))
        return Area.from_model(m) if m else None

