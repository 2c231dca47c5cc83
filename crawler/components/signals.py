"""Signals the archive components send to each other."""

decoded_truncated = object()
"""Sent with ``request``, ``response`` and ``limit`` when a decompressed body was cut at the cap."""
