"""``crawler scheduler``: fires due schedules and marks runs whose worker went silent.

Any number of schedulers may run against one database: each fire time is handled once (see
:mod:`crawler.service.schedules`). A scheduler keeps no state of its own, so a restart
neither fires twice nor misses a due run.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from crawler.service.db import Database
from crawler.service.liveness import touch
from crawler.service.metrics import RUNS_INTERRUPTED, SCHEDULE_FIRES
from crawler.service.runs import reap_stale
from crawler.service.schedules import FireOutcome, fire_due
from crawler.service.tables import utcnow

__all__ = ["Scheduler"]

logger = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self,
        database: Database,
        tick: float,
        run_lease: float,
        name: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        data_dir: Path | None = None,
    ) -> None:
        self.database = database
        self.tick = tick
        self.run_lease = run_lease
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.clock = clock
        self.data_dir = data_dir
        self.stopping = threading.Event()

    def run_once(self) -> list[FireOutcome]:
        now = self.clock()
        for run_id in reap_stale(self.database, self.run_lease, now):
            RUNS_INTERRUPTED.inc()
            logger.warning("run %s marked interrupted: its worker stopped heart-beating", run_id)
        outcomes = fire_due(self.database, now, self.name)
        for outcome in outcomes:
            SCHEDULE_FIRES.labels(outcome.outcome).inc()
        return outcomes

    def run_forever(self) -> None:
        logger.info(
            "scheduler %s: looking at schedules every %gs (database %s)",
            self.name,
            self.tick,
            self.database.describe(),
        )
        while not self.stopping.is_set():
            if self.data_dir is not None:
                touch(self.data_dir, "scheduler")
            try:
                self.run_once()
            except Exception:  # the database may be away for a while: keep going
                logger.exception("scheduler tick failed; retrying in %gs", self.tick)
            self.stopping.wait(self.tick)
        logger.info("scheduler %s stopped", self.name)
