"""trafilatura made cheaper, with exactly its results.

Each module replaces one costly step of trafilatura by an equivalent one, and
``tests/test_speedups.py`` checks each against trafilatura's own:

- :mod:`.xpath`: its XPath tests, rewritten so that libxml2 calls back into
  Python's regular expressions far less often (with :mod:`.regex_literals`),
  and its first body expression stopped at the first element, the only one read;
- :mod:`.xml_chars`: its scan for characters XML forbids, run only when one
  is in the page;
- :mod:`.catstags`: its category and tag search, skipped on pages where no
  link could pass its filter;
- :mod:`.unused_steps`: a tree copy that fast mode never reads, and the
  licence search (not a field of an article);
- :mod:`.page_measure`: its measure of the page's text, not taken where a
  cheaper bound shows that its answer cannot matter;
- :mod:`.json_ld`: its JSON-LD minifying and surrogate filter, the same
  strings built natively;
- :mod:`.lent_tree`: its copy of the caller's tree, not made when the caller
  lends the tree (:func:`lend_tree`);
- :mod:`.author_search`: its author search, run on the page itself rather than on a
  pruned copy of it.
"""

from __future__ import annotations

import functools
import importlib.metadata

from crawler.articles._speedups.author_search import speed_up_author_search
from crawler.articles._speedups.catstags import speed_up_catstags
from crawler.articles._speedups.json_ld import speed_up_json_ld
from crawler.articles._speedups.lent_tree import lend_tree, speed_up_lent_tree
from crawler.articles._speedups.page_measure import speed_up_page_measure
from crawler.articles._speedups.unused_steps import speed_up_unused_steps
from crawler.articles._speedups.xml_chars import speed_up_repair
from crawler.articles._speedups.xpath import speed_up_xpaths

__all__ = ["TESTED", "lend_tree", "speed_up_trafilatura", "speedups_state"]

TESTED = {"trafilatura": ("2.3.1",), "lxml": ("6.1.3",)}
"""The versions the speed-ups were checked against (identical output on every corpus page:
``bench/speedups_identity.py``; the versions ``requirements.lock`` ships and CI installs).
They rewrite trafilatura's XPath expressions and regular expressions: with any other
version they stay off, and extraction is trafilatura's own."""
_NAMES = (
    "xpath tests, regex literals, xml characters, categories and tags, unused steps, "
    "page measure, json-ld, lent tree, author search"
)


def speedups_state(wanted: bool = True) -> str:
    """What the speed-ups are in this process: ``on (...)`` or ``off (why)``; written in
    every article's ``extractor.speedups``."""
    if not wanted:
        return "off (turned off: CRAWLER_SPEEDUPS=off)"
    for package, versions in TESTED.items():
        found = importlib.metadata.version(package)
        if found not in versions:
            return f"off ({package} {found} untested; tested: {', '.join(versions)})"
    return f"on ({_NAMES})"


@functools.cache
def speed_up_trafilatura(wanted: bool = True) -> bool:
    """Install every speed-up in this process's trafilatura, once, when wanted and the
    versions are the tested ones. Returns whether they are installed."""
    if not speedups_state(wanted).startswith("on"):
        return False
    speed_up_xpaths()
    speed_up_repair()
    speed_up_catstags()
    speed_up_unused_steps()
    speed_up_page_measure()
    speed_up_json_ld()
    speed_up_lent_tree()
    speed_up_author_search()
    return True
