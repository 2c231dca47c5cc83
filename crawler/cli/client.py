"""``crawler jobs|schedules|runs``: the API at a terminal, with readable tables.

They talk to ``CRAWLER_API_URL`` (default ``http://127.0.0.1:8000``) with ``CRAWLER_TOKEN``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.cli.arguments import positive_float, positive_int
from crawler.cli.output import coverage_lines, table
from crawler.config import Settings

if TYPE_CHECKING:  # httpx: loaded by these commands only
    from crawler.cli.api_client import ApiClient

__all__ = ["add_client_commands"]

_FINAL = ("succeeded", "failed", "cancelled", "interrupted")


def _client(settings: Settings) -> ApiClient:
    from crawler.cli.api_client import ApiClient

    return ApiClient(settings.api_url, settings.token)


def _body(path: str) -> tuple[bytes, dict[str, str]]:
    from crawler.service.errors import ServiceError

    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise ServiceError(f"cannot read {path}: {exc.strerror}") from None
    kind = "application/json" if path.endswith(".json") else "application/yaml"
    return data, {"Content-Type": kind}


def _short(when: str | None) -> str:
    return when[:19].replace("T", " ") if when else "-"


# --- jobs ------------------------------------------------------------------------------
def _jobs(args: argparse.Namespace, settings: Settings) -> int:
    api = _client(settings)
    if args.action == "list":
        rows = [
            (
                j["name"],
                j["version"],
                j["created_by"],
                _short(j["created_at"]),
                j["config_hash"][:19],
            )
            for j in api.request("GET", "/jobs")
        ]
        print(table(["name", "version", "by", "updated", "config hash"], rows))
    elif args.action == "show":
        import json

        query = {"version": args.version} if args.version else None
        print(json.dumps(api.request("GET", f"/jobs/{args.target}", params=query), indent=2))
    elif args.action in ("create", "update", "validate"):
        data, headers = _body(args.target)
        if args.action == "create":
            job = api.request("POST", "/jobs", content=data, headers=headers)
        elif args.action == "validate":
            job = api.request("POST", "/jobs/validate", content=data, headers=headers)
            print(f"valid job {job['name']!r} ({job['config_hash'][:19]})")
            return 0
        else:
            import yaml

            name = (yaml.safe_load(data) or {}).get("name", "")
            job = api.request("PUT", f"/jobs/{name}", content=data, headers=headers)
        print(f"job {job['name']!r} version {job['version']}")
    elif args.action == "delete":
        api.request("DELETE", f"/jobs/{args.target}")
        print(f"job {args.target!r} deleted")
    return 0


# --- schedules -------------------------------------------------------------------------
def _schedules(args: argparse.Namespace, settings: Settings) -> int:
    api = _client(settings)
    if args.action == "list":
        rows = [
            (
                s["id"],
                s["job"],
                s["cron"],
                s["timezone"],
                "on" if s["enabled"] else "off",
                _short(s["next_fire_times"][0] if s["next_fire_times"] else None),
            )
            for s in api.request("GET", "/schedules")
        ]
        print(table(["id", "job", "cron", "time zone", "enabled", "next"], rows))
        return 0
    if args.action == "create":
        body = {"job": args.job, "cron": args.cron, "timezone": args.timezone}
        schedule = api.request("POST", "/schedules", json=body)
    elif args.action in ("enable", "disable"):
        body = {"enabled": args.action == "enable"}
        schedule = api.request("PATCH", f"/schedules/{args.id}", json=body)
    elif args.action == "delete":
        api.request("DELETE", f"/schedules/{args.id}")
        print(f"schedule {args.id} deleted")
        return 0
    else:
        schedule = api.request("GET", f"/schedules/{args.id}")
    where = f"{schedule['job']} at {schedule['cron']!r} ({schedule['timezone']})"
    print(f"schedule {schedule['id']}: {where}")
    for when in schedule["next_fire_times"]:
        print(f"  next: {when}")
    return 0


# --- runs ------------------------------------------------------------------------------
def _counters(run: dict[str, Any]) -> str:
    c = run.get("counters") or {}
    return (
        f"pages {c.get('pages', 0)} | records {c.get('records', 0)} | "
        f"{c.get('bytes', 0) / 1e6:.1f} MB | articles {c.get('articles', 0)} "
        f"(on topic {c.get('on_topic', 0)}) | errors {c.get('errors', 0)}"
    )


def _run_line(run: dict[str, Any]) -> str:
    return f"run {run['id']} {run['status']}: {_counters(run)}"


def _watch(api: Any, run_id: int, interval: float, out: Callable[[str], None]) -> dict[str, Any]:
    """Print progress until the run ends; returns its last state."""
    last_event = 0
    while True:
        for event in api.request("GET", f"/runs/{run_id}/logs", params={"after": last_event}):
            last_event = event["id"]
            if (
                event["kind"] == "status"
                or " WARNING " in event["message"]
                or " ERROR " in event["message"]
            ):
                out(f"  {event['message']}")
        run: dict[str, Any] = api.request("GET", f"/runs/{run_id}")
        out(_run_line(run))
        if run["status"] in _FINAL:
            return run
        time.sleep(interval)


def _runs(args: argparse.Namespace, settings: Settings) -> int:
    api = _client(settings)
    if args.action == "list":
        params = {k: v for k, v in (("job", args.job), ("status", args.status)) if v}
        params["limit"] = str(args.limit)
        rows = [
            (
                r["id"],
                r["job"],
                r["status"],
                r["trigger"],
                _short(r["started_at"]),
                _short(r["finished_at"]),
                (r["counters"] or {}).get("pages", 0),
                (r["counters"] or {}).get("articles", 0),
            )
            for r in api.request("GET", "/runs", params=params)
        ]
        print(
            table(
                ["id", "job", "status", "trigger", "started", "finished", "pages", "articles"], rows
            )
        )
        return 0
    if args.action == "start":
        run = api.request("POST", "/runs", json={"job": args.target})
        print(f"run {run['id']} queued (crawl {run['crawl_id']})")
        if not args.watch:
            return 0
        run_id = run["id"]
    else:
        run_id = int(args.target)
    if args.action == "show":
        shown = api.request("GET", f"/runs/{run_id}")
        if args.json:
            import json

            print(json.dumps(shown, indent=2))
            return 0
        print(_run_line(shown))
        print(
            f"  job {shown['job']} v{shown['job_version']}, crawl {shown['crawl_id']}, "
            f"{shown['trigger']} by {shown['requested_by']}, attempt {shown['attempt']}"
        )
        if shown["error"]:
            print(f"  error: {shown['error']}")
        print("\n".join(coverage_lines(shown.get("coverage") or {})))
        return 0
    if args.action in ("cancel", "resume"):
        run = api.request("POST", f"/runs/{run_id}/{args.action}")
        print(_run_line(run))
        return 0
    if args.action == "logs":
        for event in api.request("GET", f"/runs/{run_id}/logs", params={"limit": 5000}):
            print(f"{_short(event['at'])} {event['message']}")
        return 0
    final = _watch(api, run_id, args.interval, print)
    return 0 if final["status"] == "succeeded" else 1


def add_client_commands(sub: Any) -> None:
    jobs = sub.add_parser("jobs", help="jobs on the API: list, show, create, update, delete")
    jobs.add_argument("action", choices=["list", "show", "create", "update", "delete", "validate"])
    jobs.add_argument("target", nargs="?", help="job name (show, delete) or file, - for stdin")
    jobs.add_argument("--version", type=int, help="with show: an earlier version")
    jobs.set_defaults(func=_jobs)

    schedules = sub.add_parser("schedules", help="schedules on the API")
    schedule_sub = schedules.add_subparsers(dest="action", required=True)
    schedule_sub.add_parser("list")
    create = schedule_sub.add_parser("create", help="JOB CRON [--timezone ZONE]")
    create.add_argument("job")
    create.add_argument("cron", help="e.g. '0 6,12,18 * * *' (quote it)")
    create.add_argument("--timezone", default="UTC", help="IANA zone, e.g. Europe/Paris")
    for action in ("show", "enable", "disable", "delete"):
        schedule_sub.add_parser(action).add_argument("id", type=int)
    schedules.set_defaults(func=_schedules)

    runs = sub.add_parser("runs", help="runs on the API: list, start, watch, cancel, resume, logs")
    runs.add_argument(
        "action", choices=["list", "show", "start", "watch", "cancel", "resume", "logs"]
    )
    runs.add_argument("target", nargs="?", help="run id, or the job name with start")
    runs.add_argument("--job", help="with list: only this job")
    runs.add_argument("--status", help="with list: only runs in this state")
    runs.add_argument("--limit", type=positive_int, default=20)
    runs.add_argument("--watch", action="store_true", help="with start: follow the run")
    runs.add_argument(
        "--interval", type=positive_float, default=2.0, help="seconds between updates"
    )
    runs.add_argument("--json", action="store_true", help="with show: the run as JSON")
    runs.set_defaults(func=_runs)
