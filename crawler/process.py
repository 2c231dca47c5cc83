"""Process settings for long crawls: memory (allocator, glibc) and lifetime (Linux); no-ops
elsewhere."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import gc
import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Literal, NoReturn

__all__ = [
    "ALLOCATOR",
    "ALLOCATOR_VARIABLE",
    "JEMALLOC_OPTIONS",
    "JEMALLOC_OPTIONS_VARIABLE",
    "PRELOAD_VARIABLE",
    "allocator",
    "exit_at_once",
    "fix_mmap_threshold",
    "jemalloc_library",
    "runs_on_jemalloc",
    "settle_garbage_collector",
    "stop_with_parent",
    "use_jemalloc",
]

ALLOCATOR_VARIABLE: Final = "CRAWLER_ALLOCATOR"
ALLOCATOR: Final[Literal["jemalloc", "system"]] = "jemalloc"
"""The memory allocator of crawls unless ``CRAWLER_ALLOCATOR`` says otherwise."""
PRELOAD_VARIABLE: Final = "LD_PRELOAD"
JEMALLOC_OPTIONS_VARIABLE: Final = "MALLOC_CONF"
JEMALLOC_OPTIONS: Final = "dirty_decay_ms:1000,muzzy_decay_ms:0"
"""jemalloc's options in crawls unless ``MALLOC_CONF`` says otherwise."""

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


def jemalloc_library() -> str | None:
    """jemalloc's shared library (Debian's ``libjemalloc2``), or None when not installed."""
    return ctypes.util.find_library("jemalloc")


def runs_on_jemalloc() -> bool:
    """Whether jemalloc is loaded in this process."""
    try:
        return "libjemalloc" in Path("/proc/self/maps").read_text()
    except OSError:
        return False


def allocator() -> str:
    """The memory allocator of this process, for its log."""
    return "jemalloc" if runs_on_jemalloc() else "the system's"


def use_jemalloc(environment: Mapping[str, str] | None = None) -> None:
    """Run this program on jemalloc rather than glibc's allocator, with the processes it
    starts (the extraction workers). lxml allocates and frees every element, attribute and
    string of every page it parses, and glibc's allocator spends far more time on that:
    see docs/benchmarks.md and docs/benchmarks-log.md for what it saves and costs.

    The allocator is chosen when a program starts (``LD_PRELOAD``), so the process executes
    itself again: the same program, arguments, process id and open files, with jemalloc.
    Call it first thing, from the program's own command line, before the program imports
    the rest of itself: all it imported would be imported again. So it reads its three
    variables from ``environment`` (this process's) itself, as :class:`crawler.config.Settings`
    reads them (names in any case), and leaves their checks to it.

    Does not return when it executes the program again. Returns, and the program carries on
    as it is, when ``CRAWLER_ALLOCATOR`` is not ``jemalloc`` (``system``, or a value the
    settings then refuse), jemalloc is not installed, or it was asked for already (loaded,
    or failed to load: no second attempt)."""
    environment = os.environ if environment is None else environment
    variables = {name.upper(): value for name, value in environment.items()}
    preload = variables.get(PRELOAD_VARIABLE, "")
    if variables.get(ALLOCATOR_VARIABLE, ALLOCATOR) != "jemalloc" or "jemalloc" in preload:
        return
    library = jemalloc_library()  # ldconfig's cache, read once the rest allows it
    if library is None or runs_on_jemalloc():
        return
    sys.stdout.flush()
    sys.stderr.flush()
    # our own interpreter and command line, unchanged: no shell, nothing from outside
    preloading = {
        **environment,
        PRELOAD_VARIABLE: f"{library} {preload}".strip(),
        JEMALLOC_OPTIONS_VARIABLE: variables.get(JEMALLOC_OPTIONS_VARIABLE, JEMALLOC_OPTIONS),
    }
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], preloading)  # noqa: S606


YOUNG_GC_THRESHOLD = 7000
"""Net allocations of tracked objects between two collections of the youngest generation
(Python's default: 700)."""


def settle_garbage_collector() -> int:
    """Less of the crawl process's CPU in Python's cycle collector: ~5% of it before, ~1%
    after (2,000 pages of ``bench/speed.py``: 0.9 s, then 0.2 s).

    - ``gc.freeze()``: what exists when the crawl starts (modules, Scrapy's components:
      ~100,000 objects) lives as long as the process. Full collections, 50-80 ms pauses
      of the reactor each, no longer scan it.
    - The youngest generation is collected after 7,000 net allocations, not 700: most of
      a page's objects (request, response, deferreds) are freed by reference counting
      before then, and a collection costs what survives, so there are far fewer for
      about the same work each.

    Call it once, after the crawl is set up and before it starts. Returns the number of
    objects frozen."""
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GC_THRESHOLD, middle, old)
    return gc.get_freeze_count()


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


def exit_at_once(status: int) -> NoReturn:
    """End the program with ``status`` as the interpreter would, without freeing its objects
    one by one first, as mypy ends: after a 2,000-page crawl, its teardown took 0.1-0.2 s,
    during which the crawl was done and stored but had not yet ended for whoever waits on it.

    What an exit does for the program still happens, in the interpreter's order: the threads
    that are not daemons are waited for, then the ``atexit`` functions run (logging's
    handlers flushed and closed, ``multiprocessing``'s children joined), then the standard
    streams are flushed. Nothing else is left to write: the archive's files are closed
    before the crawl returns, and its logs are line-buffered (a crawl killed at any moment
    keeps what it wrote)."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or its reader gone
            stream.flush()
    os._exit(status)
