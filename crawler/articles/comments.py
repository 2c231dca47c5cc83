"""Reader comments in their own field, never in the article text.

Asking trafilatura for comments (``include_comments=True``) changes the article text of some
pages (it then keeps lists that it prunes together with the comment sections otherwise), so
the text is extracted without them and :func:`reader_comments` finds the comments in a
second pass over a copy of the page: trafilatura's own steps with comments on (raw-tree
pruning, cleaning, tag conversion, its comment sections and their text), stopping before
the main text. The result is trafilatura's ``comments`` with ``include_comments=True``.

The pass runs only on pages with an element whose ``id`` or ``class`` could name a comment
section (what trafilatura's comment expressions look for); the others have none to find.
On a discussion-forum page (schema.org ``DiscussionForumPosting``) the posts are the
article text, as trafilatura keeps them: no comments there.

The pass uses trafilatura's internal functions: with a trafilatura that lacks them, comments
are left empty and the log says so once.
"""

from __future__ import annotations

import copy
import functools
import logging
from typing import Any

from lxml import etree

__all__ = ["reader_comments"]

logger = logging.getLogger(__name__)

_MAY_HOLD_COMMENTS = etree.XPath(
    "boolean(/descendant::*/@class[contains(., 'omment')])"
    " or boolean(/descendant::*/@id[contains(., 'omment') or contains(., 'comol')"
    " or contains(., 'disqus') or contains(., 'dsq-') or starts-with(., 'social')])"
)
"""True for every page where one of trafilatura's ``COMMENTS_XPATH`` could select an element
(each of them tests one of these substrings of ``id`` or ``class``)."""


@functools.cache
def _steps() -> tuple[Any, ...] | None:
    """trafilatura's functions for the pass, or None (logged once) when they are missing."""
    try:
        from trafilatura.core import _forum_thread_page
        from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
        from trafilatura.main_extractor import extract_comments
        from trafilatura.settings import Extractor
        from trafilatura.xml import xmltotxt
        from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH
    except ImportError as exc:
        logger.warning("reader comments left empty: this trafilatura lacks %s", exc.name)
        return None
    return (
        RAW_TREE_PRUNE_XPATH,
        _forum_thread_page,
        convert_tags,
        prune_unwanted_nodes,
        tree_cleaning,
        extract_comments,
        Extractor,
        xmltotxt,
    )


def reader_comments(tree: Any, url: str, fast: bool, include_tables: bool) -> str:
    """The page's reader comments as trafilatura finds them (``""`` when it has none).
    ``tree`` is left as it is."""
    steps = _steps()
    if steps is None or not _MAY_HOLD_COMMENTS(tree):
        return ""
    raw_prune, forum, convert, prune, cleaning, comments_of, extractor, to_text = steps
    if forum(tree):
        return ""
    options = extractor(
        output_format="python", fast=fast, comments=True, tables=include_tables, url=url
    )
    page = prune(copy.copy(tree), raw_prune)
    page = convert(cleaning(page, options), options, url)
    body, text, _ = comments_of(page, options)
    if not text:
        return ""
    return str(to_text(body, options.formatting))
