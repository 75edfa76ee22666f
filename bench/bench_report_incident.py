"""reportIncident end to end over HTTP, beside the floor of the same rows written raw.

    .venv/bin/python bench/bench_report_incident.py [--requests 6000] [--concurrency 32] [--workers 2]

1. creates a fresh PostgreSQL database (``GRIDGOV_BENCH_POSTGRES_URL``, default
   ``postgresql://postgres@127.0.0.1:5432/postgres`` for the admin connection),
   migrates it and loads the demo district (3 parks, 38 grids, 302 members, 541
   incidents of history);
2. gives one GRID_WORKER account (bearer token) to an active member of every small grid;
3. starts ``gridgov serve --workers N`` (uvicorn, production mode) against it;
4. posts ``reportIncident`` at the given concurrency over keep-alive connections from
   a minimal asyncio HTTP/1.1 client (so the load generator costs little CPU on the
   same machine): authentication, both policy decisions, officer resolution and every
   row the use case writes (incident, timeline, decisions, outbox events, audit);
5. the floor: the same rows (1 incident, 2 decisions, 2 timeline entries, 2 outbox
   events, 1 audit entry) written by one raw asyncpg transaction per report, at the
   same concurrency, in the same run;
6. prints requests/s, p50 and p99 of both and the ratio, and the CPU per report of the
   server's workers, of this client and of the rest of the machine (PostgreSQL, the
   kernel); drops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_URL = os.environ.get("GRIDGOV_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-secret-key-0123456789abcdef0123456789"
DATA_KEY = "bench-data-key-0123456789abcdef0123456789"
RAMP_S = 0.02

REPORT = """
mutation Report($input: ReportIncidentInput!) {
  reportIncident(input: $input) {
    incident {
      id code status level dueAt dueAtLocal
      department { code } officer { code }
      decisions { kind version firedRules }
    }
    userErrors { field code message }
  }
}
"""

CATEGORIES = ["LABOR_DISPUTE", "NEIGHBOURHOOD", "SAFETY_HAZARD", "ENVIRONMENT", "CONSTRUCTION_DISPUTE",
              "FIRE_HAZARD", "PUBLIC_SECURITY", "ENTERPRISE_APPEAL", "OTHER"]


# --- the database ------------------------------------------------------------------------


def _connect_kwargs(url: str, dbname: str | None = None) -> dict[str, Any]:
    u = urlparse(url.replace("+asyncpg", ""))
    # ``?host=/var/run/postgresql``: a Unix socket (the server's URL keeps the same query).
    socket_dir = parse_qs(u.query).get("host", [None])[0]
    return {
        "host": socket_dir or u.hostname or "127.0.0.1", "port": u.port or 5432, "user": u.username or "postgres",
        "password": u.password, "database": dbname or (u.path or "/postgres").lstrip("/") or "postgres",
    }


def _sa_url(dbname: str) -> str:
    u = urlparse(ADMIN_URL.replace("postgresql://", "postgresql+asyncpg://", 1))
    return u._replace(path=f"/{dbname}").geturl()


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(**_connect_kwargs(ADMIN_URL))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _prepare(url: str) -> list[tuple[str, str]]:
    """Demo district + one grid worker account per small grid: ``[(token, grid global id)]``."""
    from sqlalchemy import select

    from api.relay import to_global_id
    from domain.accounts.models import Account
    from domain.accounts.tokens import issue_access_token
    from domain.db import make_engine, make_sessionmaker
    from domain.demo import load_demo
    from domain.enums import AccountRole, AreaKind, MemberRole
    from domain.org.models import Area, Member, MemberRoleAssignment

    print(await load_demo(url))
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine).begin() as session:
            grids = (await session.scalars(select(Area).where(Area.kind == AreaKind.SMALL_GRID).order_by(Area.code))).all()
            reporters = []
            for grid in grids:
                member = await session.scalar(
                    select(Member)
                    .join(MemberRoleAssignment, MemberRoleAssignment.member_id == Member.id)
                    .where(Member.area_id == grid.id, Member.active.is_(True),
                           MemberRoleAssignment.role.in_([MemberRole.FULL_TIME_WORKER, MemberRole.GRID_LEADER]))
                    .order_by(Member.code)
                    .limit(1)
                )
                if member is None:
                    continue
                account = Account(
                    username=f"bench-{grid.code}", display_name=f"压测网格员{grid.code}",
                    role=AccountRole.GRID_WORKER, member_id=member.id, area_id=grid.id,
                )
                session.add(account)
                await session.flush()
                token, _ = issue_access_token(
                    account_id=account.id, generation=0, secret=SECRET, ttl=timedelta(hours=6)
                )
                reporters.append((token, to_global_id("Area", grid.id)))
    finally:
        await engine.dispose()
    return reporters


# --- a minimal keep-alive HTTP/1.1 client -------------------------------------------------


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        head = f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head += f"Content-Length: {len(body)}\r\n\r\n"
        assert self.writer is not None and self.reader is not None
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        return status, await self.reader.readexactly(length)


async def _wait_ready(port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
            line = await reader.readline()
            writer.close()
            if b" 200 " in line:
                return
        except OSError:
            pass
        await asyncio.sleep(0.3)
    raise RuntimeError("server did not become ready")


# --- load ---------------------------------------------------------------------------------


def _summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "per_second": round(len(ordered) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
    }


def report_body(i: int, rng: random.Random, reporters: list[tuple[str, str]]) -> tuple[bytes, str]:
    """The ``i``-th report's request body and its reporter's token (also used by
    ``report_in_process.py``)."""
    token, grid = reporters[i % len(reporters)]
    data = {
        "query": REPORT,
        "variables": {"input": {
            "title": f"压测事件{i}", "description": "网格员巡查发现，工人反映相关问题",
            "category": CATEGORIES[rng.randrange(len(CATEGORIES))], "severity": 1 + rng.randrange(3),
            "peopleInvolved": rng.choice([1, 2, 3, 5, 8, 12, 40]), "gridId": grid,
            "clientRequestId": uuid.uuid4().hex,
        }},
    }
    return json.dumps(data, ensure_ascii=False).encode(), token


async def fresh_database(prefix: str) -> tuple[str, str]:
    """A new, migrated database ``<prefix>_<pid>`` (dropped first if left over): its name
    and SQLAlchemy URL. ``drop_database`` removes it."""
    from domain import migrate

    dbname = f"{prefix}_{os.getpid()}"
    url = _sa_url(dbname)
    await drop_database(dbname)
    await _admin(f'CREATE DATABASE "{dbname}"')
    await asyncio.to_thread(migrate.upgrade, url)
    return dbname, url


async def drop_database(dbname: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


async def _http_load(port: int, reporters: list[tuple[str, str]], *, total: int, concurrency: int,
                     seed: int) -> tuple[dict[str, float], list[str]]:
    rng = random.Random(seed)
    latencies: list[float] = []
    problems: list[str] = []
    counter = iter(range(total))

    async def worker(k: int) -> None:
        # Open the connections one by one: uvicorn's workers share one listening socket,
        # and a burst of connects can all land on whichever worker wakes first.
        await asyncio.sleep(k * RAMP_S)
        conn = Connection("127.0.0.1", port)
        for i in counter:
            payload, token = report_body(i, rng, reporters)
            t0 = time.perf_counter()
            status, raw = await conn.post("/graphql", payload, {"Authorization": f"Bearer {token}"})
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                problems.append(f"HTTP {status}: {raw[:200]!r}")
                continue
            doc = json.loads(raw)
            if doc.get("errors") or doc["data"]["reportIncident"]["userErrors"]:
                problems.append(str(doc)[:300])

    t = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return _summary(latencies, time.perf_counter() - t), problems


async def _floor(url: str, *, total: int, concurrency: int) -> dict[str, float]:
    """The same rows as one report, written by one raw asyncpg transaction each."""
    u = urlparse(url.replace("+asyncpg", ""))
    pool = await asyncpg.create_pool(**_connect_kwargs(ADMIN_URL, (u.path or "/").lstrip("/")),
                                     min_size=10, max_size=10)
    grid_id, path = await pool.fetchrow("SELECT id, path FROM areas WHERE kind = 'SMALL_GRID' ORDER BY id LIMIT 1")
    latencies: list[float] = []
    counter = iter(range(total))
    facts = json.dumps({"incident": {"category": "LABOR_DISPUTE", "severity": 1, "peopleInvolved": 2}})

    async def one(i: int) -> None:
        now = datetime.now(UTC)
        async with pool.acquire() as conn, conn.transaction():
            incident_id = await conn.fetchval(
                """INSERT INTO incidents (code, title, description, category, severity, people_involved,
                   grid_id, area_path, source, reported_at, status, level, awaiting_manual, due_at,
                   due_window_started_at, dispatched_at, resolved_on_site, reopen_count, escalations, was_overdue,
                   returned_by, client_request_id, request_fingerprint, version, created_at, updated_at)
                   VALUES ($1, $2, $3, 'LABOR_DISPUTE', 1, 2, $4, $5, 'APP', $6, 'DISPATCHED', 1, false, $7,
                   $6, $6, false, 0, 0, false, '[]', $8, $9, 1, $6, $6) RETURNING id""",
                f"FL-{uuid.uuid4().hex[:20]}", f"压测事件{i}", "网格员巡查发现", grid_id, path, now,
                now + timedelta(hours=72), uuid.uuid4().hex, uuid.uuid4().hex + uuid.uuid4().hex,
            )
            routing_id, officer_id = [r[0] for r in await conn.fetch(
                """INSERT INTO decisions (kind, policy_version, subject_type, subject_id, outputs, fired_rules,
                   fallback, facts, decided_at, note) VALUES
                   ('incident-routing', 1, 'incident', $1, '{"level": 1}', '[]', false, $2, $3, 'x'),
                   ('officer-assignment', 1, 'incident', $1, '{"officer": {}}', '["level-1"]', false, $2, $3, 'x')
                   RETURNING id""", incident_id, facts, now)]
            await conn.execute(
                """INSERT INTO incident_timeline (incident_id, at, action, actor_name, from_status, to_status,
                   from_level, to_level, note, decision_id) VALUES
                   ($1, $2, 'REPORTED', 'x', NULL, 'REPORTED', NULL, 1, 'x', $3),
                   ($1, $2, 'DISPATCHED', 'x', 'REPORTED', 'DISPATCHED', 1, 1, 'x', $4)""",
                incident_id, now, routing_id, officer_id)
            await conn.execute(
                """INSERT INTO outbox_events (txid, type, aggregate_type, aggregate_id, area_path, level, payload,
                   created_at) VALUES
                   (pg_current_xact_id()::text::bigint, 'incident.reported', 'Incident', $1, $2, 1, '{"code": "x"}', $3),
                   (pg_current_xact_id()::text::bigint, 'incident.dispatched', 'Incident', $1, $2, 1, '{"code": "x"}', $3)""",
                incident_id, path, now)
            await conn.execute(
                """INSERT INTO audit_log (at, action, object_type, object_id, after) VALUES
                   ($1, 'incident.report', 'Incident', $2, '{"status": "DISPATCHED"}')""", now, str(incident_id))

    async def worker() -> None:
        for i in counter:
            t0 = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - t0)

    for i in range(50):  # warm the pool and the plans
        await one(i)
    latencies.clear()
    t = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result = _summary(latencies, time.perf_counter() - t)
    await pool.close()
    return result


# --- main ---------------------------------------------------------------------------------


def _worker_cpu(parent: int) -> dict[int, float]:
    """CPU seconds (user + system) of the server's processes, by pid."""
    out: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in [parent, *_children(parent)]:
        try:
            parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(parts[11]) + int(parts[12])) / tick
    return out


def _worker_rss_mb(parent: int) -> dict[int, float]:
    """Resident memory (MB) of the server's processes, by pid."""
    out: dict[int, float] = {}
    for pid in [parent, *_children(parent)]:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[pid] = round(int(line.split()[1]) / 1024, 1)
        except OSError:
            continue
    return out


def _machine_cpu() -> float:
    """Busy CPU seconds of the whole machine (``/proc/stat``: all but idle and iowait).
    Minus the server's and this client's own CPU, what is left is PostgreSQL, the
    kernel's network work — and anything else that ran meanwhile."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


async def _sessions(dbname: str) -> int:
    """Connections ever opened to the database (``pg_stat_database.sessions``, PostgreSQL 14+)."""
    conn = await asyncpg.connect(**_connect_kwargs(ADMIN_URL))
    try:
        return int(await conn.fetchval("SELECT sessions FROM pg_stat_database WHERE datname = $1", dbname) or 0)
    finally:
        await conn.close()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found + [g for c in found for g in _children(c)]


def _start_server(url: str, *, workers: int, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GRIDGOV_DATABASE_URL": url,
        "GRIDGOV_MODE": "production",
        "GRIDGOV_SECRET_KEY": SECRET,
        "GRIDGOV_DATA_KEY": DATA_KEY,
        "GRIDGOV_LOG_LEVEL": "warning",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--workers", str(workers), "--port", str(port)],
        cwd=ROOT, env=env, start_new_session=True,
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--warmup", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    dbname, url = await fresh_database("gridgov_bench")
    server: subprocess.Popen[bytes] | None = None
    try:
        reporters = await _prepare(url)
        server = _start_server(url, workers=args.workers, port=args.port)
        await _wait_ready(args.port)
        warm, problems = await _http_load(args.port, reporters, total=args.warmup, concurrency=args.concurrency,
                                          seed=1)
        if problems:
            print("warm-up problems:", problems[:3])
            return 1
        workers_before = _worker_cpu(server.pid)
        rss_before = _worker_rss_mb(server.pid)
        sessions_before = await _sessions(dbname)
        machine_before, client_before = _machine_cpu(), time.process_time()
        http, problems = await _http_load(args.port, reporters, total=args.requests,
                                          concurrency=args.concurrency, seed=2)
        client_cpu = time.process_time() - client_before
        machine_cpu = _machine_cpu() - machine_before
        sessions_opened = await _sessions(dbname) - sessions_before
        rss_after = _worker_rss_mb(server.pid)
        worker_cpu = {pid: round(cpu - workers_before.get(pid, 0.0), 2)
                      for pid, cpu in _worker_cpu(server.pid).items()}
        if problems:
            print(f"{len(problems)} failed requests, e.g.:", problems[:3])
        floor = await _floor(url, total=args.requests, concurrency=args.concurrency)
        ratio = round(100 * http["per_second"] / floor["per_second"], 1)
        figures = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "workers": args.workers,
            "concurrency": args.concurrency,
            "reportIncident": http,
            "floor": floor,
            "percent_of_floor": ratio,
            # CPU seconds each server process spent on the measured requests (how evenly
            # the kernel spread the connections over the workers, and CPU per report).
            "worker_cpu_s": worker_cpu,
            "server_cpu_ms_per_report": round(1000 * sum(worker_cpu.values()) / max(http["requests"], 1), 2),
            # The machine's CPU per report (both cores, everything that ran), this load
            # generator's share of it, and the rest: PostgreSQL, the kernel — and any other load.
            "machine_cpu_ms_per_report": round(1000 * machine_cpu / max(http["requests"], 1), 2),
            "client_cpu_ms_per_report": round(1000 * client_cpu / max(http["requests"], 1), 2),
            "other_cpu_ms_per_report": round(
                1000 * (machine_cpu - client_cpu - sum(worker_cpu.values())) / max(http["requests"], 1), 2
            ),
            # Database connections the server opened during the measured requests (pool churn:
            # each costs PostgreSQL a backend start).
            "db_connections_opened": sessions_opened,
            # Resident memory of each server process before and after the measured requests.
            "worker_rss_mb": {pid: [rss_before.get(pid), mb] for pid, mb in rss_after.items()},
            "failed": len(problems),
        }
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        print(f"reportIncident: {http['per_second']}/s, p50 {http['p50_ms']} ms, p99 {http['p99_ms']} ms; "
              f"floor {floor['per_second']}/s (p50 {floor['p50_ms']} ms, p99 {floor['p99_ms']} ms); "
              f"{ratio} % of the floor")
        if args.json:
            Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0 if not problems else 1
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if not args.keep_db:
            await drop_database(dbname)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
