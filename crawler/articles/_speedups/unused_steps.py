"""trafilatura's steps whose results extraction never reads, not run.

- **The backup tree.** ``trafilatura.core._prepare_tree`` copies the cleaned tree before
  converting its tags, for the fallback extractors (readability, jusText) and for forum posts
  taken for comments. In fast mode without comments neither runs and the copy is never read
  (~2% of extraction): then it is not made. Same output.
- **The license.** ``trafilatura.metadata.extract_license`` looks through every link of the
  page for a licence (~3% of extraction). A licence is not a field of an article
  (:class:`crawler.articles.extract.ExtractionResult`): trafilatura's ``license`` stays None.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["speed_up_unused_steps"]


def _no_license(tree: Any) -> None:
    """In place of ``extract_license``: the pipeline does not read it."""


@functools.cache
def speed_up_unused_steps() -> bool:
    """Install both in this process's trafilatura, once. False if its functions moved."""
    from trafilatura import core, metadata

    needed = ("_prepare_tree", "tree_cleaning", "convert_tags", "copy")
    if not all(hasattr(core, name) for name in needed) or not hasattr(metadata, "extract_license"):
        return False
    original, cleaning, conversion, copy = (getattr(core, name) for name in needed)

    def prepare_tree(tree: Any, options: Any, url: str | None) -> tuple[Any, Any]:
        if options.fast and not options.comments:  # no fallback, no comments: no backup
            return conversion(cleaning(copy(tree), options), options, url), None
        prepared: tuple[Any, Any] = original(tree, options, url)
        return prepared

    setattr(core, "_prepare_tree", prepare_tree)  # noqa: B010  (a private name: no stub)
    setattr(metadata, "extract_license", _no_license)  # noqa: B010
    return True
