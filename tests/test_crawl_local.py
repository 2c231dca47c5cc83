"""End to end: a real Scrapy crawl of the mock site into a local folder, read back strictly."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.response import get_meta_refresh

from crawler.crawl.components.metarefresh import may_refresh
from tests.conftest import mock_job, run_cli, write_job
from tests.mocksite import CP1252_TEXT, MockSite
from tests.warc_checks import (
    Record,
    WarcReport,
    check_index_as_reindexed,
    check_revisits,
    validate_warc,
)

pytestmark = pytest.mark.e2e


@dataclass
class Crawl:
    root: Path
    crawl_dir: Path
    manifest: dict[str, object]
    reports: list[WarcReport]
    output: str
    site: MockSite
    hits: Counter[str]
    """Requests the site answered during this crawl (the site is shared with other tests)."""

    def records(self, kind: str | None = None) -> list[Record]:
        found = [r for report in self.reports for r in report.records]
        return [r for r in found if kind is None or r.type == kind]

    def response(self, path: str) -> Record:
        url = self.site.url + path
        matches = [
            r
            for r in self.records()
            if r.get("WARC-Target-URI") == url and r.type in ("response", "revisit")
        ]
        assert matches, f"no response record for {url}"
        return matches[0]


@pytest.fixture(scope="module")
def crawl(site: MockSite, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    tmp = tmp_path_factory.mktemp("local-crawl")
    archive = tmp / "archive"
    job = write_job(tmp / "job.yaml", mock_job(site, archive.as_uri(), warc={"max_size": "10KB"}))
    state = {"XDG_STATE_HOME": str(tmp / "state")}  # where Scrapy's remote control would write
    before = Counter(site.hits)
    result = run_cli("crawl", str(job), "--crawl-id", "mock-local-1", env=state)
    hits = site.hits - before
    assert result.returncode == 0, result.stdout + result.stderr
    crawl_dir = archive / "crawls" / "mock-local-1"
    manifest = json.loads((crawl_dir / "manifest.json").read_text())
    reports = [validate_warc(p) for p in sorted((crawl_dir / "warc").glob("*.warc.gz"))]
    check_revisits(reports)
    return Crawl(archive, crawl_dir, manifest, reports, result.stdout + result.stderr, site, hits)


def test_every_warc_is_valid_and_rotated(crawl: Crawl) -> None:
    names = [r.path.name for r in crawl.reports]
    assert len(names) > 1, "10 KB rotation should give several files"
    for name in names:
        assert name.startswith("mock-") and name.endswith(".warc.gz")
        _prefix, stamp, serial, host = name.removesuffix(".warc.gz").split("-", 3)
        assert len(stamp) == 17 and stamp.isdigit() and len(serial) == 5 and host
    assert not list(crawl.crawl_dir.rglob("*.open")), "no file left open"
    assert not (crawl.root / ".spool" / "mock-local-1").exists(), "spool emptied after upload"


def test_manifest_lists_every_file_with_its_sha256(crawl: Crawl) -> None:
    files = crawl.manifest["files"]
    assert isinstance(files, list)
    stored = {
        p.relative_to(crawl.crawl_dir).as_posix()
        for p in crawl.crawl_dir.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert {f["path"] for f in files} == stored
    for entry in files:
        data = (crawl.crawl_dir / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["size"]
    assert crawl.manifest["job"]["config_hash"].startswith("sha256:")
    assert crawl.manifest["software"]["scrapy"]


def test_cdxj_index_per_warc_lists_responses(crawl: Crawl) -> None:
    for report in crawl.reports:
        index = crawl.crawl_dir / "index" / (report.path.name.removesuffix(".warc.gz") + ".cdxj")
        lines = index.read_text().splitlines()
        entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
        captured = report.of_type("response") + report.of_type("revisit")
        assert len(entries) == len(captured)
        assert {int(e["offset"]) for e in entries} == {r.offset for r in captured}
        assert all(e["filename"] == report.path.name for e in entries)
        assert lines == sorted(lines)


def test_cdxj_indexes_written_while_crawling_equal_cdxj_indexer(
    crawl: Crawl, tmp_path: Path
) -> None:
    assert check_index_as_reindexed(crawl.crawl_dir, tmp_path) == len(
        crawl.records("response") + crawl.records("revisit")
    )


def test_no_remote_code_execution_server_is_started(crawl: Crawl) -> None:
    # Scrapy 2.19's RemoteControl extension (on by default) serves an HTTP endpoint that runs
    # Python code, and announces its port and token in a job file under XDG_STATE_HOME
    assert not (crawl.root.parent / "state" / "scrapy").exists()


def test_warcinfo_describes_the_crawl(crawl: Crawl) -> None:
    info = crawl.records("warcinfo")[0].block.decode()
    for field in (
        "software:",
        "job: mock",
        "job-config-hash: sha256:",
        "operator: pytest",
        "robots: obey",
        "http-header-user-agent: Mozilla/5.0 (compatible; test-archive",
        "isPartOf: mock-local-1",
        "capture-note:",
    ):
        assert field in info
    assert crawl.records("warcinfo")[0].get("Content-Type") == "application/warc-fields"


def test_all_records_are_warc_1_1_with_ip_and_concurrency(crawl: Crawl) -> None:
    responses = crawl.records("response")
    assert responses
    assert all(r.get("WARC-IP-Address") == "127.0.0.1" for r in responses)
    assert all((r.get("WARC-Date") or "").endswith("Z") for r in crawl.records())


def test_request_record_has_full_url_and_sent_headers(crawl: Crawl) -> None:
    url = crawl.site.url + "/articles/a1.html?ref=home"
    response = crawl.response("/articles/a1.html?ref=home")
    request = next(
        r
        for r in crawl.records("request")
        if r.get("WARC-Concurrent-To") == response.get("WARC-Record-ID")
    )
    assert request.get("WARC-Target-URI") == url
    head = request.http_head.decode()
    assert head.startswith("GET /articles/a1.html?ref=home HTTP/1.1\r\n")
    headers = dict(request.http_headers())
    assert headers["Host"] == crawl.site.url.removeprefix("http://")
    assert headers["User-Agent"].startswith("Mozilla/5.0 (compatible; test-archive; +")
    assert headers["Accept-Encoding"] == "gzip, deflate"


def test_status_line_keeps_protocol_and_reason(crawl: Crawl) -> None:
    assert crawl.response("/articles/a2.html").status_line == "HTTP/1.1 200 OK"
    assert crawl.response("/missing").status_line == "HTTP/1.1 404 Not Found"
    assert crawl.response("/error").status_line.startswith("HTTP/1.1 500 ")
    assert crawl.response("/redirect-301").status_line == "HTTP/1.1 301 Moved Permanently"
    # the server's own phrase, not the standard one ("Service Unavailable")
    assert crawl.response("/unavailable").status_line == "HTTP/1.1 503 Temporarily Overloaded"


def test_errors_and_retries_are_archived(crawl: Crawl) -> None:
    url = crawl.site.url + "/unavailable"
    attempts = [
        r
        for r in crawl.records()
        if r.get("WARC-Target-URI") == url and r.type in ("response", "revisit")
    ]
    assert len(attempts) == crawl.hits["/unavailable"] == 3  # first try + 2 retries


def test_meta_refresh_is_followed_in_any_encoding(crawl: Crawl) -> None:
    refreshes = {"/refresh": "/articles/a5.html", "/refresh-utf16": "/articles/a6.html"}
    for page, target in refreshes.items():
        assert crawl.response(page).status_line == "HTTP/1.1 200 OK"
        assert crawl.hits[target] == 1, target
        assert crawl.response(target).status_line == "HTTP/1.1 200 OK"


@pytest.mark.parametrize(
    "head",
    [
        "<meta http-equiv='refresh' content='0; url=/a'>",
        "<META CONTENT='2;URL=/a' HTTP-EQUIV=Refresh>",
        "<meta content='a<b' http-equiv='refresh' x='0;url=/a'>",
        "<script>var s={autorefresh:1}</script><meta http-equiv='refresh' content='1;url=/b'>",
        "<script>var s={autorefresh:1}</script><title>no tag</title>",
        "<noscript><meta http-equiv='refresh' content='0;url=/n'></noscript>",
        "<meta http-equiv='refresh' content='5'>",
    ],
)
def test_byte_scan_agrees_with_scrapys_meta_refresh_check(head: str) -> None:
    body = f"<html><head>{head}</head><body>x</body></html>".encode()
    response = HtmlResponse("http://site.example/p", body=body, encoding="utf-8")
    _, url = get_meta_refresh(response, ignore_tags=["noscript"])
    if url:  # whenever Scrapy would redirect, the page goes through Scrapy's check
        assert may_refresh(body, ["noscript"])
    assert may_refresh(body, ["noscript"]) == bool(url)


def test_repeated_headers_are_kept(crawl: Crawl) -> None:
    headers = crawl.response("/dup-headers").http_headers()
    assert [v for k, v in headers if k == "Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]
    assert [v for k, v in headers if k == "X-Dup"] == ["first", "second"]


def test_windows_1252_page_is_stored_byte_for_byte(crawl: Crawl) -> None:
    record = crawl.response("/cp1252")
    assert CP1252_TEXT.encode("cp1252") in record.payload
    assert ("Content-Type", "text/html; charset=windows-1252") in record.http_headers()


def test_size_cut_is_marked_truncated_length(crawl: Crawl) -> None:
    record = crawl.response("/big")
    assert record.get("WARC-Truncated") == "length"
    assert len(record.payload) == 1024 * 1024  # the cap (1MiB), not the chunk that crossed it


def test_disconnect_is_marked_truncated(crawl: Crawl) -> None:
    record = crawl.response("/truncated")
    assert record.get("WARC-Truncated") == "disconnect"
    assert len(record.payload) == 1000


def test_slow_body_is_cut_and_marked_time(crawl: Crawl) -> None:
    record = crawl.response("/slow")
    assert record.get("WARC-Truncated") == "time"
    assert 0 < len(record.payload) < 60 * len(b"<p>slow</p>\n")


def test_gzip_bomb_raw_bytes_kept_and_decoding_cut(crawl: Crawl) -> None:
    record = crawl.response("/bomb")
    assert record.get("WARC-Truncated") is None, "the raw body arrived whole"
    assert ("Content-Encoding", "gzip") in record.http_headers()
    assert len(gzip.decompress(record.payload)) == 30 * 1024 * 1024
    notes = [
        m
        for m in crawl.records("metadata")
        if m.get("WARC-Refers-To") == record.get("WARC-Record-ID")
    ]
    assert notes and b"decoded-truncated: length" in notes[0].block
    assert crawl.manifest["stats"]["archive/truncated/decoded"] == 1


def test_identical_payload_becomes_revisit(crawl: Crawl) -> None:
    revisits = crawl.records("revisit")
    assert revisits, "a1.html fetched as /articles/a1.html and ?ref=home has the same payload"
    for revisit in revisits:
        assert revisit.get("WARC-Profile") == (
            "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
        )
        assert revisit.get("WARC-Refers-To-Target-URI")
        assert revisit.get("WARC-Refers-To-Date")
        assert revisit.payload == b""


def test_feed_sitemap_index_and_gzip_sitemap_are_followed_and_archived(crawl: Crawl) -> None:
    for path in (
        "/robots.txt",
        "/feed.xml",
        "/sitemap.xml",
        "/sitemap-news.xml.gz",
        "/articles/a3.html",
        "/articles/a4.html",
    ):
        crawl.response(path)


def test_robots_disallowed_and_unsafe_urls_never_fetched(
    crawl: Crawl, private_site: MockSite
) -> None:
    assert crawl.hits["/private/secret.html"] == 0
    assert sum(private_site.hits.values()) == 0, "nothing reached 127.0.0.2"
    urls = {r.get("WARC-Target-URI") for r in crawl.records()}
    assert not any(u and ("169.254" in u or "127.0.0.2" in u or "10.0.0.1" in u) for u in urls)
    stats = crawl.manifest["stats"]
    assert stats["archive/blocked/address"] == 2  # metadata and private redirects
    assert stats["robotstxt/forbidden"] == 1
    assert stats["archive/scope/out_of_scope/scheme"] >= 1  # file:// and data:


def test_every_url_is_fetched_once_apart_from_retries(crawl: Crawl) -> None:
    repeated = {p: n for p, n in crawl.hits.items() if n > 1}
    # 500 and 503 are retried twice; a1.html is also fetched as a1.html?ref=home
    assert repeated == {"/unavailable": 3, "/error": 3, "/articles/a1.html": 2}


def test_summary_names_the_archive(crawl: Crawl) -> None:
    assert "Crawl mock-local-1: finished" in crawl.output
    assert str(crawl.crawl_dir.resolve()) in crawl.output


@pytest.mark.parametrize(("robots_status", "fetched"), [(503, False), (404, True)])
def test_robots_txt_errors_follow_rfc_9309(
    tmp_path: Path, robots_status: int, fetched: bool
) -> None:
    site = MockSite(robots_status=robots_status)
    try:
        archive = tmp_path / "archive"
        job = mock_job(site, archive.as_uri(), seeds={"start_pages": [f"{site.url}/section/monde"]})
        result = run_cli("crawl", str(write_job(tmp_path / "job.yaml", job)), "--crawl-id", "r")
        assert result.returncode == 0, result.stdout + result.stderr
        assert site.hits["/robots.txt"] >= 1
        assert (site.hits["/section/monde"] == 1) is fetched
        manifest = json.loads((archive / "crawls/r/manifest.json").read_text())
        assert ("archive/robots/server_error" in manifest["stats"]) is not fetched
        robots = [
            r
            for p in (archive / "crawls/r/warc").glob("*.warc.gz")
            for r in validate_warc(p).records
            if (r.get("WARC-Target-URI") or "").endswith("/robots.txt")
        ]
        assert robots, "the robots.txt answer is archived too"
    finally:
        site.close()


def test_listed_pages_become_articles_dated_by_their_listing(crawl: Crawl) -> None:
    articles = {
        json.loads(line)["final_url"].rsplit("/", 1)[1]: json.loads(line)
        for path in sorted(crawl.crawl_dir.glob("articles/*.jsonl.gz"))
        for line in gzip.decompress(path.read_bytes()).decode().splitlines()
    }
    # a1, a2 come from the RSS feed, a3 from the gzip news sitemap; the pages carry no date
    assert articles["a2.html"]["published"] == "2024-11-12"
    assert articles["a2.html"]["published_source"] == "feed"
    assert articles["a3.html"]["published"] == "2024-12-04"
    assert articles["a3.html"]["published_source"] == "sitemap"
    assert "a4.html" not in articles, "found only on a section page, undated: not an article"
    assert crawl.manifest["stats"]["archive/articles/dropped/not_article"] >= 1
    for article in articles.values():
        assert article["warc"]["filename"] in {r.path.name for r in crawl.reports}


def test_a_failing_seed_is_reported(site: MockSite, tmp_path: Path) -> None:
    job = mock_job(site, (tmp_path / "a").as_uri(), seeds={"feeds": [f"{site.url}/missing"]})
    result = run_cli("crawl", str(write_job(tmp_path / "job.yaml", job)), "--crawl-id", "s")
    assert f"seed {site.url}/missing failed" in result.stderr
    assert "SEEDS FAILED     1 seed(s)" in result.stdout


def test_a_crawl_whose_spool_cannot_be_written_fetches_nothing(
    site: MockSite, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    spool.write_text("a file where the spool folder should be")
    job = write_job(tmp_path / "job.yaml", mock_job(site, f"file://{tmp_path / 'archive'}"))
    before = sum(site.hits.values())
    result = run_cli("crawl", str(job), "--spool", str(spool), timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"cannot use the spool {spool}" in result.stderr and "Traceback" not in result.stderr
    assert sum(site.hits.values()) == before


def test_a_crawl_whose_archive_cannot_open_fetches_nothing(site: MockSite, tmp_path: Path) -> None:
    import fcntl

    spool = tmp_path / "spool"
    state = spool / "held-1" / ".state"
    state.mkdir(parents=True)
    job = write_job(tmp_path / "job.yaml", mock_job(site, f"file://{tmp_path / 'archive'}"))
    before = sum(site.hits.values())
    with (state / "lock").open("a") as lock:  # another process is writing this crawl
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = run_cli(
            "crawl", str(job), "--spool", str(spool), "--crawl-id", "held-1", timeout=60
        )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "cannot open the archive" in result.stderr and "being written by another" in (
        result.stderr
    )
    assert "archive_error" in result.stdout
    assert sum(site.hits.values()) - before <= 4  # at most the seeds already under way


def test_a_silent_server_is_given_up_once_at_the_download_timeout(
    site: MockSite, tmp_path: Path
) -> None:
    job = mock_job(site, f"file://{tmp_path / 'archive'}")
    job["seeds"] = {"start_pages": [f"{site.url}/silent"]}
    job["limits"] = {"pages": 10, "duration": "1m", "download_timeout": "1s"}
    before = site.hits["/silent"]
    result = run_cli("crawl", str(write_job(tmp_path / "job.yaml", job)), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert site.hits["/silent"] - before == 1  # not retried
    assert "seed" in result.stderr and "/silent" in result.stderr


def test_a_politeness_delay_is_bounded(tmp_path: Path) -> None:
    from crawler.jobs.jobfile import JobFileError, parse_job

    for delay in ("1h", ".inf"):
        with pytest.raises(JobFileError, match=r"politeness\.delay \(line 3\)"):
            parse_job(
                f"name: x\nseeds: {{feeds: ['https://a.fr/']}}\npoliteness: {{delay: {delay}}}\n"
            )


def test_the_duration_limit_and_a_stop_win_over_the_longest_delay(
    site: MockSite, tmp_path: Path
) -> None:
    """With the longest delay a job may set (2 minutes between requests), ``duration: 5s``
    still ends the crawl within seconds, and SIGTERM ends it at once: the requests waiting
    for their turn are dropped, not waited for. Generous bounds (they check that nothing
    waits a delay out, not how fast the machine is)."""
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    job = mock_job(site, f"file://{tmp_path / 'archive'}")
    job["politeness"] = {"delay": "2m", "concurrency_per_domain": 1}
    job["limits"] = {"pages": 50, "duration": "5s", "download_timeout": "2s"}
    path = write_job(tmp_path / "job.yaml", job)
    started = time.monotonic()
    result = run_cli("crawl", str(path), "--crawl-id", "by-duration", timeout=110)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert took < 60, f"took {took:.0f}s: the 2-minute delay was waited out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    job["limits"] = {"pages": 50, "duration": "10m", "download_timeout": "2s"}
    write_job(path, job)
    crawl = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", str(path), "--crawl-id", "by-signal"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(8)  # started, first page fetched, the next waiting its 2 minutes
    stopped_at = time.monotonic()
    crawl.send_signal(signal.SIGTERM)
    _, stderr = crawl.communicate(timeout=90)
    assert time.monotonic() - stopped_at < 45, stderr[-2000:]
    assert (tmp_path / "archive" / "crawls" / "by-signal" / "manifest.json").exists(), stderr[
        -2000:
    ]


def test_no_crawl_calls_out_for_the_public_suffix_list(site: MockSite, tmp_path: Path) -> None:
    job = mock_job(site, f"file://{tmp_path / 'archive'}")
    job["seeds"] = {"start_pages": [f"{site.url}/dup-headers"]}  # answers with Set-Cookie
    empty = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}  # no PSL cache
    result = run_cli("crawl", str(write_job(tmp_path / "job.yaml", job)), env=empty)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "public_suffix_list" not in (result.stdout + result.stderr).lower()
