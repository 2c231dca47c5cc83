"""Reader comments (``extraction.comments``) against trafilatura's own, on every corpus page.

    python bench/comments_identity.py

For each page of scrapinghub-aeb and trafilatura-eval (DEV), the comments this project
finds (:func:`crawler.articles.comments.reader_comments`, a pass of its own so that the
article text stays what it is without comments) are compared with the ``comments`` of
trafilatura's ``bare_extraction(include_comments=True, fast=True)`` on the same tree. Prints
how many pages hold comments, how many differ (0 expected; exit 1 otherwise), and the pass's
CPU as a share of the whole extraction of the same pages.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpora import corpora
from bench.eval_extraction import aeb, trafilatura_eval


def main() -> None:
    import trafilatura

    from crawler.articles.comments import reader_comments
    from crawler.articles.extract import decode_html, extract_page, parse_html

    root = corpora()
    pages = aeb(root)[0] + trafilatura_eval(root)[0]
    held = differ = 0
    comments_cpu = extraction_cpu = 0.0
    for url, body in pages:
        start = time.process_time()
        extract_page(body, url)
        extraction_cpu += time.process_time() - start
        tree = parse_html(decode_html(body, None)[0])
        if tree is None:
            continue
        start = time.process_time()
        ours = reader_comments(tree, url, fast=True, include_tables=True)
        comments_cpu += time.process_time() - start
        doc = trafilatura.bare_extraction(
            tree, url=url, fast=True, include_comments=True, with_metadata=False
        )
        if doc is None:
            continue
        stock = doc.comments or ""
        held += bool(stock)
        if ours != stock:
            differ += 1
            print(f"differs: {url} ({len(ours)} characters here, {len(stock)} in trafilatura's)")
    print(
        f"{len(pages)} pages, {held} with reader comments, {differ} differ from trafilatura's; "
        f"the comments pass costs {comments_cpu / extraction_cpu:.0%} of the extraction's CPU"
    )
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
