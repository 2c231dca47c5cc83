"""Feed and sitemap parsing on real files (copied from the shared corpora)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from crawler.discovery.listings import decompress_sitemap, parse_feed, parse_sitemap

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent / "fixtures"


def test_google_news_sitemap_gives_urls_with_publication_dates() -> None:
    listing = parse_sitemap((FIXTURES / "google-news.xml").read_bytes())
    assert [u.url for u in listing.urls] == [
        "https://example.org/page1",
        "https://example.org/page2",
    ]
    assert listing.urls[0].date == "2024-01-01"
    assert listing.urls[0].title == "News Article One"


def test_sitemap_index_lists_sitemaps_even_without_loc() -> None:
    listing = parse_sitemap((FIXTURES / "sitemap.index.xml").read_bytes())
    assert not listing.urls
    assert len(listing.sitemaps) >= 7
    assert listing.sitemaps[0].url == "https://example.com/sitemap.jss?portalCode=10260&lang=en"


def test_gzip_sitemap_is_decompressed_within_a_bound() -> None:
    body = (FIXTURES / "stormcrawler.sitemap.xml.gz").read_bytes()
    assert len(parse_sitemap(decompress_sitemap(body, 10**6)).urls) == 6
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000)
    assert len(decompress_sitemap(bomb, 1000)) == 1000


def test_plain_text_sitemap() -> None:
    listing = parse_sitemap(b"\xef\xbb\xbfhttps://a.fr/1\nnot a url\nhttps://a.fr/2\n")
    assert [u.url for u in listing.urls] == ["https://a.fr/1", "https://a.fr/2"]


def test_atom_rss_and_json_feeds() -> None:
    atom = parse_feed((FIXTURES / "atom1.0.xml").read_bytes())
    assert [u.url for u in atom.urls] == ["https://example.org/page1", "https://example.org/page2"]
    assert atom.urls[1].date == "2024-01-02"
    rss = parse_feed((FIXTURES / "xmlRss_pubDate.xml").read_bytes())
    assert len(rss.urls) == 7 and all(u.url.startswith("http") for u in rss.urls)
    assert rss.urls[0].date == "Thu, 05 Jan 2017 13:34:51 +0100"
    assert rss.urls[6].date is None  # "missing pub date": kept, without a date
    json_feed = parse_feed((FIXTURES / "feed.json").read_bytes())
    assert len(json_feed.urls) == 25


def test_broken_feeds_give_nothing_rather_than_crash() -> None:
    assert parse_feed(b"").urls == ()
    assert parse_feed(b"<rss><channel><item><link>https://x.fr/a</link>").urls[0].url == (
        "https://x.fr/a"
    )
    assert parse_feed(b"{not json").urls == ()
    assert (
        parse_sitemap(
            b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><urlset>"
            b"<url><loc>&e;</loc></url></urlset>"
        ).urls
        == ()
    )
