"""Process settings of the crawl process (each checked in a fresh interpreter: they are global)."""

from __future__ import annotations

import subprocess
import sys

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
