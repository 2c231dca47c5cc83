"""``crawler serve | scheduler | worker | tokens | index | health | db | env``: the service.

They read their configuration from the environment (:mod:`crawler.config`); a bad variable
stops them at start with a message naming it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING, Any

from crawler.config import Settings

if TYPE_CHECKING:  # SQLAlchemy: loaded by the service commands only
    from crawler.service.db import Database

__all__ = ["add_service_commands"]

logger = logging.getLogger("crawler.service")


def _open(settings: Settings) -> Database:
    from crawler.service.db import open_database

    return open_database(settings.database)


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from crawler.service.app import create_app

    database = _open(settings)
    logger.info(
        "API on http://%s:%d/ (docs: /docs), database %s", args.host, args.port, database.describe()
    )
    app = create_app(database, settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    import signal

    from crawler.service.scheduler import Scheduler

    database = _open(settings)
    scheduler = Scheduler(
        database,
        tick=settings.scheduler_tick,
        run_lease=settings.run_lease,
        data_dir=settings.data_dir,
    )
    if args.once:
        outcomes = scheduler.run_once()
        print(f"{len(outcomes)} schedule(s) fired")
        return 0
    signal.signal(signal.SIGTERM, lambda *_: scheduler.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: scheduler.stopping.set())
    from crawler.service.metrics import serve_metrics

    serve_metrics(settings.metrics_port)
    scheduler.run_forever()
    return 0


def _cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.service.worker import Worker

    database = _open(settings)
    worker = Worker(database, settings, name=args.name)
    worker.install_signal_handlers()
    if args.once:
        worker.repair_leftovers()
        return 0 if worker.run_next() else 3
    from crawler.service.metrics import serve_metrics

    serve_metrics(settings.metrics_port)
    worker.run_forever()
    return 0


def _cmd_token_create(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.service.auth import create_token

    database = _open(settings)
    with database.transaction() as session:
        token, secret = create_token(session, args.name, args.role, "cli:" + _whoami())
        print(
            f"token for {token.name} ({token.role}); shown once, keep it secret:", file=sys.stderr
        )
    print(secret)
    return 0


def _cmd_token_list(_args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from crawler.service.tables import ApiToken

    database = _open(settings)
    with database.session() as session:
        rows = [
            (t.name, t.role, _when(t.created_at), _when(t.last_used_at), _when(t.revoked_at))
            for t in session.scalars(select(ApiToken).order_by(ApiToken.name))
        ]
    from crawler.cli.output import table

    print(table(["name", "role", "created", "last used", "revoked"], rows))
    return 0


def _cmd_token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.service.auth import revoke_token

    database = _open(settings)
    with database.transaction() as session:
        revoke_token(session, args.name, "cli:" + _whoami())
    print(f"token {args.name} revoked")
    return 0


def _cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.archive.storage import StorageError, open_storage
    from crawler.service.research.index import CrawlIndexError, index_crawl

    database = _open(settings)
    url = settings.storage(args.storage)
    status = 0
    for crawl_id in args.crawls:
        try:
            row = index_crawl(database, open_storage(url, settings.s3), crawl_id)
        except (CrawlIndexError, StorageError) as exc:
            print(f"crawler index: {exc}", file=sys.stderr)
            status = 1
            continue
        print(f"{crawl_id}: {row.captures} captures, {row.articles} articles indexed")
    return status


def _cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    """Container healthcheck: the API answers, or this host's scheduler/worker is alive."""
    import urllib.request

    from crawler.service.liveness import is_alive

    if args.api:
        try:
            with urllib.request.urlopen(args.api, timeout=4) as response:  # noqa: S310
                return 0 if response.status == 200 else 1
        except OSError as exc:
            print(f"crawler health: {args.api}: {exc}", file=sys.stderr)
            return 1
    alive = is_alive(settings.data_dir, args.max_age)
    print("alive: " + (", ".join(alive) or "nothing"))
    return 0 if alive else 1


def _cmd_db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    database = _open(settings)
    print(f"database {database.describe()} is up to date")
    return 0


def _whoami() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _cmd_env(_args: argparse.Namespace, _settings: Settings) -> int:
    from crawler.cli.output import table

    print(table(["variable", "meaning"], sorted(Settings.variables().items())))
    return 0


def add_service_commands(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the HTTP API (OpenAPI docs at /docs)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=_cmd_serve)

    scheduler = sub.add_parser("scheduler", help="fire due schedules (any number may run)")
    scheduler.add_argument("--once", action="store_true", help="one look at the schedules")
    scheduler.set_defaults(func=_cmd_scheduler)

    worker = sub.add_parser("worker", help="run queued crawls (any number, on any machine)")
    worker.add_argument("--name", help="worker name in runs (default host:pid)")
    worker.add_argument("--once", action="store_true", help="run one queued run, then exit")
    worker.set_defaults(func=_cmd_worker)

    tokens = sub.add_parser("tokens", help="API tokens, on the database directly (admins)")
    token_sub = tokens.add_subparsers(dest="tokens_command", required=True)
    create = token_sub.add_parser("create", help="create a token; prints it once")
    create.add_argument("name", help="who holds it")
    create.add_argument("--role", required=True, choices=["admin", "archivist", "researcher"])
    create.set_defaults(func=_cmd_token_create)
    token_sub.add_parser("list", help="tokens (never their secrets)").set_defaults(
        func=_cmd_token_list
    )
    revoke = token_sub.add_parser("revoke", help="revoke a token")
    revoke.add_argument("name")
    revoke.set_defaults(func=_cmd_token_revoke)

    index = sub.add_parser("index", help="load stored crawls' CDXJ and articles into the database")
    index.add_argument("crawls", nargs="+", help="crawl ids")
    index.add_argument(
        "--storage", help="where the crawls are (default: CRAWLER_STORAGE_URL or file://./archive)"
    )
    index.set_defaults(func=_cmd_index)

    health = sub.add_parser("health", help="container healthcheck (exit 0 when alive)")
    health.add_argument("--api", metavar="URL", help="check this /health URL instead")
    health.add_argument("--max-age", type=float, default=90.0, help="seconds since last sign")
    health.set_defaults(func=_cmd_health)

    db = sub.add_parser("db", help="the service database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations").set_defaults(func=_cmd_db_upgrade)

    env = sub.add_parser("env", help="the environment variables every role reads")
    env.set_defaults(func=_cmd_env)
