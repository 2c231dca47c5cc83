"""Which discovered URLs are in a job's scope (no Scrapy here)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from crawler.jobs.models import Job

__all__ = ["UrlScope"]


def _strip_www(host: str) -> str:
    return host.removeprefix("www.")


@dataclass(frozen=True)
class UrlScope:
    """Domains (subdomains included), include and exclude patterns."""

    domains: tuple[str, ...]
    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def for_job(cls, job: Job) -> UrlScope:
        domains = list(job.scope.domains)
        if not domains:
            seeds = [*job.seeds.start_pages, *job.seeds.feeds, *job.seeds.sitemaps]
            domains = sorted({_strip_www(str(u.host)) for u in seeds if u.host})
        return cls(
            tuple(domains),
            tuple(re.compile(p) for p in job.scope.include),
            tuple(re.compile(p) for p in job.scope.exclude),
        )

    def refusal(self, url: str) -> str | None:
        """Why ``url`` is out of scope (``scheme``, ``domain``, ``include``, ``exclude``)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return "scheme"
        host = (parts.hostname or "").rstrip(".")
        if not any(host == d or host.endswith("." + d) for d in self.domains):
            return "domain"
        if any(p.search(url) for p in self.exclude):
            return "exclude"
        if self.include and not any(p.search(url) for p in self.include):
            return "include"
        return None
