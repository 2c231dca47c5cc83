"""What each part of a crawl costs against stock trafilatura, on the same pages, in one run.

    python bench/parts.py [--pages N] [--rounds R]     (default: 580 pages, 2 rounds)

The pages of ``bench/speed.py`` (scrapinghub-aeb's, cycled, each made distinct), in this one
process and one thread, timed by CPU:

- stock trafilatura, called as (a) calls it: the unit. It runs first, because the project's
  speed-ups patch trafilatura once its extraction has run in a process;
- the project's extraction (``extract_page``: decoding, trafilatura with the speed-ups,
  dates, language, near-duplicate features);
- the WARC records of a page (``RotatingWarcWriter.write_exchange``: response and request
  records, digests, gzip, CDXJ line), and the gzip of a record body alone.

Besides those, the crawl pays Scrapy's own request cycle: ``bench/speed.py`` measures it as
(c). The sum of the three is the least CPU a crawl can spend per page with this code: what
the speed target of issue #17 (1.0x of (a) on two processes) must fit into. Each figure is
the lowest of R rounds, as a ratio to stock trafilatura's lowest (the machine is shared).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._corpora import corpora  # noqa: E402
from bench.speed import _page, _pages, _trafilatura_alone  # noqa: E402

Page = tuple[str, bytes]


def _cpu_per_page(
    work: Callable[[Page], object], pages: list[Page], rounds: int, warm_up: Page
) -> float:
    """The lowest CPU seconds per page over ``rounds`` passes, after one page outside them."""
    work(warm_up)
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for page in pages:
            work(page)
        best = min(best, (time.process_time() - start) / len(pages))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=580, help="pages per round")
    parser.add_argument("--rounds", type=int, default=2, help="passes; the lowest counts")
    args = parser.parse_args()
    if args.pages < 1 or args.rounds < 1:
        parser.error("--pages and --rounds must be at least 1")
    corpora()  # a missing folder is named before any work
    bodies = _pages()
    pages = [(f"http://127.0.0.1/p/{i}.html", _page(bodies, i)) for i in range(args.pages + 1)]
    warm_up = pages.pop()

    stock = _cpu_per_page(_trafilatura_alone, pages, args.rounds, warm_up)  # before speed-ups

    from crawler.archive.compression import gzip_member
    from crawler.archive.warc import GZIP_LEVEL, HttpExchange, RotatingWarcWriter, WarcInfo
    from crawler.articles.extract import ExtractOptions, extract_page

    options = ExtractOptions()

    def extraction(page: Page) -> object:
        return extract_page(page[1], page[0], "text/html; charset=utf-8", options=options)

    with tempfile.TemporaryDirectory() as folder:
        writer = RotatingWarcWriter(
            Path(folder), "parts", WarcInfo((("software", "bench/parts.py"),)), max_size=2**40
        )

        def records(page: Page) -> object:
            url, body = page
            exchange = HttpExchange(
                url=url,
                method="GET",
                request_headers=[("Accept", "*/*")],
                request_body=b"",
                protocol="HTTP/1.1",
                status=200,
                reason="OK",
                response_headers=[
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                ],
                body=body,
                fetched_at=datetime.now(UTC),
            )
            return writer.write_exchange(exchange)

        figures = {
            "the project's extraction": _cpu_per_page(extraction, pages, args.rounds, warm_up),
            # one round: in a second, every page would repeat a payload, a cheap revisit record
            "WARC records (response + request)": _cpu_per_page(records, pages, 1, warm_up),
            f"  of which gzip at level {GZIP_LEVEL}": _cpu_per_page(
                lambda page: gzip_member(page[1], GZIP_LEVEL), pages, args.rounds, warm_up
            ),
        }
        writer.close()
    print(f"{len(pages)} pages, one process, CPU against stock trafilatura as (a) calls it:\n")
    print("| part | share of stock trafilatura's CPU |\n|---|---|")
    print("| stock trafilatura | 1.00 |")
    for name, seconds in figures.items():
        print(f"| {name} | {seconds / stock:.2f} |")


if __name__ == "__main__":
    main()
