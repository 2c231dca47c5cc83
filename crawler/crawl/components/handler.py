"""HTTP download handler that keeps the server's reason phrase for the WARC status line, and
keeps a body cut at the size cap to exactly the cap (the chunk that crossed it is trimmed).

Scrapy's HTTP/1.1 handler parses the status line with Twisted but keeps only the code. This
subclass records ``txresponse.phrase`` in ``request.meta`` before the body is read; the rest
is Scrapy's own handler. It relies on Scrapy's private ``_ScrapyAgent`` (pinned below 2.20
in pyproject); should it change, the capture falls back to the standard phrase.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler, _ScrapyAgent
from scrapy.exceptions import ResponseDataLossError
from scrapy.http import Response
from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future

from crawler.crawl import meta

__all__ = ["ReasonKeepingDownloadHandler"]

logger = logging.getLogger(__name__)


class _ReasonKeepingAgent(_ScrapyAgent):
    def _cb_bodyready(self, txresponse: Any, request: Request) -> Any:
        phrase = txresponse.phrase
        if isinstance(phrase, bytes):
            phrase = phrase.decode("latin-1")
        request.meta[meta.HTTP_REASON] = phrase
        return super()._cb_bodyready(txresponse, request)


class ReasonKeepingDownloadHandler(HTTP11DownloadHandler):
    """``DOWNLOAD_HANDLERS`` entry for http and https."""

    async def download_request(self, request: Request) -> Response:
        agent = _ReasonKeepingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with wrap_twisted_exceptions():
                response: Response = await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                logger.warning(get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise
        keep = request.meta.get(meta.KEEP_BYTES)
        if keep is not None and len(response.body) > keep:
            response = response.replace(body=response.body[:keep])
        return response
