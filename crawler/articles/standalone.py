"""``crawler extract``: Article JSON for local files or a URL."""

from __future__ import annotations

import gzip
import urllib.request
from pathlib import Path
from typing import Any

from crawler.articles.extract import ExtractOptions, extract_page, extractor_info
from crawler.articles.model import Article, ExtractorInfo, article_from_extraction, relevance_info
from crawler.articles.relevance import TopicMatcher
from crawler.jobs.addresses import AddressPolicy, UnsafeURLError
from crawler.jobs.models import Topic

__all__ = ["ExtractError", "extract_file", "fetch_url", "standalone_article"]

_MAX_FETCH = 20 * 1000**2


class ExtractError(RuntimeError):
    """A file, URL or folder that cannot be extracted; the message names it."""


def standalone_article(
    result: dict[str, Any], url: str, options: ExtractOptions, topic: Topic | None
) -> Article:
    """An Article outside any crawl (no WARC pointer), relevance scored when a topic is given."""
    article = article_from_extraction(
        result, url=url, final_url=url, extractor=ExtractorInfo(**extractor_info(options))
    )
    if topic is not None:
        article.relevance = relevance_info(
            topic, TopicMatcher(topic).score(article.title, article.text)
        )
    return article


def extract_file(path: Path, url: str | None, options: ExtractOptions) -> dict[str, Any]:
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise ExtractError(f"{path}: cannot read: {exc.strerror}") from exc
    if path.suffix == ".gz":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as exc:
            raise ExtractError(f"{path}: not a valid gzip file: {exc}") from exc
    return extract_page(body, url or path.resolve().as_uri(), options=options)


def fetch_url(url: str, policy: AddressPolicy, user_agent: str) -> tuple[bytes, str | None]:
    """Fetch one page (http/https, address policy checked, 20 MB cap)."""
    import socket
    from urllib.parse import urlsplit

    try:
        host = policy.check_url(url)
        if host is not None:
            for *_, sockaddr in socket.getaddrinfo(host, urlsplit(url).port or 80):
                refusal = policy.address_refusal(str(sockaddr[0]))
                if refusal:
                    raise UnsafeURLError(url, "address", f"{host} resolves to {refusal}")
    except UnsafeURLError as exc:
        raise ExtractError(str(exc)) from exc
    except OSError as exc:
        raise ExtractError(f"{url}: cannot resolve: {exc}") from exc
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - checked
            body: bytes = response.read(_MAX_FETCH + 1)
            content_type = response.headers.get("Content-Type")
    except OSError as exc:
        raise ExtractError(f"{url}: cannot fetch: {exc}") from exc
    if len(body) > _MAX_FETCH:
        raise ExtractError(f"{url}: larger than {_MAX_FETCH} bytes")
    return body, content_type
