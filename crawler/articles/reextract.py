"""Rebuild a crawl's articles from its WARCs alone, and compare them with what was stored
(``crawler reextract``).

The WARCs give everything the crawl had: every HTML page (a revisit's payload comes from
the record it refers to), the feeds and sitemaps that listed pages with dates, and the
redirects that led to pages. Pages are extracted again, scored against the job's topic (from
the manifest), and passed through near-duplicate detection in the order the crawl stored
them, so that the same extractor gives the same bytes. The report says, per article, whether
its JSON line is byte-identical, and per field how many articles differ.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from warcio.archiveiterator import ArchiveIterator

from crawler.archive.layout import crawl_key
from crawler.archive.reader import article_lines, load_manifest
from crawler.archive.storage import Storage
from crawler.articles.builder import ArticleBuilder, Deduplicator, PageContext, TopicScorer
from crawler.articles.extract import ExtractionResult, ExtractOptions
from crawler.articles.model import ArchivedCopy, WarcPointer
from crawler.articles.pool import ExtractionPool, PoolOptions
from crawler.discovery.listings import decompress_sitemap, parse_feed, parse_sitemap
from crawler.discovery.pages import read_page
from crawler.jobs.models import DEFAULT_RESPONSE_BYTES, Extraction, Topic, Window

__all__ = ["ReextractReport", "reextract_crawl"]

logger = logging.getLogger(__name__)

_LISTING_TYPES = ("xml", "rss", "atom", "json", "gzip", "text/plain")


@dataclass
class _Page:
    url: str
    content_type: str | None
    content_language: str | None
    payload_at: tuple[Path, int]
    """The WARC file and offset of the record holding the page's body (for a revisit, the
    response it repeats): bodies are read again when extracted, never all held at once."""
    pointer: WarcPointer
    date: str
    listed: tuple[str | None, str] | None = None
    """(date, ``feed`` or ``sitemap``) of the first listing of the page recorded before it."""
    original: str | None = None
    """The outlet's URL, when the page is a web archive's copy."""
    copy: ArchivedCopy | None = None


@dataclass
class ReextractReport:
    crawl_id: str
    stored_version: str
    current_version: str
    articles: int = 0
    identical: int = 0
    differing_fields: Counter[str] = field(default_factory=Counter)
    only_stored: list[str] = field(default_factory=list)
    only_rebuilt: list[str] = field(default_factory=list)

    @property
    def same_extractor(self) -> bool:
        return self.stored_version == self.current_version

    @property
    def identical_all(self) -> bool:
        return self.identical == self.articles and not self.only_stored and not self.only_rebuilt

    def lines(self) -> list[str]:
        out = [
            f"crawl {self.crawl_id}: {self.articles} stored articles, {self.identical} rebuilt "
            "byte-identical from the WARCs",
            f"extractor: stored {self.stored_version}, now {self.current_version}"
            + ("" if self.same_extractor else " (a newer extractor: differences expected)"),
        ]
        out += [
            f"  field {name}: differs in {count} article(s)"
            for name, count in self.differing_fields.most_common()
        ]
        if self.only_stored:
            out.append(
                f"  stored but not rebuilt: {len(self.only_stored)} ({self.only_stored[:3]})"
            )
        if self.only_rebuilt:
            out.append(
                f"  rebuilt but not stored: {len(self.only_rebuilt)} ({self.only_rebuilt[:3]})"
            )
        return out


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for n, v in headers if n.lower() == name.lower()), None)


def _is_listing(url: str, body: bytes, content_type: str, seeds: frozenset[str]) -> bool:
    """Whether the page is a listing (the crawl's rules: archived, never an article)."""
    return read_page(url, body, content_type, seeds, want_links=False).listing is not None


def _copy_of(record: Any) -> tuple[str, ArchivedCopy] | None:
    """What a ``metadata`` record says of its response when it is a web archive's copy:
    the outlet's URL, and the archive's capture."""
    text = record.content_stream().read().decode("utf-8", "replace")
    fields = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    if "archived-copy-of" not in fields:
        return None
    return fields["archived-copy-of"], ArchivedCopy(
        archive=fields.get("archive", ""),
        capture_time=fields.get("archive-capture-time", ""),
        replay_url=record.rec_headers.get_header("WARC-Target-URI"),
    )


def _scan(warcs: list[Path], seeds: frozenset[str]) -> tuple[list[_Page], dict[str, str]]:
    """HTML pages that are not listings, in WARC order, each with what the first feed or
    sitemap that listed it *before* it said of it (responses are in the WARC in the order
    the crawl handled them, and the crawl knew no more when it handled the page); redirect
    target -> the URL that redirected to it. A page that is a web archive's copy gets its
    original URL from the record describing it."""
    pages: list[tuple[int, _Page]] = []
    copies: dict[str, tuple[str, ArchivedCopy]] = {}
    first_source: dict[str, tuple[str | None, str, int]] = {}
    redirected_from: dict[str, str] = {}
    payloads: dict[str, tuple[Path, int]] = {}  # payload digest -> its response, for revisits
    position = 0
    for path in warcs:
        with path.open("rb") as handle:
            records = ArchiveIterator(handle)
            for record in records:
                position += 1
                kind = record.rec_type
                if kind == "metadata":
                    copy = _copy_of(record)
                    if copy is not None:
                        copies[record.rec_headers.get_header("WARC-Refers-To")] = copy
                    continue
                if kind not in ("response", "revisit") or record.http_headers is None:
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                status = int(record.http_headers.get_statuscode() or 0)
                headers = list(record.http_headers.headers)
                digest = record.rec_headers.get_header("WARC-Payload-Digest")
                raw = record.content_stream().read() if kind == "response" else b""
                # warcio: ask for the offset only once the record is read (asking first
                # leaves its content stream empty)
                offset, length = records.get_record_offset(), records.get_record_length()
                here = (path, offset)
                payload_at = here if kind == "response" else payloads.get(digest or "")
                if kind == "response" and digest:
                    payloads.setdefault(digest, here)
                elif kind == "revisit" and payload_at:
                    raw = _body_at(payload_at)
                if 300 <= status < 400 and _header(headers, "Location"):
                    target = urljoin(url, _header(headers, "Location") or "")
                    redirected_from.setdefault(target, redirected_from.get(url, url))
                    continue
                content_type = _header(headers, "Content-Type") or ""
                if status != 200 or not raw:
                    continue
                if "html" in content_type.lower():
                    if _is_listing(url, raw, content_type, seeds):
                        continue  # a listing: archived, never an article
                    page = _Page(
                        url=url,
                        content_type=content_type or None,
                        content_language=_header(headers, "Content-Language"),
                        payload_at=payload_at or here,
                        pointer=WarcPointer(
                            filename=path.name,
                            offset=offset,
                            length=length,
                            record_id=record.rec_headers.get_header("WARC-Record-ID"),
                            record_type=kind,
                            payload_digest=digest,
                        ),
                        date=record.rec_headers.get_header("WARC-Date"),
                    )
                    pages.append((position, page))
                elif any(t in content_type.lower() for t in _LISTING_TYPES):
                    _listings(url, raw, first_source, position)
    for position, page in pages:
        found = copies.get(page.pointer.record_id)
        if found is not None:
            page.original, page.copy = found
        origin = page.original or redirected_from.get(page.url, page.url)
        listed = first_source.get(origin)
        if listed is not None and listed[2] < position:
            page.listed = (listed[0], listed[1])
    return [page for _, page in pages], redirected_from


def _body_at(where: tuple[Path, int]) -> bytes:
    """The payload of the record at ``where`` (a WARC file and a record's offset)."""
    path, offset = where
    with path.open("rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)))
        return bytes(record.content_stream().read())


def _listings(
    url: str, body: bytes, found: dict[str, tuple[str | None, str, int]], position: int
) -> None:
    feed = parse_feed(body)
    if feed.urls:
        kind, listing = "feed", feed
    else:
        kind, listing = "sitemap", parse_sitemap(decompress_sitemap(body, DEFAULT_RESPONSE_BYTES))
    for item in listing.urls:
        found.setdefault(urljoin(url, item.url), (item.date, kind, position))


_WINDOW_PER_WORKER = 8
"""Pages submitted ahead per extraction worker: enough to keep them busy, few enough that a
crawl of any size holds only a handful of bodies at once."""


def _extract_all(
    pages: list[_Page], workers: int, options: ExtractOptions
) -> Iterator[ExtractionResult | None]:
    """Extraction results in page order (None for a page whose extraction failed or timed
    out: logged, and it counts as not rebuilt). Bodies are read from the WARCs as pages are
    submitted, a window at a time."""
    pool = ExtractionPool(PoolOptions(workers=workers), options)
    window = max(1, workers) * _WINDOW_PER_WORKER
    try:
        for start in range(0, len(pages), window):
            chunk = pages[start : start + window]
            futures = []
            for page in chunk:
                listed_date, listed_kind = page.listed or (None, None)
                futures.append(
                    pool.submit(
                        body=_body_at(page.payload_at),
                        url=page.url,
                        content_type=page.content_type,
                        content_language=page.content_language,
                        listed_date=listed_date,
                        listed_kind=listed_kind,
                    )
                )
            for page, future in zip(chunk, futures, strict=True):
                try:
                    yield future.result()
                except Exception as exc:
                    logger.warning("%s: extraction failed: %r", page.url, exc)
                    yield None
    finally:
        pool.close()


def reextract_crawl(
    storage: Storage,
    crawl_id: str,
    workers: int = 2,
    out: Path | None = None,
    progress: Callable[[str], None] = lambda _line: None,
    options: ExtractOptions | None = None,
) -> ReextractReport:
    manifest = load_manifest(storage, crawl_id)
    config = manifest.job.get("config") or {}
    topic = Topic.model_validate(config["topic"]) if config.get("topic") else None
    window = Window.model_validate(config.get("window") or {})
    given = config.get("seeds") or {}
    seeds = frozenset(str(u) for u in (*given.get("start_pages", []), *given.get("listings", [])))
    # what the crawl's job asked of the extraction (reader comments), whatever the caller's
    extraction = Extraction.model_validate(config.get("extraction") or {})
    options = replace(options or ExtractOptions(), comments=extraction.comments)
    builder = ArticleBuilder(options, TopicScorer(topic) if topic else None, Deduplicator(), window)
    stored_lines = list(article_lines(storage, crawl_id, manifest))
    stored = {json.loads(line)["warc"]["record_id"]: line for line in stored_lines}
    stored_order = [json.loads(line)["warc"]["record_id"] for line in stored_lines]
    stored_version = json.loads(stored_lines[0])["extractor"]["version"] if stored_lines else "-"
    rank = {record_id: i for i, record_id in enumerate(stored_order)}
    rebuilt: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as scratch_name:  # the WARCs, read until the end
        scratch = Path(scratch_name)
        warcs = []
        for entry in manifest.files:
            if entry.kind == "warc":
                local = scratch / Path(entry.path).name
                storage.get(crawl_key(crawl_id, entry.path), local)
                warcs.append(local)
        progress(f"reading {len(warcs)} WARC file(s)")
        pages, redirected_from = _scan(warcs, seeds)
        pages.sort(key=lambda p: rank.get(p.pointer.record_id, len(rank)))  # stored order first
        progress(f"extracting {len(pages)} page(s)")
        first = {p.pointer.record_id: redirected_from.get(p.url, p.url) for p in pages}
        results = _extract_all(pages, workers, options)
        for page, result in zip(pages, results, strict=True):
            if result is None or not result.is_article:
                continue
            url = page.original or first[page.pointer.record_id]
            context = PageContext(
                url=url,
                final_url=page.url,
                listed_date=page.listed[0] if page.listed else None,
                captured_at=datetime.fromisoformat(page.date.replace("Z", "+00:00")),
                crawl_id=crawl_id,
                warc=page.pointer,
                archived_copy=page.copy,
            )
            article = builder.build(result, context)
            rebuilt[page.pointer.record_id] = article.model_dump_json(exclude_none=False)
    if out is not None:
        out.write_text("".join(line + "\n" for line in rebuilt.values()), encoding="utf-8")
    return _compare(crawl_id, stored, rebuilt, stored_version, builder.extractor.version)


def _compare(
    crawl_id: str, stored: dict[str, str], rebuilt: dict[str, str], stored_version: str, now: str
) -> ReextractReport:
    report = ReextractReport(crawl_id, stored_version, now, articles=len(stored))
    for record_id, line in stored.items():
        again = rebuilt.get(record_id)
        if again is None:
            report.only_stored.append(json.loads(line)["final_url"])
            continue
        if again == line:
            report.identical += 1
            continue
        before, after = json.loads(line), json.loads(again)
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                report.differing_fields[name] += 1
    report.only_rebuilt = [
        json.loads(v)["final_url"] for k, v in rebuilt.items() if k not in stored
    ]
    return report
