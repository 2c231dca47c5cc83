"""Signals the archive components send to each other."""

decoded_truncated = object()
"""Sent with ``request``, ``response`` and ``limit`` when a decompressed body was cut at the cap."""

crawl_stopping = object()
"""Sent (no arguments) when the crawl was asked to stop (SIGTERM, a cancel): downloads still
arriving are cut and marked, uploads get only a short wait."""
