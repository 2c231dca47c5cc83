"""trafilatura's page measure, not taken where its answer cannot matter.

``trafilatura.core.trafilatura_sequence`` retries a short extraction (under 3,000
characters) in recall mode when it covers less than a fifth of the page's text::

    len(temp_text) < ESCALATION_PAGE_SHARE * len(html2txt(tree))

``html2txt`` copies the page, deletes its asides, footers, scripts and styles, spaces its
blocks and joins its words: ~8% of extraction on AEB, where 63 pages of 145 are measured.
Most of them are not retried: their text is more than a fifth of the page's.

A bound of that length costs a fraction of it. ``html2txt``'s text is the page's words joined
by single spaces: its length is the count of non-space characters plus the count of words,
less one. Deleting elements only removes characters (the script, style and template text
it always deletes is subtracted); spacing the blocks adds spaces, each splitting at most one
word, two for each block element. So::

    len(html2txt(tree)) <= non-space characters - those of scripts, styles, templates
                           + words + 2 * block elements

The extraction's length is ``trafilatura_sequence``'s local ``temp_text``, read from the
calling frame (the condition is inside that function, and the versions are pinned:
:data:`crawler.articles._speedups.TESTED`). When a fifth of the bound is no more than that
length, the retry cannot happen whatever the measure: it is not taken, and ``html2txt``
answers ``""`` (for which the condition is false too). Called from anywhere else, or
without that local, trafilatura's own ``html2txt`` runs. Same output
(``bench/speedups_identity.py``, ``tests/test_speedups.py``).
"""

from __future__ import annotations

import functools
import importlib
import sys
from typing import Any

__all__ = ["speed_up_page_measure"]

_REMOVED_TEXT = ("script", "style", "template")
"""Elements whose text ``html2txt`` always deletes (trafilatura's ``BASIC_CLEAN_XPATH``)."""


def _measure_bound(tree: Any, blocks: frozenset[str]) -> int:
    """An upper bound of ``len(html2txt(tree))`` (see the module's docstring)."""
    body = tree.find(".//body")
    if body is None:
        body = tree
    words = body.text_content().split()
    characters = sum(map(len, words))
    for element in body.iter(*_REMOVED_TEXT):
        if element.text:
            characters -= sum(map(len, element.text.split()))
    return characters + len(words) + 2 * sum(1 for _ in body.iter(*blocks))


@functools.cache
def speed_up_page_measure() -> bool:
    """Install it in this process's trafilatura, once; False if its names moved."""
    from trafilatura import core

    baseline = importlib.import_module("trafilatura.baseline")  # the package's name: a function
    names = ("html2txt", "ESCALATION_PAGE_SHARE", "trafilatura_sequence")
    if not all(hasattr(core, name) for name in names) or not hasattr(baseline, "_BLOCK_ELEMS"):
        return False
    original: Any = getattr(core, "html2txt")  # noqa: B009  (not exported: no stub)
    share: float = core.ESCALATION_PAGE_SHARE
    caller = core.trafilatura_sequence.__code__
    blocks = frozenset(baseline._BLOCK_ELEMS)

    def html2txt(content: Any, clean: bool = True) -> str:
        frame = sys._getframe(1)
        if frame.f_code is caller and clean:
            extracted = frame.f_locals.get("temp_text")
            if isinstance(extracted, str) and share * _measure_bound(content, blocks) <= len(
                extracted
            ):
                return ""
        text: str = original(content, clean)
        return text

    setattr(core, "html2txt", html2txt)  # noqa: B010  (a private use: no stub)
    return True
