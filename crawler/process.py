"""Process settings for long crawls: memory (glibc) and lifetime (Linux); no-ops elsewhere."""

from __future__ import annotations

import ctypes
import os
import signal

__all__ = ["fix_mmap_threshold", "stop_with_parent"]

_M_MMAP_THRESHOLD = -3
_PR_SET_PDEATHSIG = 1


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


def stop_with_parent(parent: int) -> bool:
    """Have the kernel send this process SIGTERM (a clean stop) when its parent (pid
    ``parent``) dies, so a crawl started by a worker that is killed closes its WARCs instead
    of running on alone. Returns whether it was arranged."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return False
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        return False
    if os.getppid() != parent:  # the parent died before the request was in place
        os.kill(os.getpid(), signal.SIGTERM)
    return True
