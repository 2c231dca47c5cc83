"""End-to-end speed and memory: crawl N real article pages with WARC + extraction + JSON +
upload to SeaweedFS, and in the same run (a) trafilatura alone on the same pages with two
processes and (b) a plain Scrapy spider calling trafilatura in its callback.

    python bench/speed.py [N ...] [--repeat R]     (default: 2000 10000, 3 trials each)

Pages are scrapinghub-aeb's 145 real article pages, cycled, served from loopback by a
separate process. Each body is made distinct by an HTML comment naming its URL (extraction
drops comments): page N is not a byte copy of page N - 145, so every page is archived as a
response record, as on a crawl of distinct pages, not as a cheap revisit of an identical
payload (each trial checks that the crawl wrote no revisit). Figures are ratios measured in
this one run, never bare seconds: the machine is shared. Each trial measures (a), (b), (c),
ours and (a) again back to back, and (a)'s figures are the means of its two runs: a machine
whose speed drifts during a trial (by ~10% over minutes, seen) moves (a) as it moves ours;
each trial's line says how far its two (a)s differed. The median ratio of R trials is
reported with their range: runs of the same code on one machine vary by ±5%.
Peak memory is the crawl's whole process tree (crawler + extraction workers), sampled every
0.5 s (more often slows the crawl measured: ``MEMORY_EVERY``); the highest of the trials is
reported. CPU: the crawl's process tree by role (the crawl process's main thread - Scrapy's
reactor, which fetches, writes the WARC records and runs the pipelines - its other threads,
the extraction workers), the page server and the S3 server during the crawl, each as a
share of (a)'s CPU on the same pages (the median of the trials): where the crawl spends
more than trafilatura alone. Beside it, (c): the plain spider of (b) without extraction,
with a disk queue as the crawl keeps (Scrapy's own cost).
Phases: the crawl's pace between its 20% and 80% of pages, as a share of (a)'s pace over
its whole run, and the time its start and its end lose beyond that pace, as shares of its
run (from its progress lines, one a second).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import itertools
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import Process
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._corpora import corpora  # noqa: E402
from crawler.jobs.jobfile import load_job  # noqa: E402
from settings import JOBS_DIR  # noqa: E402
from tests.s3server import SeaweedS3  # noqa: E402


def _pages() -> list[bytes]:
    folder = corpora() / "scrapinghub-aeb" / "html"
    return [gzip.decompress(p.read_bytes()) for p in sorted(folder.glob("*.html.gz"))]


def _page(pages: list[bytes], number: int) -> bytes:
    """Page ``number``'s body: a corpus page with a comment that makes its bytes unique."""
    return pages[number % len(pages)] + f"<!-- /p/{number}.html -->\n".encode()


def _serve(port_file: str, count: int) -> None:
    """The news site: robots.txt, ``/sitemap-<pages>.xml`` and the pages, over HTTP/1.1 with
    persistent connections. A minimal asyncio server, not ``http.server``: it stands in for
    sites whose CPU is not the crawler's, and on the crawler's two cores it takes less than
    half of what ``http.server``'s per-request parsing and threads took (2,000 pages fetched
    on 16 connections, twice each: 0.40-0.47 of its CPU)."""
    pages = _pages()

    def answer(path: str, base: str) -> tuple[int, str, bytes]:
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n"
        if path.startswith("/sitemap-"):  # /sitemap-<pages>.xml: one per run size
            size = min(int(path[len("/sitemap-") :].split(".")[0]), count)
            urls = "".join(f"<url><loc>{base}/p/{i}.html</loc></url>" for i in range(size))
            body = (
                '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9">{urls}</urlset>'
            )
            return 200, "application/xml", body.encode()
        if path.startswith("/p/"):
            return 200, "text/html; charset=utf-8", _page(pages, int(path[3:].split(".")[0]))
        return 404, "text/plain", b"not found"

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        base = f"http://127.0.0.1:{writer.get_extra_info('sockname')[1]}"
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")  # GET requests: no body
                path = head.split(b" ", 2)[1].decode()
                status, ctype, body = answer(path, base)
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}\r\n"
                    f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
                if b"\r\nconnection: close" in head.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection
        writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(connection, "127.0.0.1", 0)
        Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
        await server.serve_forever()

    asyncio.run(serve())


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User + system CPU time so far of a process (all its threads), or of one thread."""
    stat = Path(f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


ProcessSample = tuple[str, int, int, int, float]
"""(role, PSS bytes, RSS bytes, pid, CPU seconds so far)"""


def _tree(pid: int, memory: bool) -> list[ProcessSample]:
    """(role, PSS, RSS, pid, CPU seconds) of a process and all its descendants; PSS and RSS
    0 unless ``memory`` (see ``MEMORY_EVERY``).

    PSS (proportional set size) counts pages shared between processes once, split among
    them: the memory the tree really holds. RSS summed counts shared pages in each process.
    """
    found = []
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            pss = rss = 0
            if memory:
                rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
                pss = int(rollup.split("\nPss:")[1].split()[0]) * 1024
                rss = int(rollup.split("\nRss:")[1].split()[0]) * 1024
            cmdline = Path(f"/proc/{current}/cmdline").read_bytes().split(b"\0")
            cpu = _cpu_seconds(current)
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, IndexError):
            continue
        found.append((_role(cmdline, current == pid), pss, rss, current, cpu))
    return found


def _role(cmdline: list[bytes], top: bool) -> str:
    if top:
        return "crawl"
    command = b" ".join(cmdline)
    if b"forkserver" in command:
        return "forkserver/worker"
    return "helper" if b"resource_tracker" in command else "other"


@dataclass
class _Peak:
    pss: int = 0
    rss: int = 0
    at: float = 0.0
    """When the peak was seen, as a fraction of the run."""
    processes: list[ProcessSample] = field(default_factory=list)

    def describe(self) -> str:
        parts = ", ".join(f"{p[0]} {p[1] / 1e6:.0f}" for p in self.processes)
        return f"{self.pss / 1e6:.0f} MB at {self.at:.0%} of the run ({parts})"


@dataclass
class _Run:
    elapsed: float
    peak: _Peak
    lines: list[tuple[float, str]]
    """Each line of the command's output, with the second of the run it arrived at."""
    cpu: dict[str, float]

    @property
    def output(self) -> str:
        return _text(self.lines)


def _text(lines: list[tuple[float, str]]) -> str:
    """A command's output, from its timed lines."""
    return "".join(line for _, line in lines)


SAMPLE_EVERY = 0.1
"""Seconds between two readings of the timed process tree's members and CPU (cheap: a worker
that exits is counted up to its last tenth of a second)."""
MEMORY_EVERY = 0.5
"""Seconds between two memory readings of the timed tree. A process's ``smaps_rollup`` walks
its page tables (~6.5 ms for the crawl's tree): read every 0.1 s, the sampler took 1.2-1.4 s
of CPU during a 2,000-page crawl on its two cores, a load (a) does not bear; every 0.5 s,
0.45 s, with peaks within ~5 MB of those seen every 0.1 s (three alternating pairs)."""


def _timed(cmd: list[str], env: dict[str, str]) -> _Run:
    """Wall time, memory peak, timed output, and CPU seconds by role of a command's process
    tree."""
    peak = _Peak()
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
    )
    assert proc.stdout is not None
    done = threading.Event()
    samples: list[tuple[float, list[ProcessSample]]] = []
    main_thread = 0.0

    def sample() -> None:
        nonlocal main_thread
        count = 0
        while not done.is_set():
            memory = count % round(MEMORY_EVERY / SAMPLE_EVERY) == 0
            samples.append((time.perf_counter() - start, _tree(proc.pid, memory)))
            with contextlib.suppress(OSError):  # the process has exited
                main_thread = _cpu_seconds(proc.pid, proc.pid)
            count += 1
            time.sleep(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines = [(time.perf_counter() - start, line) for line in proc.stdout]
    proc.wait()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"{cmd[:4]} failed ({proc.returncode}):\n{_text(lines)[-3000:]}")
    for when, processes in samples:
        pss, rss = sum(p[1] for p in processes), sum(p[2] for p in processes)
        if pss > peak.pss:
            peak = _Peak(pss, max(rss, peak.rss), when / elapsed, processes)
        peak.rss = max(peak.rss, rss)
    roles: dict[int, str] = {}
    last_cpu: dict[int, float] = {}
    for _, processes in samples:
        for role, _pss, _rss, pid, seconds in processes:
            roles.setdefault(pid, role)  # an exiting process shows no command line any more
            last_cpu[pid] = seconds
    cpu: dict[str, float] = {}
    for pid, seconds in last_cpu.items():
        cpu[roles[pid]] = cpu.get(roles[pid], 0.0) + seconds
    # the top process's main thread on its own: in the crawl, Scrapy's reactor, which
    # fetches, writes the WARC records and runs the pipelines, one core at most
    cpu["crawl, other threads"] = cpu.pop("crawl", 0.0) - main_thread
    cpu["crawl, main thread"] = main_thread
    return _Run(elapsed, peak, lines, cpu)


_PROGRESS = re.compile(r"progress: pages (\d+) ")
STEADY = (0.2, 0.8)
"""The crawl's steady state: from its 20% of pages fetched to its 80%."""


def phases(lines: list[tuple[float, str]], elapsed: float, count: int) -> dict[str, float] | None:
    """The crawl's pace in its steady state (pages a second between the seconds it had
    fetched 20% and 80% of ``count``, read from its progress lines, linearly between two),
    and the seconds its start and its end cost beyond that pace: ``count / pace + start +
    end`` is the run's ``elapsed``. None without progress lines past both ends of
    :data:`STEADY`."""
    points = [(0.0, 0)]
    points += [(t, int(m.group(1))) for t, line in lines if (m := _PROGRESS.search(line))]

    def second_of(pages: float) -> float | None:
        for (t0, n0), (t1, n1) in itertools.pairwise(points):
            if n0 < pages <= n1:
                return t0 + (t1 - t0) * (pages - n0) / (n1 - n0)
        return None

    low, high = (second_of(share * count) for share in STEADY)
    if low is None or high is None or high <= low:
        return None
    pace = (STEADY[1] - STEADY[0]) * count / (high - low)
    return {
        "pace": pace,
        "start": low - STEADY[0] * count / pace,
        "end": elapsed - high - (1 - STEADY[1]) * count / pace,
    }


def _trafilatura_alone(page: tuple[str, bytes]) -> int:
    import trafilatura

    url, body = page
    doc = trafilatura.bare_extraction(
        body.decode("utf-8"), url=url, fast=True, include_comments=False, with_metadata=True
    )
    return len(doc.text or "") if doc is not None else 0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _AloneRun(NamedTuple):
    seconds: float
    cpu: float


def _alone(urls: list[tuple[str, bytes]]) -> _AloneRun:
    """(a) once: its wall seconds and its CPU seconds."""
    start, cpu_before = time.perf_counter(), _children_cpu()
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_trafilatura_alone, urls, chunksize=16))
    return _AloneRun(time.perf_counter() - start, _children_cpu() - cpu_before)


def trial(
    count: int, s3: SeaweedS3, base: str, tmp: Path, number: int, server_pid: int
) -> dict[str, Any]:
    """(a), (b), (c), ours and (a) again, back to back: their ratios share the machine's
    state, and (a)'s figures are the means of its two runs, one on each side of ours."""
    pages = _pages()
    urls = [(f"{base}/p/{i}.html", _page(pages, i)) for i in range(count)]
    alone_before = _alone(urls)

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    plain_spider = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        "bench/plain_spider.py",
        "-a",
        f"sitemap={base}/sitemap-{count}.xml",
    ]
    plain = _timed(plain_spider, env)
    # (c) the same spider, no extraction, a disk queue as the crawl keeps: Scrapy's own cost
    scrapy = _timed(
        [*plain_spider, "-a", "extract=no", "-s", f"JOBDIR={tmp / f'jobdir-{count}-{number}'}"],
        env,
    )

    name = f"bench-{count}-{number}"
    bucket = name
    s3.client.create_bucket(Bucket=bucket)
    # SeaweedFS allocates a new bucket's volumes on its first write (~1 s, waited on by
    # whoever writes first): done here, so the figure measures the crawler, not that.
    s3.client.put_object(Bucket=bucket, Key="warm-up", Body=b"x")
    s3.client.delete_object(Bucket=bucket, Key="warm-up")
    job = {
        "name": "bench",
        "seeds": {"sitemaps": [f"{base}/sitemap-{count}.xml"]},
        "scope": {"max_depth": 1},
        "limits": {"pages": count + 10, "duration": "1h"},
        "politeness": {"delay": 0, "concurrency_per_domain": 16},
        "safety": {"allowed_networks": ["127.0.0.1/32"]},
        "storage": f"s3://{bucket}/archive",
        "topic": load_job(JOBS_DIR / "treaty-fr.yaml").topic.model_dump(),  # relevance runs
    }
    job_file = tmp / f"job-{name}.json"
    job_file.write_text(json.dumps(job))
    outside = {"page server": server_pid, "S3 server": s3.process.pid}
    outside_before = {role: _cpu_seconds(pid) for role, pid in outside.items()}
    ours = _timed(
        [
            sys.executable,
            "-m",
            "crawler.cli",
            "crawl",
            str(job_file),
            "--crawl-id",
            name,
            "--spool",
            str(tmp / f"spool-{name}"),
            "--progress",
            "1",  # a line a second: the phases of the run
        ],
        {**env, **s3.env()},
    )
    for role, pid in outside.items():
        ours.cpu[role] = _cpu_seconds(pid) - outside_before[role]
    alone_after = _alone(urls)
    alone = (alone_before.seconds + alone_after.seconds) / 2
    alone_cpu = (alone_before.cpu + alone_after.cpu) / 2
    output = ours.output
    manifest = json.loads(
        s3.client.get_object(Bucket=bucket, Key=f"archive/crawls/{name}/manifest.json")[
            "Body"
        ].read()
    )
    stats = manifest["stats"]
    assert stats.get("archive/articles/stored", 0) > 0.8 * count, output[-2000:]
    # distinct bodies: every page is a response record, none a revisit of an identical payload
    assert stats.get("archive/warc/revisit", 0) == 0, f"revisits: {stats}"
    assert stats.get("archive/warc/response", 0) >= count, f"responses: {stats}"
    allocator = next(
        (line.split(": ")[-1] for line in output.splitlines() if "memory allocator: " in line),
        "not logged",
    )
    return {
        "pages": count,
        "allocator": allocator,
        "articles": stats.get("archive/articles/stored", 0),
        "ours_pps": count / ours.elapsed,
        "alone_pps": count / alone,
        "alone_drift": alone_after.seconds / alone_before.seconds - 1,
        "plain_pps": count / plain.elapsed,
        "ours_pss_mb": ours.peak.pss / 1e6,
        "ours_rss_mb": ours.peak.rss / 1e6,
        "plain_pss_mb": plain.peak.pss / 1e6,
        "ours_peak": ours.peak.describe(),
        "cpu_vs_alone": {role: seconds / alone_cpu for role, seconds in ours.cpu.items()},
        "scrapy_vs_alone": sum(scrapy.cpu.values()) / alone_cpu,
        "elapsed": ours.elapsed,
        "phases": phases(ours.lines, ours.elapsed, count),
    }


def summary(count: int, trials: list[dict[str, Any]]) -> dict[str, Any]:
    """Median ratio over the trials (and their range); the highest memory peak."""
    vs_alone = sorted(t["ours_pps"] / t["alone_pps"] for t in trials)
    vs_plain = sorted(t["ours_pps"] / t["plain_pps"] for t in trials)
    peak = max(trials, key=lambda t: t["ours_pss_mb"])
    return {
        "pages": count,
        "articles": min(t["articles"] for t in trials),
        "vs_alone": vs_alone,
        "vs_plain": vs_plain,
        "ours_pss_mb": peak["ours_pss_mb"],
        "ours_rss_mb": max(t["ours_rss_mb"] for t in trials),
        "plain_pss_mb": max(t["plain_pss_mb"] for t in trials),
        "ours_peak": peak["ours_peak"],
        "cpu_vs_alone": {
            role: statistics.median(t["cpu_vs_alone"].get(role, 0.0) for t in trials)
            for role in trials[0]["cpu_vs_alone"]
        },
        "scrapy_vs_alone": statistics.median(t["scrapy_vs_alone"] for t in trials),
        "phases": _median_phases(trials),
    }


def _median_phases(trials: list[dict[str, Any]]) -> dict[str, float] | None:
    """The medians over the trials of the steady pace as a share of (a)'s whole-run pace,
    and of the time lost at the start and at the end as shares of the crawl's run."""
    timed = [t for t in trials if t["phases"] is not None]
    if not timed:
        return None
    return {
        "pace_vs_alone": statistics.median(t["phases"]["pace"] / t["alone_pps"] for t in timed),
        "start": statistics.median(t["phases"]["start"] / t["elapsed"] for t in timed),
        "end": statistics.median(t["phases"]["end"] / t["elapsed"] for t in timed),
    }


def machine(cpuinfo: str, cores: int | None) -> str:
    """The processor a run measured on, from ``/proc/cpuinfo``'s text: ratios of the same code
    differ from one machine to another (a slower processor slows (a) more than the crawl),
    so a row names its machine."""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, colon, value = line.partition(":")
        if colon:
            fields.setdefault(key.strip(), value.strip())
    name = fields.get("model name", "processor not named")
    if "cpu family" in fields and "model" in fields:
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    if "cpu MHz" in fields:
        name += f" at {float(fields['cpu MHz']):.0f} MHz"
    return f"{name}, {cores or '?'} cores"


def _ratio(values: list[float]) -> str:
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.2f}x"
    return f"{median:.2f}x ({values[0]:.2f}–{values[-1]:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", type=int, default=[2000, 10000])
    parser.add_argument(
        "--repeat", type=int, default=3, help="trials per size; the median ratio is reported"
    )
    args = parser.parse_args()
    if args.repeat < 1 or any(n < 1 for n in args.pages):
        parser.error("--repeat and page counts must be at least 1")
    corpora()  # a missing folder is named here, before any server starts
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        port_file = tmp / "port"
        server = Process(target=_serve, args=(str(port_file), max(args.pages)), daemon=True)
        server.start()
        while not port_file.exists() or not port_file.read_text():
            if not server.is_alive():
                sys.exit(f"the page server stopped (exit code {server.exitcode}): see above")
            time.sleep(0.1)
        base = f"http://127.0.0.1:{port_file.read_text()}"
        s3 = SeaweedS3(tmp / "seaweed")
        rows = []
        try:
            for count in args.pages:
                trials = []
                for number in range(args.repeat):
                    trials.append(trial(count, s3, base, tmp, number, server.pid or 0))
                    done = trials[-1]
                    print(
                        f"{count} pages, trial {number + 1}/{args.repeat}: "
                        f"{done['ours_pps'] / done['alone_pps']:.2f}x of (a), "
                        f"{done['ours_pps'] / done['plain_pps']:.2f}x of (b) "
                        f"(the crawl on {done['allocator']}; (a) after the crawl took "
                        f"{done['alone_drift']:+.0%} of its time before)",
                        file=sys.stderr,
                        flush=True,
                    )
                rows.append(summary(count, trials))
        finally:
            s3.stop()
            server.terminate()
    cpuinfo = Path("/proc/cpuinfo")
    print(f"Machine: {machine(cpuinfo.read_text() if cpuinfo.exists() else '', os.cpu_count())}")
    print(
        f"Median of {args.repeat} trial(s) (range), each trial measuring (a), (b), (c), ours "
        "and (a) again back to back, (a) the mean of its two runs:\n"
    )
    print(
        "| pages | articles | end to end vs (a) trafilatura alone, 2 processes | "
        "end to end vs (b) plain Scrapy + trafilatura | crawl peak PSS (RSS summed) | "
        "(b) peak PSS |"
    )
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['pages']} | {r['articles']} | {_ratio(r['vs_alone'])} | "
            f"{_ratio(r['vs_plain'])} | {r['ours_pss_mb']:.0f} MB "
            f"({r['ours_rss_mb']:.0f} MB) | {r['plain_pss_mb']:.0f} MB |"
        )
    print()
    for r in rows:
        print(f"{r['pages']} pages: crawl peak PSS {r['ours_peak']}")
    for r in rows:
        split = sorted(r["cpu_vs_alone"].items(), key=lambda item: -item[1])
        parts = ", ".join(f"{role} {share:.2f}" for role, share in split)
        print(
            f"{r['pages']} pages: CPU of the crawl, as a share of (a)'s CPU on the same pages: "
            f"{sum(r['cpu_vs_alone'].values()):.2f} ({parts}); (c) Scrapy alone, the same "
            f"pages without extraction: {r['scrapy_vs_alone']:.2f}"
        )
    low, high = STEADY
    for r in rows:
        if (split := r["phases"]) is not None:
            print(
                f"{r['pages']} pages: the crawl's phases (medians): between {low:.0%} and "
                f"{high:.0%} of its pages, {split['pace_vs_alone']:.2f}x (a)'s pace; lost "
                f"beyond that pace, {split['start']:.1%} of the run at the start, "
                f"{split['end']:.1%} at the end"
            )
        else:
            print(
                f"{r['pages']} pages: the crawl's phases: not measured (too short a run for "
                f"progress lines a second apart past {low:.0%} and {high:.0%} of its pages)"
            )


if __name__ == "__main__":
    main()
