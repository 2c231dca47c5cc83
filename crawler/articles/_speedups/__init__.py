"""trafilatura made cheaper, with exactly its results.

Each module replaces one costly step of trafilatura by an equivalent one, and
``tests/test_speedups.py`` checks each against trafilatura's own:

- :mod:`~crawler.speedups.xpath`: its XPath tests, rewritten so that libxml2 calls back into
  Python's regular expressions far less often (with :mod:`~crawler.speedups.regex_literals`);
- :mod:`~crawler.speedups.xml_chars`: its scan for characters XML forbids, run only when one
  is in the page.
"""

from __future__ import annotations

import functools

from crawler.articles._speedups.xml_chars import speed_up_repair
from crawler.articles._speedups.xpath import speed_up_xpaths

__all__ = ["speed_up_trafilatura"]


@functools.cache
def speed_up_trafilatura() -> None:
    """Install every speed-up in this process's trafilatura, once."""
    speed_up_xpaths()
    speed_up_repair()
