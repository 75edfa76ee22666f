"""About sixty enterprises with valid unified social credit codes, and projects under way.

Industries follow each park's type; most joint ventures sit in 中外合作. Every small
grid has at least one enterprise (its part-time workers come from them).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from domain.demo.common import SETUP_AT, at_local, EnterpriseRef, ProjectRef, World, dec, insert_ids, weighted
from domain.identifiers import make_credit_code, make_mobile
from domain.org.models import Enterprise, Project
from domain.personal_data import encrypt, lookup_hash

INDUSTRIES: dict[str, dict[str, float]] = {
    "绿色化工": {"化工": 30, "精细化工": 20, "新材料": 25, "环保科技": 10, "危化品物流": 8},
    "先进制造": {"装备制造": 25, "汽车零部件": 25, "智能装备": 20, "电子信息": 15, "新能源": 15},
    "中外合作": {"生物医药": 25, "电子信息": 20, "食品": 15, "物流": 15, "精密机械": 25},
}

PROJECT_TEMPLATES = (
    "{short}年产{n}万吨{product}项目",
    "{short}智能化技术改造项目",
    "{short}二期厂房建设项目",
    "{short}研发中心及中试基地建设项目",
    "{short}仓储物流中心建设项目",
)
PRODUCTS = {
    "绿色化工": ("高性能树脂", "电子化学品", "环保型涂料", "特种助剂"),
    "先进制造": ("精密铸件", "新能源汽车电机壳体", "工业机器人减速器", "锂电池结构件"),
    "中外合作": ("高端制剂", "功能性食品配料", "精密轴承", "冷链包装材料"),
}


def _employees(world: World) -> int:
    r = world.rng.random()
    if r < 0.5:
        return world.rng.randint(30, 150)
    if r < 0.85:
        return world.rng.randint(150, 600)
    return world.rng.randint(600, 2500)


async def build_enterprises(world: World) -> None:
    rng = world.rng
    total = rng.randint(58, 62)
    # Each grid one enterprise, the rest spread at random (bigger parks are busier).
    homes = list(world.grids)
    while len(homes) < total:
        homes.append(rng.choice(world.grids))
    homes.sort(key=lambda g: g.code)

    rows: list[dict[str, Any]] = []
    refs: list[dict[str, Any]] = []
    codes: set[str] = set()
    for grid in homes:
        park = grid.park
        industry = weighted(rng, INDUSTRIES[park.park_type])
        joint = park.park_type == "中外合作" and rng.random() < 0.6
        name, short = world.names.enterprise(industry, joint_venture=joint)
        code = make_credit_code(rng)
        while code in codes:
            code = make_credit_code(rng)
        codes.add(code)
        employees = _employees(world)
        has_party = rng.random() < (0.8 if employees >= 100 else 0.4)
        secretary = world.names.person() if has_party else None
        contact = world.names.person()
        phone = make_mobile(rng)
        address = f"临江区{rng.choice(park.roads)}{rng.randint(1, 399)}号"
        rows.append({
            "name": name, "credit_code": code, "grid_id": grid.id, "industry": industry,
            "employees": employees, "has_party_org": has_party, "party_secretary_name": secretary,
            "contact_name": contact, "contact_phone_cipher": encrypt(phone),
            "contact_phone_hash": lookup_hash(phone), "address": address,
            "created_at": SETUP_AT, "updated_at": SETUP_AT,
        })
        refs.append({"name": name, "short": short, "industry": industry, "address": address,
                     "contact_name": contact, "employees": employees, "grid": grid,
                     "party_secretary": secretary})
    ids = await insert_ids(world.session, Enterprise, rows)
    for i, ref in zip(ids, refs, strict=True):
        ent = EnterpriseRef(id=i, **ref)
        world.enterprises.append(ent)
        ent.grid.enterprises.append(ent)
    world.count("enterprises", len(ids))


async def build_projects(world: World) -> None:
    rng = world.rng
    weights = {"绿色化工": 4.0, "先进制造": 4.0, "中外合作": 2.0}
    pool = list(world.enterprises)
    chosen: list[EnterpriseRef] = []
    for _ in range(rng.randint(14, 16)):
        ent = rng.choices(pool, weights=[weights[e.grid.park.park_type] for e in pool])[0]
        pool.remove(ent)
        chosen.append(ent)
    rows = []
    for ent in chosen:
        template = rng.choice(PROJECT_TEMPLATES)
        name = template.format(short=ent.short, n=rng.choice((2, 3, 5, 10, 20)),
                               product=rng.choice(PRODUCTS[ent.grid.park.park_type]))
        started = date(2025, 3, 1) + timedelta(days=rng.randrange(540))
        rows.append({
            "name": name, "enterprise_id": ent.id, "grid_id": ent.grid.id, "status": "UNDER_CONSTRUCTION",
            "investment": dec(rng.randint(20, 1200) * 1_000_000), "started_on": started,
            "created_at": max(SETUP_AT, at_local(started, 9)), "updated_at": max(SETUP_AT, at_local(started, 9)),
        })
    ids = await insert_ids(world.session, Project, rows)
    for i, row, ent in zip(ids, rows, chosen, strict=True):
        proj = ProjectRef(i, row["name"], ent, ent.grid)
        world.projects.append(proj)
        ent.grid.projects.append(proj)
    world.count("projects", len(ids))
