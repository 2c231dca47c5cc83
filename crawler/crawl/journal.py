"""A crawl's resume journal: which pages are done, and which links each page led to.

One JSON object per line, appended as the crawl goes (each line reaches the OS at once, so a
killed crawl keeps every line written before it died)::

    {"link": "<parent url>", "url": "<child url>", "depth": 2}
    {"done": "<url>"}          the page's item left the pipelines (stored or dropped)

A resumed crawl does not fetch done pages again; it follows their recorded links instead, so
pages found through them are not lost (:class:`ResumeState`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from crawler.archive.linelog import LineLog

__all__ = ["Journal", "ResumeState"]

logger = logging.getLogger(__name__)


@dataclass
class ResumeState:
    """What earlier attempts of a crawl finished: done URLs and the links of each page."""

    done: set[str] = field(default_factory=set)
    links: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> ResumeState:
        state = cls()
        if not path.is_file():
            return state
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                try:
                    entry = json.loads(line)
                except ValueError:  # the last line of a killed crawl may be cut
                    logger.warning("%s:%d: unreadable journal line skipped", path, number)
                    continue
                if "done" in entry:
                    state.done.add(entry["done"])
                elif "link" in entry:
                    children = state.links.setdefault(entry["link"], [])
                    children.append((entry["url"], int(entry["depth"])))
        return state


class Journal(LineLog):
    def link(self, parent: str, url: str, depth: int) -> None:
        self.append({"link": parent, "url": url, "depth": depth})

    def done(self, url: str) -> None:
        self.append({"done": url})
