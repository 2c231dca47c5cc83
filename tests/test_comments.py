"""Reader comments: in their own field when asked for, never in the text, the text unchanged,
the same comments as trafilatura's ``include_comments=True``; none on forum pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trafilatura
from scrapy.settings import Settings

from crawler.articles.extract import ExtractOptions, extract_page
from crawler.crawl.options import RunOptions
from crawler.crawl.settings import scrapy_settings
from crawler.jobs.jobfile import JobFileError, parse_job
from pipelines.extract import extract_options
from tests.conftest import run_cli
from tests.pages import DEMO_ARTICLES, PARAGRAPHS

pytestmark = pytest.mark.unit

URL = "https://example.fr/international/traite.html"
READERS = (
    "Un lecteur écrit que ce traité change tout pour la région.",
    "Une autre lectrice répond que rien ne change vraiment ici.",
)


def _page(head: str = "") -> bytes:
    article = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    comments = "".join(f'<li class="comment"><p>{r}</p></li>' for r in READERS)
    return f"""<!doctype html><html lang="fr"><head><title>Le traité</title>
<meta property="article:published_time" content="2024-11-12">{head}</head><body>
<article><h1>Le traité entre Moscou et Pyongyang</h1>{article}</article>
<div id="comments"><h3>Commentaires</h3><ul class="comment-list">{comments}</ul></div>
</body></html>""".encode()


def test_comments_are_in_their_own_field_and_the_text_is_unchanged() -> None:
    without = extract_page(_page(), URL)
    with_comments = extract_page(_page(), URL, options=ExtractOptions(comments=True))
    assert without.is_article and with_comments.is_article
    assert without.comments == ""
    assert with_comments.comments == "\n".join(READERS)
    assert with_comments.text == without.text
    assert not any(r in with_comments.text for r in READERS)
    stock = trafilatura.bare_extraction(_page().decode(), url=URL, include_comments=True, fast=True)
    assert stock is not None and with_comments.comments == stock.comments


def test_a_comment_form_alone_is_no_comment() -> None:
    """The demo site's articles end with a comment form ("LAISSER UN COMMENTAIRE"), which
    trafilatura takes for comments; the text's boilerplate filter drops it."""
    for page in sorted(DEMO_ARTICLES.glob("*.html")):
        result = extract_page(page.read_bytes(), URL, options=ExtractOptions(comments=True))
        assert result.comments == "", page.name


def test_a_forum_thread_has_no_comments_its_posts_are_the_text() -> None:
    forum = json.dumps({"@context": "https://schema.org", "@type": "DiscussionForumPosting"})
    head = f'<script type="application/ld+json">{forum}</script>'
    result = extract_page(_page(head), URL, options=ExtractOptions(comments=True))
    assert result.comments == ""


def test_a_page_without_comment_sections_costs_no_second_pass() -> None:
    page = _page().replace(b'id="comments"', b'id="reactions"').replace(b"comment", b"remark")
    result = extract_page(page, URL, options=ExtractOptions(comments=True))
    assert result.is_article and result.comments == ""


def test_a_job_asks_for_comments_and_refuses_unknown_extraction_fields() -> None:
    job = "name: c\nseeds: {start_pages: ['https://example.fr/']}\n"
    assert parse_job(job, "job.yaml").extraction.comments is False
    assert parse_job(job + "extraction: {comments: true}\n", "job.yaml").extraction.comments
    with pytest.raises(JobFileError) as error:
        parse_job(job + "extraction: {comment: true}\n", "job.yaml")
    assert "extraction.comment" in str(error.value.problems)
    assert ExtractOptions(comments=True).config_hash != ExtractOptions().config_hash


def test_a_jobs_comments_reach_the_crawls_extraction(tmp_path: Path) -> None:
    """Job -> Scrapy settings -> the extraction pipeline's options."""
    job = parse_job(
        "name: c\nseeds: {start_pages: ['https://example.fr/']}\nextraction: {comments: true}\n"
    )
    run = RunOptions(crawl_id="c-1", storage_url=f"file://{tmp_path}", spool_dir=tmp_path)
    settings = Settings()
    settings.setmodule("settings.base")
    assert not extract_options(settings).comments
    settings.setdict(scrapy_settings(job, run))
    assert extract_options(settings).comments


def test_crawler_extract_gives_comments_when_asked(tmp_path: Path) -> None:
    page = tmp_path / "traite.html"
    page.write_bytes(_page())
    plain = run_cli("extract", str(page), "--base-url", URL)
    asked = run_cli("extract", str(page), "--base-url", URL, "--comments")
    assert plain.returncode == asked.returncode == 0, plain.stderr + asked.stderr
    assert json.loads(plain.stdout)["comments"] == ""
    assert json.loads(asked.stdout)["comments"] == "\n".join(READERS)
