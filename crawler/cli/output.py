"""What the CLI prints: plain-text tables, the summary of a crawl."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from crawler.crawl.coverage import coverage_report

if TYPE_CHECKING:
    from crawler.crawl.run import CrawlResult

__all__ = ["coverage_lines", "crawl_summary", "table"]


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
    report = coverage_report(s)
    listings = sum(counts.get("listings", 0) for counts in report["totals"].values())
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
        f"({s.get('archive/articles/dropped/not_article', 0)} pages were not articles, "
        f"{listings} listings)",
        f"  coverage         {s.get('archive/articles/coverage', 0)} on topic in the window "
        f"({s.get('archive/discovery/archived_copies', 0)} from web archives' copies)",
        f"  truncated        {truncated}   robots.txt-disallowed {robots}   blocked {blocked}"
        f"   failed {failed}",
        f"  archive          {where}",
        "                   manifest.json (every file with SHA-256), warc/, index/ (CDXJ),",
        "                   articles/ (JSON lines per WARC, summary.json, clusters.json),",
        "                   coverage.json",
        *coverage_lines(report),
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


_COLUMNS = ("seen", "skipped", "fetched", "articles", "on_topic", "coverage")


def coverage_lines(report: Mapping[str, Any]) -> list[str]:
    """The coverage report by discovery source, as a table under the summary."""
    totals: Mapping[str, Mapping[str, int]] = report.get("totals", {})
    if not totals:
        return []
    rows = []
    for source, counts in totals.items():
        skipped = sum(v for k, v in counts.items() if k.startswith("skipped/"))
        values = {**counts, "skipped": skipped}
        rows.append([source, *(values.get(column, 0) for column in _COLUMNS)])
    lines = ["  by source", *("    " + line for line in table(["", *_COLUMNS], rows).splitlines())]
    reasons: dict[str, int] = {}
    for counts in totals.values():
        for key, value in counts.items():
            if key.startswith("skipped/"):
                why = key.split("/")[1]
                reasons[why] = reasons.get(why, 0) + value
    if reasons:
        said = [f"{value} {why.replace('_', ' ')}" for why, value in sorted(reasons.items())]
        lines.append("  skipped          " + ", ".join(said))
    problems: Mapping[str, int] = report.get("problems", {})
    if problems:
        lines.append(
            "  DISCOVERY        "
            + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in problems.items())
            + ": see warnings"
        )
    return lines
