"""``crawler replay JOB --from CRAWL``: run the job's spider offline against a stored crawl
(every response read from its WARCs) and compare the articles it finds with the stored ones.

Same spider, same scope, same extraction: a crawl is reproducible if its replay finds the
same set of article URLs. Nothing is archived and nothing goes to the network.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crawler.archive.reader import article_lines, load_manifest
from crawler.archive.storage import S3Options, Storage
from crawler.jobs.models import Job

__all__ = ["ReplayResult", "replay_crawl", "stored_article_urls"]


@dataclass
class ReplayResult:
    crawl_id: str
    replayed: set[str] = field(default_factory=set)
    stored: set[str] = field(default_factory=set)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def same(self) -> bool:
        return self.replayed == self.stored

    def lines(self) -> list[str]:
        out = [
            f"replay of {self.crawl_id}: {len(self.replayed)} articles found, "
            f"{len(self.stored)} stored: " + ("the same set" if self.same else "DIFFERENT sets"),
            f"  responses served from the archive: {self.stats.get('archive/replay/responses', 0)}"
            f", requests for URLs not in it: {self.stats.get('archive/replay/missing', 0)}",
        ]
        out += [f"  only in the replay: {u}" for u in sorted(self.replayed - self.stored)[:20]]
        out += [f"  only in the crawl: {u}" for u in sorted(self.stored - self.replayed)[:20]]
        return out


def stored_article_urls(storage: Storage, crawl_id: str) -> set[str]:
    manifest = load_manifest(storage, crawl_id)
    return {json.loads(line)["url"] for line in article_lines(storage, crawl_id, manifest)}


def replay_crawl(
    job: Job, storage: Storage, crawl_id: str, s3: S3Options, out: Path | None = None
) -> ReplayResult:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.crawl.options import RunOptions
    from crawler.crawl.settings import SPIDER, scrapy_settings

    result = ReplayResult(crawl_id, stored=stored_article_urls(storage, crawl_id))
    with tempfile.TemporaryDirectory() as scratch:
        run = RunOptions(
            crawl_id=f"replay-of-{crawl_id}",
            storage_url=storage.url,
            spool_dir=Path(scratch),
            s3=s3,
            progress_interval=0,
        )
        settings = Settings()
        settings.setmodule("settings.base", priority="project")
        settings.update(scrapy_settings(job, run), priority="cmdline")
        settings.update(
            {
                "ARCHIVE_REPLAY_CRAWL": crawl_id,
                "ARCHIVE_REPLAY_STORAGE": storage.url,
                "ARCHIVE_REPLAY_OUT": str(out or ""),
                "ARCHIVE_S3": asdict(s3),
                "ARCHIVE_JOURNAL": "",
                "ARCHIVE_CAPTURES_OUT": "",
                "JOBDIR": None,
                "DOWNLOAD_DELAY": 0,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                "CLOSESPIDER_TIMEOUT": 0,
                "EXTENSIONS": {
                    **settings.getdict("EXTENSIONS"),
                    "crawler.crawl.components.capture.WarcCapture": None,  # nothing is archived
                },
                "DOWNLOADER_MIDDLEWARES": {
                    **settings.getdict("DOWNLOADER_MIDDLEWARES"),
                    # answers every request
                    "crawler.crawl.components.archive_replay.ArchiveReplay": 10,
                },
                "ITEM_PIPELINES": {
                    **settings.getdict("ITEM_PIPELINES"),
                    "pipelines.store.ArticleStorePipeline": None,
                    "pipelines.replay.ReplayCollector": 900,
                },
            },
            priority="cmdline",
        )
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(SPIDER)
        process.crawl(crawler, job=job)
        process.start()
    result.stats = dict(crawler.stats.get_stats())
    result.replayed = set(result.stats.pop("archive/replay/article_urls", []))
    return result
