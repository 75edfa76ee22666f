"""GraphQL types of the staffing model "1+1+N" and its compliance report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from api.enums import MemberRole, StaffingGapKind
from api.relay import Connection, connection, window
from domain.org import staffing as domain_staffing
from domain.org.models import Area as AreaModel

if TYPE_CHECKING:
    from api.org.types import Area

AreaRef = Annotated["Area", strawberry.lazy("api.org.types")]


@strawberry.type(description="配备标准中的一个角色（来自配置）")
class StaffingRule:
    role: MemberRole = strawberry.field(description="角色")
    minimum: int = strawberry.field(description="至少人数")
    maximum: int | None = strawberry.field(description="最多人数（null 表示不限）")

    @classmethod
    def from_domain(cls, r: domain_staffing.RoleRule) -> StaffingRule:
        return cls(role=r.role, minimum=r.minimum, maximum=r.maximum)


@strawberry.type(description="配备偏差：缺员或超编")
class StaffingGap:
    role: MemberRole = strawberry.field(description="角色")
    kind: StaffingGapKind = strawberry.field(description="缺员或超编")
    required: int = strawberry.field(description="标准人数（缺员为至少人数，超编为最多人数）")
    actual: int = strawberry.field(description="实有在岗人数")
    message: str = strawberry.field(description="说明")

    @classmethod
    def from_domain(cls, g: domain_staffing.StaffingGap) -> StaffingGap:
        return cls(role=g.role, kind=g.kind, required=g.required, actual=g.actual, message=g.message)


@strawberry.type(description="某角色的配备情况")
class RoleStaffing:
    role: MemberRole = strawberry.field(description="角色")
    minimum: int = strawberry.field(description="至少人数")
    maximum: int | None = strawberry.field(description="最多人数（null 表示不限）")
    actual: int = strawberry.field(description="实有在岗人数")
    gap: StaffingGapKind | None = strawberry.field(description="偏差（达标为 null）")


@strawberry.type(description="一个小网格的人员配备（1+1+N）")
class GridStaffing:
    result: strawberry.Private[domain_staffing.GridStaffing]

    @strawberry.field(description="小网格")
    def grid(self) -> AreaRef:
        from api.org.types import Area

        return Area.from_model(self.result.grid)

    @strawberry.field(description="是否达标")
    def compliant(self) -> bool:
        return self.result.compliant

    @strawberry.field(description="各角色的配备")
    def roles(self) -> list[RoleStaffing]:
        return [
            RoleStaffing(
                role=rc.rule.role,
                minimum=rc.rule.minimum,
                maximum=rc.rule.maximum,
                actual=rc.actual,
                gap=rc.gap.kind if rc.gap else None,
            )
            for rc in self.result.roles
        ]

    @strawberry.field(description="缺员与超编")
    def gaps(self) -> list[StaffingGap]:
        return [StaffingGap.from_domain(g) for g in self.result.gaps]


@strawberry.type(description="区域内各小网格的人员配备达标情况")
class StaffingCompliance:
    area_model: strawberry.Private[AreaModel]
    results: strawberry.Private[list[domain_staffing.GridStaffing]]

    @strawberry.field(description="统计的区域")
    def area(self) -> AreaRef:
        from api.org.types import Area

        return Area.from_model(self.area_model)

    @strawberry.field(description="配备标准（配置）")
    def model(self) -> list[StaffingRule]:
        return [StaffingRule.from_domain(r) for r in domain_staffing.grid_rules()]

    @strawberry.field(description="小网格数")
    def grid_count(self) -> int:
        return len(self.results)

    @strawberry.field(description="达标的小网格数")
    def compliant_count(self) -> int:
        return sum(1 for r in self.results if r.compliant)

    @strawberry.field(description="未达标的小网格数")
    def non_compliant_count(self) -> int:
        return sum(1 for r in self.results if not r.compliant)

    @strawberry.field(description="各小网格（可只看达标或未达标的）")
    def grids(
        self,
        compliant: bool | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[GridStaffing]:
        rows = [r for r in self.results if compliant is None or r.compliant == compliant]
        w = window(len(rows), first=first, after=after, last=last, before=before)
        return connection([GridStaffing(result=r) for r in rows[w.start : w.end]], w)
