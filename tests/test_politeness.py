"""Politeness measured at the server: never more requests in flight than the job allows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli, write_job
from tests.pagedsite import PagedSite

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("concurrency", [1, 3])
def test_requests_in_flight_never_exceed_concurrency_per_domain(
    tmp_path: Path, concurrency: int
) -> None:
    site = PagedSite(sections=2, per_section=8, delay=0.2)
    try:
        job = {
            "name": "polite",
            "seeds": {"start_pages": [f"{site.url}/"]},
            "scope": {"max_depth": 2},
            "politeness": {"delay": 0, "concurrency_per_domain": concurrency},
            "safety": {"allowed_networks": ["127.0.0.1/32"]},
            "storage": f"file://{tmp_path / 'archive'}",
        }
        result = run_cli("crawl", str(write_job(tmp_path / "job.yaml", job)))
        assert result.returncode == 0, result.stderr[-2000:]
        assert set(site.hits) >= site.page_paths()
        assert site.peak == concurrency  # used, and never exceeded
    finally:
        site.close()
