"""Append-only JSON-lines files that survive a killed process up to their last line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

__all__ = ["LineLog"]


class LineLog:
    """Appends JSON lines; line-buffered, so a line is in the OS when ``append`` returns."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._handle: IO[str] = path.open("a", encoding="utf-8", buffering=1)

    def append(self, entry: dict[str, object]) -> None:
        self._handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._handle.close()
