from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.mocksite import MockSite
from tests.s3server import SeaweedS3

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under its own id. schemathesis (4.x, under pytest 9) gives every route's
    test the function's bare id while its name says the route (``...documented[GET
    /health]``); pytest-xdist's ``--dist loadfile`` keys tests by id and would run one route
    of all, silently. Each gets the id its name says, and any id still shared stops the run."""
    for item in items:
        function, bracket, params = item.name.partition("[")
        # pytest 9's NodeId (earlier pytests gave these items their names' ids already)
        if bracket and item.parent is not None and not item.nodeid.endswith(f"::{item.name}"):
            item._id = item.parent.id.child(function).with_params(params.removesuffix("]"))  # type: ignore[attr-defined]
    shared = [nodeid for nodeid, n in Counter(item.nodeid for item in items).items() if n > 1]
    if shared:
        raise pytest.UsageError(f"tests collected under one id, some would not run: {shared}")


@pytest.fixture(scope="session")
def private_site() -> Iterator[MockSite]:
    """A server on another loopback address that the crawler must never reach."""
    site = MockSite("127.0.0.2")
    yield site
    site.close()


@pytest.fixture(scope="session")
def site(private_site: MockSite) -> Iterator[MockSite]:
    site = MockSite("127.0.0.1", private_url=private_site.url + "/")
    yield site
    site.close()


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = SeaweedS3(tmp_path_factory.mktemp("seaweedfs"))
    yield server
    server.stop()


def mock_job(site: MockSite, storage: str, **overrides: object) -> dict[str, object]:
    job: dict[str, object] = {
        "name": "mock",
        "seeds": {
            "start_pages": [f"{site.url}/"],
            "feeds": [f"{site.url}/feed.xml"],
            "sitemaps": [f"{site.url}/sitemap.xml"],
        },
        "scope": {"max_depth": 2},
        "limits": {
            "pages": 500,
            "duration": "3m",
            "response_bytes": "1MiB",
            "download_timeout": "2s",
        },
        "politeness": {"delay": 0, "concurrency_per_domain": 8},
        "identity": {"archive": "test-archive", "operator": "pytest"},
        "safety": {"allowed_networks": ["127.0.0.1/32"]},
        "storage": storage,
    }
    job.update(overrides)
    return job


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """Run the ``crawler`` command in a child process (Scrapy's reactor runs once per process)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or ROOT,
        timeout=timeout,
    )


def write_job(path: Path, job: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump(job, allow_unicode=True), encoding="utf-8")
    return path
