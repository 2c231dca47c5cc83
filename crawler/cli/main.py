"""The ``crawler`` command: its parser and entry point (one module per command group)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from crawler import __version__

__all__ = ["main"]


def _summary(result: object) -> str:
    from crawler.crawl.run import CrawlResult

    assert isinstance(result, CrawlResult)
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


def _path_or_none(value: str | None) -> Path | None:
    return Path(value) if value else None


def _run(job_storage: str | None, job: object, args: argparse.Namespace) -> int:
    from crawler.articles.pool import start_forkserver

    start_forkserver()  # before the imports below (Scrapy...): they then overlap its own
    from crawler.archive.layout import new_crawl_id
    from crawler.config import default_spool, s3_options_from_env
    from crawler.crawl.components.progress import counters, write_status
    from crawler.crawl.options import RunOptions
    from crawler.crawl.run import run_crawl
    from crawler.jobs.models import Job

    assert isinstance(job, Job)
    if getattr(args, "resume", False) and not args.crawl_id:
        print(
            "crawler crawl: --resume needs the --crawl-id of the crawl to resume", file=sys.stderr
        )
        return 2
    storage_url = job_storage or job.storage
    status_file = _path_or_none(getattr(args, "status_file", None))
    options = RunOptions(
        crawl_id=args.crawl_id or new_crawl_id(job.name),
        storage_url=storage_url,
        spool_dir=Path(args.spool) if args.spool else default_spool(storage_url),
        s3=s3_options_from_env(),
        progress_interval=args.progress,
        upload_wait=args.upload_wait,
        status_file=status_file,
        resume=getattr(args, "resume", False),
        previous_captures=_path_or_none(getattr(args, "previous_captures", None)),
        captures_out=_path_or_none(getattr(args, "captures_out", None)),
    )
    result = run_crawl(job, options)
    if status_file is not None:
        write_status(
            status_file,
            {
                "counters": counters(result.stats, result.pending_uploads),
                "files": [f.path for f in result.files],
                "final": True,
                "ok": result.ok,
                "finish_reason": result.stats.get("finish_reason"),
                "error": result.stats.get("archive/error", ""),
                "pending_uploads": result.pending_uploads,
            },
        )
    print(_summary(result))
    return 0 if result.ok and not result.pending_uploads else 1


def _cmd_demo(args: argparse.Namespace) -> int:
    from crawler.demo.server import DemoSite, demo_job

    storage = args.storage or "file://./archive"
    with DemoSite() as site:
        print(f"Demo news site on {site.base_url}/ ; crawling it into {storage}", file=sys.stderr)
        return _run(storage, demo_job(site.base_url, storage), args)


def _cmd_demo_site(args: argparse.Namespace) -> int:
    import time

    import yaml

    from crawler.demo.server import DemoSite, demo_job

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


def _cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.jobs.jobfile import JobFileError, load_job

    try:
        job = load_job(args.job)
    except JobFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    return _run(args.storage, job, args)


def _cmd_validate(args: argparse.Namespace) -> int:
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
        print(
            f"{path}: valid job {job.name!r} ({len(seeds.start_pages)} start pages, "
            f"{len(seeds.feeds)} feeds, {len(seeds.sitemaps)} sitemaps; {job.config_hash[:19]})"
        )
    return status


def _cmd_upload(args: argparse.Namespace) -> int:
    from functools import partial

    from crawler.archive.spool import resume_pending
    from crawler.archive.storage import open_storage
    from crawler.archive.uploader import Uploader
    from crawler.config import default_spool, s3_options_from_env

    spool = Path(args.spool) if args.spool else default_spool(args.storage or "file://./archive")
    uploader = Uploader()
    queued = resume_pending(spool, uploader, partial(open_storage, s3=s3_options_from_env()))
    left = uploader.drain(args.wait)
    uploader.stop()
    print(f"{spool}: {queued - left} file(s) stored, {left} still waiting")
    return 1 if left else 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from crawler.archive.storage import StorageError, open_storage
    from crawler.archive.verify import dumps, pull_crawl, verify_crawl
    from crawler.config import s3_options_from_env, storage_url_from_env

    storage_url = storage_url_from_env(args.storage)
    try:
        storage = open_storage(storage_url, s3_options_from_env())
    except StorageError as exc:
        print(f"crawler {args.command}: {exc}", file=sys.stderr)
        return 2

    def progress(line: str) -> None:
        print(f"  {line}", file=sys.stderr)

    if args.command == "pull":
        check = pull_crawl(storage, args.crawl, Path(args.dest), progress)
    else:
        check = verify_crawl(storage, args.crawl, progress)
    print(dumps(check) if args.json else "\n".join(check.lines()))
    verdict = "verified" if check.ok else "FAILED"
    where = f" into {Path(args.dest) / 'crawls' / args.crawl}" if args.command == "pull" else ""
    print(f"{args.crawl}: {verdict}{where}", file=sys.stderr)
    return 0 if check.ok else 1


def _cmd_reextract(args: argparse.Namespace) -> int:
    from crawler.archive.storage import StorageError, open_storage
    from crawler.articles.reextract import reextract_crawl
    from crawler.config import s3_options_from_env, storage_url_from_env

    storage_url = storage_url_from_env(args.storage)
    try:
        storage = open_storage(storage_url, s3_options_from_env())
        report = reextract_crawl(
            storage,
            args.crawl,
            args.workers,
            Path(args.out) if args.out else None,
            lambda line: print(f"  {line}", file=sys.stderr),
        )
    except (StorageError, ValueError) as exc:
        print(f"crawler reextract: {args.crawl}: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0 if report.identical_all or not report.same_extractor else 1


def _cmd_replay(args: argparse.Namespace) -> int:
    from crawler.archive.storage import StorageError, open_storage
    from crawler.config import s3_options_from_env, storage_url_from_env
    from crawler.crawl.replay import replay_crawl
    from crawler.jobs.jobfile import JobFileError, load_job

    storage_url = storage_url_from_env(args.storage)
    try:
        job = load_job(args.job)
        s3 = s3_options_from_env()
        result = replay_crawl(
            job,
            open_storage(storage_url, s3),
            args.from_crawl,
            s3,
            Path(args.out) if args.out else None,
        )
    except (JobFileError, StorageError, ValueError) as exc:
        print(f"crawler replay: {exc}", file=sys.stderr)
        return 2
    print("\n".join(result.lines()))
    return 0 if result.same else 1


def _cmd_extract(args: argparse.Namespace) -> int:
    from crawler.articles.evaluation import EvaluationError, evaluate_folder
    from crawler.articles.extract import ExtractOptions
    from crawler.articles.standalone import (
        ExtractError,
        extract_file,
        fetch_url,
        standalone_article,
    )
    from crawler.jobs.addresses import AddressPolicy
    from crawler.jobs.jobfile import JobFileError, load_job
    from crawler.jobs.models import Identity

    options = ExtractOptions()
    try:
        if args.eval:
            print(evaluate_folder(Path(args.eval), workers=args.workers))
            return 0
        topic = load_job(args.job).topic if args.job else None
        if args.url and args.files:
            raise ExtractError("give files or --url, not both")
        if not (args.url or args.files):
            raise ExtractError("nothing to extract: give HTML files, --url URL or --eval DIR")
        policy = AddressPolicy.from_strings(False, args.allow_network or [])
        pages = (
            [(args.url, fetch_url(args.url, policy, Identity().user_agent))]
            if args.url
            else [(f, None) for f in args.files]
        )
    except (ExtractError, EvaluationError, JobFileError) as exc:
        print(f"crawler extract: {exc}", file=sys.stderr)
        return 2
    status = 0
    for source, fetched in pages:
        try:
            if fetched is not None:
                from crawler.articles.extract import extract_page

                url = str(source)
                result = extract_page(fetched[0], url, fetched[1], options=options)
            else:
                url = args.base_url or Path(source).resolve().as_uri()
                result = extract_file(Path(source), url, options)
        except ExtractError as exc:
            print(f"crawler extract: {exc}", file=sys.stderr)
            status = 2
            continue
        if not result["is_article"]:
            print(
                f"crawler extract: {source}: not an article ({result['reason']})", file=sys.stderr
            )
        article = standalone_article(result, url, options, topic)
        print(article.model_dump_json(exclude={"extractor"} if args.short else None))
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crawler", description="Archival crawler for news coverage (WARC/1.1)."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's own INFO logs")
    sub = parser.add_subparsers(dest="command", required=True)

    def crawl_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--storage", help="file://PATH or s3://bucket/prefix (overrides the job)")
        p.add_argument("--spool", help="local folder for WARCs before upload")
        p.add_argument("--crawl-id", help="crawl identifier (default: <job>-<UTC time>-<hex>)")
        p.add_argument("--progress", type=float, default=5.0, help="seconds between progress lines")
        p.add_argument(
            "--upload-wait",
            type=float,
            default=float(os.environ.get("CRAWLER_UPLOAD_WAIT", "120")),
            help="seconds to wait for uploads at the end; the rest stays in the spool "
            "(env CRAWLER_UPLOAD_WAIT)",
        )

    demo = sub.add_parser("demo", help="serve the bundled news site on loopback and archive it")
    crawl_options(demo)
    demo.set_defaults(func=_cmd_demo)
    demo_site = sub.add_parser(
        "demo-site", help="serve the bundled news site on loopback and write a job file for it"
    )
    demo_site.add_argument("--port", type=int, default=8081)
    demo_site.add_argument("--job-file", default="demo-job.yaml", help="where to write the job")
    demo_site.add_argument("--storage", default="file://./archive", help="storage in the job")
    demo_site.set_defaults(func=_cmd_demo_site)
    crawl = sub.add_parser("crawl", help="run one crawl of a job file")
    crawl.add_argument("job", help="job file (YAML)")
    crawl_options(crawl)
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
    extract = sub.add_parser(
        "extract", help="print Article JSON of HTML files (one per line), or score a benchmark"
    )
    extract.add_argument("files", nargs="*", help="HTML files (.html or .html.gz)")
    extract.add_argument("--url", help="fetch this URL and extract it (address safety applies)")
    extract.add_argument("--base-url", help="the URL the files were served from")
    extract.add_argument("--job", help="job file whose topic scores relevance")
    extract.add_argument("--eval", metavar="DIR", help="score a folder in scrapinghub-aeb layout")
    extract.add_argument("--workers", type=int, default=2, help="processes for --eval")
    extract.add_argument("--allow-network", action="append", help="CIDR allowed for --url")
    extract.add_argument("--short", action="store_true", help="omit the extractor block")
    extract.set_defaults(func=_cmd_extract)
    for name, what in (
        ("verify", "check a stored crawl: every file against the manifest, every WARC record"),
        ("pull", "download a crawl and check every file against its manifest"),
    ):
        check = sub.add_parser(name, help=what)
        check.add_argument("crawl", help="crawl id (crawls/<id>/ in the storage)")
        check.add_argument(
            "--storage",
            help="file://PATH or s3://bucket/prefix (env CRAWLER_STORAGE_URL; default file://./archive)",
        )
        check.add_argument("--json", action="store_true", help="the report as JSON")
        if name == "pull":
            check.add_argument("--dest", required=True, help="folder to download into")
        check.set_defaults(func=_cmd_verify)
    reextract = sub.add_parser(
        "reextract", help="rebuild a crawl's articles from its WARCs and compare with the stored"
    )
    reextract.add_argument("crawl", help="crawl id")
    reextract.add_argument("--storage", help="where the crawl is (env CRAWLER_STORAGE_URL)")
    reextract.add_argument("--out", help="write the rebuilt articles (JSON lines) here")
    reextract.add_argument("--workers", type=int, default=2, help="extraction processes")
    reextract.set_defaults(func=_cmd_reextract)
    replay = sub.add_parser(
        "replay", help="run a job offline against a stored crawl; compare the articles found"
    )
    replay.add_argument("job", help="job file (YAML)")
    replay.add_argument("--from", dest="from_crawl", required=True, help="crawl id to replay")
    replay.add_argument("--storage", help="where the crawl is (env CRAWLER_STORAGE_URL)")
    replay.add_argument("--out", help="write the articles found (JSON lines) here")
    replay.set_defaults(func=_cmd_replay)
    upload = sub.add_parser("upload", help="store files left in the spool by earlier crawls")
    upload.add_argument("--storage", help="storage URL whose default spool to use")
    upload.add_argument("--spool", help="spool folder")
    upload.add_argument("--wait", type=float, default=600.0, help="seconds to keep trying")
    upload.set_defaults(func=_cmd_upload)

    from crawler.cli.client import add_client_commands
    from crawler.cli.service import add_service_commands

    add_service_commands(sub)
    add_client_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from crawler.cli.logs import configure_logging
    from crawler.process import fix_mmap_threshold

    fix_mmap_threshold()
    args = _parser().parse_args(argv)
    if getattr(args, "stop_with_parent", None):
        from crawler.process import stop_with_parent

        stop_with_parent(args.stop_with_parent)
    configure_logging(args.verbose)
    from crawler.service.errors import ConfigurationError, ServiceError

    try:
        status: int = args.func(args)
    except ConfigurationError as exc:
        print(f"crawler {args.command}: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        problems = "".join(
            f"\n  {field or '(body)'}: {message}" for field, _, message in exc.problems
        )
        print(f"crawler {args.command}: {exc.message}{problems}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
