"""The Scrapy components alone, in process (``scrapy.utils.test.get_crawler``): no crawl, no
network. Each is built by its own ``from_crawler`` from ``settings.base`` plus what the test
sets, and driven through the hooks Scrapy calls."""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import HtmlResponse, Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.crawl import meta
from crawler.crawl.components.address_guard import AddressGuardMiddleware
from crawler.crawl.components.decompression import BoundedDecompressionMiddleware
from crawler.crawl.components.incremental import ConditionalRequests
from crawler.crawl.components.limits import ResponseLimits
from crawler.crawl.components.metarefresh import ByteScanMetaRefresh
from crawler.crawl.components.signals import decoded_truncated
from tests.conftest import ROOT

pytestmark = pytest.mark.unit


def crawler_with(**overrides: Any) -> Crawler:
    """A crawler with the project's base settings and ``overrides`` (not started, and without
    a Twisted reactor: these hooks need none)."""
    settings = Settings()
    settings.setmodule("settings.base", priority="project")
    return get_crawler(
        settings_dict={**dict(settings), "TWISTED_REACTOR_ENABLED": False, **overrides}
    )


def test_response_limits_cut_at_the_byte_cap_and_mark_the_request() -> None:
    crawler = crawler_with(ARCHIVE_MAX_RESPONSE_BYTES=10)
    limits = ResponseLimits.from_crawler(crawler)
    request = Request("http://example.org/big")
    limits.headers_received({}, 100, request)
    limits.bytes_received(b"12345", request)  # under the cap: goes on
    with pytest.raises(StopDownload) as stop:
        limits.bytes_received(b"678901", request)
    assert stop.value.fail is False  # what arrived is kept (and archived, marked)
    assert request.meta[meta.TRUNCATED] == "length"
    assert crawler.stats.get_value("archive/truncated/length") == 1


def test_response_limits_cut_a_download_still_arriving_when_the_crawl_stops() -> None:
    limits = ResponseLimits.from_crawler(crawler_with())
    request = Request("http://example.org/slow")
    limits.headers_received({}, 0, request)
    limits.crawl_stopping()
    with pytest.raises(StopDownload):
        limits.bytes_received(b"x", request)
    assert request.meta[meta.TRUNCATED] == "unspecified"


def test_archive_components_are_off_without_the_switch() -> None:
    with pytest.raises(NotConfigured):
        ResponseLimits.from_crawler(crawler_with(ARCHIVE_ENABLED=False))


def test_decompression_cuts_a_bomb_and_says_so() -> None:
    crawler = crawler_with(ARCHIVE_MAX_RESPONSE_BYTES=1000)
    middleware = BoundedDecompressionMiddleware.from_crawler(crawler)
    announced: list[int] = []

    def on_cut(request: Request, response: Response, limit: int) -> None:
        announced.append(limit)

    crawler.signals.connect(on_cut, signal=decoded_truncated)
    request = Request("http://example.org/bomb")
    bomb = gzip.compress(b"<html>" + b"a" * 100_000)
    response = Response(
        request.url,
        body=bomb,
        headers={"Content-Encoding": "gzip", "Content-Type": "text/html"},
        request=request,
    )
    decoded = middleware.process_response(request, response)
    assert len(decoded.body) == 1000 and "decoded_truncated" in decoded.flags
    assert b"Content-Encoding" not in decoded.headers
    assert isinstance(decoded, HtmlResponse)
    assert announced == [1000]
    assert crawler.stats.get_value("archive/truncated/decoded") == 1


def test_decompression_leaves_unknown_encodings_alone() -> None:
    middleware = BoundedDecompressionMiddleware.from_crawler(crawler_with())
    request = Request("http://example.org/x")
    response = Response(request.url, body=b"???", headers={"Content-Encoding": "zstd-x"})
    assert middleware.process_response(request, response) is response


def _guard(**overrides: Any) -> tuple[AddressGuardMiddleware, Crawler]:
    crawler = crawler_with(**overrides)
    return AddressGuardMiddleware.from_crawler(crawler), crawler


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/", "address"),
        ("http://127.0.0.1:8080/", "address"),
        ("http://[::1]/", "address"),
        ("file:///etc/passwd", "scheme"),
    ],
)
def test_address_guard_refuses_forbidden_literals_and_schemes(url: str, kind: str) -> None:
    guard, crawler = _guard()
    with pytest.raises(IgnoreRequest, match="blocked"):
        asyncio.run(guard.process_request(Request(url)))
    assert crawler.stats.get_value(f"archive/blocked/{kind}") == 1


def test_address_guard_lets_an_allowed_network_through() -> None:
    guard, crawler = _guard(ARCHIVE_ALLOWED_NETWORKS=["127.0.0.1/32"])
    asyncio.run(guard.process_request(Request("http://127.0.0.1:8080/")))
    with pytest.raises(IgnoreRequest):
        asyncio.run(guard.process_request(Request("http://127.0.0.2:8080/")))
    assert crawler.stats.get_value("archive/blocked/address") == 1


def test_conditional_requests_ask_only_for_pages_captured_before(tmp_path: Path) -> None:
    earlier = {
        "url": "http://example.org/a",
        "record_id": "<urn:uuid:1>",
        "date": "2026-11-01T00:00:00Z",
        "digest": "sha1:AAAA",
        "etag": '"v1"',
        "last_modified": "Sun, 01 Nov 2026 00:00:00 GMT",
    }
    captures = tmp_path / "captures.jsonl"
    captures.write_text(json.dumps(earlier) + "\n", encoding="utf-8")
    crawler = crawler_with(ARCHIVE_PREVIOUS_CAPTURES=str(captures))
    middleware = ConditionalRequests.from_crawler(crawler)
    known = Request(earlier["url"], meta={meta.DEPTH: 1})
    middleware.process_request(known)
    assert known.headers[b"If-None-Match"] == b'"v1"'
    assert known.headers[b"If-Modified-Since"] == earlier["last_modified"].encode()
    assert known.meta[meta.PREVIOUS].record_id == "<urn:uuid:1>"
    seed = Request(earlier["url"], meta={meta.DEPTH: 0})  # seeds always come in full
    middleware.process_request(seed)
    assert b"If-None-Match" not in seed.headers and meta.PREVIOUS not in seed.meta
    new = Request("http://example.org/new", meta={meta.DEPTH: 1})
    middleware.process_request(new)
    assert b"If-None-Match" not in new.headers
    assert crawler.stats.get_value("archive/incremental/conditional_requests") == 1


def test_conditional_requests_are_off_without_earlier_captures() -> None:
    with pytest.raises(NotConfigured):
        ConditionalRequests.from_crawler(crawler_with())


def test_meta_refresh_skips_pages_without_one_and_follows_the_others() -> None:
    crawler = crawler_with()
    middleware = ByteScanMetaRefresh.from_crawler(crawler)
    request = Request("http://example.org/")
    plain = HtmlResponse(request.url, body=b"<html><body>no refresh</body></html>")
    assert middleware.process_response(request, plain) is plain
    refresh = b'<html><head><meta http-equiv="refresh" content="0; url=/next"></head></html>'
    redirected = middleware.process_response(
        request, HtmlResponse(request.url, body=refresh, request=request)
    )
    assert isinstance(redirected, Request) and redirected.url == "http://example.org/next"


_EXTENSIONS = """
import sys
from scrapy.settings import Settings
from scrapy.utils.conf import build_component_list
settings = Settings()
settings.setmodule("settings.base", priority="project")
names = build_component_list(settings.get_component_priority_dict_with_base("EXTENSIONS"))
print(sorted(n for n in names if n.startswith("scrapy.")))
print("scrapy.extensions.remote_control" in sys.modules, "aiohttp" in sys.modules)
"""


def test_scrapy_extensions_a_crawl_does_not_run_are_not_even_imported() -> None:
    """The remote control (an HTTP server running Python code sent to it) and the telnet
    console stay off; their modules are not imported either (aiohttp's server: ~0.1 s of
    each crawl's start)."""
    result = subprocess.run(
        [sys.executable, "-c", _EXTENSIONS], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    names, imported = result.stdout.splitlines()
    for left_out in ("CloseSpider", "LogStats", "TelnetConsole", "RemoteControl"):
        assert f".{left_out}'" not in names
    assert "scrapy.extensions.corestats.CoreStats" in names  # the rest of Scrapy's are kept
    assert imported == "False False"


def _news_spider() -> Any:
    from spiders.news import NewsSpider

    crawler = get_crawler(NewsSpider, dict(crawler_with().settings))
    job = {"name": "queue", "seeds": {"sitemaps": ["http://a.test/sitemap.xml"]}}
    return NewsSpider.from_crawler(crawler, job=job)


def test_the_spiders_requests_go_to_the_disk_queue_as_scrapy_writes_them() -> None:
    """Every callback the spider gives: the same dictionary as Scrapy's ``to_dict`` (which
    searches the spider's members), read back by Scrapy with the same bound methods."""
    from scrapy.utils.request import request_from_dict

    from crawler.crawl.requests import ArchiveRequest

    spider = _news_spider()
    callbacks = [
        getattr(spider, name)
        for name in ("parse_page", "parse_sitemap", "parse_feed", "parse_cdx", "parse_robots")
    ]
    requests = [
        ArchiveRequest("http://a.test/p", callback=c, errback=e, meta={"k": 1}, priority=3)
        for c in [*callbacks, None]
        for e in (spider.failed, None)
    ]
    for request in requests:
        written = request.to_dict(spider=spider)
        assert written == Request.to_dict(request, spider=spider)
        back = request_from_dict(written, spider=spider)
        assert type(back) is ArchiveRequest
        assert (back.callback, back.errback) == (request.callback, request.errback)
        assert (back.url, back.meta, back.priority) == (request.url, request.meta, 3)
    outsider = ArchiveRequest("http://a.test/x", callback=crawler_with)
    with pytest.raises(ValueError, match="is not an instance method"):
        outsider.to_dict(spider=spider)  # as Scrapy says it


def test_the_spider_is_searched_once_for_all_its_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scrapy searches all the spider's members for each callback of each request written
    (``inspect.getmembers``, ~30 µs each): the spider's requests search it once."""
    import inspect

    from crawler.crawl.requests import ArchiveRequest

    spider = _news_spider()
    searches = []
    getmembers = inspect.getmembers

    def counted(obj: Any, predicate: Any = None) -> Any:
        searches.append(obj)
        return getmembers(obj, predicate)

    monkeypatch.setattr(inspect, "getmembers", counted)
    for number in range(50):
        request = ArchiveRequest(
            f"http://a.test/{number}", callback=spider.parse_page, errback=spider.failed
        )
        assert request.to_dict(spider=spider)["callback"] == "parse_page"
    assert len(searches) == 1


def _python_calls(call: Any) -> list[str]:
    """The Python functions that ``call()`` runs, in order (C functions are not listed)."""
    called: list[str] = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            called.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return called


def test_the_crawls_stats_are_scrapys_figures_read_without_its_access_hook() -> None:
    """Scrapy 2.19 runs a ``__getattribute__`` of its own on every access to its stats
    collector (~5 µs a count instead of ~0.25): the crawl's collector counts the same figures,
    and a count runs nothing but the method itself."""
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.misc import load_object

    from crawler.crawl.components.stats import ArchiveStats

    crawler = crawler_with()
    ours = load_object(crawler.settings["STATS_CLASS"])(crawler)  # as Scrapy builds it
    scrapys = MemoryStatsCollector(crawler)
    assert type(ours) is ArchiveStats
    for stats in (ours, scrapys):
        stats.inc_value("pages")
        stats.inc_value("pages", 2)
        stats.inc_value("bytes", 10, start=5)
        stats.set_value("started", "now")
        stats.max_value("largest", 3)
        stats.max_value("largest", 7)
        stats.min_value("smallest", 3)
        stats.min_value("smallest", 1)
    assert ours.get_stats() == scrapys.get_stats()
    assert ours.get_value("pages") == 3
    assert _python_calls(lambda: ours.inc_value("pages")) == ["<lambda>", "inc_value"]
