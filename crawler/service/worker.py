"""``crawler worker``: takes queued runs from the database and runs each crawl in a child
process (Scrapy's reactor runs once per process), heart-beating while it goes.

- Live counters come from the child's status file; its log lines go to the run's events.
- A cancel (or losing the run to the reaper) sends the child SIGTERM: Scrapy stops cleanly,
  the WARCs written so far are closed and stored.
- The child is started with ``--stop-with-parent``: if this worker is killed, the kernel
  sends the child SIGTERM and it stops cleanly too; the run, no longer heart-beaten, is
  marked interrupted by any scheduler or worker within the lease, and can be resumed.
- SIGTERM to the worker: it stops taking runs, stops its crawl cleanly, marks the run
  interrupted (resumable) and exits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from crawler.config import Settings
from crawler.crawl.status import CrawlStatus
from crawler.service.db import Database
from crawler.service.job_captures import export_captures, import_captures
from crawler.service.liveness import touch
from crawler.service.metrics import RUNS_FINISHED, WORKER_RUN
from crawler.service.run_logs import ship_log
from crawler.service.runs import add_event, claim_next, finish_run, get_run, heartbeat, reap_stale
from crawler.service.tables import ACTIVE_RUN_STATES, Run

if TYPE_CHECKING:
    from crawler.archive.storage import Storage

__all__ = ["Worker"]

logger = logging.getLogger(__name__)

_KILL_AFTER = 300.0
"""Seconds a child may take to stop cleanly after SIGTERM before it is killed."""


@dataclass(frozen=True)
class _Assignment:
    run_id: int
    job_id: int
    crawl_id: str
    attempt: int
    storage_url: str
    config: dict[str, Any]


class Worker:
    def __init__(self, database: Database, settings: Settings, name: str | None = None) -> None:
        self.database = database
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self._child: subprocess.Popen[bytes] | None = None

    # -- loop ----------------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        def stop(signum: int, _frame: object) -> None:
            logger.warning("worker %s: %s received, stopping", self.name, signal.strsignal(signum))
            self.stopping.set()
            child = self._child
            if child is not None and child.poll() is None:  # at once: compose waits 10 s only
                child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def repair_leftovers(self) -> int:
        """Crawls killed outright (no process left to close them) leave ``*.open`` WARCs in
        the spool: cut each to its last whole exchange, close, index and store it, with a
        manifest listing the crawl's files. The run stays interrupted (resumable). Returns
        how many crawls were repaired."""
        from crawler.archive.spool import CrawlArchive, crawl_dir_busy
        from crawler.archive.storage import open_storage
        from crawler.archive.uploader import Uploader
        from crawler.archive.warc import WarcInfo
        from crawler.jobs.models import DEFAULT_WARC_SIZE

        spool = self.settings.worker_spool
        repaired = 0
        for crawl_dir in sorted(spool.iterdir()) if spool.is_dir() else []:
            state = crawl_dir / ".state" / "storage.json"
            if not state.is_file() or not any(crawl_dir.glob("warc/*.open")):
                continue
            if crawl_dir_busy(crawl_dir):
                continue  # a live crawl (perhaps another worker's)
            with self.database.session() as session:
                run = session.scalar(select(Run).where(Run.crawl_id == crawl_dir.name))
                if run is None or run.status in ACTIVE_RUN_STATES:
                    continue
                run_id, version = run.id, run.job_version
                job = {"name": version.config["name"], "config_hash": version.config_hash}
                job["config"] = version.config
            uploader = Uploader()
            storage_url = json.loads(state.read_text("utf-8"))["storage"]
            archive = CrawlArchive(
                crawl_id=crawl_dir.name,
                spool=spool,
                storage=open_storage(storage_url, self.settings.s3),
                uploader=uploader,
                prefix=job["name"],
                warcinfo=WarcInfo(()),
                max_warc_size=DEFAULT_WARC_SIZE,
                resume=True,
            )
            archive.finish(job, lambda: {"finish_reason": "repaired"})
            left = uploader.drain(self.settings.run_lease)
            uploader.stop()
            archive.release()
            with self.database.transaction() as session:
                add_event(
                    session,
                    run_id,
                    "status",
                    f"worker {self.name} repaired what the killed crawl left "
                    f"({left} file(s) still to store); resume the run to continue",
                )
            repaired += 1
        return repaired

    def run_forever(self) -> None:
        logger.info(
            "worker %s: waiting for runs (database %s, spool %s)",
            self.name,
            self.database.describe(),
            self.settings.worker_spool,
        )
        self.repair_leftovers()
        while not self.stopping.is_set():
            touch(self.settings.data_dir, "worker")
            if not self.run_next():
                self.stopping.wait(self.settings.poll)
        logger.info("worker %s stopped", self.name)

    def run_next(self) -> bool:
        """Run one queued run to its end, if there is one. Returns whether there was."""
        try:
            for run_id in reap_stale(self.database, self.settings.run_lease):
                logger.warning(
                    "run %s marked interrupted: its worker stopped heart-beating", run_id
                )
            assignment = self._claim()
        except Exception:
            logger.exception("worker %s: cannot reach the database; retrying", self.name)
            return False
        if assignment is None:
            return False
        self._execute(assignment)
        return True

    def _claim(self) -> _Assignment | None:
        run = claim_next(self.database, self.name)
        if run is None:
            return None
        with self.database.transaction() as session:
            current = get_run(session, run.id)
            if self.settings.storage_url:
                current.storage_url = self.settings.storage_url
            return _Assignment(
                run_id=current.id,
                job_id=current.job_id,
                crawl_id=current.crawl_id,
                attempt=current.attempt,
                storage_url=current.storage_url,
                config=dict(current.job_version.config),
            )

    # -- one run -------------------------------------------------------------------------
    def _execute(self, run: _Assignment) -> None:
        folder = self.settings.data_dir / "runs" / str(run.run_id)
        folder.mkdir(parents=True, exist_ok=True)
        job_file = folder / "job.json"
        job_file.write_text(json.dumps(run.config), encoding="utf-8")
        status_file = folder / f"status-{run.attempt}.json"
        log_file = folder / f"crawl-{run.attempt}.log"
        captures_out = folder / f"captures-{run.attempt}.jsonl"
        command = [
            sys.executable,
            "-m",
            "crawler.cli",
            "crawl",
            str(job_file),
            "--crawl-id",
            run.crawl_id,
            "--spool",
            str(self.settings.worker_spool),
            "--storage",
            run.storage_url,
            "--status-file",
            str(status_file),
            "--progress",
            str(self.settings.heartbeat),
            "--stop-with-parent",
            str(os.getpid()),
            "--captures-out",
            str(captures_out),
        ]
        if run.attempt > 1:
            command.append("--resume")
        if run.config.get("only_new"):
            previous = folder / f"previous-{run.attempt}.jsonl"
            known = export_captures(self.database, run.job_id, previous)
            command += ["--previous-captures", str(previous)]
            logger.info("run %s: incremental, %d URLs captured before", run.run_id, known)
        logger.info("run %s (crawl %s, attempt %d) starting", run.run_id, run.crawl_id, run.attempt)
        with log_file.open("ab") as log:
            # our own interpreter and module, arguments from our own database: no shell
            environment = self.settings.crawl_environment(run.run_id, run.config.get("name", ""))
            child = subprocess.Popen(  # noqa: S603
                command, stdout=log, stderr=subprocess.STDOUT, env=environment
            )
        self._child = child
        try:
            outcome = self._supervise(run, child, status_file, log_file)
        finally:
            self._child = None
        try:
            import_captures(self.database, run.job_id, run.crawl_id, captures_out)
        except Exception:
            logger.exception(
                "run %s: could not record its captures for incremental runs", run.run_id
            )
        if not self.stopping.is_set():  # a stopping worker has seconds: the resume indexes
            self._index(run)
        logger.info("run %s %s", run.run_id, outcome)

    def _index(self, run: _Assignment) -> None:
        """Make what the run stored searchable (capture index, articles)."""
        from crawler.archive.storage import StorageError, open_storage
        from crawler.service.research.index import CrawlIndexError, index_crawl

        try:
            storage = open_storage(run.storage_url, self.settings.s3)
            index_crawl(self.database, storage, run.crawl_id)
        except (CrawlIndexError, StorageError) as exc:
            logger.warning("run %s: not indexed: %s", run.run_id, exc)
            return
        except Exception:
            logger.exception("run %s: indexing failed", run.run_id)
            return
        if self.settings.pywb_collection is not None:
            self._add_to_pywb(run, storage, self.settings.pywb_collection)

    def _add_to_pywb(self, run: _Assignment, storage: Storage, collection: Path) -> None:
        """The run's crawl into the pywb collection (replayable at once); a failure is
        logged and leaves the run as it is (``crawler pywb-sync`` adds it later)."""
        from crawler.archive.pywb_collection import add_crawl

        try:
            add_crawl(storage, run.crawl_id, collection)
        except Exception:
            logger.exception("run %s: not added to the pywb collection %s", run.run_id, collection)

    def _supervise(
        self, run: _Assignment, child: subprocess.Popen[bytes], status_file: Path, log_file: Path
    ) -> str:
        shipped = 0
        stop_sent_at: float | None = None
        cancelled = False
        while True:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=self.settings.heartbeat)
            touch(self.settings.data_dir, "worker")
            ended = child.poll() is not None
            shipped = ship_log(self.database, run.run_id, log_file, shipped, everything=ended)
            status = CrawlStatus.read(status_file) or CrawlStatus()
            if ended:
                break
            counters = status.counters.model_dump()
            for name, value in counters.items():
                WORKER_RUN.labels(name).set(value)
            try:
                stop = heartbeat(
                    self.database,
                    run.run_id,
                    self.name,
                    counters,
                    status.files,
                    coverage=status.coverage,
                )
            except Exception:
                logger.exception("run %s: heartbeat failed (database away?)", run.run_id)
                stop = False
            cancelled = cancelled or stop
            if self.stopping.is_set() and stop_sent_at is None:
                stop_sent_at = time.monotonic()  # the signal handler sent SIGTERM already
            elif stop and stop_sent_at is None:
                logger.info("run %s: cancel requested; stopping its crawl cleanly", run.run_id)
                child.send_signal(signal.SIGTERM)
                stop_sent_at = time.monotonic()
            elif stop_sent_at is not None and time.monotonic() - stop_sent_at > _KILL_AFTER:
                logger.error(
                    "run %s: crawl did not stop in %gs; killing it", run.run_id, _KILL_AFTER
                )
                child.kill()
        return self._finish(run, child.returncode, CrawlStatus.read(status_file), cancelled)

    def _finish(
        self, run: _Assignment, code: int, last: CrawlStatus | None, cancelled: bool
    ) -> str:
        """Record the run's outcome from the crawl's exit code and its last status."""
        status = last or CrawlStatus()
        if self.stopping.is_set():
            outcome, error = "interrupted", "the worker was stopped; resume the run to continue"
        elif cancelled:
            outcome, error = "cancelled", ""
        elif code == 0 and status.final:
            outcome, error = "succeeded", ""
        else:
            outcome, error = "failed", _failure(code, status)
        RUNS_FINISHED.labels(outcome).inc()
        WORKER_RUN.clear()
        finish_run(
            self.database,
            run.run_id,
            self.name,
            outcome,
            status.counters.model_dump() if last else {},
            {"stored": status.files, "pending_uploads": status.pending_uploads},
            error,
            coverage=status.coverage,
        )
        return outcome


def _failure(code: int, status: CrawlStatus) -> str:
    if status.pending_uploads:
        return (
            f"{status.pending_uploads} file(s) not stored yet (storage unreachable?); they "
            "wait in the worker's spool and are stored by its next run or `crawler upload`"
        )
    if status.error:
        return status.error
    if code < 0:
        return f"the crawl process was killed by {signal.strsignal(-code)}"
    if status.finish_reason:
        return f"the crawl ended with {status.finish_reason!r}"
    return f"the crawl process exited with status {code} (see the run's logs)"
