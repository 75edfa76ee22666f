"""The ``gridgov`` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys

from domain.settings import get_settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "api.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=get_settings().log_level.lower(),
        # WebSocket messages get the same size limit as HTTP request bodies.
        ws_max_size=get_settings().max_request_bytes,
    )
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from domain import migrate

    migrate.upgrade(get_settings().database_url, args.revision)
    return 0


def _db_downgrade(args: argparse.Namespace) -> int:
    from domain import migrate

    migrate.downgrade(get_settings().database_url, args.revision)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from domain import migrate
    from domain.demo import load_demo

    url = get_settings().database_url
    migrate.upgrade(url)
    summary = asyncio.run(load_demo(url, seed=args.seed, reset=args.reset))
    print(summary)
    return 0


def _schema(_: argparse.Namespace) -> int:
    from api.schema import schema

    sys.stdout.write(schema.as_str() + "\n")
    return 0


def _sla_sweep(args: argparse.Namespace) -> int:
    """One pass of the SLA clock (what every worker runs in the background)."""
    import json

    from domain.errors import DomainError
    from domain.incidents.cli import sweep_once
    from rules.clock import parse_instant

    if args.now is not None:
        try:
            parse_instant(args.now)
        except ValueError:
            print(f"gridgov sla sweep: --now {args.now!r} is not an ISO date-time", file=sys.stderr)
            return 2
    try:
        result = asyncio.run(sweep_once(get_settings().database_url, area_code=args.area, now=args.now))
    except DomainError as exc:
        print(f"gridgov sla sweep: {exc.message}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _policy(argv: list[str]) -> int:
    from rules.cli import main as policy_main

    return policy_main(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["policy"]:
        return _policy(argv[1:])

    parser = argparse.ArgumentParser(prog="gridgov", description="GridGov 产业园区网格化服务管理")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=_serve)

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="migrate to the latest schema")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=_db_upgrade)
    down = db_sub.add_parser("downgrade", help="migrate down to REVISION (required: 'base' drops everything)")
    down.add_argument("revision")
    down.set_defaults(func=_db_downgrade)

    demo = sub.add_parser("demo", help="migrate and load the demo district")
    demo.add_argument("--seed", type=int, default=20261126)
    demo.add_argument("--reset", action="store_true", help="delete existing data first")
    demo.set_defaults(func=_demo)

    schema = sub.add_parser("schema", help="print the GraphQL SDL")
    schema.set_defaults(func=_schema)

    sub.add_parser("policy", help="validate, test and evaluate policy documents (see POLICY.md)")

    sla = sub.add_parser("sla", help="the SLA clock of incidents")
    sla_sub = sla.add_subparsers(dest="sla_command", required=True)
    sweep = sla_sub.add_parser("sweep", help="one pass: escalate overdue incidents, warn due-soon ones")
    sweep.add_argument("--area", help="only incidents under this area (its code)")
    sweep.add_argument("--now", help="the time to sweep at (ISO date-time; default: now)")
    sweep.set_defaults(func=_sla_sweep)

    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
