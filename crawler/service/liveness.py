"""Liveness of the long-running roles, for container healthchecks (``crawler health``).

Schedulers and workers touch ``$CRAWLER_DATA_DIR/alive/<role>-<host>`` on every loop (a worker
also while it supervises a crawl); ``crawler health`` succeeds when this host's file is
fresh. Several replicas may share the data folder: each has its own file.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

__all__ = ["alive_anywhere", "is_alive", "touch"]


def _marker(data_dir: Path, role: str) -> Path:
    return data_dir / "alive" / f"{role}-{socket.gethostname()}"


def touch(data_dir: Path, role: str) -> None:
    marker = _marker(data_dir, role)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


def is_alive(data_dir: Path, max_age: float) -> list[str]:
    """The roles of this host that reported within ``max_age`` seconds."""
    host = socket.gethostname()
    folder = data_dir / "alive"
    if not folder.is_dir():
        return []
    now = time.time()
    return [
        path.name.removesuffix(f"-{host}")
        for path in folder.glob(f"*-{host}")
        if now - path.stat().st_mtime <= max_age
    ]


def alive_anywhere(data_dir: Path, max_age: float) -> list[str]:
    """``role-host`` of every process that reported within ``max_age`` seconds into this
    data folder (compose shares it between the roles)."""
    folder = data_dir / "alive"
    if not folder.is_dir():
        return []
    now = time.time()
    return sorted(p.name for p in folder.iterdir() if now - p.stat().st_mtime <= max_age)
