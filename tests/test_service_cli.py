"""The README's service walk-through as a new user runs it: `crawler serve`, a token, the
treaty job and a demo job through the CLI (over HTTP), a schedule, a worker, a watched run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demo.server import DemoSite
from settings import JOBS_DIR
from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CRAWLER_DATA_DIR": str(tmp_path / "data"),
        "CRAWLER_API_URL": f"http://127.0.0.1:{port}",
        "CRAWLER_HEARTBEAT": "0.5",
    }
    env.pop("DATABASE_URL", None)  # the embedded default: SQLite in the data folder
    server = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"crawler serve did not start: {server.communicate()[0][-2000:]}")
            time.sleep(0.2)
    yield env
    server.terminate()
    server.wait(10)


def test_a_new_user_schedules_and_watches_a_run_from_the_cli(
    served: dict[str, str], tmp_path: Path
) -> None:
    def cli(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, env=served, cwd=tmp_path, **kw)  # type: ignore[arg-type]

    assert "no API token" in cli("jobs", "list").stderr
    token = cli("tokens", "create", "alice", "--role", "archivist")
    assert token.returncode == 0, token.stderr
    served["CRAWLER_TOKEN"] = token.stdout.strip()

    treaty = cli("jobs", "create", str(JOBS_DIR / "treaty-fr.yaml"))
    assert treaty.stdout.strip() == "job 'treaty-fr' version 1", treaty.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nseeds:\n  feeds: [http://10.0.0.1/feed]\n")
    refused = cli("jobs", "create", str(bad))
    assert refused.returncode == 2 and "seeds.feeds.0" in refused.stderr, refused.stderr

    with DemoSite() as site:
        from crawler.demo.server import demo_job

        job = demo_job(site.base_url, f"file://{tmp_path / 'archive'}")
        job_file = tmp_path / "demo.json"
        job_file.write_text(job.model_dump_json(exclude_none=True))
        assert cli("jobs", "create", str(job_file)).returncode == 0
        schedule = cli("schedules", "create", "demo", "0 6 * * *", "--timezone", "Europe/Paris")
        assert schedule.returncode == 0 and "next: " in schedule.stdout, schedule.stderr
        bad_cron = cli("schedules", "create", "demo", "every day")
        assert bad_cron.returncode == 2 and "cron" in bad_cron.stderr
        started = cli("runs", "start", "demo")
        assert started.stdout.startswith("run 1 queued"), started.stderr
        worker = cli("worker", "--once", timeout=180)
        assert worker.returncode == 0, worker.stderr[-2000:]
        watched = cli("runs", "watch", "1", "--interval", "0.2")
    assert watched.returncode == 0, watched.stdout + watched.stderr
    assert "run 1 succeeded: pages 15" in watched.stdout
    assert "(on topic 5)" in watched.stdout
    listed = cli("runs", "list")
    assert "succeeded" in listed.stdout and "schedule" not in listed.stdout.splitlines()[2]
    logs = cli("runs", "logs", "1").stdout
    assert "started by worker" in logs and "stored crawls/" in logs
    assert list((tmp_path / "archive" / "crawls").glob("demo-*/manifest.json"))
