"""GraphQL types of the organisation."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.enums import AreaKind, PartyOrgKind
from api.relay import Connection, Node, connection, paginate, to_global_id
from domain.org import repository as org_repo
from domain.org.models import Area as AreaModel


@strawberry.type(description="服务管理中心")
class ServiceCenter:
    name: str
    address: str | None
    phone: str | None


@strawberry.type(description="党组织")
class PartyOrganization:
    name: str
    kind: PartyOrgKind | None
    secretary: str | None


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
        m = await info.context.loaders.area.load(self.model.parent_id)
        return Area.from_model(m) if m else None

    @strawberry.field(description="从区到上级的各级区域（自上而下）")
    async def ancestors(self, info: Info) -> list[Area]:
        ids = org_repo.path_ids(self.model.path)[:-1]
        found = await info.context.loaders.area.load_many(ids)
        return [Area.from_model(m) for m in found if m is not None]

    @strawberry.field(description="下级区域数")
    async def children_count(self, info: Info) -> int:
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
        async with info.context.reading() as session:
            rows, w = await paginate(
                session,
                org_repo.areas_query(parent_id=self.model.id),
                first=first, after=after, last=last, before=before,
            )
        return connection([Area.from_model(r) for r in rows], w)

