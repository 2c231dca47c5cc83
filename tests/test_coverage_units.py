"""Finding coverage, the pure parts: dates before fetching, listings and their pages, the
archive indexes' answers, candidates' evidence, the window and the coverage report."""

from __future__ import annotations

import time
from datetime import date

import pytest
from lxml import html as lxml_html
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.articles.builder import judge_coverage
from crawler.articles.model import Article, ExtractorInfo, RelevanceInfo
from crawler.crawl.coverage import coverage_key, coverage_report
from crawler.crawl.focus import Candidate, FocusPolicy, headline, url_words
from crawler.discovery.cdx import cdx_query, parse_cdx, replay_url
from crawler.discovery.dates import DateSpan, listed_span, parse_day, url_span
from crawler.discovery.links import page_links
from crawler.discovery.listings import parse_sitemap
from crawler.discovery.pages import declares_article, is_pagination_url, read_listing, read_page
from crawler.jobs.jobfile import JobFileError, parse_job
from crawler.jobs.models import ArchiveSource, Job, Window
from settings import JOBS_DIR
from spiders.news import NewsSpider

pytestmark = pytest.mark.unit

WINDOW = Window.model_validate({"from": "2024-06-15", "to": "2025-01-31"})


@pytest.mark.parametrize(
    ("url", "first", "last"),
    [
        ("https://x.fr/international/article/2024/11/05/la-coree_6378.html", "2024-11-05", None),
        ("https://x.fr/a/20241105-traite", "2024-11-05", None),
        ("https://x.fr/sitemaps/sitemap-2024-11.xml", "2024-11-01", "2024-11-30"),
        ("https://x.fr/sitemap_articles_2024_02.xml", "2024-02-01", "2024-02-29"),
    ],
)
def test_dates_in_urls(url: str, first: str, last: str | None) -> None:
    span = url_span(url)
    assert span == DateSpan(date.fromisoformat(first), date.fromisoformat(last or first))


@pytest.mark.parametrize(
    "url",
    [
        "https://x.fr/international/123456.html",
        "https://x.fr/p?id=20241105",
        "https://x.fr/2024/13/40/x",
    ],
)
def test_no_date_where_there_is_none(url: str) -> None:
    assert url_span(url) is None


def test_a_modification_date_only_bounds_the_publication_from_above() -> None:
    modified = listed_span(None, "2024-05-01T10:00:00Z", "https://x.fr/a.html")
    assert modified is not None and not modified.exact
    assert modified.outside(WINDOW.start, WINDOW.end)  # modified before the window: out
    later = listed_span(None, "2025-06-01", "https://x.fr/a.html")
    assert later is not None and not later.outside(WINDOW.start, WINDOW.end)  # may be in it
    published = listed_span("Tue, 05 Nov 2024 10:00:00 +0100", "2025-06-01", "https://x.fr/a")
    assert published == DateSpan(date(2024, 11, 5), date(2024, 11, 5))
    assert parse_day("not a date") is None


def test_a_sitemap_index_gives_each_child_its_lastmod() -> None:
    body = (
        b"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        b"<sitemap><loc>https://x.fr/s-2024-11.xml</loc><lastmod>2024-11-30</lastmod></sitemap>"
        b"</sitemapindex>"
    )
    child = parse_sitemap(body).sitemaps[0]
    assert (child.url, child.modified) == ("https://x.fr/s-2024-11.xml", "2024-11-30")


def _tree(body: str) -> object:
    return lxml_html.fromstring(body)


def test_listings_are_told_from_articles() -> None:
    headlines = "".join(
        f'<li><a href="/a/{i}.html">Un titre de plusieurs mots numéro {i}</a></li>'
        for i in range(10)
    )
    listing = f"<html><body><ul>{headlines}</ul></body></html>".encode()
    article = (
        '<html><head><meta content="article" property="og:type"></head>'
        f"<body><ul>{headlines}</ul></body></html>"
    ).encode()

    def why(url: str, body: bytes, seeds: frozenset[str] = frozenset()) -> str | None:
        return read_page(url, body, "text/html; charset=utf-8", seeds, False).listing

    assert why("https://x.fr/tag/coree-du-nord/", listing) == "a tag, section or search URL"
    assert (why("https://x.fr/monde-en-bref", listing) or "").startswith("10 headline links")
    assert why("https://x.fr/monde-en-bref", article) is None  # declared: never a listing
    assert why("https://x.fr/", article) is None
    assert why("https://x.fr/x?page=3", article) == "a page of a listing's pagination"
    assert why("https://x.fr/a", article, frozenset(["https://x.fr/a"])) is not None
    assert declares_article(b'<script type="application/ld+json">{"@type": "NewsArticle"}')
    assert not declares_article(b'<meta property="og:type" content="website">')


def test_a_listing_page_gives_its_next_page_and_its_items_dates() -> None:
    body = (
        "<html><body><ul>"
        '<li><a href="/a/1.html">Premier article</a> <time datetime="2024-11-05">5/11</time></li>'
        '<li><a href="/a/2.html">Second article</a> <time datetime="2024-10-01">1/10</time></li>'
        '</ul><a href="/tag/x/page/3/">Page suivante</a></body></html>'
    )
    root = _tree(body)
    url = "https://x.fr/tag/x/page/2/"
    page = read_listing(root, url, page_links(root, url))
    assert page.next_url == "https://x.fr/tag/x/page/3/"
    assert page.newest == date(2024, 11, 5)
    assert page.dates["https://x.fr/a/2.html"] == date(2024, 10, 1)
    numbered = _tree('<html><body><a href="?page=3">3</a><a href="?page=9">9</a></body></html>')
    here = "https://x.fr/s/?page=2"
    assert read_listing(numbered, here, page_links(numbered, here)).next_url == (
        "https://x.fr/s/?page=3"
    )
    assert is_pagination_url(here) and not is_pagination_url("https://x.fr/s/?page=1")


def _source(**overrides: object) -> ArchiveSource:
    return ArchiveSource.model_validate(
        {
            "name": "wb",
            "cdx": "https://web.archive.org/cdx/search/cdx",
            "replay": "https://web.archive.org/web/{timestamp}id_/{url}",
            "urls": ["lemonde.fr"],
            "match": "domain",
            **overrides,
        }
    )


def test_wayback_queries_and_answers() -> None:
    query = cdx_query(_source(), "lemonde.fr", WINDOW, resume_key="abc")
    assert "matchType=domain" in query and "from=20240615" in query and "to=" not in query
    assert "filter=statuscode%3A200" in query and "collapse=urlkey" in query
    assert "showResumeKey=true" in query and "resumeKey=abc" in query
    body = (
        b'[["urlkey","timestamp","original","mimetype","statuscode"],\n'
        b'["fr,lemonde)/a","20241105093000","https://www.lemonde.fr/a.html","text/html","200"],\n'
        b"[],\n"
        b'["next-key"]]\n'
    )
    answer = parse_cdx(body, "wayback")
    assert [c.url for c in answer.captures] == ["https://www.lemonde.fr/a.html"]
    assert answer.resume_key == "next-key" and answer.unreadable == 0
    copy = replay_url(_source().replay or "", answer.captures[0])
    assert copy == "https://web.archive.org/web/20241105093000id_/https://www.lemonde.fr/a.html"


def test_pywb_answers_and_page_counts() -> None:
    lines = b'{"url": "https://x.fr/a", "timestamp": "2024110509", "status": "200"}\n{"pages": 3}\n'
    answer = parse_cdx(lines, "pywb")
    assert answer.captures[0].timestamp == "20241105090000" and answer.pages == 3
    query = cdx_query(_source(api="pywb"), "x.fr", WINDOW, count_pages=True)
    assert "showNumPages=true" in query and "filter=status%3A200" in query


def test_a_cut_or_broken_answer_keeps_what_it_can() -> None:
    cut = (
        b'[["urlkey","timestamp","original","mimetype","statuscode"],\n'
        b'["k","20241105093000","https://x.fr/a","text/html","200"],\n'
        b'["k","2024110'
    )
    answer = parse_cdx(cut, "wayback")
    assert len(answer.captures) == 1 and answer.unreadable == 1
    page = parse_cdx(b"<html><body>Service unavailable</body></html>", "wayback")
    assert not page.captures and page.unreadable == 1


def test_a_long_answer_is_read_in_bounded_time() -> None:
    rows = b"".join(
        b'["k","20240701000000","https://x.fr/%d.html","text/html","200"],\n' % i
        for i in range(200_000)
    )
    started = time.process_time()
    answer = parse_cdx(
        b'[["urlkey","timestamp","original","mimetype","statuscode"],\n' + rows, "wayback"
    )
    assert len(answer.captures) == 200_000
    assert time.process_time() - started < 60  # a bound, not a benchmark: minutes would fail


def test_evidence_before_fetching() -> None:
    job = parse_job((JOBS_DIR / "treaty-fr.yaml").read_text(encoding="utf-8"))
    focus = FocusPolicy(job.model_copy(update={"focus": "only"}))
    slug = Candidate(
        "https://x.fr/2024/11/12/la-coree-du-nord-ratifie-l-accord-de-defense", "sitemap", 1
    )
    slugless = Candidate("https://x.fr/international/123456.html", "sitemap", 1)
    titled = Candidate(slugless.url, "listing", 1, anchor="Des soldats nord-coréens à Koursk")
    korea_only = Candidate("https://x.fr/2024/11/12/la-coree-du-nord-tire-un-missile", "link", 1)
    for candidate, wanted in ((slug, True), (slugless, False), (titled, True), (korea_only, False)):
        relevance = focus.relevance(candidate)
        assert focus.wanted(candidate, relevance) is wanted, candidate
    assert focus.wanted(Candidate(slugless.url, "link", 3, budget=1), focus.relevance(slugless))
    assert url_words("https://x.fr/monde/la-coree-du-nord_123.html") == "monde la coree du nord"
    assert headline("Kim Jong-un ratifie le traité") and not headline("Page suivante")


def test_focus_needs_a_topic_and_the_window_an_order() -> None:
    with pytest.raises(JobFileError, match="focus: only scores candidates"):
        parse_job("name: x\nseeds: {feeds: ['https://a.fr/rss']}\nfocus: only\n")
    with pytest.raises(JobFileError, match=r"window \(line 3\).*ends \(2024-01-01\) before"):
        parse_job(
            "name: x\nseeds: {feeds: ['https://a.fr/rss']}\n"
            "window: {from: 2025-01-01, to: 2024-01-01}\n"
        )
    with pytest.raises(JobFileError, match=r"seeds\.archives\.0\.replay"):
        parse_job(
            "name: x\nseeds:\n  archives: [{name: w, cdx: 'https://a/cdx', urls: [a.fr], "
            "replay: 'https://a/{url}'}]\n"
        )
    assert (
        Job.model_validate({"name": "x", "seeds": {"feeds": ["https://a.fr/"]}}).focus_mode == "off"
    )


def test_an_article_is_coverage_when_on_topic_and_not_dated_outside_the_window() -> None:
    def article(published: str | None, on_topic: bool) -> Article:
        return Article(
            url="https://x.fr/a",
            final_url="https://x.fr/a",
            text="t",
            word_count=1,
            encoding="utf-8",
            captured_at=None,
            crawl_id=None,
            warc=None,
            extractor=ExtractorInfo(name="t", version="0", config_hash="x"),
            published=published,
            relevance=RelevanceInfo(topic="t", score=9, threshold=6, on_topic=on_topic, matched={}),
        )

    inside, after, undated = (
        article("2024-11-05", True),
        article("2025-03-01", True),
        article(None, True),
    )
    assert judge_coverage(inside, WINDOW) is True and inside.in_window is True
    assert judge_coverage(after, WINDOW) is False and after.in_window is False
    assert judge_coverage(undated, WINDOW) is True and undated.in_window is None
    assert judge_coverage(article("2024-11-05", False), WINDOW) is False


def test_the_report_adds_up_by_outlet_and_source() -> None:
    stats = {
        coverage_key("a.fr", "sitemap", "seen"): 10,
        coverage_key("a.fr", "sitemap", "skipped/out_of_window"): 7,
        coverage_key("b.fr", "sitemap", "seen"): 2,
        coverage_key("a.fr", "listing", "coverage"): 1,
        "archive/coverage_months/2024-11": 1,
        "archive/discovery/problems/listing_loops": 1,
    }
    report = coverage_report(stats)
    assert report["totals"]["sitemap"] == {"seen": 12, "skipped/out_of_window": 7}
    assert report["outlets"]["a.fr"]["listing"] == {"coverage": 1}
    assert report["months"] == {"2024-11": 1} and report["problems"] == {"listing_loops": 1}


def test_each_source_that_offers_a_page_counts_it_as_seen_once() -> None:
    """Which source offers a page first depends on which response arrives first: each
    source that offers it counts it as seen, once, so the report does not change from run
    to run; the page is asked for once, and a skip is counted once."""
    settings = Settings()
    settings.setmodule("settings.base", priority="project")
    crawler = get_crawler(NewsSpider, {**dict(settings), "TWISTED_REACTOR_ENABLED": False})
    job = {
        "name": "sources",
        "seeds": {"sitemaps": ["http://a.test/sitemap.xml"]},
        "window": {"from": "2024-06-01", "to": "2024-12-31"},
    }
    spider = NewsSpider.from_crawler(crawler, job=job)
    page, old = "http://a.test/2024/06/20/traite.html", "http://a.test/2019/01/02/vieux.html"
    requests = [
        len(list(spider._consider(Candidate(url, source, 1))))
        for url in (page, old)
        for source in ("feed", "sitemap", "feed", "link")
    ]
    assert requests == [1, 0, 0, 0, 0, 0, 0, 0]
    totals = coverage_report(crawler.stats.get_stats())["totals"]
    assert totals == {
        "feed": {"seen": 2, "skipped/out_of_window": 1},
        "sitemap": {"seen": 2},
        "link": {"seen": 2},
    }


def test_an_article_with_many_related_links_is_no_listing() -> None:
    related = "".join(
        f'<li><a href="/s/{i}">Un autre article de la rubrique numéro {i}</a></li>'
        for i in range(12)
    )
    body = (
        "<html><body><div>" + "Un long texte d'article. " * 200 + f"</div><ul>{related}</ul>"
        "</body></html>"
    ).encode()
    assert read_page("https://x.fr/monde/", body, "text/html", frozenset(), False).listing is None
    assert read_page("https://x.fr/?p=2895", body, "text/html", frozenset(), False).listing is None
