"""What the CLI prints: plain-text tables, the summary of a crawl."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.crawl.run import CrawlResult

__all__ = ["crawl_summary", "table"]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned columns, two spaces apart, a rule under the headers."""
    cells = [[str(c) for c in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def crawl_summary(result: CrawlResult) -> str:
    """What a crawl did, for the terminal: pages, records, files, articles, problems."""
    s = result.stats
    warcs = [f for f in result.files if f.kind == "warc"]
    where = result.storage_url.rstrip("/") + f"/crawls/{result.crawl_id}/"
    blocked = sum(v for k, v in s.items() if k.startswith("archive/blocked/"))
    failed = sum(v for k, v in s.items() if k.startswith("archive/failed/"))
    truncated = sum(v for k, v in s.items() if k.startswith("archive/truncated/"))
    robots = s.get("robotstxt/forbidden", 0)
    seeds_failed = s.get("archive/seeds/failed", 0)
    lines = [
        f"Crawl {result.crawl_id}: {s.get('finish_reason', '?')}",
        f"  pages fetched    {s.get('response_received_count', 0)}",
        f"  WARC records     {s.get('archive/warc/records', 0) + len(warcs)} "
        f"({s.get('archive/warc/response', 0)} response, {s.get('archive/warc/revisit', 0)} "
        f"revisit, {s.get('archive/warc/request', 0)} request, "
        f"{s.get('archive/warc/metadata', 0)} metadata, {len(warcs)} warcinfo)",
        f"  files            {len(warcs)} WARC, {len(warcs)} CDXJ, manifest.json",
        f"  bytes            {sum(f.size for f in warcs):,} in WARC files "
        f"({s.get('archive/warc/payload_bytes', 0):,} payload bytes)",
        f"  articles         {s.get('archive/articles/stored', 0)} extracted, "
        f"{s.get('archive/articles/on_topic', 0)} on topic, "
        f"{s.get('archive/articles/near_duplicates', 0)} near-duplicates "
        f"({s.get('archive/articles/dropped/not_article', 0)} pages were not articles)",
        f"  truncated        {truncated}   robots.txt-disallowed {robots}   blocked {blocked}"
        f"   failed {failed}",
        f"  archive          {where}",
        "                   manifest.json (every file with SHA-256), warc/, index/ (CDXJ),",
        "                   articles/ (JSON lines per WARC, summary.json, clusters.json)",
    ]
    if seeds_failed:
        lines.append(
            f"  SEEDS FAILED     {seeds_failed} seed(s) gave no usable answer: see warnings"
        )
    if result.pending_uploads:
        lines.append(
            f"  WAITING          {result.pending_uploads} file(s) not stored yet: they stay in the "
            "spool and are uploaded by the next run or `crawler upload`"
        )
    return "\n".join(lines)
