"""Field records of the year: migrant workers, volunteer services, practical deeds,
monthly grid meetings (most held, some missed) and patrol reports.

Resident IDs are synthetic (valid check digit, real county prefixes of the home
provinces), stored encrypted with a keyed hash like every resident ID.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from domain.demo.common import (
    ANCHOR,
    HISTORY_START,
    GridRef,
    World,
    at_local,
    history_time,
    insert_ids,
    insert_plain,
    local_date,
)
from domain.demo.names import HOME_REGIONS, VILLAGES
from domain.demo.people import NO_AGENCY_STAFF, NO_FULL_TIME_WORKER
from domain.field.models import (
    GridMeeting,
    MeetingAttendee,
    MigrantWorker,
    PatrolReport,
    PracticalDeed,
    VolunteerService,
)
from domain.identifiers import make_mobile, make_resident_id
from domain.personal_data import encrypt, lookup_hash

VOLUNTEER = (
    ("为企业职工开展义诊服务", "联合社区卫生服务中心为一线职工测血压、血糖并提供健康咨询"),
    ("夏季送清凉慰问一线工人", "为高温作业岗位职工送去防暑降温物品"),
    ("“学雷锋”志愿服务进企业", "开展理发、家电维修、法律咨询等便民服务"),
    ("反诈宣传进厂区", "向企业职工讲解常见电信网络诈骗手法"),
    ("垃圾分类宣传志愿活动", "在员工宿舍区开展垃圾分类知识宣传"),
    ("外来务工人员子女暑期托管", "为外来务工人员子女提供暑期课业辅导和安全教育"),
    ("园区道路环境清洁行动", "组织党员志愿者清理道路两侧垃圾杂物"),
    ("无偿献血志愿服务", "组织企业职工参加无偿献血"),
    ("消防安全知识宣传", "在车间和宿舍开展消防器材使用演示"),
)
DEEDS = (
    "协调开通园区至地铁站通勤班车", "为{ent}解决员工宿舍热水供应问题", "帮助{ent}对接高校招聘应届毕业生",
    "协调修复{road}破损路面", "在员工宿舍区增设电动自行车集中充电桩", "协调解决{ent}员工子女入学问题",
    "为{ent}协调解决用电增容", "在{road}增设公交候车亭", "帮助{ent}申报稳岗补贴",
    "为外来务工人员开设夜校技能课程",
)
MEETING_TOPICS = (
    "部署安全生产大排查大整治工作。", "研究重点企业欠薪风险排查化解。", "安排外来务工人员信息采集工作。",
    "布置冬季消防安全检查。", "研究企业诉求办理和“订单式服务”推进情况。", "部署网格党建品牌创建工作。",
    "通报上月考核情况，明确整改要求。", "部署防汛防台应急准备工作。",
)
PATROL_NOTES = (
    "走访企业，检查消防通道和消防器材，未发现问题。", "走访企业了解用工情况，职工工资按时发放。",
    "检查危化品仓库台账和通风设施，运行正常。", "宣传安全生产法律法规，发放宣传资料。",
    "了解企业生产经营困难，收集企业诉求。", "核查外来务工人员信息，更新登记。",
)


def _active_part_time(grid: GridRef) -> list[Any]:
    return [p for p in grid.part_time if p.active]


async def build_migrant_workers(world: World) -> None:
    rng = world.rng
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    weights = [e.employees for e in world.enterprises]
    for _ in range(rng.randint(290, 320)):
        employer = rng.choices(world.enterprises, weights=weights)[0]
        grid = employer.grid
        province, region = rng.choice(HOME_REGIONS)
        rid = make_resident_id(rng, region=region)
        while rid in seen:
            rid = make_resident_id(rng, region=region)
        seen.add(rid)
        phone = make_mobile(rng) if rng.random() < 0.85 else None
        residence = rng.choice((
            f"{grid.park.short}人才公寓{rng.randint(1, 8)}栋{rng.randint(1, 6)}{rng.randint(1, 20):02d}室",
            f"{employer.short}员工宿舍{rng.randint(1, 4)}号楼",
            f"临江区{rng.choice(VILLAGES)}出租屋",
        ))
        collected = history_time(rng, HISTORY_START, ANCHOR)
        rows.append({
            "name": world.names.person(unique=False), "resident_id_cipher": encrypt(rid),
            "resident_id_hash": lookup_hash(rid), "phone_cipher": encrypt(phone) if phone else None,
            "phone_hash": lookup_hash(phone) if phone else None, "home_province": province,
            "employer_id": employer.id, "grid_id": grid.id, "area_path": grid.path, "residence": residence,
            "collector_id": rng.choice(grid.workers() + _active_part_time(grid)).id,
            "collected_at": collected, "updated_at": collected,
        })
    rows.sort(key=lambda r: r["collected_at"])
    await insert_plain(world.session, MigrantWorker, rows)
    world.count("migrant_workers", len(rows))


async def build_services(world: World) -> None:
    rng = world.rng
    volunteer = []
    for _ in range(rng.randint(56, 64)):
        grid = rng.choice(world.grids)
        title, desc = rng.choice(VOLUNTEER)
        held = history_time(rng, HISTORY_START, ANCHOR)
        beneficiaries = rng.randint(20, 300)
        organiser = rng.choice([grid.leader, *grid.workers()])
        volunteer.append({
            "grid_id": grid.id, "area_path": grid.path, "title": title, "description": f"{desc}。",
            "organiser_id": organiser.id if organiser else None, "held_at": held,
            "volunteers": rng.randint(5, 40), "beneficiaries": beneficiaries,
            "beneficiary_note": f"服务企业职工及群众约{beneficiaries}人次", "created_at": held,
        })
    volunteer.sort(key=lambda r: r["held_at"])
    await insert_plain(world.session, VolunteerService, volunteer)
    deeds = []
    for _ in range(rng.randint(76, 84)):
        grid = rng.choice(world.grids)
        ent = rng.choice(grid.enterprises)
        template = rng.choice(DEEDS)
        title = template.format(ent=ent.name, road=rng.choice(grid.park.roads))
        done = history_time(rng, HISTORY_START, ANCHOR)
        beneficiaries = rng.randint(5, 400)
        member = rng.choice([grid.leader, *grid.workers()])
        deeds.append({
            "grid_id": grid.id, "area_path": grid.path, "title": title, "description": f"{title}，已办结。",
            "member_id": member.id if member else None,
            "enterprise_id": ent.id if "{ent}" in template else None, "done_at": done,
            "beneficiaries": beneficiaries, "beneficiary_note": f"惠及企业职工约{beneficiaries}人",
            "created_at": done,
        })
    deeds.sort(key=lambda r: r["done_at"])
    await insert_plain(world.session, PracticalDeed, deeds)
    world.count("volunteer_services", len(volunteer))
    world.count("practical_deeds", len(deeds))


def _months() -> list[date]:
    first = local_date(HISTORY_START).replace(day=1)
    months = []
    y, m = first.year, first.month
    for _ in range(12):
        m += 1
        if m == 13:
            y, m = y + 1, 1
        months.append(date(y, m, 1))
    return months


async def build_meetings(world: World) -> None:
    rng = world.rng
    rows: list[dict[str, Any]] = []
    attendees: list[list[int]] = []
    missed = 0
    for grid in world.grids:
        short = grid.code in (NO_AGENCY_STAFF, NO_FULL_TIME_WORKER)
        for month in _months():
            if rng.random() < (0.25 if short else 0.07):
                missed += 1
                continue
            held = month + timedelta(days=rng.randint(2, 24))
            reported, resolved = world.grid_month_incidents.get((grid.id, f"{month:%Y-%m}"), [0, 0])
            topics = "".join(rng.sample(MEETING_TOPICS, 2))
            rows.append({
                "grid_id": grid.id, "held_on": held, "title": f"{grid.name}{month.year}年{month.month}月调度会议",
                "minutes": (f"通报本月网格内上报矛盾纠纷与隐患{reported}件，已办结{resolved}件。{topics}"
                            "会议要求各网格员加强日常走访，发现问题及时上报。"),
                "created_at": at_local(held, 17),
            })
            people = [p for p in (grid.leader, grid.agency, *grid.full_time) if p and p.active]
            people += [p for p in _active_part_time(grid) if rng.random() < 0.7]
            attendees.append(sorted({p.id for p in people}))
    ids = await insert_ids(world.session, GridMeeting, rows)
    await insert_plain(world.session, MeetingAttendee,
                       [{"meeting_id": i, "member_id": m} for i, ms in zip(ids, attendees, strict=True) for m in ms])
    world.count("grid_meetings", len(ids))
    world.count("grid_meetings_missed", missed)


async def build_patrols(world: World) -> None:
    rng = world.rng
    rows = []
    for grid in world.grids:
        for member in grid.workers():
            for month in _months():
                for _ in range(rng.choices((0, 1, 2), weights=(30, 55, 15))[0]):
                    day = month + timedelta(days=rng.randint(0, 27))
                    when = at_local(day, rng.randint(8, 17), rng.randint(0, 59))
                    if when >= ANCHOR:
                        continue
                    ent = rng.choice(grid.enterprises)
                    rows.append({"member_id": member.id, "grid_id": grid.id, "enterprise_id": ent.id,
                                 "patrolled_at": when, "note": rng.choice(PATROL_NOTES)})
    rows.sort(key=lambda r: (r["patrolled_at"], r["member_id"]))
    await insert_plain(world.session, PatrolReport, rows)
    world.count("patrol_reports", len(rows))
