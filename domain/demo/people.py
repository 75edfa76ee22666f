"""Members (网格力量) in the 1+1+N model, department responders, duties and training.

Per park: a PARK_SECRETARY, and a PARK_RESPONDER who is also the whistle responder
of the park's grid service-management centre (roles PARK_RESPONDER and
DEPARTMENT_RESPONDER, attached to the park and to the centre). Per small grid:
one GRID_LEADER, one AGENCY_STAFF, one or two FULL_TIME_WORKERs and two to six
PART_TIME_WORKERs, each linked to an enterprise of the grid (its party secretary
where it has a party organisation). Per district department: one
DEPARTMENT_RESPONDER attached to the department. Placements obey
``domain.org.staffing.placement_error``.

Deliberately short of staff (the same codes whatever the seed):
- ``P01-L01-S03`` has no AGENCY_STAFF — the post is vacant;
- ``P03-S01`` has no active FULL_TIME_WORKER — the one it had left in September
  2026 (kept as an inactive member) and has not been replaced.
A few more inactive members are former part-time workers of other grids.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import update

from domain.demo.common import (
    ANCHOR,
    HISTORY_START,
    SETUP_AT,
    GridRef,
    PersonRef,
    World,
    dec,
    history_time,
    insert_ids,
    insert_plain,
    local_date,
)
from domain.enums import DutyTag, MemberRole
from domain.identifiers import make_mobile
from domain.org.models import Area, Member, MemberDuty, MemberRoleAssignment, TrainingRecord
from domain.personal_data import encrypt, lookup_hash

NO_AGENCY_STAFF = "P01-L01-S03"
NO_FULL_TIME_WORKER = "P03-S01"

TRAININGS = (
    "网格员业务能力提升培训", "安全生产隐患排查专题培训", "矛盾纠纷排查化解实务培训",
    "网格化服务管理平台APP操作培训", "消防安全知识与应急疏散培训", "劳动保障法律法规专题培训",
    "危险化学品安全管理培训", "基层党建与网格治理融合专题培训",
)


class _Roster:
    """Collects member rows; codes are given in the order people are added."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.rows: list[dict[str, Any]] = []
        self.roles: list[tuple[str, ...]] = []
        self.duties: list[tuple[DutyTag, ...]] = []
        self.people: list[PersonRef] = []

    def add(self, roles: tuple[MemberRole, ...], *, area_id: int | None = None, department_id: int | None = None,
            enterprise_id: int | None = None, name: str | None = None, party: float = 0.5,
            terminal: float = 0.8, duties: tuple[DutyTag, ...] = (), active: bool = True) -> PersonRef:
        rng = self.world.rng
        name = name or self.world.names.person()
        phone = make_mobile(rng)
        on_duty = date(2022, 3, 1) + timedelta(days=rng.randrange((date(2025, 10, 31) - date(2022, 3, 1)).days))
        code = f"M{len(self.rows) + 1:04d}"
        self.rows.append({
            "code": code, "name": name, "area_id": area_id, "department_id": department_id,
            "enterprise_id": enterprise_id, "party_member": rng.random() < party,
            "phone_cipher": encrypt(phone), "phone_hash": lookup_hash(phone),
            "has_terminal": rng.random() < terminal, "on_duty_date": on_duty, "active": active,
            "created_at": SETUP_AT, "updated_at": SETUP_AT,
        })
        self.roles.append(tuple(r.value for r in roles))
        self.duties.append(duties)
        ref = PersonRef(0, code, name, tuple(r.value for r in roles), active, enterprise_id)
        self.people.append(ref)
        return ref


def _duties(world: World, pool: tuple[DutyTag, ...], k: int) -> tuple[DutyTag, ...]:
    return tuple(sorted(world.rng.sample(pool, k)))


def _staff_grid(world: World, roster: _Roster, grid: GridRef) -> None:
    rng = world.rng
    grid.leader = roster.add((MemberRole.GRID_LEADER,), area_id=grid.id, party=1.0, terminal=0.9)
    if grid.code == NO_AGENCY_STAFF:
        world.short_of_staff[grid.code] = "缺园区机关科室人员（AGENCY_STAFF）"
    else:
        grid.agency = roster.add((MemberRole.AGENCY_STAFF,), area_id=grid.id, party=0.7, terminal=0.8,
                                 duties=(DutyTag.LIFE_SERVICE,) if rng.random() < 0.3 else ())
    all_duties = tuple(DutyTag)
    if grid.code == NO_FULL_TIME_WORKER:
        former = roster.add((MemberRole.FULL_TIME_WORKER,), area_id=grid.id, terminal=1.0, active=False,
                            duties=_duties(world, all_duties, 2))
        grid.full_time.append(former)
        world.short_of_staff[grid.code] = "缺专职网格员（FULL_TIME_WORKER；原专职网格员已离岗）"
    else:
        for _ in range(rng.randint(1, 2)):
            grid.full_time.append(roster.add(
                (MemberRole.FULL_TIME_WORKER,), area_id=grid.id, party=0.5, terminal=1.0,
                duties=_duties(world, all_duties, rng.randint(1, 2)),
            ))
    # Part-time workers: enterprise party secretaries first, then project task-force members.
    wanted = rng.randint(2, 6)
    secretaries = [e for e in grid.enterprises if e.party_secretary]
    for ent in secretaries[:wanted]:
        grid.part_time.append(roster.add(
            (MemberRole.PART_TIME_WORKER,), area_id=grid.id, enterprise_id=ent.id, name=ent.party_secretary,
            party=1.0, terminal=0.6, duties=_duties(world, (DutyTag.PUBLICITY, DutyTag.SAFETY, DutyTag.SECURITY), 1),
        ))
    while len(grid.part_time) < wanted:
        ent = rng.choice(grid.enterprises)
        grid.part_time.append(roster.add(
            (MemberRole.PART_TIME_WORKER,), area_id=grid.id, enterprise_id=ent.id, party=0.3, terminal=0.6,
            duties=_duties(world, (DutyTag.PUBLICITY, DutyTag.SAFETY, DutyTag.SECURITY, DutyTag.HYGIENE), 1),
        ))


async def build_members(world: World) -> None:
    rng = world.rng
    roster = _Roster(world)
    for park in world.parks:
        park.secretary = roster.add((MemberRole.PARK_SECRETARY,), area_id=park.id, party=1.0, terminal=1.0)
        park.responder = roster.add(
            (MemberRole.PARK_RESPONDER, MemberRole.DEPARTMENT_RESPONDER), area_id=park.id,
            department_id=park.center.id if park.center else None, party=0.9, terminal=1.0,
        )
        if park.center:
            park.center.responder = park.responder
    for grid in world.grids:
        _staff_grid(world, roster, grid)
    for dept in world.departments.values():
        if dept.responder is None:
            dept.responder = roster.add((MemberRole.DEPARTMENT_RESPONDER,), department_id=dept.id,
                                        party=0.8, terminal=0.5)
    # Former part-time workers, kept for the record.
    for grid in rng.sample(world.grids, 3):
        if grid.enterprises:
            roster.add((MemberRole.PART_TIME_WORKER,), area_id=grid.id, enterprise_id=rng.choice(grid.enterprises).id,
                       party=0.3, terminal=0.0, active=False)

    ids = await insert_ids(world.session, Member, roster.rows)
    for i, ref in zip(ids, roster.people, strict=True):
        ref.id = i
    world.members = roster.people
    await insert_plain(world.session, MemberRoleAssignment,
                       [{"member_id": i, "role": r} for i, roles in zip(ids, roster.roles, strict=True) for r in roles])
    await insert_plain(world.session, MemberDuty,
                       [{"member_id": i, "duty": d} for i, ds in zip(ids, roster.duties, strict=True) for d in ds])
    await _trainings(world, roster)
    await _party_secretaries(world)
    world.count("members", len(ids))
    world.count("inactive_members", sum(1 for p in roster.people if not p.active))


async def _trainings(world: World, roster: _Roster) -> None:
    rng = world.rng
    rows = []
    grid_roles = {"GRID_LEADER", "AGENCY_STAFF", "FULL_TIME_WORKER", "PART_TIME_WORKER"}
    for person in roster.people:
        if not grid_roles & set(person.roles):
            continue
        if "PART_TIME_WORKER" in person.roles and rng.random() < 0.5:
            continue
        for title in rng.sample(TRAININGS, rng.randint(1, 3)):
            held = history_time(rng, HISTORY_START, ANCHOR)
            rows.append({"member_id": person.id, "title": title, "held_on": local_date(held),
                         "hours": dec(rng.choice((2, 3, 4, 4, 6, 8, 16)), 1)})
    rows.sort(key=lambda r: (r["held_on"], r["member_id"]))
    await insert_plain(world.session, TrainingRecord, rows)
    world.count("training_records", len(rows))


async def _party_secretaries(world: World) -> None:
    """Name the secretaries of the parks' and grids' party organisations.

    A large grid's 党委/党总支 secretary is a cadre of the park, named but not a grid
    member (member roles belong to parks, small grids and departments)."""
    updates = [{"id": p.id, "party_secretary": p.secretary.name, "updated_at": SETUP_AT}
               for p in world.parks if p.secretary]
    updates += [{"id": large_id, "party_secretary": world.names.person(), "updated_at": SETUP_AT}
                for _code, (large_id, _park) in sorted(world.large_grids.items())]
    updates += [{"id": g.id, "party_secretary": g.leader.name, "updated_at": SETUP_AT}
                for g in world.grids if g.has_branch and g.leader]
    await world.session.execute(update(Area), updates)

