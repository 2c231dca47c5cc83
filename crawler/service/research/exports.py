"""Exports for researchers: articles as JSON lines, CSV or Parquet; citations (CSL-JSON,
BibTeX) that name the exact capture. A crawl as WACZ: :mod:`.wacz`."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from crawler.service.tables import ArticleRow

__all__ = [
    "CSV_COLUMNS",
    "bibtex",
    "csl_json",
    "csv_lines",
    "jsonl_lines",
    "plain_citation",
    "ris",
    "write_parquet",
]

CSV_COLUMNS = (
    "id",
    "crawl_id",
    "url",
    "final_url",
    "title",
    "authors",
    "published",
    "site",
    "language",
    "on_topic",
    "score",
    "captured_at",
    "warc_filename",
    "warc_offset",
    "warc_length",
    "warc_record_id",
    "payload_digest",
    "word_count",
    "text",
)


def _flat(row: ArticleRow) -> dict[str, Any]:
    warc = row.data.get("warc") or {}
    return {
        "id": row.id,
        "crawl_id": row.crawl_id,
        "url": row.url,
        "final_url": row.final_url,
        "title": row.title,
        "authors": row.authors,
        "published": row.published,
        "site": row.site,
        "language": row.language,
        "on_topic": row.on_topic,
        "score": row.score,
        "captured_at": row.captured_at.isoformat() if row.captured_at else None,
        "warc_filename": warc.get("filename"),
        "warc_offset": warc.get("offset"),
        "warc_length": warc.get("length"),
        "warc_record_id": warc.get("record_id"),
        "payload_digest": warc.get("payload_digest"),
        "word_count": row.data.get("word_count"),
        "text": row.data.get("text", ""),
    }


def jsonl_lines(rows: Iterable[ArticleRow]) -> Iterator[str]:
    for row in rows:
        yield json.dumps({"id": row.id, **row.data}, ensure_ascii=False) + "\n"


def csv_lines(rows: Iterable[ArticleRow]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(_flat(row))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def write_parquet(rows: Iterable[ArticleRow], path: Path, batch: int = 2000) -> int:
    """Articles in a Parquet file (one row group per ``batch``); returns how many."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("crawl_id", pa.string()),
            ("url", pa.string()),
            ("final_url", pa.string()),
            ("title", pa.string()),
            ("authors", pa.string()),
            ("published", pa.string()),
            ("site", pa.string()),
            ("language", pa.string()),
            ("on_topic", pa.bool_()),
            ("score", pa.float64()),
            ("captured_at", pa.string()),
            ("warc_filename", pa.string()),
            ("warc_offset", pa.int64()),
            ("warc_length", pa.int64()),
            ("warc_record_id", pa.string()),
            ("payload_digest", pa.string()),
            ("word_count", pa.int64()),
            ("text", pa.string()),
        ]
    )
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append(_flat(row))
            if len(chunk) >= batch:
                writer.write_table(pa.Table.from_pylist(chunk, schema))
                count += len(chunk)
                chunk = []
        writer.write_table(pa.Table.from_pylist(chunk, schema))
        count += len(chunk)
    return count


# --- citations ---------------------------------------------------------------------------
def _location(row: ArticleRow) -> str:
    warc = row.data.get("warc") or {}
    return (
        f"crawls/{row.crawl_id}/warc/{warc.get('filename')}"
        f"#offset={warc.get('offset')}&length={warc.get('length')}"
    )


def csl_json(row: ArticleRow) -> dict[str, Any]:
    """CSL-JSON (Zotero, Pandoc, citeproc) of an archived article."""
    warc = row.data.get("warc") or {}
    item: dict[str, Any] = {
        "id": f"{row.crawl_id}/{row.id}",
        "type": "article-newspaper",
        "title": row.title,
        "URL": row.final_url,
        "container-title": row.data.get("site_name") or row.site,
        "language": row.language,
        "archive": "news-archive-crawler",
        "archive_location": _location(row),
        "note": (
            f"WARC-Record-ID {warc.get('record_id')}; "
            f"WARC-Payload-Digest {warc.get('payload_digest')}"
        ),
    }
    if row.authors:
        item["author"] = [{"literal": name} for name in row.authors.split("; ")]
    if row.published:
        item["issued"] = {"date-parts": [[int(p) for p in row.published.split("-")]]}
    if row.captured_at:
        captured = row.captured_at
        item["accessed"] = {"date-parts": [[captured.year, captured.month, captured.day]]}
    return item


def _bib(value: str) -> str:
    """BibTeX-escaped text."""
    return "".join("\\" + ch if ch in "{}\\&%$#_" else ch for ch in value)


def bibtex(row: ArticleRow) -> str:
    key = re.sub(r"\W+", "", f"{row.site.split('.')[0]}{row.published or ''}{row.id}")
    warc = row.data.get("warc") or {}
    fields = {
        "title": row.title,
        "author": " and ".join(row.authors.split("; ")) if row.authors else None,
        "journal": row.data.get("site_name") or row.site,
        "date": row.published,
        "url": row.final_url,
        "urldate": row.captured_at.date().isoformat() if row.captured_at else None,
        "note": (
            f"Archived capture {warc.get('record_id')} (payload digest "
            f"{warc.get('payload_digest')}), {_location(row)}"
        ),
    }
    body = ",\n".join(f"  {name} = {{{_bib(value)}}}" for name, value in fields.items() if value)
    return f"@online{{{key},\n{body}\n}}\n"


def ris(row: ArticleRow) -> str:
    """RIS (EndNote, Zotero, Mendeley) of an archived article, naming the capture."""
    warc = row.data.get("warc") or {}
    lines = [("TY", "NEWS"), ("TI", row.title)]
    lines += [("AU", name) for name in row.authors.split("; ")] if row.authors else []
    lines += [
        ("T2", row.data.get("site_name") or row.site),
        ("DA", (row.published or "").replace("-", "/")),
        ("UR", row.final_url),
        ("Y2", row.captured_at.date().isoformat().replace("-", "/") if row.captured_at else ""),
        ("LA", row.language or ""),
        ("N1", f"Archived capture {warc.get('record_id')}, {_location(row)}"),
        ("ER", ""),
    ]
    return "".join(f"{tag}  - {value}\n" for tag, value in lines if value or tag == "ER")


def plain_citation(row: ArticleRow) -> str:
    """One line a reader can paste: authors, date, title, outlet, URL, when archived."""
    authors = ", ".join(row.authors.split("; ")) + ". " if row.authors else ""
    date = f"({row.published}). " if row.published else "(n.d.). "
    outlet = row.data.get("site_name") or row.site
    captured = row.captured_at.date().isoformat() if row.captured_at else "?"
    warc = row.data.get("warc") or {}
    return (
        f"{authors}{date}{row.title}. {outlet}. {row.final_url} "
        f"(archived {captured}, WARC record {warc.get('record_id')})"
    )
