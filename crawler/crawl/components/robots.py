"""robots.txt the way RFC 9309 reads failures, on top of Scrapy's RobotsTxtMiddleware.

Scrapy parses whatever body came back, so a robots.txt answering 500 or 503 (an HTML error
page) lets everything through, and so does a robots.txt that cannot be fetched at all. RFC
9309 section 2.3.1: 4xx means no restrictions; 5xx or unreachable means assume complete
disallow. The robots.txt response is archived either way (it went through the downloader).
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

__all__ = ["DISALLOW_ALL", "RfcRobotsTxtMiddleware"]

logger = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class RfcRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Replaces ``scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware``."""

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._stats.inc_value("archive/robots/server_error")
            logger.warning(
                "%s answered %d: the site is treated as fully disallowed (RFC 9309)",
                response.url,
                response.status,
            )
            response = response.replace(body=DISALLOW_ALL)
        elif response.status >= 400:
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):
            super()._robots_error(exc, netloc)
            return
        self._stats.inc_value("archive/robots/unreachable")
        logger.warning(
            "robots.txt of %s unreachable (%s): fully disallowed (RFC 9309)", netloc, exc
        )
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        deferred = self._parsers[netloc]
        assert isinstance(deferred, Deferred)
        self._parsers[netloc] = parser
        deferred.callback(parser)
