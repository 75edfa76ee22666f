"""Service orders (订单式服务) of the year, every status, each with its timeline.

企业下单 → 园区派单 (by category, as the order-routing policy would) → 部门接单 with a
promise and a promised date → fulfilled (promise kept or not) → confirmed and rated
by the enterprise. Some are rejected back to the park (and re-dispatched), some
cancelled. Codes are ``DD-YYYYMMDD-NNNN`` by the date placed (Shanghai).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from domain.demo.common import (
    ANCHOR,
    HISTORY_START,
    DeptRef,
    EnterpriseRef,
    World,
    history_time,
    insert_ids,
    insert_plain,
    local_date,
)
from domain.enums import OrderCategory as O
from domain.enums import OrderStatus as S
from domain.orders.models import OrderTimelineEntry, ServiceOrder

DEPARTMENT = {
    O.POLICY_CONSULTING: "GRID_CENTER", O.FINANCING: "GRID_CENTER", O.RECRUITMENT: "LABOR",
    O.APPROVAL: "MARKET", O.UTILITIES: "URBAN", O.LAND_AND_PLANT: "CONSTRUCTION", O.LOGISTICS: "URBAN",
    O.TRAINING: "LABOR", O.LEGAL: "GOVERNANCE", O.OTHER: "GRID_CENTER",
}
DUE_HOURS = {1: 120, 2: 72, 3: 24}
# category → (titles, what the department promises to do)
WORDS: dict[O, tuple[tuple[str, ...], str]] = {
    O.POLICY_CONSULTING: (("咨询高新技术企业认定申报政策", "咨询研发费用加计扣除政策", "咨询稳岗补贴申领流程"),
                          "完成政策解读和申报辅导"),
    O.FINANCING: (("申请对接科技型企业信用贷款", "咨询应急转贷资金申请条件"), "完成银企对接"),
    O.RECRUITMENT: (("急需招聘普工{n}名", "招聘数控操作工{n}名", "招聘化工操作人员{n}名"), "组织专场招聘并推送人选"),
    O.APPROVAL: (("办理排污许可证变更", "申请食品生产许可延续", "办理危险化学品经营许可"), "完成审批事项办理"),
    O.UTILITIES: (("申请用电增容{n}0千伏安", "厂区供水管网压力不足", "申请天然气管道接入"), "协调完成接入或维修"),
    O.LAND_AND_PLANT: (("申请租赁标准厂房{n}00平方米", "二期用地规划条件咨询"), "提供用地或厂房方案"),
    O.LOGISTICS: (("协调危化品运输车辆通行线路", "申请设置货车临时停靠点"), "完成通行线路和停靠点协调"),
    O.TRAINING: (("申请开展特种作业人员培训", "组织员工职业技能等级认定"), "组织开展培训"),
    O.LEGAL: (("咨询劳动合同范本修订", "涉外合同纠纷法律咨询"), "提供法律意见书"),
    O.OTHER: (("协调开通员工通勤班车", "申请园区食堂就餐名额"), "协调解决"),
}
CATEGORY_WEIGHTS = {O.POLICY_CONSULTING: 18, O.FINANCING: 8, O.RECRUITMENT: 16, O.APPROVAL: 12, O.UTILITIES: 10,
                    O.LAND_AND_PLANT: 6, O.LOGISTICS: 6, O.TRAINING: 10, O.LEGAL: 6, O.OTHER: 8}
SHARES = {S.PLACED: 0.05, S.DISPATCHED: 0.06, S.ACCEPTED: 0.10, S.FULFILLED: 0.08, S.REJECTED: 0.04,
          S.CANCELLED: 0.04}
REJECT_REASONS = ("非本部门职责范围，请园区改派", "企业诉求材料不全，请补充后重新派单")
AUTO = "系统（派单规则）"


class _Walk:
    def __init__(self, world: World, ent: EnterpriseRef, final: S) -> None:
        self.world, self.ent, self.final = world, ent, final
        self.rng = world.rng
        self.t = 0.0
        self.status: S | None = None
        self.entries: list[dict[str, Any]] = []
        self.dept: DeptRef | None = None
        self.values: dict[str, Any] = {}

    def log(self, action: S, actor: str, note: str) -> None:
        self.entries.append({"h": self.t, "action": action.value, "actor_name": actor, "note": note,
                             "from_status": self.status.value if self.status else None, "to_status": action.value})
        self.status = action
        self.values.setdefault(f"{action.value.lower()}_h", self.t)
        self.values[f"last_{action.value.lower()}_h"] = self.t

    def wait(self, lo: float, hi: float) -> None:
        self.t += self.rng.uniform(lo, hi)

    def department(self, code: str) -> DeptRef:
        if code == "GRID_CENTER":
            assert self.ent.grid.park.center is not None
            return self.ent.grid.park.center
        return self.world.departments[code]


def _walk(world: World, ent: EnterpriseRef, final: S, category: O, urgency: int, title: str) -> _Walk:
    w = _Walk(world, ent, final)
    rng = w.rng
    w.log(S.PLACED, ent.contact_name, f"企业下单：{title}")
    if final == S.PLACED or (final == S.CANCELLED and rng.random() < 0.5):
        if final == S.CANCELLED:
            w.wait(1, 48)
            w.log(S.CANCELLED, ent.contact_name, "问题已自行解决，撤销订单。")
        return w
    w.wait(0.05, 4)
    w.dept = w.department(DEPARTMENT[category])
    w.log(S.DISPATCHED, AUTO, f"按派单规则派至{w.dept.name}，限{DUE_HOURS[urgency]}小时内接单办理。")
    w.values["due_h"] = w.t + DUE_HOURS[urgency]
    responder = w.dept.responder.name if w.dept.responder else w.dept.name
    rejected = final == S.REJECTED or rng.random() < 0.08
    if rejected:
        w.wait(2, 30)
        w.values["rejection_reason"] = rng.choice(REJECT_REASONS)
        w.log(S.REJECTED, responder, w.values["rejection_reason"])
        if final == S.REJECTED:
            w.dept = None
            return w
        w.wait(1, 24)
        w.dept = w.department("GRID_CENTER")
        park = ent.grid.park
        w.log(S.DISPATCHED, park.responder.name if park.responder else "园区", f"园区重新派单至{w.dept.name}。")
        w.values["due_h"] = w.t + DUE_HOURS[urgency]
        responder = w.dept.responder.name if w.dept.responder else w.dept.name
    if final == S.DISPATCHED:
        return w
    if final == S.CANCELLED:
        w.wait(2, 48)
        w.log(S.CANCELLED, ent.contact_name, "企业需求变更，撤销订单。")
        return w
    w.wait(0.5, 0.8 * DUE_HOURS[urgency])
    w.values["promise_days"] = rng.randint(3, 20)
    w.log(S.ACCEPTED, responder, "")  # note filled once the promised date is on the calendar
    if final == S.ACCEPTED:
        return w
    kept = rng.random() < 0.86
    days = w.values["promise_days"]
    w.t += 24 * (rng.uniform(0.3, days - 0.5) if kept else days + rng.uniform(1.5, 10))
    w.values["kept"] = kept
    w.log(S.FULFILLED, responder, f"已{WORDS[category][1]}。")
    if final == S.FULFILLED:
        return w
    w.wait(4, 96)
    rating = rng.choices((5, 4, 3, 2), weights=(60, 28, 9, 3))[0] if kept else rng.choice((2, 3, 3, 4))
    w.values["rating"] = rating
    w.log(S.CONFIRMED, ent.contact_name, f"企业确认办结，评价{rating}星。")
    return w


def _start(world: World, w: _Walk) -> datetime:
    rng, last = world.rng, w.entries[-1]["h"]
    if w.final in (S.CONFIRMED, S.CANCELLED):
        start = history_time(rng, HISTORY_START + timedelta(hours=2), ANCHOR - timedelta(days=3))
        overflow = start + timedelta(hours=last) - (ANCHOR - timedelta(hours=1))
        if overflow > timedelta(0):
            start -= overflow + timedelta(hours=rng.uniform(1, 48))
        return start.replace(microsecond=0)
    recent = {S.PLACED: (0.5, 30), S.DISPATCHED: (1, 60), S.ACCEPTED: (24, 360), S.FULFILLED: (12, 140),
              S.REJECTED: (2, 100)}[w.final]
    end = ANCHOR - timedelta(hours=rng.uniform(*recent))
    return (end - timedelta(hours=last)).replace(microsecond=0)


async def build_orders(world: World) -> None:
    rng = world.rng
    n = rng.randint(140, 160)
    finals = [status for status, share in SHARES.items() for _ in range(max(3, round(share * n)))]
    finals += [S.CONFIRMED] * (n - len(finals))
    rng.shuffle(finals)
    built: list[tuple[dict[str, Any], _Walk, datetime]] = []
    for final in finals:
        ent = rng.choice(world.enterprises)
        category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
        urgency = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
        title = rng.choice(WORDS[category][0]).format(n=rng.randint(2, 30))
        w = _walk(world, ent, final, category, urgency, title)
        start = _start(world, w)
        built.append((_row(w, start, category, urgency, title), w, start))
    built.sort(key=lambda b: (b[2], b[0]["title"]))
    per_day: dict[str, int] = defaultdict(int)
    for row, _w, start in built:
        day = local_date(start).strftime("%Y%m%d")
        per_day[day] += 1
        row["code"] = f"DD-{day}-{per_day[day]:04d}"
    ids = await insert_ids(world.session, ServiceOrder, [b[0] for b in built])
    timeline = [
        {"order_id": i, "at": (start + timedelta(hours=e["h"])).replace(microsecond=0), "action": e["action"],
         "actor_account_id": None, "actor_name": e["actor_name"], "from_status": e["from_status"],
         "to_status": e["to_status"], "note": e["note"], "decision_id": None}
        for i, (_r, w, start) in zip(ids, built, strict=True) for e in w.entries
    ]
    await insert_plain(world.session, OrderTimelineEntry, timeline)
    world.count("orders", len(ids))
    world.count("order_timeline", len(timeline))


def _row(w: _Walk, start: datetime, category: O, urgency: int, title: str) -> dict[str, Any]:
    v, status = w.values, w.status

    def at(key: str) -> datetime | None:
        h = v.get(key)
        return None if h is None else (start + timedelta(hours=h)).replace(microsecond=0)

    accepted = at("last_accepted_h")
    promised = promise = None
    if accepted is not None:
        promised = local_date(accepted) + timedelta(days=v["promise_days"])
        promise = f"承诺于{promised.month}月{promised.day}日前{WORDS[category][1]}"
        for e in w.entries:
            if e["action"] == "ACCEPTED":
                e["note"] = f"接单。{promise}。"
    fulfilled = at("last_fulfilled_h")
    ent = w.ent
    return {
        "code": "", "enterprise_id": ent.id, "grid_id": ent.grid.id, "area_path": ent.grid.path,
        "category": category, "urgency": urgency, "title": title,
        "content": f"{ent.name}提出：{title}，请园区协调相关部门办理。", "status": status,
        "department_id": w.dept.id if w.dept and status != S.PLACED else None,
        "due_at": at("due_h") if status != S.PLACED else None, "placed_at": start, "placed_by_account_id": None,
        "dispatched_at": at("last_dispatched_h"), "accepted_at": accepted, "promise": promise,
        "promised_date": promised, "fulfilled_at": fulfilled,
        "fulfilment_note": f"已{WORDS[category][1]}。" if fulfilled else None,
        "confirmed_at": at("last_confirmed_h"), "rating": v.get("rating"),
        "promise_kept": (local_date(fulfilled) <= promised) if fulfilled and promised else None,
        "rejection_reason": v.get("rejection_reason"), "client_request_id": None, "request_fingerprint": None,
        "version": len(w.entries), "created_at": start,
        "updated_at": (start + timedelta(hours=w.entries[-1]["h"])).replace(microsecond=0),
    }
