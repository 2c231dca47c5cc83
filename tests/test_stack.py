"""The compose stack without Docker: the same processes, commands and environment as
docker-compose.yml, on loopback (SeaweedFS for MinIO, the machine's PostgreSQL). Jobs are
created through the API, fired by the scheduler, run by two workers into the bucket and
verified; a worker stopped with SIGTERM mid-run loses nothing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, run_cli
from tests.databases import postgres_database
from tests.pagedsite import PagedSite
from tests.s3server import SeaweedS3

pytestmark = [pytest.mark.e2e, pytest.mark.s3]

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Stack:
    def __init__(self, tmp: Path, s3: SeaweedS3, database_url: str) -> None:
        self.tmp = tmp
        self.port = _free_port()
        compose_env = COMPOSE["services"]["worker"]["environment"]
        local = {  # what differs from compose: addresses on loopback, faster clocks
            "DATABASE_URL": database_url,
            "AWS_ENDPOINT_URL": s3.endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "CRAWLER_DATA_DIR": str(tmp / "data"),
            "CRAWLER_PYWB_COLLECTION": str(tmp / "webarchive" / "collections" / "news"),
        }
        assert set(local) <= set(compose_env)
        self.env = {
            **os.environ,
            **{k: str(v) for k, v in compose_env.items()},
            **local,
            "PYTHONPATH": str(ROOT),
            "CRAWLER_HEARTBEAT": "0.5",
            "CRAWLER_RUN_LEASE": "5",
            "CRAWLER_SCHEDULER_TICK": "1",
            "CRAWLER_WORKER_POLL": "0.5",
        }
        self.processes: dict[str, subprocess.Popen[str]] = {}

    def command(self, service: str) -> list[str]:
        command = list(COMPOSE["services"][service]["command"])
        if "--port" in command:
            command[command.index("--port") + 1] = str(self.port)
        if "--host" in command:
            command[command.index("--host") + 1] = "127.0.0.1"
        return command

    def start(self, name: str, service: str) -> subprocess.Popen[str]:
        args = self.command(service)
        process = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", *args[1:]],
            env=self.env,
            cwd=self.tmp,
            stdout=subprocess.DEVNULL,
            stderr=(self.tmp / f"{name}.log").open("w"),
            text=True,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def healthy(self, service: str) -> bool:
        test = list(COMPOSE["services"][service]["healthcheck"]["test"][1:])
        if "--api" in test:
            test[test.index("--api") + 1] = f"http://127.0.0.1:{self.port}/ready"
        return run_cli(*test[1:], env=self.env, cwd=self.tmp).returncode == 0

    def api(self, method: str, path: str, token: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.3)


@pytest.fixture
def stack(tmp_path: Path, s3: SeaweedS3) -> Iterator[Stack]:
    s3.client.create_bucket(Bucket="archive")
    with postgres_database() as url:
        stack = Stack(tmp_path, s3, url)
        try:
            yield stack
        finally:
            stack.stop()


def test_the_stack_schedules_crawls_into_the_bucket_and_a_stopped_worker_loses_nothing(
    stack: Stack,
) -> None:
    sites = [PagedSite(sections=2, per_section=8, delay=0.25) for _ in range(2)]
    try:
        _run_the_stack(stack, sites)
    finally:
        for site in sites:
            site.close()


def _run_the_stack(stack: Stack, sites: list[PagedSite]) -> None:
    stack.start("api", "api")
    _wait(lambda: stack.healthy("api"), 60, "the api to be ready")
    token = run_cli("tokens", "create", "ops", "--role", "archivist", env=stack.env, cwd=stack.tmp)
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip()
    schedule_ids: list[int] = []
    for number, site in enumerate(sites):
        job = {
            "name": f"site-{number}",
            "seeds": {"start_pages": [f"{site.url}/"]},
            "scope": {"max_depth": 2},
            "politeness": {"delay": 0, "concurrency_per_domain": 1},
            "safety": {"allowed_networks": ["127.0.0.1/32"]},
        }
        stack.api("POST", "/jobs", secret, job)
        schedule = stack.api(
            "POST", "/schedules", secret, {"job": f"site-{number}", "cron": "* * * * *"}
        )
        assert schedule["next_fire_times"]
        schedule_ids.append(schedule["id"])
    # as if the schedules had been created a minute ago: the next tick fires them
    from sqlalchemy import create_engine, text

    engine = create_engine(
        stack.env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
    )
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE schedules SET created_at = created_at - interval '2 minutes'")
        )
    engine.dispose()

    stack.start("scheduler", "scheduler")
    workers = [stack.start(f"worker-{n}", "worker") for n in range(2)]
    _wait(lambda: stack.healthy("worker") and stack.healthy("scheduler"), 30, "liveness")

    def runs() -> list[dict[str, Any]]:
        return list(stack.api("GET", "/runs", secret))

    _wait(
        lambda: len(runs()) == 2 and all(r["status"] == "running" for r in runs()), 60, "two runs"
    )
    assert len({r["worker"] for r in runs()}) == 2  # one each
    for schedule_id in schedule_ids:  # fired; the next minute's tick must not queue more runs
        stack.api("PATCH", f"/schedules/{schedule_id}", secret, {"enabled": False})
    _wait(lambda: all(r["counters"].get("pages", 0) >= 4 for r in runs()), 60, "pages")
    stopped = next(r for r in runs() if r["worker"].endswith(f":{workers[0].pid}"))
    started = time.monotonic()
    workers[0].send_signal(signal.SIGTERM)
    assert workers[0].wait(15) == 0
    assert time.monotonic() - started < 10
    _wait(
        lambda: stack.api("GET", f"/runs/{stopped['id']}", secret)["status"] == "interrupted",
        10,
        "interrupted",
    )
    stack.api("POST", f"/runs/{stopped['id']}/resume", secret)  # the other worker takes it
    _wait(lambda: all(r["status"] == "succeeded" for r in runs()), 120, "both runs to succeed")

    for run in runs():
        verified = run_cli("verify", run["crawl_id"], env=stack.env, cwd=stack.tmp)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        site = sites[int(run["job"].split("-")[1])]
        assert set(site.hits) >= site.page_paths()
    resumed = stack.api("GET", f"/runs/{stopped['id']}", secret)
    assert resumed["attempt"] == 2 and resumed["counters"]["pages"] > 0
    articles = stack.api("GET", "/articles?limit=1000", secret)["results"]
    by_crawl: dict[str, set[str]] = {}
    for article in articles:
        by_crawl.setdefault(article["crawl_id"], set()).add(article["url"])
    for run in runs():  # every article of both sites is indexed, the stopped one included
        site = sites[int(run["job"].split("-")[1])]
        expected = {f"{site.url}{p}" for p in site.page_paths() if p.startswith("/a/")}
        assert by_crawl.get(run["crawl_id"], set()) >= expected, run["crawl_id"]
    pywb = Path(stack.env["CRAWLER_PYWB_COLLECTION"])  # each run replayable by pywb at once
    for run in runs():
        index = pywb / "indexes" / f"{run['crawl_id']}.cdxj"
        assert index.exists(), f"{run['crawl_id']} is not in the pywb collection"
        warc = json.loads(index.read_text().splitlines()[0].split(" ", 2)[2])["filename"]
        assert (pywb / "archive" / warc).exists()
    logs = (stack.tmp / "worker-1.log").read_text().splitlines()
    assert logs and all(json.loads(line)["level"] for line in logs if line.startswith("{"))
