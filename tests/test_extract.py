"""Extraction on fixture pages: boilerplate, charsets, dates, language, odd and huge pages."""

from __future__ import annotations

import concurrent.futures
import gzip
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from crawler.articles.extract import ExtractOptions, decode_html, extract_page, parse_html
from crawler.articles.pool import ExtractionPool, PoolOptions
from tests.pages import DEMO_ARTICLES, JUNK, PARAGRAPHS, dirty_article

pytestmark = pytest.mark.unit

SEED_PAGES = sorted(p for p in DEMO_ARTICLES.glob("*.html") if "festival" not in p.name)


@pytest.mark.parametrize("page", SEED_PAGES, ids=lambda p: p.stem)
def test_seed_pages_give_clean_text(page: Path) -> None:
    result = extract_page(page.read_bytes(), f"https://example.fr/{page.name}", "text/html")
    assert result.is_article, result.reason
    for junk in JUNK:
        assert junk.casefold() not in result.text.casefold(), junk
    assert "\n\n" not in result.text
    assert result.published and result.published_source == "json-ld"
    assert result.language == "fr" and result.language_source == "declared"


def test_junk_inside_the_article_container_is_dropped() -> None:
    result = extract_page(dirty_article().encode(), "https://example.fr/a", "text/html")
    text = result.text
    for junk in JUNK:
        assert junk.casefold() not in text.casefold(), junk
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert result.published == "2024-11-12" and result.published_source == "meta"


@pytest.mark.parametrize(
    ("content_type", "meta", "encoding"),
    [
        ("text/html; charset=windows-1252", "windows-1252", "cp1252"),  # header
        ("text/html", "windows-1252", "cp1252"),  # meta only
        (None, "iso-8859-1", "cp1252"),  # meta says latin-1: read as cp1252 (WHATWG)
        ("text/html", "", "cp1252"),  # nothing declared: detected
    ],
)
def test_non_utf8_pages_keep_french_accents(
    content_type: str | None, meta: str, encoding: str
) -> None:
    html = dirty_article(meta) if meta else dirty_article().replace('<meta charset="utf-8">', "")
    body = html.replace("’", "'").encode("cp1252")
    result = extract_page(body, "https://example.fr/a", content_type)
    assert "Corée du Nord a ratifié l'accord de défense" in result.text
    assert "« a été ratifié sous la forme d'un décret »" in result.text
    assert result.encoding == encoding


def test_bom_wins_over_meta() -> None:
    body = b"\xef\xbb\xbf" + dirty_article("windows-1252").encode("utf-8")
    text, encoding = decode_html(body, None)
    assert encoding == "utf-8" and "Corée" in text


def test_front_page_and_empty_pages_are_not_articles() -> None:
    front = (DEMO_ARTICLES.parent / "index.html").read_bytes()
    assert not extract_page(front, "https://example.fr/", "text/html").is_article
    for body in (b"", b"\x00\x01\x02\xff" * 100, b"<html><body></body></html>"):
        result = extract_page(body, "https://example.fr/x", "text/html")
        assert result.is_article is False and result.reason


def test_malformed_html_still_extracts() -> None:
    body = (
        "<html><body><div><article><h1>Titre<p>"
        + "</p><p>".join(PARAGRAPHS)
        + "<div><span><b>non fermé<i></body>"
    ).encode()
    result = extract_page(body, "https://example.fr/m", "text/html; charset=utf-8")
    assert PARAGRAPHS[1] in result.text


def test_listed_date_is_the_fallback_and_named_as_such() -> None:
    page = (
        dirty_article()
        .replace('<meta property="article:published_time" content="2024-11-12T08:00:00+01:00">', "")
        .replace('<meta property="og:type" content="article">', "")
    )
    result = extract_page(
        page.encode(),
        "https://example.fr/x",
        "text/html",
        listed_date="Wed, 04 Dec 2024 10:31:00 +0100",
        listed_kind="feed",
    )
    assert (result.published, result.published_source) == ("2024-12-04", "feed")
    in_url = extract_page(page.encode(), "https://example.fr/2024/12/05/x.html", "text/html")
    assert (in_url.published, in_url.published_source) == ("2024-12-05", "url")


def test_language_is_detected_when_not_declared() -> None:
    page = dirty_article().replace('lang="fr"', "")
    result = extract_page(page.encode(), "https://example.fr/x", "text/html")
    assert (result.language, result.language_source) == ("fr", "detected")


def test_huge_page_is_bounded() -> None:
    huge = dirty_article().replace(
        "</article>", "<p>" + "remplissage " * 3_000_000 + "</p></article>"
    )
    options = ExtractOptions(max_html_bytes=2_000_000)
    result = extract_page(huge.encode(), "https://example.fr/h", "text/html", options=options)
    assert len(result.text) < 2_000_000


def test_a_page_that_takes_too_long_times_out_and_the_pool_recovers() -> None:
    slow = dirty_article().replace("</article>", "<p>mot </p>" * 300_000 + "</article>").encode()
    pool = ExtractionPool(PoolOptions(workers=1, timeout=30), ExtractOptions())
    try:
        with pytest.raises(concurrent.futures.TimeoutError):  # seconds of work, 50 ms allowed
            pool.submit(body=slow, url="https://example.fr/slow", timeout=0.05).result(60)
        ok = pool.submit(body=dirty_article().encode(), url="https://example.fr/a").result(60)
        assert ok.is_article
    finally:
        pool.close()


def _worker_state() -> tuple[int, int, bool]:
    """Run in a worker: dateparser set up by htmldate (0 or 1), the XPath speed-ups installed
    (0 or 1), the public suffix list read (courlan's, through ``tld``)."""
    from htmldate.extractors import get_external_parser
    from tld.utils import tld_names

    from crawler.articles._speedups.xpath import speed_up_xpaths

    return (
        get_external_parser.cache_info().currsize,
        speed_up_xpaths.cache_info().currsize,
        bool(tld_names),
    )


def test_a_new_worker_has_dateparser_set_up_and_trafilatura_as_it_ships() -> None:
    """The forkserver's warm-up (``crawler.articles.warmup``) did what a worker's first dated
    page would, and read the public suffix list a page on an IP address with a port or a short
    host name needs; the speed-ups are the worker's to install, as its options say."""
    pool = ExtractionPool(PoolOptions(workers=1, timeout=30), ExtractOptions())
    try:
        assert pool._pool.schedule(_worker_state).result(60) == (1, 0, True)
        pool.submit(body=dirty_article().encode(), url="https://example.fr/a").result(60)
        assert pool._pool.schedule(_worker_state).result(60) == (1, 1, True)
    finally:
        pool.close()


def test_the_forkserver_imports_what_a_new_worker_runs() -> None:
    """A worker is a fork of the preloaded forkserver: pebble's worker loop, the initializer
    and the extraction are imported there, not again in each new or recycled worker."""
    from pebble.pool.process import worker_process

    from crawler.articles.pool import _PRELOAD
    from crawler.process import fix_mmap_threshold

    script = f"import sys\nfor name in {_PRELOAD!r}: __import__(name)\nprint(*sys.modules)"
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    run_by_a_worker = {worker_process, fix_mmap_threshold, extract_page}
    assert {function.__module__ for function in run_by_a_worker} <= set(loaded)


def test_gzip_fixture_roundtrip(tmp_path: Path) -> None:
    from crawler.cli.extract import extract_file

    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(dirty_article().encode()))
    assert extract_file(path, "https://example.fr/a", ExtractOptions()).is_article


def test_a_gzip_file_is_inflated_only_as_far_as_extraction_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crawler.articles import extract
    from crawler.cli.extract import ExtractError, extract_file

    page = dirty_article().encode()
    path = tmp_path / "page.html.gz"
    # the article, then 50 MB that compress to ~50 kB: extraction reads the first 5 MB only
    path.write_bytes(gzip.compress(page + b" " * 50_000_000))
    given: list[int] = []
    extract_page = extract.extract_page

    def measured(body: bytes, *args: Any, **kwargs: Any) -> Any:
        given.append(len(body))
        return extract_page(body, *args, **kwargs)

    monkeypatch.setattr(extract, "extract_page", measured)
    assert extract_file(path, "https://example.fr/a", ExtractOptions()).is_article
    assert given == [ExtractOptions().max_html_bytes]  # not the 50 MB
    path.write_bytes(gzip.compress(page)[:-40])  # cut before its end
    with pytest.raises(ExtractError, match=r"page\.html\.gz: not a valid gzip file: incomplete"):
        extract_file(path, "https://example.fr/a", ExtractOptions())


@pytest.mark.parametrize(
    "html",
    [
        *(p.read_text() for p in SEED_PAGES[:2]),
        dirty_article(),
        '<?xml version="1.0" encoding="utf-8"?><html><body><p>déclaré</p></body></html>',
        "<html/>\n<body><p>auto-fermé</p></body>",
        "<p>fragment seul</p>",
        "",
    ],
)
def test_our_parser_gives_trafilatura_the_tree_its_own_loader_builds(html: str) -> None:
    from trafilatura import bare_extraction
    from trafilatura.utils import load_html

    ours, theirs = parse_html(html), load_html(html)
    assert (ours is None) == (theirs is None)
    if ours is None:
        return
    assert etree.tostring(ours) == etree.tostring(theirs)
    options = {"url": "https://example.fr/a", "fast": True, "with_metadata": True}
    a, b = bare_extraction(ours, **options), bare_extraction(theirs, **options)
    assert (a and a.as_dict()["text"]) == (b and b.as_dict()["text"])
