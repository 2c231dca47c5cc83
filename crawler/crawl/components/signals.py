"""Signals the archive components send to each other."""

archive_opened = object()
"""Sent with ``archive`` (:class:`crawler.archive.spool.CrawlArchive`) once the capture has
opened the crawl's archive, at ``spider_opened``: how the components and pipelines that
write into it (or read what it holds) are handed it. Files that summarise the crawl are
added through ``archive.before_finish``, which runs before the manifest is written."""

decoded_truncated = object()
"""Sent with ``request``, ``response`` and ``limit`` when a decompressed body was cut at the cap."""

crawl_stopping = object()
"""Sent (no arguments) when the crawl was asked to stop (SIGTERM, a cancel): downloads still
arriving are cut and marked, uploads get only a short wait."""
