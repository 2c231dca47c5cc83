"""The benchmark's own arithmetic (``bench/speed.py``): what it reports must add up."""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest

import bench.speed
from bench.speed import MEMORY_EVERY, SAMPLE_EVERY, machine, phases


def _progress(pages: int) -> str:
    return f"12:00:00 INFO crawler.progress: progress: pages {pages} | records {2 * pages}\n"


def test_the_phases_of_a_run_add_up_to_its_length() -> None:
    """A crawl fetching 100 pages a second from its second 2 to its second 12, then taking
    1.5 s to end: its pace, 2 s lost at the start and 1.5 s at the end."""
    lines = [(1.0, "12:00:00 INFO crawler.process: memory allocator: jemalloc\n")]
    lines += [(float(t), _progress(max(0, min(1000, 100 * (t - 2))))) for t in range(1, 14)]
    found = phases(lines, elapsed=13.5, count=1000)
    assert found is not None
    assert found == pytest.approx({"pace": 100.0, "start": 2.0, "end": 1.5})
    assert 1000 / found["pace"] + found["start"] + found["end"] == pytest.approx(13.5)


def test_a_run_without_progress_past_its_steady_state_has_no_phases() -> None:
    assert phases([(1.0, _progress(500))], elapsed=3.0, count=1000) is None
    assert phases([], elapsed=3.0, count=1000) is None


def test_a_run_names_the_processor_it_measured_on() -> None:
    cpuinfo = (
        "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 23\nmodel\t\t: 1\n"
        "model name\t: AMD EPYC\ncpu MHz\t\t: 1996.249\n\nprocessor\t: 1\n"
        "model name\t: AMD EPYC\ncpu MHz\t\t: 2400.000\n"
    )  # the first processor's figures are the machine's
    assert machine(cpuinfo, 2) == "AMD EPYC (family 23, model 1) at 1996 MHz, 2 cores"
    assert machine("", None) == "processor not named, ? cores"


def test_the_timed_tree_reads_its_memory_less_often_than_its_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Memory readings walk page tables and load the machine the crawl is timed on: one in
    ``MEMORY_EVERY / SAMPLE_EVERY`` readings takes them; every reading takes the CPU."""
    readings: list[bool] = []
    tree = bench.speed._tree

    def counted(pid: int, memory: bool) -> Any:
        readings.append(memory)
        return tree(pid, memory)

    monkeypatch.setattr(bench.speed, "_tree", counted)
    holds = "import time; block = b'x' * 60_000_000; time.sleep(1.6)"  # every page touched
    run = bench.speed._timed([sys.executable, "-c", holds], dict(os.environ))
    assert run.peak.pss > 60e6, run.peak
    assert run.cpu["crawl, main thread"] > 0
    per_memory = round(MEMORY_EVERY / SAMPLE_EVERY)
    assert readings[::per_memory] == [True] * len(readings[::per_memory])
    assert readings.count(True) == len(readings[::per_memory]) < len(readings)
