"""Address safety for every request: scheme, IP literal, and the resolved address.

``AddressGuardMiddleware`` runs on every request Scrapy downloads - seeds, links, robots.txt
and each redirect hop (a redirect is a new request through the same chain). It resolves the
host through the crawl's resolver, so the connection that follows uses the same cached
answer; ``GuardedResolver`` checks that answer again at connection time.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future

from crawler.crawl.components._enabled import require_archive
from crawler.jobs.addresses import AddressPolicy, UnsafeURLError

__all__ = ["AddressGuardMiddleware", "BlockedAddressError", "GuardedResolver", "policy_from"]

logger = logging.getLogger(__name__)


class BlockedAddressError(Exception):
    """The resolver refused a host because of the address it resolves to."""


def policy_from(settings: BaseSettings) -> AddressPolicy:
    """The address policy from ``ARCHIVE_ALLOW_PRIVATE`` and ``ARCHIVE_ALLOWED_NETWORKS``."""
    return AddressPolicy.from_strings(
        settings.getbool("ARCHIVE_ALLOW_PRIVATE"),
        settings.getlist("ARCHIVE_ALLOWED_NETWORKS"),
    )


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing names that resolve to forbidden addresses."""

    policy = AddressPolicy()

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> Self:
        resolver = super().from_crawler(crawler, reactor)
        resolver.policy = policy_from(crawler.settings)
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # noqa: N802 - Twisted API
        return super().getHostByName(name, timeout).addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        refusal = self.policy.address_refusal(address)
        if refusal:
            raise BlockedAddressError(f"{name} resolves to {refusal}")
        return address


class AddressGuardMiddleware:
    """Downloader middleware: drop requests to forbidden schemes or addresses, counted."""

    def __init__(self, policy: AddressPolicy, crawler: Crawler) -> None:
        self.policy = policy
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_archive(crawler.settings)
        return cls(policy_from(crawler.settings), crawler)

    def _refuse(self, request: Request, kind: str, reason: str) -> IgnoreRequest:
        self.crawler.stats.inc_value(f"archive/blocked/{kind}")
        logger.warning("blocked %s: %s", request.url, reason)
        return IgnoreRequest(f"blocked {request.url}: {reason}")

    async def process_request(self, request: Request) -> None:
        try:
            host = self.policy.check_url(request.url)
        except UnsafeURLError as exc:
            raise self._refuse(request, exc.kind, exc.reason) from None
        if host is None:
            return
        from twisted.internet import reactor

        resolver: Any = reactor  # the installed GuardedResolver answers reactor.resolve()
        try:
            await maybe_deferred_to_future(resolver.resolve(host))
        except BlockedAddressError as exc:
            raise self._refuse(request, "address", str(exc)) from None
        except Exception as exc:
            logger.debug("%s: lookup failed before download: %s", request.url, exc)
