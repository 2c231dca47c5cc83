"""gzip written by zlib-ng: the same format as zlib's (any gzip reader reads it) at half the CPU.

Measured on scrapinghub-aeb's 145 pages at level 6: 1.4 ms a page instead of 2.9, for files
1% larger (19.6% of the HTML's size instead of 19.4%).
"""

from __future__ import annotations

import gzip
from pathlib import Path

from zlib_ng import gzip_ng

__all__ = ["gzip_member", "gzip_writer"]


def gzip_member(data: bytes, level: int) -> bytes:
    """``data`` as one gzip member, without a timestamp (the same bytes give the same member)."""
    member: bytes = gzip_ng.compress(data, level, mtime=0)  # type: ignore[no-untyped-call]
    return member


def gzip_writer(path: Path, level: int) -> gzip.GzipFile:
    """A new gzip file at ``path``, open for writing."""
    writer: gzip.GzipFile = gzip_ng.GzipNGFile(path, "wb", compresslevel=level)  # type: ignore[no-untyped-call]
    return writer
