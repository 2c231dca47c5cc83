"""``crawler verify | pull | reextract | replay | pywb-sync``: check, fetch, rebuild and
replay stored crawls."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawler.cli.arguments import positive_int
from crawler.config import Settings
from crawler.jobs.models import DEFAULT_STORAGE

__all__ = ["add_archive_commands"]

_STORAGE_HELP = (
    "where the crawl is: file://PATH or s3://bucket/prefix "
    f"(env CRAWLER_STORAGE_URL, else {DEFAULT_STORAGE})"
)


def _progress(line: str) -> None:
    print(f"  {line}", file=sys.stderr)


def _cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.archive.storage import StorageError, open_storage
    from crawler.archive.verify import dumps, pull_crawl, verify_crawl

    try:
        storage = open_storage(settings.storage(args.storage), settings.s3)
    except StorageError as exc:
        print(f"crawler {args.command}: {exc}", file=sys.stderr)
        return 2
    if args.command == "pull":
        check = pull_crawl(storage, args.crawl, Path(args.dest), _progress)
    else:
        check = verify_crawl(storage, args.crawl, _progress)
    print(dumps(check) if args.json else "\n".join(check.lines()))
    verdict = "verified" if check.ok else "FAILED"
    where = f" into {Path(args.dest) / 'crawls' / args.crawl}" if args.command == "pull" else ""
    print(f"{args.crawl}: {verdict}{where}", file=sys.stderr)
    return 0 if check.ok else 1


def _cmd_reextract(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.archive.storage import StorageError, open_storage
    from crawler.articles.extract import ExtractOptions
    from crawler.articles.reextract import reextract_crawl

    try:
        storage = open_storage(settings.storage(args.storage), settings.s3)
        out = Path(args.out) if args.out else None
        options = ExtractOptions(speedups=settings.speedups)
        report = reextract_crawl(storage, args.crawl, args.workers, out, _progress, options)
    except (StorageError, ValueError) as exc:
        print(f"crawler reextract: {args.crawl}: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0 if report.identical_all or not report.same_extractor else 1


def _cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.archive.storage import StorageError, open_storage
    from crawler.crawl.replay import replay_crawl
    from crawler.jobs.jobfile import JobFileError, load_job

    try:
        job = load_job(args.job)
        storage = open_storage(settings.storage(args.storage), settings.s3)
        out = Path(args.out) if args.out else None
        result = replay_crawl(job, storage, args.from_crawl, settings.s3, out)
    except (JobFileError, StorageError, ValueError) as exc:
        print(f"crawler replay: {exc}", file=sys.stderr)
        return 2
    print("\n".join(result.lines()))
    return 0 if result.same else 1


def _cmd_pywb_sync(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.archive.pywb_collection import add_crawl, add_every_crawl
    from crawler.archive.storage import StorageError, open_storage

    collection = Path(args.collection)
    try:
        storage = open_storage(settings.storage(args.storage), settings.s3)
        if args.crawl:
            added, problems = int(add_crawl(storage, args.crawl, collection)), list[str]()
        else:
            added, problems = add_every_crawl(storage, collection)
    except (StorageError, ValueError, OSError) as exc:
        print(f"crawler pywb-sync: {collection}: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"crawler pywb-sync: {problem}", file=sys.stderr)
    print(f"{collection}: {added} crawl(s) added", file=sys.stderr)
    return 1 if problems else 0


def add_archive_commands(sub: Any) -> None:
    for name, what in (
        ("verify", "check a stored crawl: every file against the manifest, every WARC record"),
        ("pull", "download a crawl and check every file against its manifest"),
    ):
        check = sub.add_parser(name, help=what)
        check.add_argument("crawl", help="crawl id (crawls/<id>/ in the storage)")
        check.add_argument("--storage", help=_STORAGE_HELP)
        check.add_argument("--json", action="store_true", help="the report as JSON")
        if name == "pull":
            check.add_argument("--dest", required=True, help="folder to download into")
        check.set_defaults(func=_cmd_verify)
    reextract = sub.add_parser(
        "reextract", help="rebuild a crawl's articles from its WARCs and compare with the stored"
    )
    reextract.add_argument("crawl", help="crawl id")
    reextract.add_argument("--storage", help=_STORAGE_HELP)
    reextract.add_argument("--out", help="write the rebuilt articles (JSON lines) here")
    reextract.add_argument("--workers", type=positive_int, default=2, help="extraction processes")
    reextract.set_defaults(func=_cmd_reextract)
    replay = sub.add_parser(
        "replay", help="run a job offline against a stored crawl; compare the articles found"
    )
    replay.add_argument("job", help="job file (YAML)")
    replay.add_argument("--from", dest="from_crawl", required=True, help="crawl id to replay")
    replay.add_argument("--storage", help=_STORAGE_HELP)
    replay.add_argument("--out", help="write the articles found (JSON lines) here")
    replay.set_defaults(func=_cmd_replay)
    sync = sub.add_parser(
        "pywb-sync",
        help="add stored crawls to a pywb collection (WARCs and CDXJ), so that pywb replays them",
    )
    sync.add_argument("collection", help="the collection folder (…/collections/<name>)")
    sync.add_argument("--crawl", help="only this crawl (default: every stored crawl not there)")
    sync.add_argument("--storage", help=_STORAGE_HELP)
    sync.set_defaults(func=_cmd_pywb_sync)
