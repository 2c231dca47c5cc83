"""Verify a stored crawl (``crawler verify``) and fetch a verified copy (``crawler pull``).

- every file the manifest lists is present, with its size and SHA-256;
- every WARC is checked record by record: each gzip member complete and nothing after the
  last, every record readable to its end by warcio, block and payload digests recomputed;
- files under the crawl's prefix that the manifest does not list are reported.

``warcio check`` alone would pass a WARC whose last gzip member is cut: the member scan is
what catches it.
"""

from __future__ import annotations

import json
import logging
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.archive.layout import crawl_key
from crawler.archive.reader import load_manifest
from crawler.archive.repair import scan_members
from crawler.archive.storage import Storage, StorageError, file_digest

__all__ = ["CrawlCheck", "FileCheck", "check_warc", "dumps", "pull_crawl", "verify_crawl"]

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20


@dataclass
class FileCheck:
    path: str
    """Relative to the crawl folder (``warc/...``)."""
    problems: list[str] = field(default_factory=list)
    records: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class CrawlCheck:
    crawl_id: str
    files: list[FileCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Problems of the crawl as a whole (no manifest, unlisted files)."""

    @property
    def ok(self) -> bool:
        return not self.problems and all(f.ok for f in self.files)

    def lines(self) -> list[str]:
        out = [f"{self.crawl_id}: {message}" for message in self.problems]
        for check in self.files:
            what = f" ({check.records} records)" if check.records else ""
            state = "ok" if check.ok else "FAILED: " + "; ".join(check.problems)
            out.append(f"{check.path}{what}: {state}")
        return out


def check_warc(path: Path) -> FileCheck:
    """Check one local WARC file strictly (see the module docstring)."""
    check = FileCheck(path.name)
    scan = scan_members(path)
    if scan.stop:
        check.problems.append(f"gzip member at offset {scan.end} is {scan.stop}")
    with path.open("rb") as handle:
        records = ArchiveIterator(handle, check_digests="raise")
        try:
            for record in records:
                while record.raw_stream.read(_CHUNK):
                    pass
                check.records += 1
        except (ArchiveLoadFailed, ValueError, OSError, EOFError, zlib.error) as exc:
            offset = records.get_record_offset()
            check.problems.append(f"record {check.records + 1} (offset {offset}): {exc}")
    return check


@contextmanager
def _local_copy(storage: Storage, key: str, into: Path | None) -> Iterator[Path]:
    """The object at ``key`` as a local file: kept at ``into``, or a temporary one."""
    if into is not None:
        into.parent.mkdir(parents=True, exist_ok=True)
        storage.get(key, into)
        yield into
        return
    with tempfile.TemporaryDirectory() as scratch:
        local = Path(scratch) / "object"
        storage.get(key, local)
        yield local


def _check_crawl(
    storage: Storage,
    crawl_id: str,
    dest: Path | None,
    progress: Callable[[str], None],
) -> CrawlCheck:
    result = CrawlCheck(crawl_id)
    manifest_key = crawl_key(crawl_id, "manifest.json")
    try:
        manifest = load_manifest(storage, crawl_id)
    except StorageError as exc:
        result.problems.append(f"no manifest: {exc}")
        return result
    except ValueError as exc:
        result.problems.append(f"manifest.json is not a valid manifest: {exc}")
        return result
    if dest is not None:
        target = dest / "crawls" / crawl_id / "manifest.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    listed = {entry.path for entry in manifest.files}
    for number, entry in enumerate(manifest.files, 1):
        progress(f"[{number}/{len(manifest.files)}] {entry.path}")
        check = FileCheck(entry.path)
        result.files.append(check)
        local_path = dest / "crawls" / crawl_id / entry.path if dest is not None else None
        try:
            with _local_copy(storage, crawl_key(crawl_id, entry.path), local_path) as local:
                size, sha256 = file_digest(local)
                if (size, sha256) != (entry.size, entry.sha256):
                    check.problems.append(
                        f"differs from the manifest: {size} bytes, sha256 {sha256} "
                        f"(manifest: {entry.size} bytes, {entry.sha256})"
                    )
                if entry.kind == "warc":
                    warc = check_warc(local)
                    check.records = warc.records
                    check.problems += warc.problems
        except StorageError as exc:
            check.problems.append(f"missing or unreadable: {exc}")
    prefix = crawl_key(crawl_id, "")
    unlisted = [
        key.removeprefix(prefix)
        for key in storage.keys(prefix.rstrip("/"))
        if key.startswith(prefix) and key.removeprefix(prefix) not in listed and key != manifest_key
    ]
    if unlisted:
        result.problems.append("files not in the manifest: " + ", ".join(sorted(unlisted)))
    return result


def verify_crawl(
    storage: Storage, crawl_id: str, progress: Callable[[str], None] = logger.info
) -> CrawlCheck:
    """Check a stored crawl against its manifest (nothing is kept locally)."""
    return _check_crawl(storage, crawl_id, None, progress)


def pull_crawl(
    storage: Storage, crawl_id: str, dest: Path, progress: Callable[[str], None] = logger.info
) -> CrawlCheck:
    """Download a crawl to ``dest/crawls/<crawl id>/`` and check every file as it lands.
    A failed pull leaves what it fetched in place, for inspection."""
    return _check_crawl(storage, crawl_id, dest, progress)


def dumps(check: CrawlCheck) -> str:
    """The check as JSON (``--json``)."""
    return json.dumps(
        {
            "crawl_id": check.crawl_id,
            "ok": check.ok,
            "problems": check.problems,
            "files": [
                {"path": f.path, "ok": f.ok, "records": f.records, "problems": f.problems}
                for f in check.files
            ],
        },
        indent=2,
    )
