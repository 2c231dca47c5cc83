"""Finding a topic's coverage end to end: real crawls of the local two-outlet web
(:mod:`tests.coverageweb`) with its archive, read back from the WARCs and the article files."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import run_cli, write_job
from tests.coverageweb import CoverageWeb

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def web() -> Iterator[CoverageWeb]:
    site = CoverageWeb(per_outlet=250)
    yield site
    site.close()


@dataclass
class Crawled:
    root: Path
    stdout: str
    stderr: str

    @property
    def crawl_dir(self) -> Path:
        return next((self.root / "archive" / "crawls").iterdir())

    def articles(self) -> list[dict[str, Any]]:
        found = []
        for path in sorted((self.crawl_dir / "articles").glob("*.jsonl.gz")):
            with gzip.open(path, "rt", encoding="utf-8") as lines:
                found += [json.loads(line) for line in lines]
        return found

    def manifest(self) -> dict[str, Any]:
        return dict(json.loads((self.crawl_dir / "manifest.json").read_text()))


def crawl(web: CoverageWeb, root: Path, focus: str, **extra: Any) -> Crawled:
    root.mkdir(parents=True, exist_ok=True)
    job = web.job(focus, storage=f"file://{root / 'archive'}", **extra)
    result = run_cli("crawl", str(write_job(root / "job.yaml", job)), "--progress", "60", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    return Crawled(root, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def focused(web: CoverageWeb, tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    return crawl(web, tmp_path_factory.mktemp("focus-only"), "only")


def test_every_kind_of_coverage_is_found(web: CoverageWeb, focused: Crawled) -> None:
    coverage = {a["url"] for a in focused.articles() if a["coverage"]}
    expected = web.expected()
    missing = [(e.kind, e.url) for e in expected if e.url not in coverage]
    assert not missing, missing
    kinds = Counter(e.kind for e in expected)
    assert set(kinds) == {"slugged", "slugless", "hidden", "orphan", "gone"}, kinds


def test_nothing_outside_the_window_or_off_the_topic_counts(
    web: CoverageWeb, focused: Crawled
) -> None:
    articles = focused.articles()
    coverage = {a["url"] for a in articles if a["coverage"]}
    assert not coverage & web.topic_outside_window()
    assert not coverage & web.korea_urls()
    for article in articles:  # archived when fetched, but never coverage
        if article["url"] in web.topic_outside_window():
            assert article["in_window"] is False and article["coverage"] is False


def test_listings_are_archived_but_never_articles(focused: Crawled) -> None:
    urls = {a["final_url"] for a in focused.articles()}
    assert not any("/tag/" in u or u.endswith("/") for u in urls)
    targets = {r.rec_headers.get_header("WARC-Target-URI") for r in _records(focused)}
    assert any("/tag/coree-du-nord/" in (t or "") for t in targets)
    assert all(a["classification"] for a in focused.articles())


def test_gone_pages_come_from_the_archive_and_say_so(web: CoverageWeb, focused: Crawled) -> None:
    archived = [a for a in focused.articles() if a["source"] == "archive"]
    gone = {e.url for e in web.expected() if e.kind == "gone"}
    assert gone <= {a["url"] for a in archived}
    for article in archived:
        assert article["final_url"].startswith(web.archive.url + "/web/")
        assert article["archived_copy"]["archive"] == "local-archive"
    notes = [
        r.content_stream().read().decode() for r in _records(focused) if r.rec_type == "metadata"
    ]
    assert sum("archived-copy-of: " in note for note in notes) >= len(gone)


def test_the_coverage_report_is_stored_and_shown(focused: Crawled) -> None:
    manifest = focused.manifest()
    assert "coverage.json" in {f["path"] for f in manifest["files"]}
    report = json.loads((focused.crawl_dir / "coverage.json").read_text())
    assert set(report["totals"]) >= {"sitemap", "archive-sitemap", "listing", "archive-index"}, (
        report
    )
    assert report["totals"]["archive-sitemap"]["skipped/out_of_window"] > 0
    assert sum(report["months"].values()) == sum(1 for a in focused.articles() if a["coverage"])
    assert len(report["outlets"]) >= 2
    assert "by source" in focused.stdout and "coverage" in focused.stdout


def test_reextract_rebuilds_the_same_coverage_from_the_warcs(focused: Crawled) -> None:
    crawl_id = focused.crawl_dir.name
    storage = f"file://{focused.root / 'archive'}"
    result = run_cli("reextract", crawl_id, "--storage", storage)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rebuilt byte-identical" in result.stdout


def _responses(crawled: Crawled) -> int:
    return int(crawled.manifest()["stats"].get("downloader/response_count", 0))


def test_focus_only_fetches_a_fraction_of_focus_off(
    web: CoverageWeb, focused: Crawled, tmp_path: Path
) -> None:
    everything = crawl(web, tmp_path, "off")
    found = {a["url"] for a in everything.articles() if a["coverage"]}
    assert {e.url for e in web.expected()} <= found  # the same coverage, found the long way
    # at this small size discovery itself weighs; bench/coverage.py measures full size
    assert 2 * _responses(focused) < _responses(everything)


def test_bad_discovery_inputs_are_reported_and_the_crawl_goes_on(
    web: CoverageWeb, tmp_path: Path
) -> None:
    a = web.outlets["a"].url
    archive = dict(web.job("only")["seeds"]["archives"][0])
    broken = [
        {**archive, "name": "unreachable", "cdx": "http://127.0.0.4:9/cdx"},
        {**archive, "name": "malformed", "cdx": f"{web.archive.url}/broken/cdx"},
        {**archive, "name": "huge", "cdx": f"{web.archive.url}/huge/cdx", "max_captures": 500},
    ]
    seeds = web.job("only")["seeds"]
    seeds = {**seeds, "archives": [*seeds["archives"], *broken]}
    seeds["listings"] = [*seeds["listings"], f"{a}/forever/"]
    result = crawl(web, tmp_path, "only", seeds=seeds, scope={"max_depth": 2, "listing_pages": 5})
    stats = result.manifest()["stats"]
    assert stats["archive/discovery/problems/archive_index_unreachable"] == 1
    assert stats["archive/discovery/problems/archive_index_unreadable"] == 1
    assert stats["archive/discovery/problems/archive_replay_elsewhere"] == 1
    assert stats["archive/discovery/listings_stopped/page_cap"] >= 1
    assert stats["archive/discovery/archive_index_capped"] >= 1
    assert "DISCOVERY" in result.stdout
    for name in ("unreachable", "malformed"):
        assert name in result.stderr or "127.0.0.4:9" in result.stderr
    coverage = {x["url"] for x in result.articles() if x["coverage"]}
    assert {e.url for e in web.expected()} <= coverage  # the rest of the crawl went on


def _records(crawled: Crawled) -> Iterator[Any]:
    for path in sorted((crawled.crawl_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as handle:
            yield from ArchiveIterator(handle)


def test_sitemaps_named_in_robots_txt_are_followed(web: CoverageWeb, tmp_path: Path) -> None:
    seeds = dict(web.job("only")["seeds"])
    seeds["sitemaps"] = [u for u in seeds["sitemaps"] if "news" in u]  # no sitemap index given
    seeds["sitemaps_from_robots"] = True
    result = crawl(web, tmp_path, "only", seeds=seeds)
    report = json.loads((result.crawl_dir / "coverage.json").read_text())
    # the index robots.txt names, then its monthly sitemaps in the window (8 per outlet)
    assert report["totals"]["sitemap"]["fetched"] == 2
    assert report["totals"]["archive-sitemap"]["fetched"] >= 16
    coverage = {a["url"] for a in result.articles() if a["coverage"]}
    assert {e.url for e in web.expected()} <= coverage
