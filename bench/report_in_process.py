"""reportIncident in one process, without HTTP: where a report's CPU goes.

Steadier than the HTTP benchmark on a noisy host, and what a profiler or valgrind can
be pointed at (docs/benchmarks.md, "reportIncident"):

    .venv/bin/python bench/report_in_process.py                       # 1,500 reports, 16 in flight
    .venv/bin/python bench/report_in_process.py --gc-thresholds 20000,10,100
    py-spy record -f raw -o out.txt -- .venv/bin/python bench/report_in_process.py
    valgrind --tool=callgrind .venv/bin/python bench/report_in_process.py --requests 240

A fresh PostgreSQL database prepared as ``bench_report_incident.py`` prepares it (demo
district, one grid worker per small grid); the app from ``api.app.create_app`` (SLA
sweeper off, production settings, the worker's garbage-collector tuning) driven
through its ASGI interface with the same request bodies. Prints, per report measured:
this process's CPU (user and system), the machine's (``/proc/stat``), PostgreSQL's
(server processes alive at the end), connections opened, and each garbage-collector
generation's collections, total and longest pause (``gc.callbacks``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_report_incident as http_bench  # noqa: E402  (the same preparation and bodies)
from sqlalchemy import event  # noqa: E402


def _postgres_cpu() -> float:
    ticks = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


class _GcWatch:
    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = defaultdict(list)
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self._start)


async def _report(app: Any, body: bytes, token: str) -> None:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/graphql", "raw_path": b"/graphql", "query_string": b"", "root_path": "",
        "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                    (b"authorization", f"Bearer {token}".encode()), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 1), "server": ("bench", 80),
    }
    sent = False
    out: list[Any] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out.append(message["status"])
        elif message["type"] == "http.response.body":
            out.append(message.get("body", b""))

    await app(scope, receive, send)
    doc = json.loads(b"".join(out[1:]))
    if out[0] != 200 or doc.get("errors") or doc["data"]["reportIncident"]["userErrors"]:
        raise SystemExit(f"report failed: {str(doc)[:300]}")


async def _load(app: Any, reporters: list[tuple[str, str]], *, total: int, concurrency: int, seed: int) -> None:
    rng = random.Random(seed)
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            await _report(app, *http_bench.report_body(i, rng, reporters))

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--gc-thresholds", help="e.g. 20000,10,100 (default: the worker's own)")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--statements", action="store_true",
                        help="also count the SQL statements per report, by their first words (watching them costs CPU)")
    args = parser.parse_args()

    dbname, url = await http_bench.fresh_database("gridgov_inproc")
    try:
        reporters = await http_bench._prepare(url)
        os.environ.update(
            GRIDGOV_DATABASE_URL=url, GRIDGOV_MODE="production", GRIDGOV_SECRET_KEY=http_bench.SECRET,
            GRIDGOV_DATA_KEY=http_bench.DATA_KEY, GRIDGOV_LOG_LEVEL="warning", GRIDGOV_SLA_ENABLED="0",
        )
        from api.app import create_app, tune_garbage_collector
        from domain.settings import Settings

        app = create_app(Settings())  # read now: the environment was just set
        async with app.router.lifespan_context(app):
            tune_garbage_collector()
            if args.gc_thresholds:
                gc.set_threshold(*(int(v) for v in args.gc_thresholds.split(",")))
            await _load(app, reporters, total=args.warmup, concurrency=args.concurrency, seed=1)
            watch = _GcWatch()
            gc.callbacks.append(watch)
            statements: Counter[str] = Counter()
            if args.statements:
                def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
                    statements[" ".join(statement.split()[:4])[:60]] += 1

                event.listen(app.state.engine.sync_engine, "before_cursor_execute", seen)
            sessions = await http_bench._sessions(dbname)
            machine, postgres, own, wall = http_bench._machine_cpu(), _postgres_cpu(), os.times(), time.perf_counter()
            await _load(app, reporters, total=args.requests, concurrency=args.concurrency, seed=2)
            after = os.times()
            machine, postgres = http_bench._machine_cpu() - machine, _postgres_cpu() - postgres
            wall = time.perf_counter() - wall
            gc.callbacks.remove(watch)
            opened = await http_bench._sessions(dbname) - sessions
        n = args.requests
        figures = {
            "reports": n,
            "per_second": round(n / wall, 1),
            "process_cpu_ms_per_report": round(1000 * (after.user + after.system - own.user - own.system) / n, 3),
            "process_user_ms_per_report": round(1000 * (after.user - own.user) / n, 3),
            "process_system_ms_per_report": round(1000 * (after.system - own.system) / n, 3),
            "machine_cpu_ms_per_report": round(1000 * machine / n, 3),
            "postgres_cpu_ms_per_report": round(1000 * postgres / n, 3),
            "db_connections_opened": opened,
            "gc_thresholds": gc.get_threshold(),
            "gc": {
                f"gen{g}": {"collections": len(p), "total_ms": round(1000 * sum(p), 1), "longest_ms": round(1000 * max(p), 1)}
                for g, p in sorted(watch.pauses.items())
            },
        }
        if args.statements:
            figures["statements_per_report"] = {k: round(v / n, 3) for k, v in statements.most_common()}
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    finally:
        if not args.keep_db:
            await http_bench.drop_database(dbname)


if __name__ == "__main__":
    try:
        import uvloop  # the servers' event loop (uvicorn picks it up)

        sys.exit(uvloop.run(main()))
    except ImportError:
        sys.exit(asyncio.run(main()))
