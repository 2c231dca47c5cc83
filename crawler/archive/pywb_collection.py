"""A pywb collection kept in step with the archive, so that pywb replays every stored crawl
with no manual ``wb-manager`` step (the compose stack's ``pywb`` service reads it).

Layout (pywb's defaults for a collection folder)::

    <collection>/archive/<crawl_id>/<file>.warc.gz    the crawl's WARCs, as stored
    <collection>/indexes/<crawl_id>.cdxj              its CDXJ, filenames <crawl_id>/<file>

pywb merges every ``indexes/*.cdxj`` at query time, so a crawl's revisits resolve to the
records of earlier crawls of the collection. A crawl is added WARCs first (each file
checked against the manifest's SHA-256), index last and atomically (a temporary name,
then a rename): pywb never sees an index whose records are not there yet. Adding a crawl
that is already there changes nothing.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from crawler.archive.cdxj import cdxj_line
from crawler.archive.layout import MANIFEST, crawl_key
from crawler.archive.reader import load_manifest
from crawler.archive.storage import Storage, StorageError, file_digest

__all__ = ["add_crawl", "add_every_crawl", "stored_crawls"]

logger = logging.getLogger(__name__)


def stored_crawls(storage: Storage) -> list[str]:
    """The ids of the crawls whose manifest is in ``storage`` (finished crawls)."""
    suffix = "/" + MANIFEST
    return sorted(
        key.split("/")[1]
        for key in storage.keys("crawls/")
        if key.endswith(suffix) and key.count("/") == 2
    )


def add_crawl(storage: Storage, crawl_id: str, collection: Path) -> bool:
    """Add one stored crawl to the collection; False if it was there already."""
    index = collection / "indexes" / f"{crawl_id}.cdxj"
    if index.exists():
        return False
    manifest = load_manifest(storage, crawl_id)
    folder = collection / "archive" / crawl_id
    folder.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    for entry in manifest.files:
        key = crawl_key(crawl_id, entry.path)
        if entry.kind == "warc":
            local = folder / Path(entry.path).name
            if not local.exists() or file_digest(local)[1] != entry.sha256:
                storage.get(key, local)
                if file_digest(local)[1] != entry.sha256:
                    raise StorageError(f"{key}: the copy in {local} does not match the manifest")
        elif entry.kind == "cdxj":
            for line in storage.read_bytes(key).decode("utf-8").splitlines():
                if line.strip():
                    lines.append(_renamed(line, crawl_id))
    index.parent.mkdir(parents=True, exist_ok=True)
    partial = index.with_name(f".{index.name}.partial")
    partial.write_text("".join(line + "\n" for line in sorted(lines)), encoding="utf-8")
    partial.replace(index)
    logger.info(
        "pywb collection %s: crawl %s added (%d captures)", collection, crawl_id, len(lines)
    )
    return True


def _renamed(line: str, crawl_id: str) -> str:
    """The CDXJ line with its WARC named from the collection's ``archive/`` folder."""
    urlkey, timestamp, fields = cdxj_line(line)
    fields["filename"] = f"{crawl_id}/{fields['filename']}"
    return f"{urlkey} {timestamp} {json.dumps(fields)}"


def add_every_crawl(storage: Storage, collection: Path) -> tuple[int, list[str]]:
    """Add each stored crawl not yet in the collection: how many were added, and the
    problems of those that could not be (each named; the others are still added)."""
    for folder in ("archive", "indexes"):  # pywb wants both, even empty
        (collection / folder).mkdir(parents=True, exist_ok=True)
    added, problems = 0, []
    for crawl_id in stored_crawls(storage):
        try:
            added += add_crawl(storage, crawl_id, collection)
        except (StorageError, ValueError, OSError) as exc:
            problems.append(f"crawl {crawl_id}: {exc}")
    return added, problems
