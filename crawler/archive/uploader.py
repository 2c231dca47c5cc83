"""Background uploads from the local spool to storage, verified, retried, in order.

One thread, one FIFO queue: a file that fails is retried (with backoff) before any later
file, so a crawl's manifest, queued last, is only stored after everything it lists.
A local copy is deleted only after storage verified it (size and SHA-256 read back).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crawler.archive.storage import Storage, StorageError

__all__ = ["DEFAULT_UPLOAD_WAIT", "Upload", "Uploader"]

logger = logging.getLogger(__name__)

DEFAULT_UPLOAD_WAIT = 120.0
"""Seconds a crawl waits for its uploads at its end; what is left stays in the spool."""


@dataclass(frozen=True)
class Upload:
    local: Path
    key: str
    storage: Storage
    after: Callable[[], None] | None = None
    """Called after the verified upload and the local delete (e.g. remove an empty folder)."""


class Uploader:
    """Uploads queued files on a daemon thread; ``drain`` waits for the backlog to clear."""

    def __init__(self, max_backoff: float = 30.0, sleep: Callable[[float], None] = time.sleep):
        self._queue: queue.Queue[Upload | None] = queue.Queue()
        self._max_backoff = max_backoff
        self._sleep = sleep
        self._pending = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self.uploaded = 0
        self.failures = 0
        self._thread = threading.Thread(target=self._run, name="archive-uploader", daemon=True)
        self._thread.start()

    @property
    def backlog(self) -> int:
        """Files queued or in flight."""
        with self._lock:
            return self._pending

    def submit(self, upload: Upload) -> None:
        with self._lock:
            self._pending += 1
        self._queue.put(upload)

    def drain(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for the backlog to clear; return what is left."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(min(left, 0.5))
            return self._pending

    def stop(self) -> None:
        """Stop after the current attempt; unfinished files stay in the spool."""
        self._stopping.set()
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while (upload := self._queue.get()) is not None:
            try:
                done = self._upload_with_retries(upload)
            except Exception:  # never let the thread die: the rest must still be stored
                logger.exception("upload of %s: unexpected error; left in the spool", upload.key)
                self.failures += 1
                done = True
            if done:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()
            if self._stopping.is_set():
                return

    def _upload_with_retries(self, upload: Upload) -> bool:
        backoff = 1.0
        while not self._stopping.is_set():
            if not upload.local.is_file():  # nothing to retry: say so, do not block the queue
                self.failures += 1
                logger.error("upload of %s skipped: %s no longer exists", upload.key, upload.local)
                return True
            try:
                stored = upload.storage.put(upload.local, upload.key)
            except (StorageError, OSError) as exc:
                self.failures += 1
                logger.warning("upload of %s failed (retry in %.0fs): %s", upload.key, backoff, exc)
                self._sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            upload.local.unlink()
            self.uploaded += 1
            logger.info("stored %s (%d bytes, sha256 %s)", upload.key, stored.size, stored.sha256)
            if upload.after is not None:
                upload.after()
            return True
        return False
