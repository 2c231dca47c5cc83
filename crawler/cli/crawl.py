"""``crawler crawl | demo | demo-site | validate | upload``: run and check crawls."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawler.cli.output import crawl_summary
from crawler.config import Settings
from crawler.jobs.models import DEFAULT_STORAGE, Job

__all__ = ["add_crawl_commands"]


def _path_or_none(value: str | None) -> Path | None:
    return Path(value) if value else None


def _run(storage: str | None, job: Job, args: argparse.Namespace, settings: Settings) -> int:
    from crawler.articles.pool import start_forkserver

    start_forkserver()  # before the imports below (Scrapy...): they then overlap its own
    from crawler.archive.layout import new_crawl_id
    from crawler.crawl.options import RunOptions
    from crawler.crawl.run import SpoolError, run_crawl

    resume = getattr(args, "resume", False)
    if resume and not args.crawl_id:
        print(
            "crawler crawl: --resume needs the --crawl-id of the crawl to resume", file=sys.stderr
        )
        return 2
    storage_url = storage or job.storage
    status_file = _path_or_none(getattr(args, "status_file", None))
    options = RunOptions(
        crawl_id=args.crawl_id or new_crawl_id(job.name),
        storage_url=storage_url,
        spool_dir=Path(args.spool) if args.spool else settings.spool_for(storage_url),
        s3=settings.s3,
        progress_interval=args.progress,
        upload_wait=settings.upload_wait if args.upload_wait is None else args.upload_wait,
        status_file=status_file,
        resume=resume,
        previous_captures=_path_or_none(getattr(args, "previous_captures", None)),
        speedups=settings.speedups,
        captures_out=_path_or_none(getattr(args, "captures_out", None)),
    )
    try:
        result = run_crawl(job, options)
    except SpoolError as exc:
        print(f"crawler crawl: {exc}; nothing was fetched", file=sys.stderr)
        return 1
    if status_file is not None:
        result.status().write(status_file)
    print(crawl_summary(result))
    return 0 if result.ok and not result.pending_uploads else 1


def _cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.demo import DemoSite, demo_job

    storage = args.storage or DEFAULT_STORAGE
    with DemoSite() as site:
        print(f"Demo news site on {site.base_url}/ ; crawling it into {storage}", file=sys.stderr)
        return _run(storage, demo_job(site.base_url, storage), args, settings)


def _cmd_demo_site(args: argparse.Namespace, _settings: Settings) -> int:
    import time

    import yaml

    from crawler.demo import DemoSite, demo_job

    try:
        site = DemoSite(port=args.port)
    except OSError as exc:
        print(f"crawler demo-site: port {args.port}: {exc.strerror}; try --port", file=sys.stderr)
        return 2
    with site:
        job = demo_job(site.base_url, args.storage)
        Path(args.job_file).write_text(
            yaml.safe_dump(job.model_dump(mode="json", exclude_none=True), allow_unicode=True),
            encoding="utf-8",
        )
        print(f"demo news site on {site.base_url}/ ; its job file: {args.job_file}")
        print("serving until interrupted (Ctrl-C)", file=sys.stderr)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def _cmd_crawl(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.jobs.jobfile import JobFileError, load_job

    try:
        job = load_job(args.job)
    except JobFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    return _run(args.storage, job, args, settings)


def _cmd_validate(args: argparse.Namespace, _settings: Settings) -> int:
    from crawler.jobs.jobfile import JobFileError, load_job

    status = 0
    for path in args.jobs:
        try:
            job = load_job(path)
        except JobFileError as exc:
            print(exc, file=sys.stderr)
            status = 2
            continue
        seeds = job.seeds
        window = job.window
        print(
            f"{path}: valid job {job.name!r} ({len(seeds.start_pages)} start pages, "
            f"{len(seeds.listings)} listings, {len(seeds.feeds)} feeds, "
            f"{len(seeds.sitemaps)} sitemaps, {len(seeds.archives)} archive indexes; "
            f"window {window.start or '…'} to {window.end or '…'}; focus {job.focus_mode}; "
            f"{job.config_hash[:19]})"
        )
    return status


def _cmd_upload(args: argparse.Namespace, settings: Settings) -> int:
    from functools import partial

    from crawler.archive.spool import resume_pending
    from crawler.archive.storage import open_storage
    from crawler.archive.uploader import Uploader

    spool = Path(args.spool) if args.spool else settings.spool_for(settings.storage(args.storage))
    uploader = Uploader()
    queued = resume_pending(spool, uploader, partial(open_storage, s3=settings.s3))
    left = uploader.drain(args.wait)
    uploader.stop()
    print(f"{spool}: {queued - left} file(s) stored, {left} still waiting")
    return 1 if left else 0


def _crawl_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--storage", help="file://PATH or s3://bucket/prefix (overrides the job)")
    p.add_argument("--spool", help="local folder for WARCs before upload (env CRAWLER_SPOOL_DIR)")
    p.add_argument("--crawl-id", help="crawl identifier (default: <job>-<UTC time>-<hex>)")
    p.add_argument("--progress", type=float, default=5.0, help="seconds between progress lines")
    p.add_argument(
        "--upload-wait",
        type=float,
        help="seconds to wait for uploads at the end; the rest stays in the spool "
        "(env CRAWLER_UPLOAD_WAIT, default 120)",
    )


def add_crawl_commands(sub: Any) -> None:
    demo = sub.add_parser("demo", help="serve the bundled news site on loopback and archive it")
    _crawl_options(demo)
    demo.set_defaults(func=_cmd_demo)
    demo_site = sub.add_parser(
        "demo-site", help="serve the bundled news site on loopback and write a job file for it"
    )
    demo_site.add_argument("--port", type=int, default=8081)
    demo_site.add_argument("--job-file", default="demo-job.yaml", help="where to write the job")
    demo_site.add_argument("--storage", default=DEFAULT_STORAGE, help="storage in the job")
    demo_site.set_defaults(func=_cmd_demo_site)
    crawl = sub.add_parser("crawl", help="run one crawl of a job file")
    crawl.add_argument("job", help="job file (YAML)")
    _crawl_options(crawl)
    crawl.add_argument(
        "--resume",
        action="store_true",
        help="continue the crawl --crawl-id stopped early (its spool and storage are kept)",
    )
    crawl.add_argument("--status-file", help="rewrite this file with live counters (JSON)")
    crawl.add_argument(
        "--previous-captures",
        metavar="FILE",
        help="incremental run: the job's earlier captures (JSON lines, from --captures-out)",
    )
    crawl.add_argument("--captures-out", metavar="FILE", help="list this run's captures here")
    crawl.add_argument(
        "--stop-with-parent",
        type=int,
        metavar="PID",
        help="stop cleanly if process PID, which started this one, dies (workers use it)",
    )
    crawl.set_defaults(func=_cmd_crawl)
    validate = sub.add_parser("validate", help="check job files; errors name field and line")
    validate.add_argument("jobs", nargs="+", help="job files (YAML)")
    validate.set_defaults(func=_cmd_validate)
    upload = sub.add_parser("upload", help="store files left in the spool by earlier crawls")
    upload.add_argument("--storage", help="storage URL whose default spool to use")
    upload.add_argument("--spool", help="spool folder")
    upload.add_argument("--wait", type=float, default=600.0, help="seconds to keep trying")
    upload.set_defaults(func=_cmd_upload)
