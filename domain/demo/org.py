"""The area tree of 临江区 and its departments.

District ``D01`` → three parks (``P01``…``P03``) → two or three large grids each
(``P01-L01``) → three to five small grids each (``P01-L01-S01``); 先进制造 has one
and 中外合作 two small grids directly under the park (``P02-S01``). Boundaries
are rectangles cut out of each park's rectangle, so children lie inside parents.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from domain.demo.common import (
    DISTRICT_CODE,
    DISTRICT_NAME,
    SETUP_AT,
    DeptRef,
    GridRef,
    ParkRef,
    World,
    insert_ids,
)
from domain.enums import AreaKind, DepartmentLevel, PartyOrgKind
from domain.org.models import Area, Department

# code, name, short name, park type, brand, centre address, (lat, lon), roads, direct small grids
PARKS: tuple[tuple[str, str, str, str, str, str, tuple[float, float], tuple[str, ...], int], ...] = (
    ("P01", "绿色化工园区", "化工园", "绿色化工", "老师文化", "临江区化工大道88号", (32.185, 118.735),
     ("化工大道", "纬一路", "纬三路", "长江路", "新材料大道"), 0),
    ("P02", "先进制造产业园区", "制造园", "先进制造", "共享党建", "临江区智造大道166号", (32.120, 118.850),
     ("智造大道", "创新路", "经五路", "装备路", "科技大道"), 1),
    ("P03", "中外合作产业园区", "合作园", "中外合作", "学习型企业", "临江区合作大道9号", (32.060, 118.770),
     ("合作大道", "中德路", "国际路", "友谊路", "开放大道"), 2),
)
DIRECTIONS = ("东片", "西片", "北片")
GRID_BRANDS = ("红色引擎", "安全先锋", "邻里守望", "企业之家", "匠心驿站", "绿色卫士", "书香网格", "暖心服务站")

# The seed departments of SPEC §1: code, name, has a platform account.
DISTRICT_DEPARTMENTS: tuple[tuple[str, str, bool], ...] = (
    ("PARTY", "区委组织部（党建）", True),
    ("GOVERNANCE", "区委政法委（社会治理综合指挥中心）", True),
    ("ENVIRONMENT", "市生态环境局临江分局", True),
    ("EMERGENCY", "区应急管理局", True),
    ("MARKET", "区市场监督管理局", True),
    ("URBAN", "区城市管理局", True),
    ("LABOR", "区人力资源和社会保障局（劳动保障监察大队）", True),
    ("CONSTRUCTION", "区住房和城乡建设局", True),
    ("POLICE", "市公安局临江分局", True),
    ("FIRE", "区消防救援大队", False),
    ("PETITION", "区信访局", False),
)

_HALF = 0.018  # half the side of a park rectangle, in degrees


def _landline(world: World) -> str:
    return f"025-5{world.rng.randrange(10**7):07d}"


def _polygon(lat0: float, lon0: float, lat1: float, lon1: float) -> dict[str, Any]:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _row(**kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "parent_id": None, "path": "", "depth": 0, "center_name": None, "center_address": None,
        "center_phone": None, "party_org_name": None, "party_org_kind": None, "party_secretary": None,
        "brand": None, "boundary": None, "park_type": None, "created_at": SETUP_AT, "updated_at": SETUP_AT,
    }
    row.update(kw)
    return row


async def _insert_level(world: World, rows: list[dict[str, Any]], parent_paths: list[str]) -> list[tuple[int, str]]:
    """Insert one level of the tree, then set each row's path from its new id."""
    ids = await insert_ids(world.session, Area, rows)
    paths = [f"{parent}{i}/" for i, parent in zip(ids, parent_paths, strict=True)]
    await world.session.execute(
        update(Area),
        [{"id": i, "path": p, "updated_at": SETUP_AT} for i, p in zip(ids, paths, strict=True)],
    )
    return list(zip(ids, paths, strict=True))


async def build_areas(world: World) -> None:
    rng = world.rng
    lats = [p[6][0] for p in PARKS]
    lons = [p[6][1] for p in PARKS]
    district = _row(
        code=DISTRICT_CODE, name=DISTRICT_NAME, kind=AreaKind.DISTRICT, depth=0,
        center_name="临江区社会治理综合指挥中心", center_address="临江区政务大道1号",
        center_phone=_landline(world), party_org_name="中共临江区委员会", party_org_kind=PartyOrgKind.COMMITTEE,
        boundary=_polygon(min(lats) - 0.04, min(lons) - 0.04, max(lats) + 0.04, max(lons) + 0.04),
    )
    [(world.district_id, world.district_path)] = await _insert_level(world, [district], ["/"])

    park_rows = []
    for code, name, short, ptype, brand, address, (lat, lon), _roads, _direct in PARKS:
        park_rows.append(_row(
            code=code, name=name, kind=AreaKind.PARK, parent_id=world.district_id, depth=1,
            center_name=f"{name}网格化服务管理中心", center_address=address, center_phone=_landline(world),
            party_org_name=f"中共临江区{name}工作委员会", party_org_kind=PartyOrgKind.WORKING_COMMITTEE,
            brand=brand, park_type=ptype, boundary=_polygon(lat - _HALF, lon - _HALF, lat + _HALF, lon + _HALF),
        ))
    inserted = await _insert_level(world, park_rows, [world.district_path] * len(PARKS))
    for (pid, path), spec in zip(inserted, PARKS, strict=True):
        code, name, short, ptype, _brand, _addr, (lat, lon), roads, _direct = spec
        world.parks.append(ParkRef(pid, code, name, short, ptype, path, lat, lon, roads))

    # Plan large grids and the strips of each park they occupy.
    large_rows: list[dict[str, Any]] = []
    large_parents: list[str] = []
    large_plan: list[tuple[ParkRef, str, str, tuple[float, float, float, float]]] = []
    direct_plan: list[tuple[ParkRef, int, tuple[float, float, float, float]]] = []
    for park, spec in zip(world.parks, PARKS, strict=True):
        n_large, n_direct = rng.randint(2, 3), spec[8]
        strips = n_large + n_direct
        width = 2 * _HALF / strips
        lat0, lat1 = park.lat - _HALF, park.lat + _HALF
        for k in range(strips):
            box = (lat0, park.lon - _HALF + k * width, lat1, park.lon - _HALF + (k + 1) * width)
            if k < n_large:
                direction = DIRECTIONS[k]
                code = f"{park.code}-L{k + 1:02d}"
                kind = PartyOrgKind.COMMITTEE if k == 0 or rng.random() < 0.3 else PartyOrgKind.GENERAL_BRANCH
                org_suffix = "党委" if kind == PartyOrgKind.COMMITTEE else "党总支"
                large_rows.append(_row(
                    code=code, name=f"{park.short}{direction}区大网格", kind=AreaKind.LARGE_GRID,
                    parent_id=park.id, depth=2,
                    center_name=f"{park.short}{direction}区网格服务站",
                    center_address=f"临江区{rng.choice(park.roads)}{rng.randint(10, 299)}号",
                    center_phone=_landline(world),
                    party_org_name=f"{park.short}{direction}区网格{org_suffix}", party_org_kind=kind,
                    boundary=_polygon(*box),
                ))
                large_parents.append(park.path)
                large_plan.append((park, code, direction, box))
            else:
                direct_plan.append((park, k - n_large + 1, box))
    large_inserted = await _insert_level(world, large_rows, large_parents)
    for (large_id, _path), (park, lcode, _direction, _box) in zip(large_inserted, large_plan, strict=True):
        world.large_grids[lcode] = (large_id, park)

    # Small grids: horizontal slices of each large grid's strip, and the direct ones.
    small_rows: list[dict[str, Any]] = []
    small_parents: list[str] = []
    small_meta: list[tuple[ParkRef, str | None, float, float]] = []
    for (large_id, large_path), (park, lcode, direction, box) in zip(large_inserted, large_plan, strict=True):
        n_small = rng.randint(3, 5)
        lat0, lon0, lat1, lon1 = box
        height = (lat1 - lat0) / n_small
        for s in range(n_small):
            sub = (lat0 + s * height, lon0, lat0 + (s + 1) * height, lon1)
            small_rows.append(_small_row(
                world, code=f"{lcode}-S{s + 1:02d}", name=f"{park.short}{direction}第{s + 1}网格",
                parent_id=large_id, depth=3, box=sub,
            ))
            small_parents.append(large_path)
            small_meta.append((park, lcode, (sub[0] + sub[2]) / 2, (sub[1] + sub[3]) / 2))
    for park, n, box in direct_plan:
        small_rows.append(_small_row(
            world, code=f"{park.code}-S{n:02d}", name=f"{park.short}直属第{n}网格",
            parent_id=park.id, depth=2, box=box,
        ))
        small_parents.append(park.path)
        small_meta.append((park, None, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
    small_inserted = await _insert_level(world, small_rows, small_parents)
    for (gid, path), row, (park, lcode, lat, lon) in zip(small_inserted, small_rows, small_meta, strict=True):
        world.grids.append(GridRef(gid, row["code"], row["name"], path, park, lcode, lat, lon,
                                   has_branch=row["party_org_kind"] is not None))
    world.grids.sort(key=lambda g: g.code)
    world.count("parks", len(world.parks))
    world.count("large_grids", len(world.large_grids))
    world.count("small_grids", len(world.grids))


def _small_row(world: World, *, code: str, name: str, parent_id: int, depth: int,
               box: tuple[float, float, float, float]) -> dict[str, Any]:
    rng = world.rng
    has_branch = rng.random() < 0.85
    return _row(
        code=code, name=name, kind=AreaKind.SMALL_GRID, parent_id=parent_id, depth=depth,
        party_org_name=f"{name}党支部" if has_branch else None,
        party_org_kind=PartyOrgKind.BRANCH if has_branch else None,
        brand=rng.choice(GRID_BRANDS) if rng.random() < 0.4 else None,
        boundary=_polygon(*box),
    )


async def build_departments(world: World) -> None:
    rows: list[dict[str, Any]] = []
    for code, name, account in DISTRICT_DEPARTMENTS:
        rows.append({"code": code, "name": name, "level": DepartmentLevel.DISTRICT_DEPARTMENT, "park_id": None,
                     "has_platform_account": account, "created_at": SETUP_AT, "updated_at": SETUP_AT})
    for park in world.parks:
        rows.append({"code": f"{park.code}-CENTER", "name": f"{park.name}网格化服务管理中心",
                     "level": DepartmentLevel.PARK_OFFICE, "park_id": park.id, "has_platform_account": True,
                     "created_at": SETUP_AT, "updated_at": SETUP_AT})
    ids = await insert_ids(world.session, Department, rows)
    for i, row in zip(ids, rows, strict=True):
        world.departments[row["code"]] = DeptRef(i, row["code"], row["name"])
    for park in world.parks:
        park.center = world.departments[f"{park.code}-CENTER"]
    world.count("departments", len(rows))


async def set_responders(world: World) -> None:
    """Point each department at its whistle responder (members exist by now)."""
    await world.session.execute(
        update(Department),
        [{"id": d.id, "responder_id": d.responder.id, "updated_at": SETUP_AT}
         for d in world.departments.values() if d.responder is not None],
    )


def grid_of(world: World, code: str) -> GridRef:
    return next(g for g in world.grids if g.code == code)
