"""Process settings of the crawl process (each checked in a fresh interpreter: they are global)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest

from crawler.cli import CRAWL_COMMANDS, _command
from crawler.cli.program import parser
from crawler.config import Settings
from tests.conftest import ROOT

_CHECK = """
import gc
from crawler.process import YOUNG_GC_THRESHOLD, settle_garbage_collector
before = gc.get_threshold()
frozen = settle_garbage_collector()
assert frozen == gc.get_freeze_count() > 1000, frozen
assert gc.get_threshold() == (YOUNG_GC_THRESHOLD, *before[1:]), gc.get_threshold()
assert YOUNG_GC_THRESHOLD > before[0]
"""


def test_the_garbage_collector_skips_start_up_objects_and_collects_less_often() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CHECK], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr


_REEXEC = """
import os, sys
from crawler.process import runs_on_jemalloc, use_jemalloc
print("start", os.getpid(), runs_on_jemalloc(), sys.argv[1:], flush=True)
use_jemalloc()
import multiprocessing
from crawler.articles.pool import _context
with _context().Pool(1) as pool:
    worker = pool.apply(runs_on_jemalloc)
print("after", os.getpid(), runs_on_jemalloc(), worker, sys.argv[1:])
print(os.environ.get("MALLOC_CONF"))
"""


def _jemalloc_or_skip() -> None:
    from crawler.process import jemalloc_library

    if jemalloc_library() is None:
        message = "jemalloc is not installed: apt-get install libjemalloc2 (Debian's package)"
        if os.environ.get("CRAWLER_TEST_JEMALLOC") == "required":
            pytest.fail(message)
        pytest.skip(message)


def _python(code: str, allocator: str, status: int = 0) -> subprocess.CompletedProcess[str]:
    """``code`` run as a program (``python -c``, an argument after it), with no allocator
    asked for beforehand; it must end with ``status``."""
    environment = {**os.environ, "CRAWLER_ALLOCATOR": allocator}
    environment.pop("LD_PRELOAD", None)
    environment.pop("MALLOC_CONF", None)
    result = subprocess.run(
        [sys.executable, "-c", code, "--an-argument"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=30,
    )
    assert result.returncode == status, result.stderr
    return result


def _run(allocator: str) -> list[str]:
    return _python(_REEXEC, allocator).stdout.splitlines()


def test_a_crawl_process_runs_itself_again_on_jemalloc_with_its_workers() -> None:
    """Once, with the same process id and arguments; the extraction workers it starts run
    on jemalloc too. ``CRAWLER_ALLOCATOR=system`` keeps the system's."""
    _jemalloc_or_skip()
    first, again, after, options = _run("jemalloc")
    assert options == Settings().jemalloc_conf != "None"  # with its options
    pid = first.split()[1]
    assert first == f"start {pid} False ['--an-argument']"
    assert again == f"start {pid} True ['--an-argument']"
    assert after == f"after {pid} True True ['--an-argument']"
    first, after, _ = _run("system")
    pid = first.split()[1]
    assert after == f"after {pid} False False ['--an-argument']"


def test_the_variables_are_read_as_the_settings_read_them() -> None:
    """Names in any case; a value the settings refuse is left to them to name."""
    _jemalloc_or_skip()
    lower_case = _python(
        _REEXEC.replace("use_jemalloc()", "use_jemalloc({'crawler_allocator': 'system'})"),
        "jemalloc",
    )
    assert len(lower_case.stdout.splitlines()) == 3  # not executed again
    refused = _python(_REEXEC, "glibc")
    assert len(refused.stdout.splitlines()) == 3
    program = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "no-such-job.yaml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "CRAWLER_ALLOCATOR": "glibc"},
        timeout=30,
    )
    assert program.returncode == 2
    assert "CRAWLER_ALLOCATOR='glibc'" in program.stderr, program.stderr


_ENTRY = """
import sys
import crawler.cli
libraries = {"pydantic", "scrapy", "twisted", "lxml", "boto3"}
print(sorted(
    m for m in sys.modules
    if m.split(".")[0] in libraries or "crawler.cli." in m or m == "importlib.metadata"
))
"""


def test_the_command_line_imports_nothing_before_it_chooses_the_allocator() -> None:
    """A crawl runs itself again on jemalloc: what its program imported before is imported
    twice (~0.2 s of every crawl's start)."""
    result = subprocess.run(
        [sys.executable, "-c", _ENTRY], capture_output=True, text=True, cwd=ROOT, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_command_line_finds_a_crawl_before_parsing_it() -> None:
    """The command is the first argument that is not an option (what ``crawler.cli.main``
    reads before choosing the allocator): true while no top-level option takes a value."""
    top = parser()
    options = [a for a in top._actions if a.option_strings]
    assert options and all(a.nargs == 0 for a in options), [a.option_strings for a in options]
    commands = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    assert set(CRAWL_COMMANDS) <= set(commands.choices)
    assert _command(["-v", "crawl", "job.yaml", "--resume"]) == "crawl"
    assert _command(["--version"]) is None


_MISSING = """
from crawler import process
process.jemalloc_library = lambda: None
print("start", flush=True)
process.use_jemalloc()
print("returned", process.runs_on_jemalloc())
"""


def test_without_jemalloc_a_crawl_carries_on_as_it_is() -> None:
    assert _python(_MISSING, "jemalloc").stdout.splitlines() == ["start", "returned False"]


_UNLOADABLE = """
import os
from crawler import process
process.jemalloc_library = lambda: "/nowhere/libjemalloc.so.2"
print("start", os.getpid(), flush=True)
process.use_jemalloc()
print("returned", process.runs_on_jemalloc())
"""


def test_a_jemalloc_that_does_not_load_is_tried_once() -> None:
    result = _python(_UNLOADABLE, "jemalloc")
    first, again, returned = result.stdout.splitlines()
    assert first == again  # the same process, executed once more, then no more
    assert returned == "returned False"
    assert "libjemalloc.so.2" in result.stderr  # the dynamic linker says it could not load it


_FREED = """
import sys
class Freed:
    def __del__(self):
        print("freed one by one", flush=True)

kept = Freed()  # freed by the interpreter's teardown
"""

_EXIT = (
    _FREED
    + """
import atexit, threading, time
from crawler.process import exit_at_once

atexit.register(lambda: print("atexit ran", flush=True))
threading.Thread(target=lambda: (time.sleep(0.3), print("thread finished", flush=True))).start()
print("buffered, not flushed", end="")
{end}
"""
)


@pytest.mark.parametrize("end", ["exit_at_once(3)", "sys.exit(3)"])
def test_a_crawl_ends_as_the_interpreter_would_without_freeing_its_objects(end: str) -> None:
    """What an exit does for the program (threads waited for, ``atexit``, streams flushed)
    happens; freeing every object one by one (0.1-0.2 s after a crawl) does not."""
    result = _python(_EXIT.format(end=end), "system", status=3)
    said = ["buffered, not flushedthread finished", "atexit ran"]
    freed = ["freed one by one"] if end.startswith("sys.exit") else []
    assert result.stdout.splitlines() == said + freed


_CRAWL_COMMAND = (
    _FREED
    + """
from crawler.cli import main
sys.argv = ["crawler", "{command}", "/nonexistent/job.yaml"]
sys.exit(main())
"""
)


@pytest.mark.parametrize("command", ["crawl", "validate"])
def test_only_the_crawl_commands_end_without_freeing_their_objects(command: str) -> None:
    result = _python(_CRAWL_COMMAND.format(command=command), "system", status=2)
    assert "/nonexistent/job.yaml" in result.stderr
    freed = "freed one by one" in result.stdout
    assert freed == (command not in CRAWL_COMMANDS)
