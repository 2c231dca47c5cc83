"""The caller's tree lent to trafilatura instead of copied.

``trafilatura.bare_extraction`` copies a parsed tree it is given before anything else, so
that the caller's tree stays as it was: its extraction prunes the tree in place (comment
sections, infinite-scroll containers). A caller that reads nothing more from its tree lends
it (:func:`lend_tree`), and that first copy (~0.7 ms a page, ~3% of extraction) is not made.

Only that one: trafilatura's later copies of the same tree (for cleaning, the fallback
extractors, the comments) are made as before, so its steps see the same trees and give the
same output in every mode. The lent tree is left pruned, as trafilatura's copy was.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["lend_tree", "speed_up_lent_tree"]

_LENT: ContextVar[Any] = ContextVar("lent_tree", default=None)
"""The tree lent for the extraction running now, until trafilatura's first copy of it."""


@contextmanager
def lend_tree(tree: Any) -> Iterator[None]:
    """Within this block, trafilatura extracts ``tree`` itself rather than a copy of it
    (when this speed-up is installed). The caller must not read ``tree`` afterwards.
    ``None`` lends nothing."""
    token = _LENT.set(tree)
    try:
        yield
    finally:
        _LENT.reset(token)


@functools.cache
def speed_up_lent_tree() -> bool:
    """Install it in this process's trafilatura, once; False if ``core.copy`` moved."""
    from trafilatura import core

    copy = getattr(core, "copy", None)
    if copy is None:
        return False

    def copy_unless_lent(obj: Any) -> Any:
        if obj is not None and obj is _LENT.get():
            _LENT.set(None)  # lent once: the copies trafilatura makes after the first are made
            return obj
        return copy(obj)

    setattr(core, "copy", copy_unless_lent)  # noqa: B010  (a module's import: no stub)
    return True
