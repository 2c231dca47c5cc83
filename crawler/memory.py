"""Process memory settings for long crawls (glibc only; a no-op elsewhere)."""

from __future__ import annotations

import ctypes

__all__ = ["fix_mmap_threshold"]

_M_MMAP_THRESHOLD = -3


def fix_mmap_threshold(threshold: int = 128 * 1024) -> bool:
    """Keep response bodies out of the heap.

    glibc serves large allocations with mmap, but raises that threshold each time such a
    block is freed (up to 32 MB); after a few pages every 100-200 kB body lands in the heap,
    which fragments and never shrinks: the crawl process grows with the number of pages.
    Fixing the threshold keeps bodies in mmap'd blocks returned to the system when freed.
    Returns whether the setting was applied.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, threshold))
