"""A crawl as a WACZ 1.1.1 package (ReplayWeb.page, pywb, ``wacz validate``).

The package replays on its own: the revisit records of an incremental crawl point to records
of earlier crawls, which are copied into ``archive/<crawl>-originals.warc.gz`` and indexed
beside the crawl's own. The same crawl always gives the same bytes: ``created`` is the
crawl's end, every file is written in a fixed order with the crawl's end as its date.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator

from crawler import __version__
from crawler.archive.cdxj import cdxj_line
from crawler.archive.layout import crawl_key
from crawler.archive.storage import Storage, file_digest

__all__ = ["CrawlPackage", "Original", "OriginalFinder", "as_utc", "write_wacz"]


@dataclass(frozen=True)
class Original:
    """The record a revisit points to: its CDXJ fields and its gzip member, as stored."""

    urlkey: str
    timestamp: str
    fields: dict[str, str]
    member: bytes


OriginalFinder = Callable[[str, str], Original | None]
"""``(WARC-Refers-To-Target-URI, WARC-Refers-To-Date)`` to the original record, or None."""


@dataclass(frozen=True)
class CrawlPackage:
    """What the package is made of, as the service knows it."""

    crawl_id: str
    job: str
    started_at: datetime
    finished_at: datetime
    manifest: dict[str, Any]
    titles: dict[str, str]
    """Page URL to title (the articles' titles); other pages are titled by their URL."""


def as_utc(when: datetime) -> datetime:
    """A database time in UTC (SQLite gives them without a zone, PostgreSQL with one)."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _iso(when: datetime) -> str:
    return as_utc(when).isoformat().replace("+00:00", "Z")


def _refers_to(handle: BinaryIO, offset: int, length: int) -> tuple[str, str] | None:
    """The target URI and date a revisit record (at ``offset`` in an open WARC) points to."""
    handle.seek(offset)
    member = handle.read(length)
    record = next(iter(ArchiveIterator(io.BytesIO(gzip.decompress(member)))))
    uri = record.rec_headers.get_header("WARC-Refers-To-Target-URI")
    date = record.rec_headers.get_header("WARC-Refers-To-Date")
    return (uri, date) if uri and date else None


class _Originals:
    """The originals WARC being written, one record per distinct original."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self.lines: list[str] = []
        self.by_revisit: dict[tuple[str, str], dict[str, str]] = {}
        self._seen: set[tuple[str, str]] = set()

    def add(self, revisit: tuple[str, str], original: Original) -> None:
        self.by_revisit[revisit] = original.fields
        key = (original.urlkey, original.timestamp)
        if key in self._seen:
            return
        self._seen.add(key)
        with self.path.open("ab") as handle:
            offset = handle.tell()
            handle.write(original.member)
        fields = {
            **original.fields,
            "offset": str(offset),
            "length": str(len(original.member)),
            "filename": self.name,
        }
        self.lines.append(f"{original.urlkey} {original.timestamp} {json.dumps(fields)}")


def _page(url: str, timestamp: str, titles: dict[str, str]) -> dict[str, str]:
    when = datetime.strptime(timestamp[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return {
        "id": hashlib.sha256(f"{timestamp} {url}".encode()).hexdigest()[:32],
        "url": url,
        "ts": _iso(when),
        "title": titles.get(url) or url,  # frictionless reads an untitled row as blank
    }


def _pages(
    cdxj: list[str], originals: dict[tuple[str, str], dict[str, str]], titles: dict[str, str]
) -> list[dict[str, str]]:
    """HTML pages answered 200 (directly, or through a revisit of one), in index order."""
    pages = []
    for line in cdxj:
        _, timestamp, data = cdxj_line(line)
        shown = originals.get((data["url"], timestamp), data)
        if data.get("mime") == "warc/revisit" and shown is data:
            continue  # its original is not in the package
        if shown.get("status") == "200" and "html" in shown.get("mime", ""):
            pages.append(_page(data["url"], timestamp, titles))
    return pages


def _main_page(pages: list[dict[str, str]], manifest: dict[str, Any]) -> dict[str, str] | None:
    seeds = manifest.get("job", {}).get("config", {}).get("seeds", {}).get("start_pages", [])
    for seed in seeds:
        for page in pages:
            if page["url"] == seed:
                return page
    return pages[0] if pages else None


def _fetch(
    storage: Storage, crawl: CrawlPackage, folder: Path
) -> tuple[list[tuple[str, Path]], list[str]]:
    members: list[tuple[str, Path]] = []
    cdxj: list[str] = []
    for entry in sorted(crawl.manifest.get("files", []), key=lambda e: str(e["path"])):
        if entry["kind"] not in ("warc", "cdxj"):
            continue
        local = folder / Path(entry["path"]).name
        storage.get(crawl_key(crawl.crawl_id, entry["path"]), local)
        if entry["kind"] == "warc":
            members.append((f"archive/{local.name}", local))
        else:
            cdxj += [line for line in local.read_text("utf-8").splitlines() if line.strip()]
    return members, cdxj


def _with_originals(
    members: list[tuple[str, Path]],
    cdxj: list[str],
    find: OriginalFinder,
    folder: Path,
    crawl_id: str,
) -> _Originals:
    """The originals the crawl's revisits point to, copied when they are in other crawls."""
    name = f"{crawl_id}-originals.warc.gz"
    originals = _Originals(folder / name, name)
    with contextlib.ExitStack() as stack:  # each WARC opened once, however many revisits
        local = {
            Path(member).name: stack.enter_context(path.open("rb")) for member, path in members
        }
        _add_originals(cdxj, local, find, originals)
    return originals


def _add_originals(
    cdxj: list[str], local: Mapping[str, BinaryIO], find: OriginalFinder, originals: _Originals
) -> None:
    for line in cdxj:
        _, timestamp, data = cdxj_line(line)
        if data.get("mime") != "warc/revisit" or data.get("filename") not in local:
            continue
        target = _refers_to(local[data["filename"]], int(data["offset"]), int(data["length"]))
        if target is None:
            continue
        original = find(*target)
        if original is not None and original.fields.get("filename") not in local:
            originals.add((data["url"], timestamp), original)
        elif original is not None:
            originals.by_revisit[(data["url"], timestamp)] = original.fields


def _zip_info(name: str, when: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    # WARCs are gzip already: stored, not deflated
    info.compress_type = zipfile.ZIP_STORED if name.endswith(".gz") else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_wacz(storage: Storage, crawl: CrawlPackage, find: OriginalFinder, out: Path) -> None:
    """Write the crawl as a WACZ file at ``out``: its WARCs (and the originals its revisits
    need), one merged CDXJ index, pages.jsonl, and datapackage.json with each file's SHA-256."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        members, cdxj = _fetch(storage, crawl, folder)
        originals = _with_originals(members, cdxj, find, folder, crawl.crawl_id)
        if originals.lines:
            members.append((f"archive/{originals.name}", originals.path))
            cdxj += originals.lines
        cdxj.sort()
        index = folder / "index.cdx"  # CDXJ lines; the WACZ spec (and pywb) name it .cdx
        index.write_text("".join(line + "\n" for line in cdxj), encoding="utf-8")
        pages = _pages(cdxj, originals.by_revisit, crawl.titles)
        header = {"format": "json-pages-1.0", "id": "pages", "title": "All pages"}
        pages_file = folder / "pages.jsonl"
        pages_file.write_text(
            "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in [header, *pages]),
            encoding="utf-8",
        )
        members += [("indexes/index.cdx", index), ("pages/pages.jsonl", pages_file)]
        main = _main_page(pages, crawl.manifest)
        package = {
            "profile": "data-package",
            "wacz_version": "1.1.1",
            "title": f"Crawl {crawl.crawl_id}",
            "description": f"Job {crawl.job}, {_iso(crawl.started_at)} to "
            f"{_iso(crawl.finished_at)}",
            "created": _iso(crawl.finished_at),
            "software": f"news-archive-crawler {__version__}",
            "mainPageURL": main["url"] if main else None,
            "mainPageDate": main["ts"] if main else None,
            "resources": [_resource(name, path) for name, path in members],
        }
        package_bytes = json.dumps(package, indent=2).encode()
        digest = {
            "path": "datapackage.json",
            "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest(),
        }
        with zipfile.ZipFile(out, "w") as wacz:
            for name, path in members:
                with (
                    path.open("rb") as source,
                    wacz.open(_zip_info(name, as_utc(crawl.finished_at)), "w") as target,
                ):
                    while chunk := source.read(1 << 20):
                        target.write(chunk)
            wacz.writestr(_zip_info("datapackage.json", as_utc(crawl.finished_at)), package_bytes)
            wacz.writestr(
                _zip_info("datapackage-digest.json", as_utc(crawl.finished_at)),
                json.dumps(digest, indent=2),
            )


def _resource(name: str, path: Path) -> dict[str, Any]:
    size, sha = file_digest(path)
    return {"name": Path(name).name, "path": name, "hash": f"sha256:{sha}", "bytes": size}
