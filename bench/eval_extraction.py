"""Extraction quality on every annotated set, each with its own metric, stock trafilatura
and htmldate measured in the same run:

    python bench/eval_extraction.py [--all | --sets aeb,traf,fr,dates] [--workers 2]

| set (DEV) | metric |
|---|---|
| scrapinghub-aeb (145) | the benchmark's word-4-gram precision/recall/F1 |
| trafilatura-eval (696) | trafilatura's snippets: ``with`` found, ``without`` leaked |
| french-news (19 of trafilatura-eval, 30 of htmldate-eval) | the parent set's metric |
| htmldate-eval (704) | publication dates: right, wrong, none (htmldate's metric) |

Systems: trafilatura's ``extract()`` with its defaults, without comments, without comments
in fast mode (no fallback extractors); htmldate's extensive search; this pipeline
(``extract_page``, as a crawl runs it). ``CORPORA`` points at shared/corpora.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpora import corpora
from crawler.articles.benchmark_sets import (
    EvaluationError,
    Page,
    aeb_set,
    french_news_view,
    htmldate_eval_set,
    trafilatura_eval_set,
)
from crawler.articles.evaluation import Score, score_dates, score_documents, score_snippets


# --- systems (module level: they run in worker processes) ---------------------------------
def stock_default(page: Page) -> str | None:
    import trafilatura

    return trafilatura.extract(page[1], url=page[0])


def stock_no_comments(page: Page) -> str | None:
    import trafilatura

    return trafilatura.extract(page[1], url=page[0], include_comments=False)


def stock_fast(page: Page) -> str | None:
    import trafilatura

    return trafilatura.extract(page[1], url=page[0], include_comments=False, fast=True)


def pipeline(page: Page) -> str | None:
    from crawler.articles.extract import extract_page

    return extract_page(page[1], page[0]).text or None


def pipeline_fallback(page: Page) -> str | None:
    from crawler.articles.extract import ExtractOptions, extract_page

    options = ExtractOptions(fallback_below=800)
    return extract_page(page[1], page[0], options=options).text or None


def htmldate_extensive(page: Page) -> str | None:
    from htmldate import find_date

    try:
        found: str | None = find_date(
            page[1], url=page[0], extensive_search=True, original_date=True
        )
    except Exception:
        return None
    return found


def pipeline_date(page: Page) -> str | None:
    from crawler.articles.extract import extract_page

    return extract_page(page[1], page[0]).published


TEXT_SYSTEMS: dict[str, Callable[[Page], str | None]] = {
    "trafilatura extract() defaults": stock_default,
    "trafilatura, include_comments=False": stock_no_comments,
    "trafilatura, include_comments=False, fast=True": stock_fast,
    "this pipeline (crawler extract)": pipeline,
    "this pipeline, fallback_below=800": pipeline_fallback,
}
DATE_SYSTEMS: dict[str, Callable[[Page], str | None]] = {
    "htmldate find_date(extensive_search=True)": htmldate_extensive,
    "this pipeline (crawler extract)": pipeline_date,
}


# --- scoring -------------------------------------------------------------------------------
def run(
    pool: ProcessPoolExecutor, systems: dict[str, Callable[[Page], str | None]], pages: list[Page]
) -> dict[str, list[str | None]]:
    return {name: list(pool.map(func, pages, chunksize=4)) for name, func in systems.items()}


def row(set_name: str, system: str, score: Score) -> str:
    return (
        f"| {set_name} | {system} | {score.precision:.3f} | {score.recall:.3f} | "
        f"**{score.f1:.3f}** | {score.accuracy:.3f} | {score.documents} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    every = ("aeb", "traf", "fr", "dates")
    parser.add_argument(
        "--sets", default=",".join(every), help=f"a comma-separated subset of {','.join(every)}"
    )
    parser.add_argument("--all", action="store_true", help="every set (the default)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    wanted = set(every if args.all else args.sets.split(","))
    if unknown := wanted - set(every):
        parser.error(
            f"--sets: unknown set(s) {', '.join(sorted(unknown))}; known: {', '.join(every)}"
        )
    root = corpora()
    lines = [
        "| set (DEV) | system | precision | recall | F1 | accuracy | pages |",
        "|---|---|---|---|---|---|---|",
    ]
    french_ids = french_news_view(root / "french-news")
    with ProcessPoolExecutor(args.workers) as pool:
        if "aeb" in wanted:
            pages, gold = aeb_set(root / "scrapinghub-aeb")
            for name, out in run(pool, TEXT_SYSTEMS, pages).items():
                score = score_documents(zip(gold, [o or "" for o in out], strict=True))
                lines.append(row("scrapinghub-aeb (word 4-grams)", name, score))
        if "traf" in wanted or "fr" in wanted:
            pages, snippets = trafilatura_eval_set(root / "trafilatura-eval")
            outputs = run(pool, TEXT_SYSTEMS, pages)
            french_urls = french_ids.get("trafilatura-eval", set())
            for name, out in outputs.items():
                items = [(w, wo, o) for (w, wo), o in zip(snippets, out, strict=True)]
                if "traf" in wanted:
                    lines.append(row("trafilatura-eval (snippets)", name, score_snippets(items)))
                if "fr" in wanted:
                    fr = [i for i, (u, _) in zip(items, pages, strict=True) if u in french_urls]
                    lines.append(
                        row("french-news: trafilatura-eval part", name, score_snippets(fr))
                    )
        if "dates" in wanted or "fr" in wanted:
            pages, dates = htmldate_eval_set(root / "htmldate-eval")
            found = run(pool, DATE_SYSTEMS, pages)
            french_urls = french_ids.get("htmldate-eval", set())
            for name, out in found.items():
                if "dates" in wanted:
                    lines.append(row("htmldate-eval (dates)", name, score_dates(dates, out)))
                if "fr" in wanted:
                    keep = [i for i, (u, _) in enumerate(pages) if u in french_urls]
                    score = score_dates([dates[i] for i in keep], [out[i] for i in keep])
                    lines.append(row("french-news: htmldate-eval part", name, score))
    print("\n".join(lines))


if __name__ == "__main__":
    try:
        main()
    except EvaluationError as exc:  # a set missing or broken: named, no traceback
        sys.exit(f"eval_extraction: {exc}")
