"""trafilatura's author search, without its pruned copy of the page.

``trafilatura.metadata.extract_author`` runs on pages whose ``<meta>`` and JSON-LD name no
author (about half of them). It copies the whole page (~0.4 ms), deletes from the copy
every element that ``AUTHOR_DISCARD_XPATHS`` selects (comment sections, dates, figures,
sidebars: ~1.4 ms of walks over the page), then takes the first element that
``AUTHOR_XPATHS`` selects in the pruned copy whose text has a name's length.

Both lists select elements by their own name and attributes alone. So an element selected in
the pruned copy is one selected in the page that is neither deleted nor inside a deleted
element; its text there is its text in the page without the deleted elements inside it,
whose tails the deletion keeps. Here ``AUTHOR_XPATHS`` run on the page itself; an element
that is or lies inside one the discard expressions select (tested on its ancestors, not on
the page) is passed over; the text of the others is read from the element itself or, where
something inside it is to be deleted, from a copy of that element pruned as trafilatura
prunes the page. The same answer, without the copy and the walks.

Left to trafilatura as it is: a tree that is not the root of its document (its copy would
be a smaller document), and a page with a ``<rel>`` element: one author test, ``rel='me'``,
reads the text of such a child, which deletions inside it could change.
"""

from __future__ import annotations

import functools
import re
from copy import deepcopy
from typing import Any

from lxml import etree

from crawler.articles._speedups.xpath import (
    POSITIONAL,
    REGEXP_NS,
    STRING_LITERAL,
    speed_up_xpaths,
)

__all__ = ["speed_up_author_search"]

_BRANCH = re.compile(r"\s*\.?//([\w-]+|\*)((?:\[.*\])?)\s*", re.S)
"""One branch of a discard expression: ``.//name[...]`` or ``//name[...]``."""
_OTHER_ELEMENTS = re.compile(r"/|\.\.|(?<!self)::")
"""In predicates (string literals aside): a step to other elements."""


def _branches(path: str) -> list[tuple[str, str]] | None:
    """``(name test, predicates)`` of each top-level ``|`` branch of ``path``, or None when
    a branch is not one step whose predicates test the element itself."""
    # string literals blanked (same length): what is left is the expression's own syntax
    code = STRING_LITERAL.sub(lambda m: "'" + " " * (len(m.group()) - 2) + "'", path)
    steps = re.sub(r"^\s*\.?//|\|\s*\.?//", "", code)
    if _OTHER_ELEMENTS.search(steps) or POSITIONAL.search(steps):
        return None
    branches, depth, start = [], 0, 0
    for i, char in enumerate(code):  # split at the bars outside any predicate
        depth += (char == "[") - (char == "]")
        if char == "|" and depth == 0:
            branches.append(path[start:i])
            start = i + 1
    branches.append(path[start:])
    found = []
    for branch in branches:
        match = _BRANCH.fullmatch(branch)
        if match is None:
            return None
        found.append((match.group(1), match.group(2)))
    return found


def _along(axis: str, paths: list[str]) -> Any:
    """A test of whether an element on ``axis`` of the context is one that trafilatura's
    pruning with ``paths`` deletes (the root, which it cannot delete, is never one)."""
    steps = []
    for path in paths:
        branches = _branches(path)
        if branches is None:
            return None
        steps += [f"{axis}::{name}{predicates}[parent::*]" for name, predicates in branches]
    return etree.XPath(f"boolean({' | '.join(steps)})", namespaces={"re": REGEXP_NS})


_HAS_REL = etree.XPath("boolean(//rel)")


class _InPrunedPage:
    """One of ``AUTHOR_XPATHS``, answering as on the page pruned of the discarded elements."""

    def __init__(self, expression: Any, pruned: Any, discarded: Any, holds_discarded: Any):
        self.expression, self.pruned = expression, pruned
        self.discarded, self.holds_discarded = discarded, holds_discarded

    def __call__(self, tree: Any) -> list[Any]:
        found = []
        for element in self.expression(tree):
            if self.discarded(element):
                continue
            found.append(self.pruned(element) if self.holds_discarded(element) else element)
        return found


@functools.cache
def speed_up_author_search() -> bool:
    """Install it in this process's trafilatura, once; False if its function or expressions
    are not of the form this relies on."""
    from trafilatura import metadata

    original: Any = getattr(metadata, "extract_author", None)
    expressions = getattr(metadata, "AUTHOR_XPATHS", None)
    discard = getattr(metadata, "AUTHOR_DISCARD_XPATHS", None)
    if original is None or not isinstance(expressions, list) or not isinstance(discard, list):
        return False
    # read from trafilatura's own expressions, not their rewritten forms (speed_up_xpaths)
    originals = {id(new): old for old, new in speed_up_xpaths()}
    paths = [getattr(originals.get(id(e), e), "path", "") for e in discard]
    discarded = _along("ancestor-or-self", paths)
    holds_discarded = _along("descendant", paths)
    if discarded is None or holds_discarded is None:
        return False
    # the functions its extract_author calls, as it finds them
    calls = [vars(metadata).get(n) for n in ("prune_unwanted_nodes", "extract_metainfo")]
    prune, extract_metainfo = calls
    normalize_authors = vars(metadata).get("normalize_authors")
    if prune is None or extract_metainfo is None or normalize_authors is None:
        return False

    def pruned(element: Any) -> Any:
        return prune(deepcopy(element), discard)

    in_pruned_page = [_InPrunedPage(e, pruned, discarded, holds_discarded) for e in expressions]

    @functools.wraps(original)  # trafilatura's own as ``__wrapped__``, for the tests
    def extract_author(tree: Any) -> str | None:
        if tree.getparent() is not None or _HAS_REL(tree):
            result: str | None = original(tree)
            return result
        # trafilatura's own steps, on the page as its pruned copy would show it
        author: str | None = extract_metainfo(tree, in_pruned_page, len_limit=120)
        if author:
            author = normalize_authors(None, author)
        return author

    setattr(metadata, "extract_author", extract_author)  # noqa: B010
    return True
