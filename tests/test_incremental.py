"""Incremental crawls ("only new"): conditional requests, 304 and identical payloads archived
as revisits of the earlier crawl's records, unchanged pages not extracted again."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.archive.warc import NOT_MODIFIED_PROFILE, REVISIT_PROFILE
from tests.conftest import run_cli, write_job
from tests.pagedsite import PagedSite
from tests.warc_checks import WarcReport, check_index_as_reindexed, check_revisits, validate_warc

pytestmark = pytest.mark.e2e


@pytest.fixture
def site() -> Iterator[PagedSite]:
    site = PagedSite(sections=2, per_section=4, delay=0)
    yield site
    site.close()


def _crawl(tmp: Path, site: PagedSite, crawl_id: str, *extra: str) -> list[WarcReport]:
    job = {
        "name": "incr",
        "seeds": {"start_pages": [f"{site.url}/"]},
        "scope": {"max_depth": 2},
        "politeness": {"delay": 0, "concurrency_per_domain": 2},
        "safety": {"allowed_networks": ["127.0.0.1/32"]},
        "storage": f"file://{tmp / 'archive'}",
        "only_new": True,
    }
    result = run_cli(
        "crawl",
        str(write_job(tmp / "job.yaml", job)),
        "--crawl-id",
        crawl_id,
        "--captures-out",
        str(tmp / f"{crawl_id}.captures.jsonl"),
        *extra,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    check_index_as_reindexed(tmp / "archive" / "crawls" / crawl_id, tmp)
    warcs = sorted((tmp / "archive" / "crawls" / crawl_id / "warc").glob("*.warc.gz"))
    return [validate_warc(path) for path in warcs]


def _articles(tmp: Path, crawl_id: str) -> list[str]:
    folder = tmp / "archive" / "crawls" / crawl_id / "articles"
    return [
        json.loads(line)["url"].split("/", 3)[3]
        for path in folder.glob("*.jsonl.gz")
        for line in gzip.decompress(path.read_bytes()).splitlines()
    ]


def _by_path(reports: list[WarcReport]) -> dict[str, object]:
    return {
        "/" + r.get("WARC-Target-URI").split("/", 3)[3]: r
        for report in reports
        for r in report.of_type("response") + report.of_type("revisit")
    }


def test_a_second_run_stores_and_extracts_only_what_is_new(site: PagedSite, tmp_path: Path) -> None:
    first = _crawl(tmp_path, site, "first")
    assert len(_articles(tmp_path, "first")) == 8
    captures = [json.loads(x) for x in (tmp_path / "first.captures.jsonl").read_text().splitlines()]
    assert {c["url"].split("/", 3)[3] for c in captures} >= {"a/0-0", "section/1", ""}
    assert all(c["etag"] for c in captures if "/a/" in c["url"])

    new = site.add_article(0)  # section 0 changes; section 1 and the old articles do not
    site.requests.clear()
    second = _crawl(
        tmp_path, site, "second", "--previous-captures", str(tmp_path / "first.captures.jsonl")
    )
    assert _articles(tmp_path, "second") == [new.lstrip("/")]  # only the new article

    records = _by_path(second)
    earlier = _by_path(first)
    old = [f"/a/0-{j}" for j in range(4)] + ["/section/1"]
    for path in old:  # asked with validators, answered 304: a revisit of the earlier record
        record = records[path]
        assert record.type == "revisit", path  # type: ignore[attr-defined]
        assert record.get("WARC-Profile") == NOT_MODIFIED_PROFILE  # type: ignore[attr-defined]
        assert record.get("WARC-Refers-To") == earlier[path].get("WARC-Record-ID")  # type: ignore[attr-defined]
    sent = dict(site.requests)
    assert sent["/a/0-0"].get("If-None-Match") and sent["/section/1"].get("If-Modified-Since")
    assert "If-None-Match" not in sent["/"]  # seeds: always in full
    front = records["/"]  # fetched in full, the same bytes: a revisit of the first capture
    assert front.get("WARC-Profile") == REVISIT_PROFILE  # type: ignore[attr-defined]
    assert front.get("WARC-Refers-To") == earlier["/"].get("WARC-Record-ID")  # type: ignore[attr-defined]
    assert records[new].type == "response" and records["/section/0"].type == "response"  # type: ignore[attr-defined]
    assert "/a/1-0" not in sent  # behind an unchanged section: not asked again
    check_revisits(first + second)  # every revisit finds its original across both crawls

    third_in = (tmp_path / "second.captures.jsonl").read_text()
    assert earlier["/a/0-0"].get("WARC-Record-ID") in third_in  # unchanged: still the original
