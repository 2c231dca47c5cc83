"""Workers on real crawls: a run to completion, a cancel, and a worker killed mid-crawl
whose run is marked interrupted, then resumed to completion with every page archived."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from crawler.service.db import Database, open_database
from crawler.service.jobs import create_job, get_job
from crawler.service.runs import queue_run, request_cancel, resume_run
from crawler.service.scheduler import Scheduler
from crawler.service.tables import Run, RunEvent
from tests.conftest import ROOT
from tests.pagedsite import PagedSite
from tests.warc_checks import check_revisits, validate_warc

pytestmark = pytest.mark.e2e


@pytest.fixture
def paged_site() -> Iterator[PagedSite]:
    site = PagedSite(sections=3, per_section=6, delay=0.2)
    yield site
    site.close()


class Service:
    """A SQLite service database and the environment of worker processes using it."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.url = f"sqlite:///{tmp / 'crawler.db'}"
        self.database: Database = open_database(self.url)
        self.archive = tmp / "archive"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.url,
            "CRAWLER_DATA_DIR": str(tmp / "data"),
            "CRAWLER_HEARTBEAT": "0.3",
            "CRAWLER_RUN_LEASE": "2",
            "CRAWLER_WORKER_POLL": "0.2",
            "CRAWLER_UPLOAD_WAIT": "30",
        }

    def add_job(self, site: PagedSite, **extra: object) -> int:
        job = {
            "name": "paged",
            "seeds": {"start_pages": [f"{site.url}/"]},
            "scope": {"max_depth": 2},
            "politeness": {"delay": 0, "concurrency_per_domain": 1},
            "safety": {"allowed_networks": ["127.0.0.1/32"]},
            "storage": f"file://{self.archive}",
            **extra,
        }
        with self.database.transaction() as session:
            create_job(session, yaml.safe_dump(job), "test")
        return self.queue()

    def queue(self) -> int:
        with self.database.transaction() as session:
            return queue_run(session, get_job(session, "paged"), "manual", "test").id

    def worker(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "worker", "--once"],
            env=self.env,
            cwd=self.tmp,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: the test can kill worker + crawl
        )

    def run(self, run_id: int) -> Run:
        with self.database.session() as session:
            run = session.get(Run, run_id)
            assert run is not None
            return run

    def events(self, run_id: int) -> list[str]:
        with self.database.session() as session:
            query = select(RunEvent.message).where(RunEvent.run_id == run_id)
            return list(session.scalars(query.order_by(RunEvent.id)))


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    service = Service(tmp_path)
    yield service
    service.database.engine.dispose()


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def _finish(worker: subprocess.Popen[str], timeout: float = 180) -> str:
    output, _ = worker.communicate(timeout=timeout)
    return output


def _archived_pages(archive: Path, crawl_id: str) -> tuple[set[str], list[Path]]:
    """URL paths with a response record in the crawl's stored WARCs (each WARC validated)."""
    warcs = sorted((archive / "crawls" / crawl_id / "warc").glob("*.warc.gz"))
    reports = [validate_warc(path) for path in warcs]
    check_revisits(reports)
    paths = {
        "/" + r.get("WARC-Target-URI").split("/", 3)[3]
        for report in reports
        for r in report.of_type("response") + report.of_type("revisit")
    }
    return paths, warcs


def _check_manifest(archive: Path, crawl_id: str, warcs: list[Path]) -> dict[str, object]:
    import hashlib

    folder = archive / "crawls" / crawl_id
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = {f["path"]: f for f in manifest["files"]}
    for warc in warcs:
        entry = listed[f"warc/{warc.name}"]
        assert entry["sha256"] == hashlib.sha256(warc.read_bytes()).hexdigest()
    for path, entry in listed.items():
        assert (folder / path).is_file(), f"manifest lists {path}, not stored"
        assert entry["sha256"] == hashlib.sha256((folder / path).read_bytes()).hexdigest()
    return manifest


def test_a_worker_runs_a_queued_crawl_to_completion(
    service: Service, paged_site: PagedSite
) -> None:
    run_id = service.add_job(paged_site)
    output = _finish(service.worker())
    run = service.run(run_id)
    assert run.status == "succeeded", (run.error, output[-3000:])
    assert run.attempt == 1 and run.worker and run.finished_at
    pages, warcs = _archived_pages(service.archive, run.crawl_id)
    assert pages >= paged_site.page_paths()
    assert run.counters["pages"] >= len(paged_site.page_paths())
    assert run.counters["articles"] == paged_site.sections * paged_site.per_section
    assert run.counters["on_topic"] == 0  # this job has no topic
    _check_manifest(service.archive, run.crawl_id, warcs)
    events = service.events(run_id)
    assert events[0].startswith("queued by test") and events[-1] == "succeeded"
    assert any("progress: pages" in e for e in events)  # the crawl's own log lines
    assert any("stored crawls/" in e for e in events)
    assert run.files["pending_uploads"] == 0 and any(
        f.startswith("warc/") for f in run.files["stored"]
    )
    totals = run.coverage["totals"]  # the crawl's coverage report, kept with the run
    assert totals["seed"]["fetched"] >= 1 and sum(s.get("articles", 0) for s in totals.values())


def test_a_cancelled_run_stops_cleanly_with_its_warcs_stored(
    service: Service, paged_site: PagedSite
) -> None:
    run_id = service.add_job(paged_site)
    worker = service.worker()
    _wait(lambda: service.run(run_id).counters.get("pages", 0) >= 5, 60, "pages to be fetched")
    assert service.run(run_id).status == "running"
    with service.database.transaction() as session:
        assert request_cancel(session, run_id, "test").status == "cancelling"
    output = _finish(worker)
    run = service.run(run_id)
    assert run.status == "cancelled", (run.error, output[-3000:])
    pages, warcs = _archived_pages(service.archive, run.crawl_id)
    assert warcs and 5 <= len(pages) < len(paged_site.page_paths()) + 1
    _check_manifest(service.archive, run.crawl_id, warcs)


@pytest.mark.parametrize("kill", ["worker", "worker-and-crawl", "sigterm"])
def test_a_killed_worker_leaves_an_interrupted_run_that_resumes_without_losing_a_page(
    service: Service, paged_site: PagedSite, kill: str
) -> None:
    run_id = service.add_job(paged_site)
    worker = service.worker()
    _wait(lambda: service.run(run_id).counters.get("pages", 0) >= 6, 60, "pages to be fetched")
    if kill == "worker":  # the crawl gets SIGTERM from the kernel and stops cleanly
        os.kill(worker.pid, signal.SIGKILL)
    elif kill == "sigterm":  # docker compose stop: 10 s before a SIGKILL
        stopped_at = time.monotonic()
        os.kill(worker.pid, signal.SIGTERM)
    else:  # everything dies at once: an .open WARC is left behind
        os.killpg(worker.pid, signal.SIGKILL)
    worker.communicate(timeout=30)
    status = service.tmp / "data" / "runs" / str(run_id) / "status-1.json"
    if kill == "sigterm":
        assert time.monotonic() - stopped_at < 10, "the worker must exit within compose's grace"
        assert service.run(run_id).status == "interrupted"  # marked by the worker itself
        assert json.loads(status.read_text())["finish_reason"] == "shutdown"
    else:
        if kill == "worker":
            _wait(lambda: json.loads(status.read_text()).get("final", False), 60, "the crawl")
        assert service.run(run_id).status == "running"  # nobody has noticed yet
        scheduler = Scheduler(service.database, tick=1, run_lease=2)
        _wait(
            lambda: not scheduler.run_once() and service.run(run_id).status != "running",
            30,
            "reap",
        )
        assert any("no heartbeat" in e for e in service.events(run_id))
    interrupted = service.run(run_id)
    assert interrupted.status == "interrupted"
    spool = service.tmp / "data" / "spool" / interrupted.crawl_id
    left_open = list(spool.glob("warc/*.open"))
    assert bool(left_open) == (kill == "worker-and-crawl")
    if left_open:  # the next worker to start repairs it, even with nothing to run
        assert service.worker().wait(60) == 3  # --once: no queued run
        assert not list(spool.glob("warc/*.open"))
        stored = service.archive / "crawls" / interrupted.crawl_id
        repaired = stored / "warc" / left_open[0].name.removesuffix(".open")
        validate_warc(repaired)
        assert (
            json.loads((stored / "manifest.json").read_text())["stats"]["finish_reason"]
            == "repaired"
        )
        assert service.run(run_id).status == "interrupted"
        assert any("repaired what the killed crawl left" in e for e in service.events(run_id))

    with service.database.transaction() as session:
        resume_run(session, run_id, "test")
    output = _finish(service.worker())
    run = service.run(run_id)
    assert run.status == "succeeded", (run.error, output[-3000:])
    assert run.attempt == 2 and run.crawl_id == interrupted.crawl_id
    pages, warcs = _archived_pages(service.archive, run.crawl_id)
    assert pages >= paged_site.page_paths(), sorted(paged_site.page_paths() - pages)
    assert len(warcs) >= 2  # the first attempt's WARC is kept beside the second's
    manifest = _check_manifest(service.archive, run.crawl_id, warcs)
    assert {f"warc/{w.name}" for w in warcs} <= {f["path"] for f in manifest["files"]}  # type: ignore[union-attr]
    assert not list(spool.glob("warc/*.open"))
    articles = service.archive / "crawls" / run.crawl_id / "articles"
    import gzip

    stored = {
        json.loads(line)["url"].split("/", 3)[3]
        for path in articles.glob("*.jsonl.gz")
        for line in gzip.decompress(path.read_bytes()).splitlines()
    }
    expected = {p.lstrip("/") for p in paged_site.page_paths() if p.startswith("/a/")}
    assert stored >= expected, sorted(expected - stored)  # every article extracted once at least
    summary = json.loads((articles / "summary.json").read_text())
    assert summary["articles"] >= len(expected)  # the summary covers both attempts
    refetched = [
        p for p in paged_site.page_paths() if paged_site.hits[p] > 1 and p.startswith("/a/")
    ]
    if kill == "worker":  # a clean stop: its queue continues, done pages are not fetched again
        assert refetched == []


def test_an_incremental_job_stores_only_what_changed_since_its_last_run(
    service: Service, paged_site: PagedSite
) -> None:
    first = service.add_job(paged_site, only_new=True)
    _finish(service.worker())
    assert service.run(first).counters["articles"] == 18
    new = paged_site.add_article(1)
    second = service.queue()
    output = _finish(service.worker())
    run = service.run(second)
    assert run.status == "succeeded", (run.error, output[-3000:])
    assert run.counters["articles"] == 1  # the new article only
    crawls = service.archive / "crawls"
    earlier = service.run(first).crawl_id
    reports = [validate_warc(p) for p in sorted(crawls.glob("*/warc/*.warc.gz"))]
    check_revisits(reports)  # revisits of the first run's records find them
    reports = [r for r in reports if earlier not in str(r.path)]
    pages = {
        "/" + r.get("WARC-Target-URI").split("/", 3)[3]
        for report in reports
        for r in report.of_type("response") + report.of_type("revisit")
    }
    not_modified = [
        r.get("WARC-Target-URI")
        for report in reports
        for r in report.of_type("revisit")
        if (r.get("WARC-Profile") or "").endswith("server-not-modified")
    ]
    assert len(not_modified) >= 8  # sections 0 and 2, and section 1's six old articles
    assert new in pages
