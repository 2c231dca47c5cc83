"""The extraction workers' one-time set-ups, done once, in their forkserver.

A fresh worker spends ~0.25 s of its first dated pages setting up dateparser, which htmldate
sends the dates it cannot read itself: its parser, its time-zone expressions, its first
languages. A crawl's two workers would each pay it, and each worker that replaces one after
``max_tasks`` pages again.

The forkserver (:mod:`crawler.articles.pool`) imports this module before it forks any
worker, while the crawl process starts on the other core: importing it extracts two built
pages, an English and a French one, whose dates htmldate sends to dateparser. The French
page's host has a three-letter name (as rfi.fr), which courlan's pattern cannot split: it
reads the public suffix list (``tld``, ~0.1 s), as it does for such hosts and IP
addresses with a port. Every worker forked after starts with these set up, and shares that
memory with the forkserver (copy-on-write).

Left to the workers: a date that no language's words fit makes dateparser try all of its
~200 (1-2 s and 38 MB, once per worker): done here, every crawl would pay it and hold that
memory, whether its pages need it or not (docs/benchmarks-log.md). trafilatura's speed-ups
are not installed here either: each worker installs them or not, as its options say
(~25 ms). A warm-up that fails is logged and costs nothing else.
"""

from __future__ import annotations

import logging

from crawler.articles.extract import ExtractOptions, extract_page

__all__ = ["WARM_UP_PAGES", "warm_up"]

logger = logging.getLogger(__name__)

_PAGE = """<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
</head><body><nav><a href="/">/</a> <a href="/tag/a">a</a></nav><article><h1>{title}</h1>
<span class="date">{date}</span><p>{text}</p><p>{text}</p></article></body></html>"""

WARM_UP_PAGES = tuple(
    (url, _PAGE.format(lang=lang, title=title, date=date, text=text))
    for url, lang, title, date, text in (
        (  # a date read by dateparser: its parser, its time zones and English
            "https://news.example/world/treaty-in-force",
            "en",
            "The treaty between Russia and North Korea enters into force",
            "November 20 15:23 2019",
            "The comprehensive strategic partnership treaty signed in Pyongyang in June came"
            " into force after the two countries exchanged their ratifications.",
        ),
        (  # dateparser's French; the public suffix list
            "https://www.rfi.example/monde/traite-en-vigueur",
            "fr",
            "Le traité entre la Russie et la Corée du Nord entre en vigueur",
            "4 déc. 2024 10:30",
            "Le traité de partenariat stratégique global, signé à Pyongyang en juin, est entré"
            " en vigueur après l'échange des instruments de ratification.",
        ),
    )
)
"""(URL, HTML) of the built pages extracted."""


def warm_up() -> None:
    """Extract the built pages once, with trafilatura as it ships."""
    options = ExtractOptions(speedups=False)
    for url, html in WARM_UP_PAGES:
        try:
            extract_page(html.encode(), url, "text/html; charset=utf-8", options=options)
        except Exception:  # a library's change: the workers set themselves up as before
            logger.warning("extraction warm-up failed on %s", url, exc_info=True)


warm_up()
