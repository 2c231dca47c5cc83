"""One crawl's archive: WARC files in a local spool, CDXJ per WARC, manifest, upload.

Layout, the same in the spool and in storage (keys under ``crawls/<crawl-id>/``)::

    warc/<prefix>-<timestamp>-<serial>-<host>.warc.gz
    index/<same name>.cdxj
    manifest.json            (written and uploaded last)

The spool also keeps ``.state/`` (storage URL, files closed so far, the resume journal and
the request frontier) so that files left by a crawl whose uploads failed are uploaded at the
next start (:func:`resume_pending`), and so that a crawl stopped early can be resumed: a
resumed archive (``resume=True``) repairs what a killed attempt left, lists the earlier
attempts' files in its manifest, and stores what they had not stored yet.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from crawler.archive.cdxj import index_warc, write_index
from crawler.archive.layout import FINISHED, MANIFEST, STATE, crawl_key
from crawler.archive.manifest import FileEntry, Manifest, build_manifest
from crawler.archive.repair import repair_warc, salvage_lines
from crawler.archive.storage import Storage, StorageError, file_digest
from crawler.archive.uploader import Upload, Uploader
from crawler.archive.warc import RotatingWarcWriter, WarcInfo

__all__ = ["CrawlArchive", "CrawlBusyError", "crawl_dir_busy", "resume_pending"]

logger = logging.getLogger(__name__)


class CrawlBusyError(RuntimeError):
    """Another process is writing this crawl's spool folder."""


def _lock(crawl_dir: Path) -> IO[str] | None:
    """An exclusive lock on the crawl's spool folder, held until the handle is closed (or the
    process dies, even by SIGKILL); None if another process holds it."""
    (crawl_dir / STATE).mkdir(parents=True, exist_ok=True)
    handle = (crawl_dir / STATE / "lock").open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def crawl_dir_busy(crawl_dir: Path) -> bool:
    """Whether a live process is writing this crawl (its spool folder is locked)."""
    handle = _lock(crawl_dir)
    if handle is None:
        return True
    handle.close()
    return False


def _remove_if_done(crawl_dir: Path) -> Callable[[], None]:
    """After the manifest (queued last) is stored: drop the crawl's spool folder if empty."""

    def remove() -> None:
        leftovers = [p for p in crawl_dir.rglob("*") if p.is_file() and STATE not in p.parts]
        if not leftovers:
            shutil.rmtree(crawl_dir, ignore_errors=True)
            with contextlib.suppress(OSError):
                crawl_dir.parent.rmdir()  # the spool itself, once empty

    return remove


@dataclass
class CrawlArchive:
    """Writes, indexes and uploads one crawl. Used by the Scrapy capture extension."""

    crawl_id: str
    spool: Path
    storage: Storage
    uploader: Uploader
    prefix: str
    warcinfo: WarcInfo
    max_warc_size: int
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    files: list[FileEntry] = field(default_factory=list)
    resume: bool = False
    """Continue a crawl stopped early (same crawl id): see the module docstring."""
    writer: RotatingWarcWriter = field(init=False)
    _finalizers: list[Callable[[], None]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.dir = self.spool / self.crawl_id
        state = self.dir / STATE
        state.mkdir(parents=True, exist_ok=True)
        lock = _lock(self.dir)
        if lock is None:
            raise CrawlBusyError(f"crawl {self.crawl_id} is being written by another process")
        self._lock_handle = lock
        if self.resume:
            self._take_over_earlier_attempts()
        (state / "storage.json").write_text(
            json.dumps({"storage": self.storage.url, "crawl_id": self.crawl_id}), "utf-8"
        )
        self.writer = RotatingWarcWriter(
            directory=self.dir / "warc",
            prefix=self.prefix,
            warcinfo=self.warcinfo,
            max_size=self.max_warc_size,
            on_close=self._warc_closed,
            index_dir=self.dir / STATE,
        )

    def _take_over_earlier_attempts(self) -> None:
        listed = self.dir / STATE / "files.jsonl"
        if listed.is_file():
            earlier = [
                FileEntry.model_validate_json(line)
                for line in listed.read_text("utf-8").splitlines()
                if line.strip()
            ]
        else:  # resumed on another machine: what the earlier attempt's manifest lists
            earlier = self._stored_manifest_files()
        self.files = list({entry.path: entry for entry in earlier}.values())
        known = {entry.path for entry in self.files}
        for entry in self.files:  # listed but not stored yet: store now
            local = self.dir / entry.path
            if local.is_file():
                key = crawl_key(self.crawl_id, entry.path)
                self.uploader.submit(Upload(local, key, self.storage))
        for closed in sorted((self.dir / "warc").glob("*.warc.gz")):
            if closed.relative_to(self.dir).as_posix() not in known:  # killed while indexing
                self._warc_closed(closed)
        for leftover in sorted((self.dir / "warc").glob("*.warc.gz.open")):
            self._warc_closed(repair_warc(leftover).path)
        for articles in sorted((self.dir / "articles").glob("*.jsonl.gz")):
            if articles.relative_to(self.dir).as_posix() not in known:
                kept = salvage_lines(articles)
                logger.info(
                    "%s: %d article lines kept from the earlier attempt", articles.name, kept
                )
                self.add_file(articles, "articles")
        (self.dir / MANIFEST).unlink(missing_ok=True)
        logger.info(
            "resuming crawl %s: %d file(s) from earlier attempts", self.crawl_id, len(self.files)
        )

    def _stored_manifest_files(self) -> list[FileEntry]:
        try:
            raw = self.storage.read_bytes(crawl_key(self.crawl_id, MANIFEST))
        except StorageError:
            return []
        return Manifest.model_validate_json(raw).files

    def add_file(self, path: Path, kind: str) -> None:
        """List a finished file of the crawl (in the manifest) and queue its upload."""
        relative = path.relative_to(self.dir).as_posix()
        size, sha256 = file_digest(path)
        entry = FileEntry(path=relative, kind=kind, size=size, sha256=sha256)
        # a resumed crawl rewrites its summary files: the latest version is the one listed
        self.files = [f for f in self.files if f.path != relative] + [entry]
        with (self.dir / STATE / "files.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(entry.model_dump_json() + "\n")
        self.uploader.submit(Upload(path, crawl_key(self.crawl_id, relative), self.storage))

    def _warc_closed(self, path: Path, lines: Path | None = None) -> None:
        """Index a closed WARC (from the lines its writer collected, or by reading it), list
        both files and queue their upload."""
        index = self.dir / "index" / (path.name.removesuffix(".warc.gz") + ".cdxj")
        if lines is None:
            index_warc(path, index)
        else:
            write_index(lines, index)
        self.add_file(path, "warc")
        self.add_file(index, "cdxj")
        logger.info("closed %s (%d bytes)", path.name, self.files[-2].size)

    @property
    def warc_count(self) -> int:
        """WARC files closed so far."""
        return sum(1 for entry in self.files if entry.kind == "warc")

    def release(self) -> None:
        """Give up the spool folder's lock (a crawl process keeps it until it exits)."""
        self._lock_handle.close()

    def before_finish(self, finalizer: Callable[[], None]) -> None:
        """Have :meth:`finish` call ``finalizer`` first: the place for files that summarise the
        crawl (articles, summary, clusters) to be added (:meth:`add_file`) so that the manifest
        lists them. Finalizers run in the order they were given."""
        self._finalizers.append(finalizer)

    def stored_json(self, relative: str) -> Any:
        """A JSON file that an earlier attempt of this resumed crawl stored (None if none)."""
        if not self.resume:
            return None
        try:
            return json.loads(self.storage.read_bytes(crawl_key(self.crawl_id, relative)))
        except (StorageError, ValueError):
            return None

    def finish(self, job: dict[str, Any], stats: Callable[[], Mapping[str, Any]]) -> Path:
        """End the crawl's archive, in this order: the finalizers (:meth:`before_finish`), the
        open WARC closed (and indexed), then the manifest, with ``stats()`` as they are then,
        written and queued last. Returns the manifest's spool path."""
        for finalizer in self._finalizers:
            finalizer()
        self.writer.close()
        stats_now = {**stats(), "archive/warc/files": self.warc_count}
        manifest = build_manifest(
            crawl_id=self.crawl_id,
            job=job,
            started_at=self.started_at,
            finished_at=datetime.now(UTC),
            stats=stats_now,
            files=self.files,
        )
        path = self.dir / MANIFEST
        path.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
        # stopped early: the spool keeps what a resume needs (.state)
        after = _remove_if_done(self.dir) if stats_now.get("finish_reason") in FINISHED else None
        self.uploader.submit(Upload(path, crawl_key(self.crawl_id, MANIFEST), self.storage, after))
        return path


def resume_pending(
    spool: Path,
    uploader: Uploader,
    open_storage: Callable[[str], Storage],
    skip: str | None = None,
) -> int:
    """Queue files that earlier crawls left in the spool (failed uploads). Returns the count.

    Files of each crawl are queued WARCs and indexes first, the manifest last. ``*.open``
    files (a crawl killed mid-write) are left for repair (``crawler runs resume``) and
    reported. The crawl ``skip`` (being resumed in this process) is left to its archive.
    """
    queued = 0
    if not spool.is_dir():
        return 0
    crawl_dirs = [
        p
        for p in spool.iterdir()
        if (p / STATE / "storage.json").is_file() and p.name != skip and not crawl_dir_busy(p)
    ]
    for crawl_dir in sorted(crawl_dirs):
        state = json.loads((crawl_dir / STATE / "storage.json").read_text("utf-8"))
        files = sorted(
            (p for p in crawl_dir.rglob("*") if p.is_file() and STATE not in p.parts),
            key=lambda p: (p.name == MANIFEST, p.as_posix()),
        )
        unfinished = [p for p in files if p.name.endswith((".open", ".partial"))]
        for path in unfinished:
            logger.warning("%s: left unfinished by an interrupted crawl; not uploaded", path)
        files = [p for p in files if p not in unfinished]
        if not files:
            continue
        storage = open_storage(state["storage"])
        for path in files:
            relative = path.relative_to(crawl_dir).as_posix()
            after = _remove_if_done(crawl_dir) if path.name == MANIFEST else None
            uploader.submit(Upload(path, crawl_key(state["crawl_id"], relative), storage, after))
            queued += 1
        logger.info("resuming %d pending upload(s) of crawl %s", len(files), state["crawl_id"])
    return queued
